"""The properties of a collection: their JSON types and how column values become JSON values."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from geoapp.data.values import numeric


@dataclass(frozen=True)
class Field:
    """A simple property of a collection: name, JSON type, and allowed values when fixed."""

    name: str
    type: str  # "string" | "number" | "integer" | "boolean"
    title: dict = field(default_factory=dict)
    enum: tuple = ()


def text_columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Return text columns as Python objects, None where missing."""
    out = frame[columns].astype(object)
    return out.where(frame[columns].notna(), None)


def typed_values(values: pd.Series, is_numeric: bool) -> tuple[pd.Series, str]:
    """Return values as JSON-ready objects and their JSON type (integer when every number is whole)."""
    if not is_numeric:
        text = values.astype(object)
        return text.where(values.notna() & (values != ""), None), "string"
    numbers = numeric(values.astype("string").fillna(""))
    whole = bool(((numbers.dropna() % 1) == 0).all())
    cast = int if whole else float
    column = pd.Series([None if pd.isna(v) else cast(v) for v in numbers], index=values.index, dtype=object)
    return column, ("integer" if whole else "number")
