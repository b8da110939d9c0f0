"""Boundary editions: units valid over a period, the checked crosswalk between editions, carried values.

Modules: model (editions, edition-qualified unit ids), crosswalk (typed rows), parts (equal-area
geometry, dividing split units), check (the crosswalk check), build (the new edition's polygons
and weighted crosswalk), carry (indicator values across editions), lookup (predecessors,
successors, carried values of one indicator), units (what readers see: an edition's units of an
area or former district, a unit's parts and rule, values on either edition's units).
"""
