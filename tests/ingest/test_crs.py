"""VN-2000 presets, the datum shift, and the Vietnam extent check."""

from __future__ import annotations

import pandas as pd
import pytest
from geopandas.testing import assert_geoseries_equal
from pandas.testing import assert_frame_equal
from pyproj import CRS, Geod, Transformer

from geoapp.errors import Invalid
from geoapp.ingest import check_boundaries
from geoapp.ingest.crs import (
    CRS_PRESETS,
    VN2000_TOWGS84,
    diagnose,
    in_vietnam,
    parse_crs,
    preset_crs,
    with_datum_shift,
)
from geoapp.storage.base import BOUNDARY_COLUMNS
from tests.ingest.uploads import CAO_LOC, geojson, keys, only_error, shapefile_zip, swap_xy

pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name")

GEOD = Geod(ellps="WGS84")
DONG_DANG = (106.70, 21.95)  # lon, lat near Đồng Đăng, Cao Lộc
CIRCULAR_973 = [-191.90441429, -39.30318279, -111.45032835, 0.00928836, -0.01975479, 0.00427372, 0.252906278]

ESRI_LANG_SON_WITHOUT_SHIFT = (
    'PROJCS["VN2000 Lang Son",GEOGCS["VN2000",DATUM["VN2000 local",SPHEROID["WGS 84",6378137.0,298.257223563]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",107.25],'
    'PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


def distance_m(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def test_presets_cover_utm_zones_and_provincial_tm3_zones():
    assert {"vn2000-langson", "vn2000-utm48n", "vn2000-utm49n"} <= set(CRS_PRESETS)
    assert len([p for p in CRS_PRESETS if p.startswith("vn2000-tm3-")]) == 16
    for preset in CRS_PRESETS.values():
        assert preset["label_vi"] and preset["label_en"] and preset["proj4"]


def test_lang_son_preset_is_tm3_at_107_15_with_the_official_datum_shift():
    params = dict(p.lstrip("+").partition("=")[::2] for p in CRS_PRESETS["vn2000-langson"]["proj4"].split())
    assert params["proj"] == "tmerc" and float(params["lon_0"]) == 107.25 and float(params["k"]) == 0.9999
    assert float(params["x_0"]) == 500000 and float(params["y_0"]) == 0 and params["ellps"] == "WGS84"
    assert [float(v) for v in params["towgs84"].split(",")] == CIRCULAR_973
    assert preset_crs("vn2000-langson").is_projected
    assert [float(v) for v in VN2000_TOWGS84.split(",")] == CIRCULAR_973


@pytest.mark.parametrize("preset_id", sorted(CRS_PRESETS))
def test_each_preset_matches_its_epsg_definition(preset_id):
    """The presets agree with EPSG's VN-2000 CRSs and nationwide transformation to within a centimetre.

    The points are in the north: in two Mekong delta blocks EPSG has a local transformation
    that PROJ prefers there, while Circular 973 gives one set of parameters for the country.
    """
    preset = CRS_PRESETS[preset_id]
    ours = Transformer.from_crs(preset_crs(preset_id), 4326, always_xy=True)
    epsg = Transformer.from_crs(CRS.from_epsg(preset["epsg"]), 4326, always_xy=True)
    for x, y in ((480_000, 2_300_000), (520_000, 2_400_000)):
        assert distance_m(ours.transform(x, y), epsg.transform(x, y)) < 0.01


def test_datum_shift_moves_a_point_by_hundreds_of_metres():
    grid = Transformer.from_crs(4326, preset_crs("vn2000-langson"), always_xy=True)
    x, y = grid.transform(*DONG_DANG)
    no_shift = CRS.from_proj4("+proj=tmerc +lat_0=0 +lon_0=107.25 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +units=m")
    shifted = Transformer.from_crs(preset_crs("vn2000-langson"), 4326, always_xy=True).transform(x, y)
    unshifted = Transformer.from_crs(no_shift, 4326, always_xy=True).transform(x, y)
    assert distance_m(shifted, DONG_DANG) < 0.01
    assert 200 < distance_m(shifted, unshifted) < 260


def test_parse_crs_accepts_epsg_codes_and_presets():
    assert parse_crs("EPSG:3405").to_epsg() == 3405
    assert parse_crs("epsg:4326").to_epsg() == 4326
    assert "towgs84" in parse_crs("vn2000-utm48n").to_wkt()
    for bad in ("EPSG:1", "vn2000-atlantis", "+proj=longlat", ""):
        with pytest.raises(Invalid) as exc:
            parse_crs(bad)
        assert exc.value.key == "upload_crs_unknown"


def test_vn2000_without_datum_shift_gets_the_official_one():
    crs = CRS.from_wkt(ESRI_LANG_SON_WITHOUT_SHIFT)
    fixed, note = with_datum_shift(crs)
    assert note == "added"
    x, y = Transformer.from_crs(4326, preset_crs("vn2000-langson"), always_xy=True).transform(*DONG_DANG)
    assert distance_m(Transformer.from_crs(fixed, 4326, always_xy=True).transform(x, y), DONG_DANG) < 0.01


def test_known_datums_are_left_alone_and_a_bare_vn2000_grid_is_flagged():
    for code in (4326, 32648, 3405, 9215):
        assert with_datum_shift(CRS.from_epsg(code)) == (CRS.from_epsg(code), None)
    bare = CRS.from_proj4("+proj=tmerc +lon_0=107.25 +k=0.9999 +x_0=500000 +ellps=WGS84 +units=m")
    assert with_datum_shift(bare)[1] == "missing"


def test_vietnam_extent_and_diagnosis():
    assert in_vietnam((106.1, 21.3, 107.4, 22.5))
    assert not in_vietnam((21.3, 106.1, 22.5, 107.4))
    assert not in_vietnam((float("inf"), 21, 107, 22))
    assert diagnose((106.1, 21.3, 107.4, 22.5), CRS.from_epsg(4326), (106.1, 21.3, 107.4, 22.5)) is None
    swapped = (21.3, 106.1, 22.5, 107.4)
    assert diagnose(swapped, CRS.from_epsg(4326), swapped)[0] == "upload_crs_swapped"
    metres = (400_000, 2_360_000, 480_000, 2_480_000)
    assert diagnose(metres, None, metres)[0] == "upload_crs_projected_coordinates"
    assert diagnose((106.1, 21.3, 107.4, 22.5), CRS.from_epsg(3405), (100.5, 0.0, 100.5, 0.0))[0] == "upload_crs_degrees"
    key, params = diagnose(metres, CRS.from_epsg(32633), (14.0, 21.0, 15.0, 22.0))
    assert key == "upload_crs_outside" and "32633" in params["crs"]


# ---------------------------------------------------------------- through the upload check


def test_shapefile_without_prj_needs_a_crs_and_vn2000_langson_reads_it(published, cao_loc, tmp_path):
    projected = cao_loc.to_crs(preset_crs("vn2000-langson"))
    assert projected.total_bounds[0] > 400_000 and projected.total_bounds[1] > 2_400_000
    raw = shapefile_zip(projected, tmp_path, drop=(".prj",))
    issue = only_error(check_boundaries("caoloc.zip", raw, published=published), "upload_crs_missing")
    assert "vn2000-langson" in issue.params["presets"]
    check = check_boundaries("caoloc.zip", raw, crs="vn2000-langson", published=published)
    assert check.ok, [i.message("en") for i in check.errors]
    assert check.report["crs"]["from"] == "chosen" and check.report["scope"] == [CAO_LOC]
    mine = check.frame[check.frame["district_code"] == CAO_LOC].reset_index(drop=True)
    assert_geoseries_equal(mine.geometry, cao_loc.geometry, check_less_precise=True, normalize=True)
    assert_frame_equal(pd.DataFrame(mine[BOUNDARY_COLUMNS]), pd.DataFrame(cao_loc[BOUNDARY_COLUMNS]))
    assert all(abs(c["area_change_pct"]) < 0.001 for c in check.report["diff"]["geometry_changed"])


def test_geojson_with_projected_coordinates_and_no_crs(published, cao_loc):
    raw = geojson(cao_loc.to_crs(preset_crs("vn2000-langson")), crs_member=False)
    only_error(check_boundaries("caoloc.geojson", raw, published=published), "upload_crs_missing")
    check = check_boundaries("caoloc.geojson", raw, crs="vn2000-langson", published=published)
    assert check.ok and check.report["scope"] == [CAO_LOC]


def test_swapped_lat_lon(published, cao_loc):
    swapped = cao_loc.set_geometry(cao_loc.geometry.map(swap_xy))
    issue = only_error(check_boundaries("caoloc.geojson", geojson(swapped, crs_member=False), published=published),
                       "upload_crs_swapped")
    assert "lat/lon swapped" in issue.message("en")


def test_wrong_crs_is_caught_by_the_vietnam_extent(published, cao_loc, tmp_path):
    raw = shapefile_zip(cao_loc.to_crs(preset_crs("vn2000-langson")), tmp_path, drop=(".prj",))
    issue = only_error(check_boundaries("c.zip", raw, crs="EPSG:32633", published=published), "upload_crs_outside")
    assert "32633" in issue.params["crs"]
    degrees_as_metres = geojson(cao_loc.set_crs(3405, allow_override=True))
    only_error(check_boundaries("c.geojson", degrees_as_metres, published=published), "upload_crs_degrees")
    only_error(check_boundaries("c.geojson", geojson(cao_loc), crs="EPSG:99999999"), "upload_crs_unknown")


def test_a_chosen_crs_overrides_the_file_and_says_so(published, cao_loc):
    check = check_boundaries("c.geojson", geojson(cao_loc.to_crs(3405)), crs="vn2000-utm48n", published=published)
    assert check.ok and "upload_crs_overridden" in keys(check, "info")


def test_a_crs_that_cannot_reach_wgs84_is_an_error(published, cao_loc, tmp_path):
    folder = tmp_path / "shp"
    raw = shapefile_zip(cao_loc, folder, drop=(".prj",), extra={"communes.prj": b'LOCAL_CS["site grid",UNIT["metre",1]]'})
    assert only_error(check_boundaries("c.zip", raw, published=published), "upload_crs_unusable").params == {"crs": "site grid"}

