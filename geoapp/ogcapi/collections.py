"""The collections served: per boundary edition, its communes, its districts and its indicator values.

Collection ids are edition-qualified ("communes-2021", "districts-2021", "indicators-2021",
"communes-2025", "indicators-2025") and feature ids are "<edition>-<unit code>" (e.g. "2021-06187",
"2025-06187": a 2025 unit may reuse a 2021 code for a different place, so ids never collide).
Adding an edition is one entry in EDITIONS: its id and how to read its units from a Dataset.
The indicator values were collected on the 2021 units; on a later edition they are carried
along the crosswalk by the catalog's rules and say so (geoapp.ogcapi.carried).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import geopandas as gpd
import pandas as pd
import shapely

from geoapp.data.dataset import Dataset
from geoapp.ogcapi.carried import carried_indicator_layer
from geoapp.ogcapi.fields import Field, text_columns, typed_values
from geoapp.storage.base import BOUNDARY_COLUMNS

DISTRICT_COLUMNS = ["district_code", "district_name", "province_code", "province_name"]
UNIT_COLUMNS = ["commune_code", "commune_name", "commune_type", "district_code", "district_name", "boundary_quality"]


@dataclass(frozen=True)
class Edition:
    """A boundary edition: its id (the year it took effect), how to read its units, and whether
    its indicator values are carried from the edition they were collected in."""

    id: str
    units: Callable[[Dataset], gpd.GeoDataFrame | None]
    has_districts: bool = True
    carried: bool = False


EDITIONS: tuple[Edition, ...] = (
    Edition("2021", lambda data: data.communes, has_districts=True),
    Edition("2025", lambda data: data.editions.get("2025"), has_districts=False, carried=True),
)
KINDS = ("communes", "districts", "indicators")


def editions_of(data: Dataset | None) -> tuple[Edition, ...]:
    """Return EDITIONS and, with a dataset, every other published edition (one added by upload, e.g. 2027)."""
    if data is None:
        return EDITIONS
    known = {e.id for e in EDITIONS}
    extra = tuple(
        Edition(code, lambda d, code=code: d.editions.get(code), has_districts=data.registry.get(code).has_districts,
                carried=True)
        for code in sorted(data.editions) if code not in known and code in data.registry.editions
    )
    return EDITIONS + extra


@dataclass
class Layer:
    """One collection at one data version: properties and CRS84 geometries, sorted by feature id."""

    id: str
    kind: str
    edition: str
    frame: gpd.GeoDataFrame  # index: feature ids; columns: the fields, then geometry
    fields: list[Field]
    carried: bool = False  # indicator values carried from another edition

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return tuple(float(v) for v in self.frame.total_bounds)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def collection_ids(data: Dataset | None = None) -> list[str]:
    """Return every collection id, edition by edition (with `data`: its editions added by upload too)."""
    ids = []
    for edition in editions_of(data):
        for kind in KINDS:
            if kind != "districts" or edition.has_districts:
                ids.append(f"{kind}-{edition.id}")
    return ids


def split_id(collection_id: str, data: Dataset | None = None) -> tuple[str, Edition] | None:
    """Return (kind, edition) of a collection id, or None if there is no such collection."""
    if collection_id not in collection_ids(data):
        return None
    kind, edition_id = collection_id.rsplit("-", 1)
    return kind, next(e for e in editions_of(data) if e.id == edition_id)


def build_layer(data: Dataset, collection_id: str) -> Layer | None:
    """Return the layer of a collection for this dataset, or None if there is no such collection."""
    parts = split_id(collection_id, data)
    if parts is None:
        return None
    kind, edition = parts
    units = edition.units(data)
    if units is None:
        return None  # the edition has no published version in this store
    carried = kind == "indicators" and edition.carried
    if carried:
        frame, fields = carried_indicator_layer(units, data, edition.id, unit_columns(edition))
    elif kind == "indicators":
        frame, fields = indicator_layer(units, data)
    else:
        frame, fields = {"communes": commune_layer, "districts": district_layer}[kind](units)
    frame.index = [f"{edition.id}-{code}" for code in frame.index]
    frame = frame.sort_index()
    return Layer(collection_id, kind, edition.id, frame, fields, carried)


def unit_columns(edition: Edition) -> list[str]:
    """Return the unit attributes of an indicator layer (no district columns in an edition without districts)."""
    return [c for c in UNIT_COLUMNS if edition.has_districts or not c.startswith("district_")]


def commune_layer(units: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[Field]]:
    """Return the units with their stored attributes, indexed by commune code."""
    props = text_columns(units, BOUNDARY_COLUMNS)
    frame = gpd.GeoDataFrame(props, geometry=list(units.geometry), crs="OGC:CRS84")
    frame.index = list(units["commune_code"])
    return frame, [Field(c, "string") for c in BOUNDARY_COLUMNS]


def district_layer(units: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[Field]]:
    """Return the districts dissolved from the published units, indexed by district code."""
    rows, geoms = [], []
    for code, group in units.groupby("district_code", sort=True):
        first = group.iloc[0]
        rows.append({**{c: _text(first[c]) for c in DISTRICT_COLUMNS}, "communes": int(len(group))})
        geoms.append(shapely.union_all(group.geometry.values))
    frame = gpd.GeoDataFrame(pd.DataFrame(rows, columns=DISTRICT_COLUMNS + ["communes"]),
                             geometry=geoms, crs="OGC:CRS84")
    frame.index = [row["district_code"] for row in rows]
    return frame, [Field(c, "string") for c in DISTRICT_COLUMNS] + [Field("communes", "integer")]


def _text(value) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def indicator_layer(units: gpd.GeoDataFrame, data: Dataset) -> tuple[gpd.GeoDataFrame, list[Field]]:
    """Return the units with one column per indicator and year, and a status column beside each.

    `<indicator>_<year>` holds the value (a number for numeric indicators, the category
    code otherwise); `<indicator>_<year>_status` says whether it is a fact or illustrative.
    """
    props = text_columns(units, UNIT_COLUMNS)
    props.index = list(units["commune_code"])
    fields = [Field(c, "string") for c in UNIT_COLUMNS]
    ids = [ind.id for ind in data.catalog.indicators.values() if ind.scope == "commune"]
    values = data.values[data.values["indicator"].isin(ids)]
    values = values.drop_duplicates(["commune_code", "indicator", "year"], keep="last")
    wide_values = values.pivot(index="commune_code", columns=["indicator", "year"], values="value").reindex(props.index)
    wide_status = values.pivot(index="commune_code", columns=["indicator", "year"], values="status").reindex(props.index)
    columns = {}
    for ind in (data.catalog.indicators[i] for i in ids):
        for year in sorted(int(y) for y in values.loc[values["indicator"] == ind.id, "year"].unique()):
            name = f"{ind.id}_{year}"
            column, json_type = typed_values(wide_values[(ind.id, year)], ind.is_numeric)
            status = wide_status[(ind.id, year)]
            columns[name] = column
            columns[f"{name}_status"] = status.astype(object).where(status.notna(), None)
            enum = tuple(c.value for c in ind.categories)
            fields.append(Field(name, json_type, {**ind.titles, "year": year}, enum))
            fields.append(Field(f"{name}_status", "string", {}, ("fact", "illustrative")))
    wide = pd.concat([props, pd.DataFrame(columns, index=props.index)], axis=1)
    frame = gpd.GeoDataFrame(wide, geometry=list(units.geometry), crs="OGC:CRS84")
    return frame, fields


