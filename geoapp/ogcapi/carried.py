"""Indicator values of the default edition carried onto a later edition's units, as layer columns.

Each `<indicator>_<year>` column comes with `_status` (fact, illustrative or derived),
`_derived` (false only where a unit is one whole old unit), `_rule` (the catalog's carry rule),
`_from` (the old unit codes it was computed from) and `_estimated` (a divided old unit
contributed, by area share). Values that cannot be carried are left out, never guessed.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geoapp.data.dataset import Dataset
from geoapp.editions.carry import carry_values
from geoapp.ogcapi.fields import Field, text_columns, typed_values

STATUSES = ("fact", "illustrative", "derived")


def carried_rows(data: Dataset, edition: str) -> pd.DataFrame:
    """Return the commune indicators of the default edition carried onto `edition`'s units."""
    crosswalk = data.crosswalk_to(edition)  # shipped, uploaded with the edition, or composed
    ids = [ind.id for ind in data.catalog.indicators.values() if ind.scope == "commune"]
    values = data.values[data.values["indicator"].isin(ids)]
    rows = carry_values(values, crosswalk, data.catalog).rows
    return rows.drop_duplicates(["commune_code", "indicator", "year"], keep="last")


def indicator_order(data: Dataset, rows: pd.DataFrame) -> list[str]:
    """Return the carried indicator ids, catalog order first, then any others (e.g. shares by level)."""
    present = set(rows["indicator"])
    known = [i for i in data.catalog.indicators if i in present]
    return known + sorted(present - set(known))


def objects(values: pd.Series, cast=None) -> pd.Series:
    """Return values as Python objects, None where missing."""
    return pd.Series([None if pd.isna(v) else (cast(v) if cast else v) for v in values], index=values.index, dtype=object)


def carried_columns(data: Dataset, edition: str, index: pd.Index) -> tuple[dict, list[Field]]:
    """Return ({column name: values on `index`}, [Field]) of every carried indicator-year."""
    rows = carried_rows(data, edition)
    columns, fields = {}, []
    for indicator_id in indicator_order(data, rows):
        ind = data.catalog.indicators.get(indicator_id)
        of_indicator = rows[rows["indicator"] == indicator_id]
        for year in sorted(int(y) for y in of_indicator["year"].unique()):
            one = of_indicator[of_indicator["year"] == year].set_index("commune_code").reindex(index)
            name = f"{indicator_id}_{year}"
            column, json_type = typed_values(one["value"], ind.is_numeric if ind else True)
            columns[name] = column
            columns[f"{name}_status"] = objects(one["status"], str)
            columns[f"{name}_derived"] = objects(one["derived"], bool)
            columns[f"{name}_rule"] = objects(one["rule"], str)
            columns[f"{name}_from"] = objects(one["from"], str)
            columns[f"{name}_estimated"] = objects(one["estimated"], bool)
            title = {**(ind.titles if ind else {}), "year": year}
            enum = tuple(c.value for c in ind.categories) if ind and not ind.is_numeric else ()
            fields += [
                Field(name, json_type, title, enum),
                Field(f"{name}_status", "string", {}, STATUSES),
                Field(f"{name}_derived", "boolean"),
                Field(f"{name}_rule", "string"),
                Field(f"{name}_from", "string"),
                Field(f"{name}_estimated", "boolean"),
            ]
    return columns, fields


def carried_indicator_layer(units: gpd.GeoDataFrame, data: Dataset, edition: str,
                            unit_columns: list[str]) -> tuple[gpd.GeoDataFrame, list[Field]]:
    """Return `edition`'s units with the carried values, indexed by unit code."""
    props = text_columns(units, unit_columns)
    props.index = list(units["commune_code"])
    columns, fields = carried_columns(data, edition, props.index)
    wide = pd.concat([props, pd.DataFrame(columns, index=props.index)], axis=1)
    frame = gpd.GeoDataFrame(wide, geometry=list(units.geometry), crs="OGC:CRS84")
    return frame, [Field(c, "string") for c in unit_columns] + fields
