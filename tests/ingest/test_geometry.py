"""Geometry checks, code checks, coverage gaps and overlaps, and the diff of boundary layers."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from geoapp.ingest import check_boundaries
from geoapp.ingest import geometry as validate
from tests.ingest.uploads import geojson, keys, only_error

pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name")

GEOD = Geod(ellps="WGS84")
BOW_TIE = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])


def geodesic_area(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def grid(cells: dict[str, Polygon]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"commune_code": list(cells), "commune_name": [f"Xã {c}" for c in cells]},
        geometry=list(cells.values()), crs=4326,
    )


def cell(col: int, row: int, size: float = 0.01) -> Polygon:
    return box(106.7 + col * size, 21.9 + row * size, 106.7 + (col + 1) * size, 21.9 + (row + 1) * size)


def test_geometry_types_and_empty_rows():
    geoms = [box(0, 0, 1, 1), MultiPolygon([box(0, 0, 1, 1)]), Point(0, 0), LineString([(0, 0), (1, 1)]),
             None, Polygon()]
    assert validate.geometry_types(geoms) == {"Polygon": 2, "MultiPolygon": 1, "Point": 1, "LineString": 1, "missing": 1}
    assert validate.empty_rows(geoms) == [4, 5]


def test_repair_makes_a_bow_tie_valid_and_reports_how():
    geoms, repairs = validate.repair([box(0, 0, 1, 1), BOW_TIE])
    assert geoms[0].equals(box(0, 0, 1, 1))
    assert shapely.is_valid(geoms[1]) and geoms[1].geom_type == "MultiPolygon" and geoms[1].area == pytest.approx(2.0)
    assert repairs == [{"position": 1, "reason": "Self-intersection[1 1]", "repair": validate.REPAIR_METHOD,
                        "result_type": "MultiPolygon", "result_empty": False,
                        "area_change_pct": None}]  # a symmetric bow-tie has a signed area of 0: the repair makes all of it


def test_repair_keeps_only_the_polygonal_part():
    collapsed = Polygon([(0, 0), (1, 1), (2, 2), (0, 0)])
    geoms, repairs = validate.repair([collapsed])
    assert geoms[0].is_empty and repairs[0]["result_empty"]


def test_code_problems():
    codes, problems = validate.code_problems(["06184", 6187, 6190.0, None, "", "abc", "1234567", "06184", " 06193 "])
    assert codes == ["06184", "06187", "06190", None, None, None, None, "06184", "06193"]
    assert problems["missing"] == [3, 4]
    assert problems["malformed"] == [{"position": 5, "value": "abc"}, {"position": 6, "value": "1234567"}]
    assert problems["duplicate"] == ["06184"]


def test_markup_finds_html_and_script_in_text():
    frame = grid({"10001": cell(0, 0), "10002": cell(1, 0)})
    frame["note"] = ["<img src=x onerror=alert(1)>", "a < b and c > d"]
    frame.loc[1, "commune_name"] = "javascript:alert(1)"
    found = validate.markup(frame)
    assert [(f["position"], f["field"]) for f in found] == [(1, "commune_name"), (0, "note")]


def test_a_clean_coverage_has_no_gaps_or_overlaps():
    frame = grid({f"1000{i}": cell(i % 3, i // 3) for i in range(9)})
    report = validate.coverage(frame, focus=frame["commune_code"].notna().to_numpy())
    assert report == {"valid": True, "invalid_edges": [], "overlaps": [], "gaps": []}


def test_coverage_finds_gaps_and_overlaps_with_their_areas():
    cells = {f"1000{i}": cell(i % 3, i // 3) for i in range(9)}
    centre = cells.pop("10004")                           # a hole in the middle of a 3x3 grid
    strip = box(106.718, 21.9, 106.72, 21.91)             # the east cell reaches into its west neighbour
    cells["10002"] = cells["10002"].union(strip)
    frame = grid(cells)
    report = validate.coverage(frame, focus=frame["commune_code"].notna().to_numpy())
    assert not report["valid"]
    assert {e["code"] for e in report["invalid_edges"]} >= {"10001", "10002"}
    [overlap] = report["overlaps"]
    assert sorted(overlap["codes"]) == ["10001", "10002"]
    assert overlap["area_m2"] == pytest.approx(geodesic_area(strip.intersection(cell(1, 0))), rel=1e-3)
    [gap] = report["gaps"]
    assert gap["area_m2"] == pytest.approx(geodesic_area(centre), rel=1e-3)
    assert gap["neighbours"] == sorted(cells)
    assert centre.contains(Point(gap["at"]))


def test_coverage_reports_only_problems_touching_the_focus_units():
    cells = {f"1000{i}": cell(i % 3, i // 3) for i in range(9)}
    cells["10002"] = cells["10002"].union(box(106.718, 21.9, 106.72, 21.91))
    frame = grid(cells)
    focus = frame["commune_code"].isin(["10008"]).to_numpy()
    report = validate.coverage(frame, focus=focus)
    assert report["overlaps"] == [] and report["invalid_edges"] == []


def test_same_geometry_ignores_ring_order_and_start():
    square = box(0, 0, 1, 1)
    turned = Polygon([(1, 1), (1, 0), (0, 0), (0, 1), (1, 1)])
    assert validate.same_geometry(square, turned)
    assert validate.same_geometry(square, MultiPolygon([turned]))
    assert not validate.same_geometry(square, box(0, 0, 1, 1.001))


def test_diff_lists_added_removed_renamed_and_reshaped_units():
    old = grid({"10001": cell(0, 0), "10002": cell(1, 0), "10003": cell(2, 0)})
    bigger = Polygon([(106.71, 21.9), (106.72, 21.9), (106.725, 21.91), (106.71, 21.91)])  # one vertex moved east
    new = grid({"10001": cell(0, 0), "10002": bigger, "10004": cell(0, 1)})
    new.loc[0, "commune_name"] = "Xã Mới"
    changes = validate.diff(old, new)
    assert changes["added"] == [{"code": "10004", "name": "Xã 10004"}]
    assert changes["removed"] == [{"code": "10003", "name": "Xã 10003"}]
    assert changes["renamed"] == [{"code": "10001", "old": "Xã 10001", "new": "Xã Mới"}]
    assert changes["geometry_unchanged"] == ["10001"]
    [reshaped] = changes["geometry_changed"]
    expected = (geodesic_area(bigger) / geodesic_area(cell(1, 0)) - 1) * 100
    assert reshaped["code"] == "10002"
    assert reshaped["area_change_pct"] == pytest.approx(expected, abs=0.01)
    assert reshaped["area_change_pct"] == pytest.approx(25.0, abs=0.2)
    assert reshaped["old_area_km2"] == pytest.approx(geodesic_area(cell(1, 0)) / 1e6, rel=1e-4)


# ---------------------------------------------------------------- through the upload check


def test_bow_tie_polygon_is_repaired_and_reported(published, cao_loc):
    x, y = cao_loc.geometry.iloc[0].representative_point().coords[0]
    bow_tie = Polygon([(x, y), (x + 0.01, y + 0.01), (x + 0.01, y), (x, y + 0.01), (x, y)])
    upload = cao_loc.copy()
    upload.loc[0, "geometry"] = bow_tie
    refused = check_boundaries("caoloc.geojson", geojson(upload), published=published)
    assert "upload_repair_changed_area" in keys(refused) and refused.frame is None
    check = check_boundaries("caoloc.geojson", geojson(upload), published=published, confirm="resurveyed in 2024")
    assert check.ok and "upload_invalid_repaired" in keys(check, "warning")
    [entry] = check.report["invalid"]
    assert entry["code"] == cao_loc["commune_code"][0] and entry["reason"].startswith("Self-intersection")
    assert entry["repair"] == "make_valid(method='structure')" and entry["result_type"] == "MultiPolygon"
    stored = check.frame.set_index("commune_code").geometry[cao_loc["commune_code"][0]]
    assert stored.is_valid and stored.geom_type == "MultiPolygon" and len(stored.geoms) == 2


@pytest.mark.parametrize("shape, kind", [("representative_point", "Point"), ("boundary", "MultiLineString")])
def test_points_or_lines_instead_of_polygons(published, cao_loc, shape, kind):
    geoms = getattr(cao_loc.geometry, shape)
    geoms = geoms() if callable(geoms) else geoms
    geoms = geoms.map(lambda g: shapely.MultiLineString([g]) if g.geom_type == "LineString" else g)
    issue = only_error(check_boundaries("c.geojson", geojson(cao_loc.set_geometry(geoms)), published=published),
                       "upload_not_polygons")
    assert issue.params["types"] == [f"{kind}: 22"]


def test_empty_geometry_is_an_error(published, cao_loc):
    upload = cao_loc.copy()
    upload.loc[3, "geometry"] = None
    issue = only_error(check_boundaries("c.geojson", geojson(upload), published=published), "upload_empty_geometry")
    assert issue.params["count"] == 1 and issue.params["units"] == [f"06193 {cao_loc['commune_name'][3]}"]


def test_duplicate_codes(published, cao_loc):
    upload = cao_loc.copy()
    upload.loc[1, "commune_code"] = "06184"
    issue = only_error(check_boundaries("c.geojson", geojson(upload), published=published), "upload_code_duplicate")
    assert issue.params == {"count": 1, "codes": ["06184"]}
    assert check_boundaries("c.geojson", geojson(upload), published=published).report["codes"]["duplicate"] == ["06184"]


def test_missing_and_malformed_codes(published, cao_loc):
    upload = cao_loc.copy()
    upload.loc[0, "commune_code"] = ""
    upload.loc[1, "commune_code"] = "6187a"
    check = check_boundaries("c.geojson", geojson(upload), published=published)
    assert check.frame is None and keys(check) == ["upload_code_missing", "upload_code_malformed"]
    assert check.errors[0].params == {"count": 1, "rows": [1]}
    assert check.errors[1].params == {"count": 1, "values": ["6187a"]}

