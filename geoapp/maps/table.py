"""The data table of a map view and the commune search, served in pages instead of all in the page."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from geoapp.cache import CacheKey, MemoryCache
from geoapp.data.dataset import Dataset
from geoapp.data.names import ascii_key
from geoapp.errors import BadRequest
from geoapp.maps.view import MapView
from geoapp.request import ALL_DISTRICTS, Area

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
SEARCH_LIMIT = 10
MAX_SEARCH_LIMIT = 50
SORTS = ("code", "name", "value")
COLUMNS = ("code", "name", "key", "value", "previous", "raw", "status", "source", "color", "cls",
           "derived", "from", "rule", "rule_text", "parts")

TABLE_CACHE = MemoryCache(40)  # table frames of map views and search indexes of editions, current data version


def view_key(view: MapView) -> CacheKey:
    """Return the cache key of a view's table: data version, canonical request and language."""
    return CacheKey(view.data_version, view.request.key, "table-frame", view.lang)


def table_frame(view: MapView) -> pd.DataFrame:
    """Return the view's data table rows as a frame (built once per view)."""
    return TABLE_CACHE.get_or_build(view_key(view), lambda: pd.DataFrame(view.rows(), columns=list(COLUMNS)))


def _int_arg(raw: object, default: int, name: str, low: int, high: int) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise BadRequest("error_bad_paging", name=name, value=raw, min=low, max=high) from None
    if not low <= value <= high:
        raise BadRequest("error_bad_paging", name=name, value=raw, min=low, max=high)
    return value


def fold(query: str | None) -> str:
    """Return a search text as a diacritic-free key ("Hải Yến" -> "hai yen")."""
    return ascii_key((query or "").strip()[:100])


def _sorted(frame: pd.DataFrame, sort: str, descending: bool, numeric: bool) -> pd.DataFrame:
    """Sort rows by code, name (diacritic-free) or value (number, or class order); no data last."""
    if sort == "code":
        by = frame["code"]
    elif sort == "name":
        by = frame["key"]
    elif numeric:
        by = pd.to_numeric(frame["raw"], errors="coerce")
    else:
        by = frame["cls"].where(frame["cls"] >= 0)
    order = by.sort_values(ascending=not descending, na_position="last", kind="stable").index
    return frame.loc[order]


def table_page(view: MapView, *, page: object = None, size: object = None, sort: str | None = None,
               order: str | None = None, query: str | None = None) -> dict:
    """Return one page of the view's data table, sorted and filtered by a diacritic-free name or a code."""
    sort = sort or "code"
    if sort not in SORTS:
        raise BadRequest("error_bad_sort", sort=sort, sorts=", ".join(SORTS))
    if order not in (None, "", "asc", "desc"):
        raise BadRequest("error_bad_sort", sort=order, sorts="asc, desc")
    size = _int_arg(size, PAGE_SIZE, "size", 1, MAX_PAGE_SIZE)
    page = _int_arg(page, 1, "page", 1, 1_000_000)
    frame = table_frame(view)
    key = fold(query)
    if key:
        frame = frame[frame["key"].str.contains(key, regex=False) | frame["code"].str.startswith(key)]
    frame = _sorted(frame, sort, order == "desc", view.indicator.is_numeric)
    total = len(frame)
    rows = frame.iloc[(page - 1) * size: page * size]
    return {
        "indicator": view.indicator.id,
        "year": view.year,
        "previous_year": view.previous_year,
        "district": view.district,
        "units": view.units,
        "data_version": view.data_version,
        "total": total,
        "page": page,
        "size": size,
        "pages": max(1, math.ceil(total / size)),
        "sort": sort,
        "order": order or "asc",
        "rows": [_jsonable(r) for r in rows.to_dict("records")],
    }


def _jsonable(row: dict) -> dict:
    raw = row["raw"]
    if isinstance(raw, float) and np.isnan(raw):
        raw = None
    return {**row, "raw": raw, "cls": int(row["cls"]), "derived": bool(row["derived"])}


def search_index(dataset: Dataset, edition: str | None = None) -> pd.DataFrame:
    """Return code, name and diacritic-free key of every unit of an edition (built once per data version)."""
    edition = edition or dataset.default_edition

    def build() -> pd.DataFrame:
        units = dataset.units(edition)
        names = units["commune_name"].astype(str)
        return pd.DataFrame({
            "code": units["commune_code"].astype(str).to_numpy(),
            "name": names.to_numpy(),
            "key": [ascii_key(n) for n in names],
            "district": text_column(units, "district_code"),
            "district_name": text_column(units, "district_name"),
        })

    return TABLE_CACHE.get_or_build(CacheKey(dataset.version, f"units={edition}", "search-index"), build)


def text_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Return a column as text, "" where missing (2025 units have no district)."""
    if column not in frame:
        return np.full(len(frame), "", dtype=object)
    return frame[column].where(frame[column].notna(), "").astype(str).to_numpy()


def search_communes(dataset: Dataset, query: str | None, *, district: str | None = None, units: str | None = None,
                    limit: object = None) -> dict:
    """Return units of an area whose diacritic-free name contains the query, or whose code starts with it.

    Names that start with the query come first, then the others, each in name order. In an
    edition without districts the area's district is a former one (the units containing its communes).
    """
    limit = _int_arg(limit, SEARCH_LIMIT, "limit", 1, MAX_SEARCH_LIMIT)
    area = Area(district or ALL_DISTRICTS, units or dataset.default_edition)
    key = fold(query)
    index = search_index(dataset, area.units)
    if not area.whole_province:
        index = index[index["code"].isin(area.communes(dataset)["commune_code"].astype(str))]
    if not key:
        return {"query": query or "", "total": 0, "results": []}
    hit = index["key"].str.contains(key, regex=False) | index["code"].str.startswith(key)
    found = index[hit].assign(_first=~index.loc[hit, "key"].str.startswith(key))
    found = found.sort_values(["_first", "key", "code"], kind="stable")
    return {
        "query": query,
        "total": int(len(found)),
        "results": found.drop(columns="_first").head(limit).to_dict("records"),
    }
