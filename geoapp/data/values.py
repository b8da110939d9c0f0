"""Indicator values: typing, derived indicators and per-year selection."""

from __future__ import annotations

import pandas as pd

from geoapp.catalog import Catalog, Indicator

FACT = "fact"
ILLUSTRATIVE = "illustrative"


def numeric(values: pd.Series) -> pd.Series:
    """Return values as floats; text that is not a number becomes NaN."""
    return pd.to_numeric(values.replace("", pd.NA), errors="coerce").astype(float)


def _combine(values: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    spec = ind.derived or {}
    inputs = spec.get("ratio") or spec.get("sum") or []
    part = values[values["indicator"].isin(inputs)].copy()
    if part.empty:
        return part
    part["num"] = numeric(part["value"])
    wide = part.pivot_table(index=["commune_code", "year"], columns="indicator", values="num", aggfunc="first")
    status = part.groupby(["commune_code", "year"])["status"].agg(
        lambda s: FACT if (s == FACT).all() else ILLUSTRATIVE
    )
    wide = wide.reindex(columns=inputs)
    if "ratio" in spec:
        num, den = wide[inputs[0]], wide[inputs[1]]
        result = (num / den.where(den > 0)) * float(spec.get("scale", 1))
    else:
        result = wide.sum(axis=1, min_count=len(inputs))
    out = pd.DataFrame({"value": result, "status": status}).dropna(subset=["value"]).reset_index()
    out["value"] = out["value"].round(4).map(lambda v: f"{v:g}")
    out["indicator"] = ind.id
    out["source"] = out["status"].map({FACT: "derived", ILLUSTRATIVE: ILLUSTRATIVE})
    out["note"] = "derived: " + (" / " if "ratio" in spec else " + ").join(inputs)
    return out[values.columns]


def with_derived(values: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Return the table with derived indicators computed from their inputs.

    A derived value is a fact only when all its inputs are facts.
    """
    derived = [i for i in catalog.indicators.values() if i.derived]
    base = values[~values["indicator"].isin([i.id for i in derived])]
    frames = [base] + [_combine(base, ind) for ind in derived]
    return pd.concat([f for f in frames if len(f)], ignore_index=True)


def select(values: pd.DataFrame, indicator_id: str, year: int) -> pd.DataFrame:
    """Return one indicator's rows for one year, one row per commune."""
    rows = values[(values["indicator"] == indicator_id) & (values["year"] == year)]
    return rows.drop_duplicates("commune_code", keep="last")
