"""The upload checks (dry run): every bad input of issue 4, the happy paths, diff, merge and indicator tables."""

from __future__ import annotations

import io
import json
import warnings
import zipfile

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal, assert_geoseries_equal
from pandas.testing import assert_frame_equal
from pyproj import Geod
from shapely.geometry import Polygon, box

from geoapp.config import GEODATA_DIR
from geoapp.ingest.crs import preset_crs
from geoapp.data.dataset import read_default_boundaries, read_default_indicators
from geoapp.storage.base import BOUNDARY_COLUMNS, INDICATOR_COLUMNS, boundary_frame, indicator_frame
from geoapp.ingest import Check, Limits, check_boundaries, check_indicators, list_layers

pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name")

CAO_LOC = "183"
GEOD = Geod(ellps="WGS84")
SHIPPED = GEODATA_DIR / "communes_2021_approx.geojson"
# TCVN3 and VNI surfaces (bytes read as Latin-1) of the Cao Lộc commune names, from the standard tables.
TCVN3_NAMES = {"06202": "X· XuÊt LÔ", "06184": "ThÞ trÊn §ång §¨ng", "06223": "X· Hßa C\xad"}
VNI_NAMES = {"06202": "Xaõ Xuaát Leã", "06184": "Thò traán Ñoàng Ñaêng", "06223": "Xaõ Hoøa Cö"}


@pytest.fixture
def published():
    return boundary_frame(read_default_boundaries(GEODATA_DIR))


@pytest.fixture
def cao_loc(published):
    return published[published["district_code"] == CAO_LOC].reset_index(drop=True)


@pytest.fixture
def values():
    return indicator_frame(read_default_indicators(GEODATA_DIR))


def geojson(frame: gpd.GeoDataFrame, crs_member: bool = True) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a CRS without a URN is written without a "crs" member
        data = json.loads(frame.to_json(drop_id=True))
    if not crs_member:
        data.pop("crs", None)
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def shapefile_zip(frame: gpd.GeoDataFrame, folder, *, drop=(), encoding="UTF-8", extra: dict | None = None) -> bytes:
    """Write `frame` as a Shapefile with pyogrio and zip its parts (minus the suffixes in `drop`)."""
    folder.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(frame, folder / "communes.shp", encoding=encoding)
    return zip_folder(folder, drop=drop, extra=extra)


def zip_folder(folder, *, drop=(), extra: dict | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in drop:
                zf.write(path, path.name)
        for name, data in (extra or {}).items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def keys(check: Check, level: str = "error") -> list[str]:
    return [i.key for i in check.issues if i.level == level]


def only_error(check: Check, key: str):
    """Assert the check failed with exactly this error and returned no frame; return the issue."""
    assert check.frame is None and not check.ok
    assert keys(check) == [key], [i.message("en") for i in check.errors]
    issue = check.errors[0]
    assert issue.message("vi") and issue.message("en") and issue.message("vi") != issue.message("en")
    return issue


def swap_xy(geom):
    return shapely.transform(geom, lambda xy: xy[:, ::-1])


# ---------------------------------------------------------------- happy paths, round trip


def test_geojson_of_the_shipped_layer_passes_unchanged(published):
    check = check_boundaries("communes.geojson", SHIPPED.read_bytes(), published=published)
    assert check.ok, [i.message("en") for i in check.errors]
    assert_geodataframe_equal(check.frame, published)
    report = check.report
    assert report["feature_count"] == 194 and report["format"] == "geojson" and report["encoding"] == "utf-8"
    assert set(report["geometry_types"]) <= {"Polygon", "MultiPolygon"}
    assert report["crs"] == {"source": "EPSG:4326 WGS 84", "from": "file", "stored": "EPSG:4326"}
    assert report["fields"]["code"] == "commune_code" and report["fields"]["name"] == "commune_name"
    assert report["scope"] == sorted(published["district_code"].unique())
    assert report["diff"]["added"] == report["diff"]["removed"] == report["diff"]["renamed"] == []
    assert report["diff"]["geometry_changed"] == [] and len(report["diff"]["geometry_unchanged"]) == 194
    assert {"code": "06202", "name": "Xã Xuất Lễ", "normalized": "xuất lễ"} in report["names"]
    json.dumps(check.to_dict("vi"))


def test_shapefile_of_the_published_layer_reuploads_unchanged(published, tmp_path):
    raw = shapefile_zip(published[BOUNDARY_COLUMNS + ["geometry"]], tmp_path / "shp")
    check = check_boundaries("communes.zip", raw, published=published)
    assert check.ok, [i.message("en") for i in check.errors]
    assert_geodataframe_equal(check.frame, published)
    diff = check.report["diff"]
    assert not (diff["added"] or diff["removed"] or diff["renamed"] or diff["geometry_changed"])
    assert check.report["fields"] == {
        "code": "commune_co", "name": "commune_na", "district_code": "district_c", "district_name": "district_n",
        "commune_type": "commune_ty", "province_code": "province_c", "province_name": "province_n",
        "boundary_quality": "boundary_q",
    }
    assert check.report["encoding"] == "utf-8" and check.report["format"] == "shapefile"


def test_geopackage_with_several_layers_needs_a_layer(published, tmp_path):
    path = tmp_path / "layers.gpkg"
    pyogrio.write_dataframe(published, path, layer="communes")
    districts = pyogrio.read_dataframe(GEODATA_DIR / "districts_2021.geojson")
    pyogrio.write_dataframe(districts, path, layer="districts", append=True)
    raw = path.read_bytes()
    assert list_layers("layers.gpkg", raw) == ["communes", "districts"]
    issue = only_error(check_boundaries("layers.gpkg", raw, published=published), "upload_layer_required")
    assert issue.params["layers"] == ["communes", "districts"]
    assert "communes, districts" in issue.message("en")
    unknown = only_error(check_boundaries("layers.gpkg", raw, layer="roads", published=published), "upload_layer_unknown")
    assert unknown.params == {"layer": "roads", "layers": ["communes", "districts"]}
    check = check_boundaries("layers.gpkg", raw, layer="communes", published=published)
    assert check.ok and check.report["layer"] == "communes"
    assert_geodataframe_equal(check.frame, published)


def test_list_layers_of_bad_input_is_empty():
    assert list_layers("x.gpkg", b"not a database") == []
    assert list_layers("x.geojson", SHIPPED.read_bytes()) == ["upload"]


# ---------------------------------------------------------------- bad archives and files


def test_zip_with_traversal_or_absolute_member_names(cao_loc, tmp_path):
    for i, name in enumerate(["../communes.dbf", "/etc/communes.dbf", "..\\..\\communes.dbf"]):
        raw = shapefile_zip(cao_loc, tmp_path / f"z{i}", extra={name: b"x"})
        issue = only_error(check_boundaries("communes.zip", raw), "upload_zip_unsafe_name")
        assert issue.params["name"] == name and name in issue.message("en")


def test_zip_bomb_by_ratio(cao_loc, tmp_path):
    raw = shapefile_zip(cao_loc, tmp_path, extra={"padding.txt": b"\0" * (8 * 1024 * 1024)})
    issue = only_error(check_boundaries("communes.zip", raw), "upload_zip_ratio")
    assert issue.params["name"] == "padding.txt" and issue.params["ratio"] > 1000


def test_zip_bomb_by_total_size_and_member_count(cao_loc, tmp_path):
    raw = shapefile_zip(cao_loc, tmp_path / "a")
    only_error(check_boundaries("communes.zip", raw, limits=Limits(max_uncompressed=20_000)), "upload_zip_size")
    many = shapefile_zip(cao_loc, tmp_path / "b", extra={f"readme{i}.txt": b"x" for i in range(60)})
    issue = only_error(check_boundaries("communes.zip", many), "upload_zip_members")
    assert issue.params["max"] == 50 and issue.params["count"] > 60


def test_zip_with_a_nested_archive(cao_loc, tmp_path):
    inner = shapefile_zip(cao_loc, tmp_path / "inner")
    raw = shapefile_zip(cao_loc, tmp_path / "outer", extra={"more/communes.zip": inner})
    assert only_error(check_boundaries("communes.zip", raw), "upload_zip_nested").params["name"] == "more/communes.zip"


def test_deeply_nested_json():
    raw = b'{"type": "FeatureCollection", "features": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    assert only_error(check_boundaries("deep.geojson", raw), "upload_json_too_deep").params == {"max": 64}


def test_huge_json_is_refused_before_reading():
    raw = SHIPPED.read_bytes()
    issue = only_error(check_boundaries("communes.geojson", raw, limits=Limits(max_bytes=100_000)), "upload_too_large")
    assert issue.params == {"size_mb": 0.6, "max_mb": 0.1}
    too_many = check_boundaries("communes.geojson", raw, limits=Limits(max_features=100))
    assert only_error(too_many, "upload_too_many_features").params == {"count": 194, "max": 100}


def test_upload_over_the_size_limit(cao_loc, tmp_path):
    raw = shapefile_zip(cao_loc, tmp_path)
    issue = only_error(check_boundaries("communes.zip", raw, limits=Limits(max_bytes=1024)), "upload_too_large")
    assert "MB" in issue.message("en")


@pytest.mark.parametrize("filename, content, found", [
    ("communes.geojson", "zip", "ZIP"),
    ("communes.zip", "json", "JSON"),
    ("communes.gpkg", "json", "JSON"),
    ("communes.json", "png", "unrecognised data"),
])
def test_content_not_matching_the_extension(cao_loc, tmp_path, filename, content, found):
    raw = {"zip": shapefile_zip(cao_loc, tmp_path), "json": geojson(cao_loc), "png": b"\x89PNG\r\n\x1a\n" + b"\0" * 64}
    issue = only_error(check_boundaries(filename, raw[content]), "upload_content_mismatch")
    assert issue.params["name"] == filename and issue.params["found"] == found


def test_unsupported_formats_and_a_lone_shp(tmp_path, cao_loc):
    assert only_error(check_boundaries("communes.kml", b"<kml/>"), "upload_unsupported_format")
    pyogrio.write_dataframe(cao_loc, tmp_path / "c.shp")
    assert only_error(check_boundaries("c.shp", (tmp_path / "c.shp").read_bytes()), "upload_shp_alone")


@pytest.mark.parametrize("part", [".dbf", ".shx"])
def test_shapefile_missing_a_part(cao_loc, tmp_path, part):
    raw = shapefile_zip(cao_loc, tmp_path, drop=(part,))
    issue = only_error(check_boundaries("communes.zip", raw), "upload_shapefile_missing_part")
    assert issue.params == {"layer": "communes", "parts": [part]}


def test_zip_without_a_shapefile(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("notes.txt", "no layer here")
    assert only_error(check_boundaries("x.zip", buf.getvalue()), "upload_zip_no_shapefile").params == {"members": ["notes.txt"]}


# ---------------------------------------------------------------- CRS


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


# ---------------------------------------------------------------- geometry and codes


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


def test_code_and_name_fields_can_be_chosen(published, cao_loc):
    upload = cao_loc.rename(columns={"commune_code": "MSX", "commune_name": "TEN_DV"})
    issue = only_error(check_boundaries("c.geojson", geojson(upload), published=published), "upload_no_code_field")
    assert "MSX" in issue.params["fields"]
    check = check_boundaries("c.geojson", geojson(upload), code_field="MSX", name_field="TEN_DV", published=published)
    assert check.ok and check.report["fields"]["code"] == "MSX"
    assert_geodataframe_equal(check.frame, published)
    bad = check_boundaries("c.geojson", geojson(upload), code_field="MaXa", published=published)
    assert only_error(bad, "upload_field_unknown").params["field"] == "MaXa"


def test_html_in_attribute_values_is_kept_as_text(published, cao_loc):
    payload = "<img src=x onerror=alert(1)>"
    upload = cao_loc.copy()
    upload.loc[0, "commune_name"] = payload
    check = check_boundaries("c.geojson", geojson(upload), published=published)
    assert check.ok and keys(check, "warning").count("upload_markup") == 1
    assert check.frame.set_index("commune_code").at["06184", "commune_name"] == payload
    assert check.report["markup"] == [{"feature": 1, "field": "commune_name", "value": payload}]
    assert {"code": "06184", "old": "Thị trấn Đồng Đăng", "new": payload} in check.report["diff"]["renamed"]


# ---------------------------------------------------------------- legacy text encodings


def legacy_layer(cao_loc, names: dict[str, str]) -> gpd.GeoDataFrame:
    """Communes of Cao Lộc named in legacy-encoded text, in a DBF schema of their own."""
    rows = cao_loc[cao_loc["commune_code"].isin(list(names))].reset_index(drop=True)
    return gpd.GeoDataFrame(
        {"MA_XA": rows["commune_code"], "TEN_XA": rows["commune_code"].map(names), "MA_HUYEN": CAO_LOC},
        geometry=rows.geometry, crs=4326,
    )


@pytest.mark.parametrize("cpg", [True, False])
@pytest.mark.parametrize("encoding, surfaces", [("tcvn3", TCVN3_NAMES), ("vni", VNI_NAMES)])
def test_legacy_vietnamese_dbf_is_converted_to_unicode(published, cao_loc, tmp_path, encoding, surfaces, cpg):
    raw = shapefile_zip(legacy_layer(cao_loc, surfaces), tmp_path, encoding="latin1", drop=() if cpg else (".cpg",))
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        dbf = zf.read("communes.dbf")
    assert surfaces["06202"].encode("latin-1") in dbf
    check = check_boundaries("legacy.zip", raw, published=published, confirm="only these communes")
    assert check.ok, [i.message("en") for i in check.errors]
    assert check.report["encoding"] == encoding
    assert "upload_legacy_converted" in keys(check, "info")
    names = check.frame.set_index("commune_code")["commune_name"]
    assert names["06202"] == "Xã Xuất Lễ" and names["06184"] == "Thị trấn Đồng Đăng"
    assert names["06223"] == "Xã Hòa Cư"
    assert all(n == pd.Series([n]).str.normalize("NFC")[0] for n in names)
    assert check.report["diff"]["renamed"] == [] and check.report["fields"]["district_code"] == "MA_HUYEN"


def test_encoding_can_be_forced_and_a_wrong_choice_is_reported(published, cao_loc, tmp_path):
    raw = shapefile_zip(legacy_layer(cao_loc, TCVN3_NAMES), tmp_path, encoding="latin1")
    issue = only_error(check_boundaries("legacy.zip", raw, encoding="utf-8", published=published), "upload_encoding_failed")
    assert issue.params["field"] == "TEN_XA"
    forced = check_boundaries("legacy.zip", raw, encoding="tcvn3", published=published, confirm="only these communes")
    assert forced.ok and forced.frame.set_index("commune_code").at["06202", "commune_name"] == "Xã Xuất Lễ"
    only_error(check_boundaries("legacy.zip", raw, encoding="koi8-r"), "upload_encoding_unknown")


# ---------------------------------------------------------------- diff and merge


def test_diff_reports_renamed_units_and_area_change(published, cao_loc):
    upload = cao_loc.copy()
    upload.loc[2, "commune_name"] = "Xã Bảo Lâm Mới"
    ring = list(upload.geometry[5].exterior.coords)
    centre = upload.geometry[5].centroid
    ring[3] = (centre.x + (ring[3][0] - centre.x) * 1.5, centre.y + (ring[3][1] - centre.y) * 1.5)
    moved = Polygon(ring[:-1] + [ring[0]])
    assert moved.is_valid
    upload.loc[5, "geometry"] = moved
    assert "upload_area_changed" in keys(check_boundaries("caoloc.geojson", geojson(upload), published=published))
    check = check_boundaries("caoloc.geojson", geojson(upload), published=published, confirm="vertex corrected")
    assert check.ok
    diff = check.report["diff"]
    assert diff["renamed"] == [{"code": "06190", "old": "Xã Bảo Lâm", "new": "Xã Bảo Lâm Mới"}]
    [changed] = diff["geometry_changed"]
    old_area = abs(GEOD.geometry_area_perimeter(cao_loc.geometry[5])[0])
    new_area = abs(GEOD.geometry_area_perimeter(moved)[0])
    assert changed["code"] == cao_loc["commune_code"][5]
    assert changed["area_change_pct"] == pytest.approx((new_area / old_area - 1) * 100, abs=0.01)
    assert changed["area_change_pct"] != 0
    assert len(diff["geometry_unchanged"]) == 21 and diff["added"] == diff["removed"] == []
    summary = next(i for i in check.issues if i.key == "upload_diff_summary")
    assert summary.level == "info" and summary.params["renamed"] == 1 and summary.params["reshaped"] == 1


def test_a_district_upload_replaces_only_that_district(published, cao_loc):
    upload = cao_loc[cao_loc["commune_code"] != "06250"].copy()
    upload.loc[upload["commune_code"] == "06202", "commune_name"] = "Xã Xuất Lễ Mới"
    check = check_boundaries("caoloc.geojson", geojson(upload), published=published)
    assert check.ok and check.report["scope"] == [CAO_LOC]
    frame = check.frame
    assert len(frame) == len(published) - 1 and "06250" not in set(frame["commune_code"])
    others = published[published["district_code"] != CAO_LOC].reset_index(drop=True)
    assert_geodataframe_equal(frame[frame["district_code"] != CAO_LOC].reset_index(drop=True), others)
    assert frame.set_index("commune_code").at["06202", "commune_name"] == "Xã Xuất Lễ Mới"
    assert check.report["diff"]["removed"] == [{"code": "06250", "name": "Xã Tân Thành"}]
    assert list(frame.columns) == BOUNDARY_COLUMNS + ["geometry"] and frame.crs.to_epsg() == 4326


def test_district_comes_from_the_published_unit_or_the_argument(published, cao_loc):
    upload = cao_loc[["commune_code", "commune_name", "geometry"]].copy()
    new_unit = gpd.GeoDataFrame({"commune_code": ["06299"], "commune_name": ["Xã Mới"]},
                                geometry=[box(106.80, 21.90, 106.81, 21.91)], crs=4326)
    upload = pd.concat([upload, new_unit], ignore_index=True)
    issue = only_error(check_boundaries("c.geojson", geojson(upload), published=published), "upload_district_unknown")
    assert issue.params == {"count": 1, "codes": ["06299"]}
    check = check_boundaries("c.geojson", geojson(upload), district=CAO_LOC, published=published)
    assert check.ok and check.report["scope"] == [CAO_LOC]
    added = check.frame.set_index("commune_code").loc["06299"]
    assert added["district_name"] == "Huyện Cao Lộc" and added["province_name"] == "Tỉnh Lạng Sơn"
    assert added["commune_type"] == "Xã" and added["boundary_quality"] == "as uploaded"
    assert check.report["diff"]["added"] == [{"code": "06299", "name": "Xã Mới"}]
    kept = check.frame[check.frame["commune_code"] != "06299"].reset_index(drop=True)
    in_file = published["district_code"] == CAO_LOC
    quality = published["boundary_quality"].where(~in_file, "as uploaded")
    assert_geodataframe_equal(kept, published.assign(boundary_quality=quality))


def test_gaps_and_overlaps_are_reported_as_warnings(tmp_path):
    size = 0.01

    def cell(col, row):
        return box(106.7 + col * size, 21.9 + row * size, 106.7 + (col + 1) * size, 21.9 + (row + 1) * size)

    cells = {f"9900{i}": cell(i % 3, i // 3) for i in range(9) if i != 4}  # codes outside the national list
    cells["99002"] = cells["99002"].union(box(106.718, 21.9, 106.72, 21.91))
    frame = gpd.GeoDataFrame({"ma_xa": list(cells), "ten_xa": [f"Xã Ô {c}" for c in cells]},
                             geometry=list(cells.values()), crs=4326)
    check = check_boundaries("grid.geojson", geojson(frame), district="999")
    assert check.ok
    assert {"upload_gaps", "upload_overlaps", "upload_coverage_edges"} <= set(keys(check, "warning"))
    coverage = check.report["coverage"]
    assert len(coverage["gaps"]) == 1 and coverage["gaps"][0]["area_m2"] > 1e6
    assert [sorted(o["codes"]) for o in coverage["overlaps"]] == [["99001", "99002"]]
    assert len(check.frame) == 8 and check.report["scope"] == ["999"]


# ---------------------------------------------------------------- indicator tables


def test_long_csv_replaces_matching_values_and_keeps_the_rest(published, values):
    csv = ("ma_xa,ten_xa,nam,chi_tieu,gia_tri\n"
           "06184,Đồng Đăng,2021,schools_total,7\n"
           "06187,Cao Lộc,2021,schools_total,6\n"
           "06190,Bảo Lâm,2022,ntm_level,Đạt chuẩn NTM\n")
    check = check_indicators("caoloc.csv", csv.encode(), boundaries=published, published=values)
    assert check.ok, [i.message("en") for i in check.errors]
    assert check.report["layout"] == "long" and check.report["match"]["counts"]["by_code"] == 3
    assert check.report["changes"]["added"] == 1 and check.report["changes"]["changed"] == 2
    frame = check.frame
    assert list(frame.columns) == INDICATOR_COLUMNS and frame["year"].dtype == int
    key = ["commune_code", "indicator", "year"]
    new = frame.set_index(key)
    assert new.loc[("06184", "schools_total", 2021), "value"] == "7"
    assert new.loc[("06184", "schools_total", 2021), "status"] == "fact"
    assert new.loc[("06184", "schools_total", 2021), "source"] == "upload:caoloc.csv"
    assert new.loc[("06190", "ntm_level", 2022), "value"] == "dat_chuan"
    replaced = [("06184", "schools_total", 2021), ("06187", "schools_total", 2021), ("06190", "ntm_level", 2022)]
    rest = frame[~frame.set_index(key).index.isin(replaced)].reset_index(drop=True)
    expected = values[~values.set_index(key).index.isin(replaced)]
    expected = expected.sort_values(key, kind="stable").reset_index(drop=True)
    assert_frame_equal(rest, expected)


def test_reuploading_the_same_values_changes_nothing(published, values):
    part = values[values["commune_code"].isin(["06184", "06187"])]
    check = check_indicators("same.csv", part.to_csv(index=False).encode(), boundaries=published, published=values)
    assert check.ok and check.report["changes"]["unchanged"] == len(part)
    assert check.report["changes"]["added"] == check.report["changes"]["changed"] == 0
    expected = values.sort_values(["commune_code", "indicator", "year"], kind="stable").reset_index(drop=True)
    assert_frame_equal(check.frame, expected)


def test_wide_xlsx_with_catalog_ids_as_columns(published, values, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["MaXa", "TenXa", "Nam", "schools_total", "border_commune", "status"])
    sheet.append(["6184", "Thị trấn Đồng Đăng", 2021, 9, "yes", "illustrative"])
    sheet.append([6187, "Thị trấn Cao Lộc", 2021, None, "no", ""])
    book.save(tmp_path / "wide.xlsx")
    check = check_indicators("wide.xlsx", (tmp_path / "wide.xlsx").read_bytes(), boundaries=published, published=values)
    assert check.ok, [i.message("en") for i in check.errors]
    assert check.report["layout"] == "wide"
    assert check.report["columns"]["indicators"] == {"schools_total": "schools_total", "border_commune": "border_commune"}
    new = check.frame.set_index(["commune_code", "indicator", "year"])
    assert new.loc[("06184", "schools_total", 2021), "value"] == "9"
    assert new.loc[("06184", "schools_total", 2021), "status"] == "illustrative"
    assert new.loc[("06187", "border_commune", 2021), "value"] == "no"
    assert "upload_values_blank" in keys(check, "info")


def test_bad_indicator_rows_are_errors_with_row_numbers(published, values):
    csv = ("commune_code,indicator,year,value,status\n"
           "06184,schools_total,2021,abc,fact\n"
           "06187,no_such_indicator,2021,1,fact\n"
           "06190,ntm_level,2021,excellent,fact\n"
           "06193,schools_total,,4,fact\n"
           "06196,schools_total,20x1,4,fact\n"
           "06199,schools_total,2021,4,maybe\n")
    check = check_indicators("bad.csv", csv.encode(), boundaries=published, published=values)
    assert check.frame is None
    errors = {i.key: i.params for i in check.errors}
    assert errors["upload_value_not_numeric"] == {"count": 1, "rows": [2], "examples": ["abc"], "indicator": "schools_total"}
    assert errors["upload_indicator_unknown"] == {"ids": ["no_such_indicator"], "count": 1, "rows": [3]}
    assert errors["upload_value_not_category"]["rows"] == [4]
    assert errors["upload_value_not_category"]["allowed"] == ["chua_dat", "dat_chuan", "nang_cao", "kieu_mau"]
    assert errors["upload_year_missing"] == {"count": 1, "rows": [5]}
    assert errors["upload_year_invalid"] == {"count": 1, "rows": [6], "examples": ["20x1"]}
    assert errors["upload_status_invalid"]["rows"] == [7]


def test_listed_rows_are_capped_and_counted(published):
    csv = "commune_code,indicator,year,value\n" + "".join(f"06184,schools_total,{1990 + i},x\n" for i in range(30))
    check = check_indicators("many.csv", csv.encode(), boundaries=published)
    [issue] = [i for i in check.errors if i.key == "upload_value_not_numeric"]
    assert issue.params["count"] == 30 and len(issue.params["rows"]) == 20


def test_unmatched_rows_are_warnings_and_are_not_published(published, values):
    csv = "commune_code,indicator,year,value\n06184,schools_total,2021,7\n99999,schools_total,2021,3\n"
    check = check_indicators("x.csv", csv.encode(), boundaries=published, published=values)
    assert check.ok and "upload_rows_unmatched" in keys(check, "warning")
    assert check.report["match"]["unmatched"][0]["code"] == "99999"
    assert "99999" not in set(check.frame["commune_code"]) and len(check.frame) == len(values)


def test_no_matching_row_is_an_error(published):
    csv = "commune_code,indicator,year,value\n99999,schools_total,2021,3\n"
    only_error(check_indicators("x.csv", csv.encode(), boundaries=published), "upload_no_match")


def test_an_explicit_mapping_is_used_and_checked(published):
    csv = "Mã,Tên đơn vị,Kỳ,Chỉ số,Số liệu\n06184,Đồng Đăng,2021,defence_drills,3\n"
    mapping = {"code": "Mã", "name": "Tên đơn vị", "year": "Kỳ", "indicator": "Chỉ số", "value": "Số liệu"}
    check = check_indicators("x.csv", csv.encode(), mapping=mapping, boundaries=published)
    assert check.ok and check.report["columns"]["year"] == "Kỳ"
    assert check.frame.to_dict("records") == [{"commune_code": "06184", "indicator": "defence_drills", "year": 2021,
                                                "value": "3", "status": "fact", "source": "upload:x.csv", "note": ""}]
    wrong = check_indicators("x.csv", csv.encode(), mapping={**mapping, "year": "Năm"}, boundaries=published)
    assert only_error(wrong, "upload_column_unknown").params["column"] == "Năm"


def test_derived_and_district_indicators_cannot_be_uploaded(published):
    csv = "commune_code,indicator,year,value\n06184,ocop_total,2021,3\n06184,grain_output,2021,3\n"
    check = check_indicators("x.csv", csv.encode(), boundaries=published)
    assert keys(check) == ["upload_indicator_derived", "upload_indicator_not_commune"] and check.frame is None


def test_table_content_must_match_its_extension(published):
    check = check_indicators("x.xlsx", b"commune_code,indicator\n", boundaries=published)
    assert only_error(check, "error_content_mismatch").params["expected"] == "XLSX"
    big = check_indicators("x.csv", b"a,b\n" * 1000, boundaries=published, limits=Limits(max_bytes=100))
    only_error(big, "upload_too_large")


def test_check_to_dict_is_json_in_both_languages(published):
    csv = "commune_code,indicator,year,value\n06184,schools_total,2021,x\n"
    check = check_indicators("x.csv", csv.encode(), boundaries=published)
    for lang in ("vi", "en"):
        data = json.loads(json.dumps(check.to_dict(lang)))
        assert data["kind"] == "indicators" and data["ok"] is False
        assert data["errors"][0]["key"] == "upload_value_not_numeric"
        assert data["errors"][0]["params"]["rows"] == [2]
    assert "số" in check.to_dict("vi")["errors"][0]["message"]
    assert "numbers" in check.to_dict("en")["errors"][0]["message"]


def test_a_crs_that_cannot_reach_wgs84_is_an_error(published, cao_loc, tmp_path):
    folder = tmp_path / "shp"
    raw = shapefile_zip(cao_loc, folder, drop=(".prj",), extra={"communes.prj": b'LOCAL_CS["site grid",UNIT["metre",1]]'})
    assert only_error(check_boundaries("c.zip", raw, published=published), "upload_crs_unusable").params == {"crs": "site grid"}


def test_district_names_in_a_district_field_are_understood(published, cao_loc):
    upload = cao_loc.drop(columns=["district_code"]).rename(columns={"district_name": "district"})
    upload["district"] = "Cao Lộc"
    check = check_boundaries("c.geojson", geojson(upload), published=published)
    assert check.ok and check.report["fields"]["district_code"] == "district" and check.report["scope"] == [CAO_LOC]
    assert set(check.frame.loc[check.frame["district_code"] == CAO_LOC, "district_name"]) == {"Huyện Cao Lộc"}
    upload["district"] = "Atlantis"
    assert only_error(check_boundaries("c.geojson", geojson(upload), published=published),
                      "upload_district_malformed").params == {"values": ["Atlantis"]}


def test_legacy_text_inside_a_geojson_is_detected(published, cao_loc):
    layer = legacy_layer(cao_loc, TCVN3_NAMES)
    as_utf8 = check_boundaries("legacy.geojson", geojson(layer), published=published, confirm="only these communes")
    as_bytes = check_boundaries("legacy.geojson", geojson(layer).decode("utf-8").encode("latin-1"), published=published,
                                confirm="only these communes")
    for check in (as_utf8, as_bytes):
        assert check.ok and check.report["encoding"] == "tcvn3"
        assert check.frame.set_index("commune_code").at["06202", "commune_name"] == "Xã Xuất Lễ"
    assert "upload_json_not_utf8" in keys(as_bytes, "warning") and "upload_json_not_utf8" not in keys(as_utf8, "warning")
    only_error(check_boundaries("legacy.geojson", geojson(layer).decode("utf-8").encode("latin-1"), encoding="utf-8"),
               "upload_json_invalid_utf8")


def test_a_unit_moving_to_another_district_leaves_its_old_district(published, cao_loc):
    van_lang = published[published["district_code"] == "182"]
    into_van_lang = pd.concat([van_lang, cao_loc[cao_loc["commune_code"] == "06184"].assign(district_code="182")])
    refused = check_boundaries("vanlang.geojson", geojson(into_van_lang), published=published, confirm="moved")
    assert "upload_units_outside_district" in keys(refused)  # Văn Lãng's real outline does not hold it
    moving = cao_loc[cao_loc["commune_code"] == "06184"].assign(district_code="999", district_name="Huyện Mới")
    refused = check_boundaries("new.geojson", geojson(moving), published=published)
    assert keys(refused) == ["upload_code_other_district"]  # the national list puts 06184 in district 183
    check = check_boundaries("new.geojson", geojson(moving), published=published, confirm="Decision 123/NQ-UBTVQH")
    assert check.ok and check.report["scope"] == ["999"]
    [moved] = [i for i in check.warnings if i.key == "upload_units_moved"]
    assert moved.params == {"count": 1, "codes": ["06184"]}
    frame = check.frame.set_index("commune_code")
    assert frame.at["06184", "district_code"] == "999" and len(frame) == len(published)
    assert int((frame["district_code"] == CAO_LOC).sum()) == len(cao_loc) - 1
    assert check.report["diff"]["added"] == [{"code": "06184", "name": "Thị trấn Đồng Đăng"}]


def test_dbf_code_page_from_the_cpg_or_the_header(published, cao_loc, tmp_path):
    rows = cao_loc[cao_loc["commune_code"].isin(["06202", "06223"])].reset_index(drop=True)
    cp1258 = {"06202": b"Xa\xde Xu\xe2\xect L\xea\xde", "06223": b"Xa\xde Ho\xcca C\xfd"}  # "Xã Xuất Lễ", "Xã Hòa Cư"
    names = rows["commune_code"].map(lambda c: cp1258[c].decode("latin-1"))
    layer = gpd.GeoDataFrame({"ma_xa": rows["commune_code"], "ten_xa": names, "ma_huyen": CAO_LOC},
                             geometry=rows.geometry, crs=4326)
    (tmp_path / "a").mkdir()
    pyogrio.write_dataframe(layer, tmp_path / "a" / "x.shp", encoding="latin1")
    (tmp_path / "a" / "x.cpg").write_text("1258")
    check = check_boundaries("a.zip", zip_folder(tmp_path / "a"), published=published, confirm="only these communes")
    assert check.ok and check.report["encoding"] == "cp1258"
    names = check.frame.loc[check.frame["district_code"] == CAO_LOC, "commune_name"]
    assert sorted(names) == ["Xã Hòa Cư", "Xã Xuất Lễ"]

    cyrillic = layer.assign(ten_xa=["Москва", "Киев"])
    (tmp_path / "b").mkdir()
    pyogrio.write_dataframe(cyrillic, tmp_path / "b" / "x.shp", encoding="cp1251")
    (tmp_path / "b" / "x.cpg").unlink()
    dbf = bytearray((tmp_path / "b" / "x.dbf").read_bytes())
    dbf[29] = 0xC9  # language driver id of code page 1251
    (tmp_path / "b" / "x.dbf").write_bytes(bytes(dbf))
    check = check_boundaries("b.zip", zip_folder(tmp_path / "b"), published=published, confirm="only these communes")
    assert check.ok and check.report["encoding"] == "cp1251"
    assert sorted(check.frame.loc[check.frame["district_code"] == CAO_LOC, "commune_name"]) == ["Киев", "Москва"]


def test_a_zip_bomb_disguised_as_xlsx_is_refused(published):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b" " * (20 * 1024 * 1024))
    only_error(check_indicators("bomb.xlsx", buf.getvalue(), boundaries=published), "upload_zip_ratio")


def test_a_workbook_with_a_broken_sheet_is_an_error(published, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["commune_code", "indicator", "year", "value"])
    book.active.append(["06184", "schools_total", 2021, 3])
    book.save(tmp_path / "ok.xlsx")
    buf = io.BytesIO()
    with zipfile.ZipFile(tmp_path / "ok.xlsx") as good, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as bad:
        for info in good.infolist():
            data = good.read(info)
            bad.writestr(info, data.replace(b"</sheetData>", b"<row></sheetData>") if "sheet1" in info.filename else data)
    check = check_indicators("broken.xlsx", buf.getvalue(), boundaries=published)
    assert only_error(check, "error_table_parse").params == {"detail": "ParseError"}


def test_control_characters_are_refused_in_tables_and_layers():
    import geopandas as gpd

    from geoapp.config import GEODATA_DIR
    from geoapp.ingest import check_boundaries, check_indicators

    boundaries = gpd.read_file(GEODATA_DIR / "communes_2021_approx.geojson")
    raw = "commune_code,indicator,year,value\n06184,ocop_3_star,2021,1\n06187,ocop_3_star,2021,2\x01\n".encode()
    check = check_indicators("t.csv", raw, boundaries=boundaries, district="183")
    assert check.frame is None and check.errors[0].key == "upload_control_characters"
    assert check.errors[0].params["rows"] == [3]
    layer = boundaries[boundaries["district_code"] == "183"].copy()
    layer.loc[layer.index[0], "commune_name"] = "Đồng\x01Đăng"
    check = check_boundaries("b.geojson", layer.to_json().encode(), published=boundaries)
    assert check.frame is None and "upload_control_characters_features" in [i.key for i in check.errors]
