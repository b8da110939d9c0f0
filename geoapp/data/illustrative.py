"""Reproducible demo indicator values: article facts plus labelled illustrative values."""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20211
YEARS = (2020, 2021)
COLUMNS = ["commune_code", "indicator", "year", "value", "status", "source", "note"]
NTM_LEVELS = ["chua_dat", "dat_chuan", "nang_cao", "kieu_mau"]
CARRIED = "carried forward from the article's value"
BORDER_DISTRICTS = {"180", "182", "183", "188", "189"}  # districts on the China border
# Being a border commune is a legal fact: it is never invented. Only the communes
# the article names get a value; the map shows every other one as "unknown".


def _rng(code: str) -> np.random.Generator:
    """Return a generator that depends only on the seed and the commune code."""
    return np.random.default_rng([SEED, int(code)])


def _commune_rows(code: str, district: str, unit_type: str) -> list[tuple]:
    rng = _rng(code)
    rows = []
    level = int(rng.choice(4, p=[0.5, 0.35, 0.12, 0.03])) if unit_type == "Xã" else None
    since = int(rng.integers(2013, 2020)) if level else None
    schools = int(rng.integers(2, 9))
    standard = int(rng.binomial(schools, 0.45))
    if district in BORDER_DISTRICTS:
        rng.random()  # the draw once used for border status, kept so the other demo values stay as shipped
    ocop = [int(rng.poisson(0.6)), int(rng.poisson(0.15)), 0]
    for year in YEARS:
        if year > YEARS[0]:
            if level is not None and level < 3 and rng.random() < 0.2:
                level += 1
                since = since or year
            if rng.random() < 0.3:
                standard = min(schools, standard + 1)
            ocop[0] += int(rng.poisson(0.3))
        if level is not None:
            rows.append((code, "ntm_level", year, NTM_LEVELS[level]))
        if since is not None:
            rows.append((code, "ntm_year", year, str(since)))
        rows += [
            (code, "schools_total", year, str(schools)),
            (code, "schools_standard", year, str(standard)),
            (code, "ocop_3_star", year, str(ocop[0])),
            (code, "ocop_4_star", year, str(ocop[1])),
            (code, "ocop_5_star", year, str(ocop[2])),
            (code, "defence_drills", year, str(int(rng.integers(1, 5)))),
        ]
    return rows


def _article_facts(facts: pd.DataFrame) -> dict[tuple, tuple[str, str]]:
    """Return {(code, indicator, year): (value, note)} for the commune facts of the article."""
    out = {}
    for row in facts[facts["scope"] == "commune"].itertuples():
        if row.indicator != "ntm_level":
            continue
        year = int(str(row.period)[:4])
        out[(row.unit_code, "ntm_level", year)] = (row.value, row.note)
        out[(row.unit_code, "ntm_year", year)] = (str(year), row.note)
        if "border commune" in str(row.note):
            for y in YEARS:
                out[(row.unit_code, "border_commune", y)] = ("yes", "the article calls it a border commune")
    return out


def _upsert(table: pd.DataFrame, row: tuple) -> pd.DataFrame:
    """Replace the row with the same (code, indicator, year), or append it."""
    code, indicator, year = row[:3]
    mask = (table["commune_code"] == code) & (table["indicator"] == indicator) & (table["year"] == year)
    if mask.any():
        table.loc[mask, COLUMNS] = row
    else:
        table.loc[len(table)] = row
    return table


def generate(communes: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """Return the long indicator table: article facts as facts, every other value illustrative."""
    fact_values = _article_facts(facts)
    rows = []
    for unit in communes.sort_values("commune_code").itertuples():
        for code, indicator, year, value in _commune_rows(
            unit.commune_code, unit.district_code, unit.commune_type
        ):
            rows.append((code, indicator, year, value, "illustrative", "illustrative", ""))
    table = pd.DataFrame(rows, columns=COLUMNS)
    for (code, indicator, year), (value, note) in fact_values.items():
        table = _upsert(table, (code, indicator, year, value, "fact", "plvn2021", note))
        for later in (y for y in YEARS if y > year and (code, indicator, y) not in fact_values):
            table = _upsert(table, (code, indicator, later, value, "illustrative", "illustrative", CARRIED))
    return table.sort_values(["commune_code", "indicator", "year"]).reset_index(drop=True)
