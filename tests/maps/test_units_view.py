"""Map views and profiles on another edition's units (core, no web)."""

from geoapp.maps.unit_profile import successors, unit_profile
from geoapp.maps.view import build_map_view
from geoapp.request import parse_map_request


def test_view_on_2025_units_marks_derived_values(dataset):
    req = parse_map_request(dataset, "ocop_total", {"units": "2025", "district": "all", "year": "2021"},
                            default_district="183")
    view = build_map_view(dataset, req)
    assert len(view.frame) == 65 and view.units == "2025" and view.derived
    rows = {r["code"]: r for r in view.rows()}
    parts = dataset.crosswalk_to("2025").parts_of("06187")
    total = sum(float(dataset.values[(dataset.values["indicator"] == "ocop_total")
                                     & (dataset.values["year"] == 2021)
                                     & (dataset.values["commune_code"] == p.old_code)]["value"].iloc[0]) * p.share
                for p in parts)
    assert float(rows["06187"]["raw"]) == round(total, 4)
    assert rows["06187"]["derived"] and rows["06187"]["rule"] == "sum" and len(rows["06187"]["parts"]) == len(parts)


def test_view_area_name_is_the_former_district(dataset):
    req = parse_map_request(dataset, "ntm_level", {"units": "2025"}, lang="en", default_district="183")
    assert build_map_view(dataset, req).district_name == "former Huyện Cao Lộc"
    assert req.canonical().startswith("year=") and "units=2025" in req.canonical()


def test_unit_profile_and_successors(dataset):
    profile = unit_profile(dataset, "2025", "06187", "en")
    assert {p.code for p in profile.predecessors} == {r.old_code for r in dataset.crosswalk_to("2025").parts_of("06187")}
    rules = {r["indicator"].id: r["rule"] for r in profile.rows}
    assert rules["ocop_total"] == "sum" and rules["ntm_level"] == "lowest" and rules["ntm_year"] == "none"
    ntm_year = next(r for r in profile.rows if r["indicator"].id == "ntm_year")
    assert ntm_year["reason"]
    after = successors(dataset, "06187")  # Thị trấn Cao Lộc went into Phường Kỳ Lừa
    assert [(s.edition, s.code, s.name) for s in after] == [("2025", "06187", "Phường Kỳ Lừa")]
