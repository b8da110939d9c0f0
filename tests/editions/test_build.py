"""Building the 2025 edition from the 2021 polygons and the checked crosswalk."""

import geopandas as gpd
import pandas as pd
import pytest
import yaml
from shapely.geometry import box

from geoapp.config import GEODATA_DIR
from geoapp.editions.build import BuildStopped, build_edition, write_build
from geoapp.editions.crosswalk import EXCLUDED, read_weighted
from geoapp.editions.model import load_registry, parse_registry
from geoapp.editions.parts import area_km2
from tests.editions.handmade import GOOD, STEP, X0, Y0, new_units, old_units, pairs


@pytest.fixture(scope="module")
def shipped_build(tmp_path_factory):
    registry = load_registry(GEODATA_DIR)
    out = tmp_path_factory.mktemp("build")
    result = build_edition(registry, "2021", "2025")
    write_build(result, registry, "2021", "2025", out)
    return result, out


def test_rebuilding_reproduces_the_shipped_files(shipped_build):
    _, out = shipped_build
    name = "crosswalk_2021_2025_weighted.csv"
    assert (out / name).read_text(encoding="utf-8") == (GEODATA_DIR / name).read_text(encoding="utf-8")
    rebuilt = gpd.read_file(out / "communes_2025_approx.geojson")
    shipped = gpd.read_file(GEODATA_DIR / "communes_2025_approx.geojson")
    pd.testing.assert_frame_equal(rebuilt.drop(columns="geometry"), shipped.drop(columns="geometry"))
    assert all(a.equals_exact(b, 1e-6) for a, b in zip(rebuilt.geometry, shipped.geometry))


def test_the_2025_edition_covers_the_province_once():
    units = gpd.read_file(GEODATA_DIR / "communes_2025_approx.geojson")
    old = gpd.read_file(GEODATA_DIR / "communes_2021_approx.geojson")
    assert len(units) == 65 and units["commune_code"].is_unique
    assert units["unit_id"].str.fullmatch(r"2025:\d{5}").all()
    assert (units["boundary_quality"] == "derived").all() and units.is_valid.all()
    total_new = sum(area_km2(g) for g in units.geometry)
    total_old = sum(area_km2(g) for g in old.geometry)
    assert total_new == pytest.approx(total_old, rel=1e-3)
    ky_lua = units.set_index("commune_code").loc["06187"]
    assert ky_lua["commune_name"] == "Phường Kỳ Lừa"
    assert ky_lua["predecessors"].split() == ["05971", "06187", "06226", "06235", "06244"]
    assert ky_lua["former_districts"].split() == ["178", "183"]


def test_the_failing_row_is_left_out_visibly(shipped_build):
    result, _ = shipped_build
    rows = read_weighted(GEODATA_DIR / "crosswalk_2021_2025_weighted.csv")
    (excluded,) = [r for r in rows if r.status == EXCLUDED]
    assert (excluded.old_code, excluded.new_code) == ("06079", "06184")
    assert "km" in excluded.reason and excluded.share == 0
    assert list(result.excluded) == [35]
    # what is left of Xã Hồng Phong (Bình Gia) goes whole to the 2025 Xã Hồng Phong
    (kept,) = [r for r in rows if r.old_code == "06079" and r.status != EXCLUDED]
    assert (kept.new_code, kept.share, kept.method) == ("06079", 1.0, "whole")
    by_old = pd.DataFrame([r.__dict__ for r in rows if r.status != EXCLUDED]).groupby("old_code")["share"].sum()
    assert len(by_old) == 194 and by_old.round(4).eq(1).all()


def test_change_types_of_the_shipped_crosswalk():
    rows = [r for r in read_weighted(GEODATA_DIR / "crosswalk_2021_2025_weighted.csv") if r.used]
    kinds = {(r.old_code, r.new_code): r.change for r in rows}
    assert kinds[("06187", "06187")] == "merge"  # Thị trấn Cao Lộc into Phường Kỳ Lừa
    assert kinds[("06622", "06613")] == "many_to_many"  # Bính Xá divided, Đình Lập has other parts
    shares = {(r.old_code, r.new_code): r.share for r in rows}
    assert shares[("06622", "06613")] + shares[("06622", "06625")] == pytest.approx(1, abs=1e-5)


def write_geodata(folder, old, new, crosswalk_rows):
    old.to_file(folder / "old.geojson", driver="GeoJSON")
    new.to_csv(folder / "new.csv", index=False)
    pairs(crosswalk_rows).to_csv(folder / "cw.csv", index=False)
    data = {"default": "a", "editions": [
        {"code": "a", "valid_to": "2025-06-30", "levels": ["province", "district", "commune"], "vi": "A", "en": "A",
         "units": "old.csv", "boundaries": "old.geojson"},
        {"code": "b", "valid_from": "2025-07-01", "levels": ["province", "commune"], "vi": "B", "en": "B",
         "units": "new.csv", "boundaries": "new.geojson"}],
        "crosswalks": [{"from": "a", "to": "b", "source": "cw.csv", "weighted": "cw_weighted.csv"}]}
    (folder / "editions.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return parse_registry(data, folder)


FAR = box(X0 + 2 * STEP + 0.484, Y0, X0 + 3 * STEP + 0.484, Y0 + STEP)  # 50 km east of X's parts


EAST = box(X0 + 4 * STEP, Y0, X0 + 5 * STEP, Y0 + STEP)  # next to D (in Y), 10 km from X's parts


def test_a_failing_branch_of_a_split_is_left_out_and_the_rest_is_used(tmp_path):
    registry = write_geodata(tmp_path, old_units({"00099": EAST}), new_units(),
                             GOOD + [("00099", "10002"), ("00099", "10001")])
    result = build_edition(registry, "a", "b")
    (line,) = result.excluded
    assert line == 7 and {f.reason for f in result.excluded[line]} >= {"empty_part"}
    kept = [r for r in result.rows if r.old_code == "00099" and r.used]
    assert [(r.new_code, r.share) for r in kept] == [("10002", 1.0)]


def test_the_build_stops_when_leaving_rows_out_cannot_help(tmp_path):
    registry = write_geodata(tmp_path, old_units({"00099": FAR}), new_units(), GOOD + [("00099", "10001")])
    with pytest.raises(BuildStopped) as stopped:
        build_edition(registry, "a", "b")
    assert [f.reason for f in stopped.value.findings] == ["unassigned_old_unit"]
    assert not (tmp_path / "new.geojson").exists()
