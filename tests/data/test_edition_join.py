"""Joins that know the edition: 2025 codes or names join onto 2025 units; ambiguous codes are refused."""

import geopandas as gpd
import pandas as pd
import pytest

from geoapp.config import GEODATA_DIR
from geoapp.data.edition_join import join_in_edition, reason_text, resolve_in_edition
from geoapp.data.join import resolve
from geoapp.errors import Invalid


@pytest.fixture(scope="module")
def editions():
    return {"2021": pd.read_csv(GEODATA_DIR / "communes_2021.csv", dtype=str),
            "2025": pd.read_csv(GEODATA_DIR / "communes_2025.csv", dtype=str)}


def test_2025_names_join_onto_the_2025_units(editions):
    table = pd.DataFrame({"ten_xa": ["Phường Kỳ Lừa", "Xã Đồng Đăng"], "ocop_3_star": [3, 4]})
    edition, matched, report = resolve_in_edition(table, editions)
    assert edition == "2025" and report.edition == "2025"
    assert list(matched["commune_code"]) == ["06187", "06184"]
    assert report.edition_reason["key"] == "edition_by_names"
    assert "2025" in reason_text(report.edition_reason, "en") and "2 of 2" in reason_text(report.edition_reason, "en")
    assert report.to_dict()["edition"] == "2025"


def test_codes_with_names_pick_the_edition_the_names_agree_with(editions):
    new = pd.DataFrame({"ma_xa": ["06187", "06211"], "ten_xa": ["Phường Kỳ Lừa", "Xã Cao Lộc"], "v": [1, 2]})
    old = pd.DataFrame({"ma_xa": ["06187", "06211"], "ten_xa": ["Thị trấn Cao Lộc", "Xã Lộc Yên"], "v": [1, 2]})
    assert resolve_in_edition(new, editions)[0] == "2025"
    assert resolve_in_edition(old, editions)[0] == "2021"


def test_codes_that_fit_both_editions_are_never_joined_by_guess(editions):
    table = pd.DataFrame({"ma_xa": ["06187", "06211"], "v": [1, 2]})
    with pytest.raises(Invalid) as refused:
        resolve_in_edition(table, editions)
    assert "2021, 2025" in refused.value.message("en") and "units=" in refused.value.message("vi")
    edition, matched, report = resolve_in_edition(table, editions, edition="2025")
    assert edition == "2025" and report.edition_reason["key"] == "edition_requested"


def test_codes_of_only_one_edition_choose_it(editions):
    table = pd.DataFrame({"ma_xa": ["06187", "06190"], "v": [1, 2]})  # 06190 (Xã Bảo Lâm) exists only in 2021
    edition, _, report = resolve_in_edition(table, editions)
    assert edition == "2021" and report.edition_reason["key"] == "edition_by_codes"


def test_join_onto_the_chosen_edition_boundaries():
    boundaries = {"2021": gpd.read_file(GEODATA_DIR / "communes_2021_approx.geojson"),
                  "2025": gpd.read_file(GEODATA_DIR / "communes_2025_approx.geojson")}
    table = pd.DataFrame({"ten_xa": ["Phường Kỳ Lừa", "Xã Đồng Đăng"], "ocop_3_star": [3, 4]})
    result = join_in_edition(boundaries, table)
    assert result.report.edition == "2025" and len(result.frame) == 65
    assert result.frame.set_index("commune_code").loc["06184", "ocop_3_star"] == 4


def test_the_existing_join_api_is_unchanged(editions):
    table = pd.DataFrame({"ma_xa": ["06187"], "v": [1]})
    matched, report = resolve(table, editions["2021"])
    assert list(matched["commune_code"]) == ["06187"] and report.edition is None
