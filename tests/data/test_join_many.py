"""The vectorised join on a synthetic national table: every row finds the commune it was made from."""

from __future__ import annotations

import numpy as np

from benchmarks.synthetic import indicator_table, synthetic_communes
from geoapp.data.join import resolve
from geoapp.storage.base import boundary_frame

COLUMNS = {"ma_xa": "commune_code", "ten_xa": "commune_name", "ma_huyen": "district_code",
           "ten_huyen": "district_name", "ma_tinh": "province_code", "ten_tinh": "province_name"}


def test_codes_names_and_diacritic_free_names_all_match_their_commune():
    layer = synthetic_communes(200, vertices=20, seed=8)
    units = boundary_frame(layer.rename(columns=COLUMNS))
    table = indicator_table(layer, 1000, seed=8)
    expected = np.tile(layer["ma_xa"].to_numpy(), 5)[:1000]
    matched, report = resolve(table, units)
    counts = report.counts()
    assert counts["by_code"] + counts["by_name"] + counts["fuzzy"] == 1000 - counts["unmatched"]
    assert counts["by_name"] > 50 and counts["fuzzy"] > 10
    rows = {e["row"]: e["matched_code"] for e in report.by_code + report.by_name + report.fuzzy}
    assert all(expected[row - 2] == code for row, code in rows.items())
    # a name that repeats within its district cannot be matched by name: reported, never guessed
    assert {u["reason"] for u in report.unmatched} <= {"ambiguous_name"}
    assert [e["row"] for e in report.by_name] == sorted(e["row"] for e in report.by_name)
