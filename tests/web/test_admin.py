"""The publishing workflow on the web: upload, dry-run report, publish, history, rollback, users, audit."""

import html
import io
import re
import zipfile

import geopandas as gpd
import openpyxl
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Polygon

from geoapp import create_app
from geoapp.ingest.crs import preset_crs
from tests.accounts import PASSWORD, as_user, csrf, login, published_bytes
from tests.ingest.helpers import form_token, issue_keys, store_of, upload
from tests.ingest.helpers import publish_report as publish
from tests.ingest.uploads import geojson

pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name")

CAO_LOC = "183"
XSS = "<img src=x onerror=alert(1)>"
TCVN3_NAMES = {"06202": "X· XuÊt LÔ", "06184": "ThÞ trÊn §ång §¨ng", "06223": "X· Hßa C\xad"}


@pytest.fixture
def editor(app):
    return as_user(app, "ed", "editor")


@pytest.fixture
def published(app):
    return store_of(app).read_boundaries()


@pytest.fixture
def cao_loc(published):
    return published[published["district_code"] == CAO_LOC].reset_index(drop=True)


def shapefile_zip(frame: gpd.GeoDataFrame, folder, *, drop=(), encoding="UTF-8") -> bytes:
    folder.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(frame, folder / "communes.shp", encoding=encoding)
    return zip_of({p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix.lower() not in drop})


def zip_of(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def swap_xy(geom):
    return shapely.transform(geom, lambda xy: xy[:, ::-1])


def bow_tie_layer(cao_loc):
    x, y = cao_loc.geometry.iloc[0].representative_point().coords[0]
    layer = cao_loc.copy()
    layer.loc[0, "geometry"] = Polygon([(x, y), (x + 0.01, y + 0.01), (x + 0.01, y), (x, y + 0.01), (x, y)])
    return layer


def tcvn3_layer(cao_loc):
    layer = cao_loc[cao_loc["commune_code"].isin(list(TCVN3_NAMES))].reset_index(drop=True)
    layer = layer[["commune_code", "geometry"]].assign(ten_xa=layer["commune_code"].map(TCVN3_NAMES))
    return layer


def duplicate_codes(cao_loc):
    layer = cao_loc.copy()
    layer.loc[1, "commune_code"] = layer.loc[0, "commune_code"]
    return layer


# name -> (kind, filename, body builder(cao_loc, tmp_path), error key shown on the report)
BAD_INPUTS = {
    "zip with ../": ("boundaries", "b.zip", lambda c, t: zip_of({"../evil.shp": b"x", "evil.dbf": b"y"}),
                     "upload_zip_unsafe_name"),
    "zip with an absolute name": ("boundaries", "b.zip", lambda c, t: zip_of({"/tmp/evil.shp": b"x"}),
                                  "upload_zip_unsafe_name"),
    "zip bomb": ("boundaries", "b.zip", lambda c, t: zip_of({"a.shp": b"\0" * 20_000_000}), "upload_zip_ratio"),
    "nested archive": ("boundaries", "b.zip", lambda c, t: zip_of({"inner.zip": zip_of({"a.shp": b"x"})}),
                       "upload_zip_nested"),
    "deeply nested JSON": ("boundaries", "b.geojson",
                           lambda c, t: b'{"type":"FeatureCollection","features":' + b"[" * 500 + b"]" * 500 + b"}",
                           "upload_json_too_deep"),
    "zip named .geojson": ("boundaries", "b.geojson", lambda c, t: zip_of({"a.txt": b"x"}), "upload_content_mismatch"),
    "text named .xlsx": ("indicators", "t.xlsx", lambda c, t: b"ma_xa,nam\n06184,2021\n", "error_content_mismatch"),
    "shapefile without .dbf": ("boundaries", "b.zip", lambda c, t: shapefile_zip(c, t, drop=(".dbf",)),
                               "upload_shapefile_missing_part"),
    "shapefile without .shx": ("boundaries", "b.zip", lambda c, t: shapefile_zip(c, t, drop=(".shx",)),
                               "upload_shapefile_missing_part"),
    "shapefile without .prj": ("boundaries", "b.zip",
                               lambda c, t: shapefile_zip(c.to_crs(preset_crs("vn2000-langson")), t, drop=(".prj",)),
                               "upload_crs_missing"),
    "swapped lat/lon": ("boundaries", "b.geojson", lambda c, t: geojson(c.set_geometry(c.geometry.map(swap_xy)), crs_member=False),
                        "upload_crs_swapped"),
    "points": ("boundaries", "b.geojson", lambda c, t: geojson(c.set_geometry(c.geometry.representative_point()), crs_member=False),
               "upload_not_polygons"),
    "lines": ("boundaries", "b.geojson", lambda c, t: geojson(c.set_geometry(c.geometry.boundary), crs_member=False),
              "upload_not_polygons"),
    "duplicate codes": ("boundaries", "b.geojson", lambda c, t: geojson(duplicate_codes(c), crs_member=False), "upload_code_duplicate"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_reported_and_changes_nothing(app, editor, cao_loc, tmp_path, case):
    kind, filename, build, key = BAD_INPUTS[case]
    before = published_bytes(app, editor)
    response = upload(editor, kind, filename, build(cao_loc, tmp_path / "shp"))
    assert response.status_code == 422
    assert key in issue_keys(response)
    page = response.get_data(as_text=True)
    assert 'id="report-failed"' in page and 'id="publish-form"' not in page
    assert published_bytes(app, editor) == before


def test_missing_crs_makes_the_chooser_required_and_a_preset_fixes_it(app, editor, cao_loc, published, tmp_path):
    raw = shapefile_zip(cao_loc.to_crs(preset_crs("vn2000-langson")), tmp_path / "shp", drop=(".prj",))
    plain = editor.get("/admin/upload/boundaries").get_data(as_text=True)
    assert re.search(r'<select name="crs" id="crs-select">', plain)  # optional at first
    report = upload(editor, "boundaries", "caoloc.zip", raw)
    page = report.get_data(as_text=True)
    assert re.search(r'<select name="crs" id="crs-select" required>', page)
    assert "vn2000-langson" in page and "107°15′" in page
    token = form_token(report, "recheck")
    fixed = editor.post(f"/admin/pending/{token}/recheck", data={
        "csrf_token": csrf(editor, "/admin/"), "with_options": "1", "crs": "vn2000-langson", "encoding": "auto"})
    assert fixed.status_code == 200, issue_keys(fixed)
    assert "upload_crs_missing" not in issue_keys(fixed)
    before = store_of(app).data_version()
    assert publish(editor, fixed).status_code == 303
    assert store_of(app).data_version() != before
    moved = store_of(app).read_boundaries().set_index("commune_code").geometry.to_crs(3405)
    original = cao_loc.set_index("commune_code").geometry.to_crs(3405)
    assert moved[original.index].distance(original.representative_point()).max() < 5  # metres


def test_bow_tie_is_repaired_reported_and_publishable(app, editor, cao_loc):
    refused = upload(editor, "boundaries", "bowtie.geojson", geojson(bow_tie_layer(cao_loc), crs_member=False))
    assert refused.status_code == 422 and "upload_repair_changed_area" in issue_keys(refused)
    report = upload(editor, "boundaries", "bowtie.geojson", geojson(bow_tie_layer(cao_loc), crs_member=False), confirm="field survey")
    assert report.status_code == 200
    assert "upload_invalid_repaired" in issue_keys(report)
    table = report.get_data(as_text=True).split('id="report-invalid"')[1].split("</table>")[0]
    assert cao_loc["commune_code"][0] in table and "Self-intersection" in table and "make_valid" in table
    assert publish(editor, report).status_code == 303
    stored = store_of(app).read_boundaries().set_index("commune_code").geometry[cao_loc["commune_code"][0]]
    assert stored.is_valid and stored.geom_type in ("Polygon", "MultiPolygon")


def test_tcvn3_dbf_is_converted_and_reported(app, editor, cao_loc, tmp_path):
    before = published_bytes(app, editor)
    raw = shapefile_zip(tcvn3_layer(cao_loc), tmp_path / "shp", encoding="latin1")
    report = upload(editor, "boundaries", "tcvn3.zip", raw, district=CAO_LOC)
    page = report.get_data(as_text=True)
    assert "upload_legacy_converted" in issue_keys(report)
    assert "TCVN3" in page and "Xã Xuất Lễ" in page and "Thị trấn Đồng Đăng" in page
    assert published_bytes(app, editor) == before  # a dry run publishes nothing


def test_markup_in_an_upload_is_warned_about_and_kept_as_text(app, editor, published):
    layer = published.copy()
    code = "06184"
    layer.loc[layer["commune_code"] == code, "commune_name"] = XSS
    report = upload(editor, "boundaries", "xss.geojson", geojson(layer, crs_member=False))
    page = report.get_data(as_text=True)
    assert "upload_markup" in issue_keys(report)
    assert XSS not in page and html.escape(XSS) in page
    assert publish(editor, report, comment=XSS).status_code == 303
    assert store_of(app).read_boundaries().set_index("commune_code").at[code, "commune_name"] == XSS

    # the published name on the public pages, maps and files: tests/web/test_hostile_text.py
    for name, response in {
        "history (comment)": editor.get("/admin/history/boundaries"),
        "audit (comment)": as_user(app, "an", "admin").get("/admin/audit"),
    }.items():
        text = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert XSS not in text and html.escape(XSS) in text, name


def test_indicator_upload_shows_the_match_report_and_publishes_fresh_values(app, editor):
    viewer = app.test_client()
    url = f"/api/maps/defence_drills.json?district={CAO_LOC}&year=2021"
    first = viewer.get(url)
    assert first.get_json()["values"]["06184"]["raw"] != "97"
    table = "ma_xa,ten_xa,nam,chi_tieu,gia_tri\n6184,,2021,defence_drills,97\n,xa Xuat Le,2021,defence_drills,98\n99999,Không có,2021,defence_drills,1\n"
    report = upload(editor, "indicators", "drills.csv", table.encode(), district=CAO_LOC)
    assert report.status_code == 200, issue_keys(report)
    page = report.get_data(as_text=True)
    match = page.split('id="report-match"')[1].split("</table>")[0]
    assert re.search(r"Khớp theo mã</th><td class=\"num\">1<", match)
    assert re.search(r"Khớp theo tên không dấu</th><td class=\"num\">1<", match)
    assert re.search(r"Không khớp</th><td class=\"num\">1<", match)
    assert "upload_rows_unmatched" in issue_keys(report)
    assert publish(editor, report).status_code == 303
    second = viewer.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    values = second.get_json()["values"]
    assert values["06184"]["raw"] == "97" and values["06202"]["raw"] == "98"
    assert "97" in viewer.get(f"/maps/defence_drills?district={CAO_LOC}&year=2021").get_data(as_text=True)


def test_publish_needs_a_comment_and_a_csrf_token(app, editor, published):
    report = upload(editor, "boundaries", "same.geojson", geojson(published.assign(commune_type="x"), crs_member=False))
    token = form_token(report, "publish")
    before = store_of(app).data_version()
    no_csrf = editor.post(f"/admin/pending/{token}/publish", data={"comment": "ok"})
    assert no_csrf.status_code == 400
    no_comment = editor.post(f"/admin/pending/{token}/publish", data={"csrf_token": csrf(editor, "/admin/"), "comment": " "})
    assert no_comment.status_code == 422
    assert store_of(app).data_version() == before
    assert publish(editor, report).status_code == 303
    assert store_of(app).data_version() != before
    gone = editor.post(f"/admin/pending/{token}/publish", data={"csrf_token": csrf(editor, "/admin/"), "comment": "again"})
    assert gone.status_code == 404


def test_history_download_and_rollback(app, editor, published):
    renamed = published.copy()
    renamed.loc[0, "commune_name"] = "Tên mới"
    assert publish(editor, upload(editor, "boundaries", "r.geojson", geojson(renamed, crs_member=False)), "rename").status_code == 303
    page = editor.get("/admin/history/boundaries").get_data(as_text=True)
    assert "Tên mới" not in page and "rename" in page
    assert 'href="/api/download/boundaries.geojson?version=1"' in page
    assert 'href="/api/download/boundaries.zip?version=2"' in page
    old = editor.get("/api/download/boundaries.geojson?version=1")
    assert "Tên mới" not in old.data.decode() and "Tên mới" in editor.get("/api/download/boundaries.geojson").data.decode()
    token = csrf(editor, "/admin/history/boundaries")
    refused = editor.post("/admin/history/boundaries/rollback", data={"csrf_token": token, "version": "1", "base_version": "2"})
    assert refused.status_code == 422  # a comment is required
    stale = editor.post("/admin/history/boundaries/rollback",
                        data={"csrf_token": token, "version": "1", "base_version": "1", "comment": "stale"})
    assert stale.status_code == 409
    done = editor.post("/admin/history/boundaries/rollback",
                       data={"csrf_token": token, "version": "1", "base_version": "2", "comment": "wrong name"})
    assert done.status_code == 303
    assert store_of(app).published_versions()["boundaries"] == 1
    assert_geodataframe_equal(store_of(app).read_boundaries(), published)
    assert "Tên mới" not in editor.get("/api/download/boundaries.geojson").data.decode()
    entries = store_of(app).audit()
    assert (entries[0]["actor"], entries[0]["action"], entries[0]["comment"]) == ("ed", "rollback boundaries", "wrong name")


def test_upload_over_the_size_limit(settings):
    app = create_app({**settings, "MAX_UPLOAD_MB": 1})
    editor = as_user(app, "ed", "editor")
    before = published_bytes(app, editor)
    body = b'{"type":"FeatureCollection","features":[' + b" " * (1536 * 1024) + b"]}"
    for lang, text in (("vi", "vượt quá giới hạn 1 MB"), ("en", "over the 1 MB limit")):
        editor.get(f"/admin/?lang={lang}")
        response = upload(editor, "boundaries", "huge.geojson", body)
        assert response.status_code == 413
        assert text in response.get_data(as_text=True)
    assert published_bytes(app, editor) == before


def test_users_page_and_audit(app):
    admin = as_user(app, "an", "admin")
    editor = as_user(app, "ed", "editor")
    assert editor.get("/admin/users").status_code == 403
    assert editor.get("/admin/audit").status_code == 403
    token = csrf(admin, "/admin/users")
    admin.post("/admin/users", data={"csrf_token": token, "name": "vi", "role": "viewer", "password": PASSWORD})
    admin.post("/admin/users/vi/role", data={"csrf_token": token, "role": "editor"})
    admin.post("/admin/users/vi/password", data={"csrf_token": token, "password": "a fresh password"})
    users = {u["name"]: u["role"] for u in store_of(app).list_users()}
    assert users == {"an": "admin", "ed": "editor", "vi": "editor"}
    assert login(app.test_client(), "vi", "a fresh password").status_code == 302
    short = admin.post("/admin/users", data={"csrf_token": token, "name": "x", "role": "viewer", "password": "short"},
                       follow_redirects=True)
    assert "ít nhất 8 ký tự" in short.get_data(as_text=True)
    last = admin.post("/admin/users/an/delete", data={"csrf_token": token}, follow_redirects=True)
    assert "quản trị viên cuối cùng" in last.get_data(as_text=True)
    admin.post("/admin/users/vi/delete", data={"csrf_token": token})
    assert {u["name"] for u in store_of(app).list_users()} == {"an", "ed"}
    page = admin.get("/admin/users").get_data(as_text=True)
    assert 'data-user="ed"' in page and "scrypt" not in page
    audit = admin.get("/admin/audit").get_data(as_text=True)
    for action in ("add user", "change role", "change password", "delete user"):
        assert action in audit
    assert PASSWORD not in audit and "a fresh password" not in audit


def test_report_page_escapes_file_names(app, editor):
    response = upload(editor, "boundaries", f"{XSS}.geojson", b"{}")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert XSS not in text and f"{html.escape(XSS)}.geojson" in text


def test_geopackage_with_several_layers_asks_for_one(app, editor, cao_loc, tmp_path):
    path = tmp_path / "two.gpkg"
    pyogrio.write_dataframe(cao_loc, path, layer="xa", driver="GPKG")
    pyogrio.write_dataframe(cao_loc.assign(geometry=cao_loc.geometry.representative_point()), path, layer="diem",
                            driver="GPKG", append=False)
    report = upload(editor, "boundaries", "two.gpkg", path.read_bytes())
    assert report.status_code == 422 and "upload_layer_required" in issue_keys(report)
    page = report.get_data(as_text=True)
    picker = re.search(r'<select name="layer" id="layer-select" required>(.*?)</select>', page, re.S)
    assert picker and re.findall(r'<option value="(\w+)"', picker.group(1)) == ["xa", "diem"]
    token = form_token(report, "recheck")
    chosen = editor.post(f"/admin/pending/{token}/recheck", data={
        "csrf_token": csrf(editor, "/admin/"), "with_options": "1", "layer": "xa", "encoding": "auto"})
    assert chosen.status_code == 200 and 'id="report-identical"' in chosen.get_data(as_text=True)  # same as published


def test_xlsx_wide_table_with_named_columns(app, editor, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Mã xã", "Năm báo cáo", "Số buổi diễn tập"])
    sheet.append(["06184", 2021, 12])
    sheet.append(["06202", 2021, "mười ba"])
    path = tmp_path / "t.xlsx"
    book.save(path)
    fields = {"col_code": "Mã xã", "col_year": "Năm báo cáo", "wide": "Số buổi diễn tập = defence_drills",
              "district": CAO_LOC}
    report = upload(editor, "indicators", "t.xlsx", path.read_bytes(), **fields)
    assert report.status_code == 422  # "mười ba" is not a number
    assert "upload_value_not_numeric" in issue_keys(report)
    sheet["C3"] = 13
    book.save(path)
    report = upload(editor, "indicators", "t.xlsx", path.read_bytes(), **fields)
    assert report.status_code == 200, issue_keys(report)
    page = report.get_data(as_text=True)  # the options are shown again for a re-check
    assert 'name="col_code" value="Mã xã"' in page and ">Số buổi diễn tập = defence_drills\n" in page
    assert publish(editor, report).status_code == 303
    values = store_of(app).read_indicators()
    drills = values[(values["indicator"] == "defence_drills") & (values["year"] == 2021)].set_index("commune_code")
    assert drills.at["06184", "value"] == "12" and drills.at["06202", "value"] == "13"
