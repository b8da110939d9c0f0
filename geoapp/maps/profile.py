"""A commune's profile: every commune indicator over the years."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geoapp.data.dataset import Dataset
from geoapp.data.values import ILLUSTRATIVE
from geoapp.maps.view import display_value


@dataclass
class Profile:
    unit: pd.Series
    years: list[int]
    rows: list[dict]  # {"indicator": Indicator, "cells": [{"year", "value", "status", "note"}]}

    @property
    def illustrative(self) -> bool:
        """True when any value shown is illustrative."""
        return any(c["status"] == ILLUSTRATIVE for r in self.rows for c in r["cells"])


def commune_profile(dataset: Dataset, code: str, lang: str) -> Profile:
    """Return the profile of one commune (NotFound for an unknown code)."""
    unit = dataset.commune(code)
    values = dataset.values[dataset.values["commune_code"] == code]
    years = sorted(int(y) for y in values["year"].unique())
    latest = values.drop_duplicates(["indicator", "year"], keep="last").set_index(["indicator", "year"])
    rows = []
    for ind in dataset.catalog.indicators.values():
        if ind.scope != "commune":
            continue
        cells = []
        for year in years:
            rec = latest.loc[(ind.id, year)] if (ind.id, year) in latest.index else None
            cells.append(
                {
                    "year": year,
                    "value": display_value(None if rec is None else rec["value"], ind, lang),
                    "status": "" if rec is None else rec["status"],
                    "note": "" if rec is None else rec["note"],
                }
            )
        rows.append({"indicator": ind, "cells": cells})
    return Profile(unit, years, rows)
