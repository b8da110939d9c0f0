"""The admin check report speaks Vietnamese: preset names, local times, number formats, translated actions;
an identical upload publishes nothing; a map preview shows the uploaded layer and its problems."""

import io
import json
import re
import warnings
import zipfile

import pyogrio
import pytest
from shapely import affinity
from shapely.geometry import Polygon

from geoapp.ingest.crs import CRS_PRESETS, preset_crs
from tests.accounts import as_user, csrf
from tests.ingest.helpers import store_of
from tests.ingest.uploads import geojson

CAO_LOC = "183"


@pytest.fixture
def admin(app):
    return as_user(app, "boss", "admin")


@pytest.fixture
def cao_loc(app):
    published = store_of(app).read_boundaries()
    return published[published["district_code"] == CAO_LOC].reset_index(drop=True)


def shapefile_zip_without_prj(frame, folder) -> bytes:
    folder.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # field names shortened to 10 characters
        pyogrio.write_dataframe(frame, folder / "communes.shp", encoding="UTF-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() != ".prj":
                archive.writestr(path.name, path.read_bytes())
    return buffer.getvalue()


def upload(client, kind, filename, body, **fields):
    data = {"csrf_token": csrf(client, f"/admin/upload/{kind}"), "file": (io.BytesIO(body), filename), **fields}
    return client.post(f"/admin/upload/{kind}", data=data, content_type="multipart/form-data")


def token_of(response, action):
    match = re.search(rf'action="/admin/pending/([0-9a-f]{{32}})/{action}"', response.get_data(as_text=True))
    assert match, f"no {action} form"
    return match.group(1)


def publish(client, response, comment="checked"):
    return client.post(f"/admin/pending/{token_of(response, 'publish')}/publish",
                       data={"csrf_token": csrf(client, "/admin/"), "comment": comment})


def test_identical_upload_publishes_nothing_and_says_so(app, admin, cao_loc):
    before = store_of(app).data_version()
    report = upload(admin, "boundaries", "same.geojson", geojson(cao_loc, crs_member=False))
    page = report.get_data(as_text=True)
    assert report.status_code == 200
    assert 'id="report-identical"' in page and "giống hệt dữ liệu đang công bố" in page
    assert 'id="publish-form"' not in page
    forced = admin.post(f"/admin/pending/{token_of(report, 'recheck')}/publish",
                        data={"csrf_token": csrf(admin, "/admin/"), "comment": "again"})
    assert forced.status_code == 422
    assert store_of(app).data_version() == before


def test_preset_crs_is_named_and_reprojection_noise_is_unchanged(app, admin, cao_loc, tmp_path):
    raw = shapefile_zip_without_prj(cao_loc.to_crs(preset_crs("vn2000-langson")), tmp_path / "shp")
    missing = upload(admin, "boundaries", "caoloc.zip", raw)
    error = re.search(r'<li data-key="upload_crs_missing">(.*?)</li>', missing.get_data(as_text=True), re.S).group(1)
    assert CRS_PRESETS["vn2000-langson"]["label_vi"] in error and "vn2000-langson" not in error
    fixed = admin.post(f"/admin/pending/{token_of(missing, 'recheck')}/recheck", data={
        "csrf_token": csrf(admin, "/admin/"), "with_options": "1", "crs": "vn2000-langson", "encoding": "auto"})
    page = fixed.get_data(as_text=True)
    crs_cell = re.search(r'<td id="report-crs">(.*?)</td>', page, re.S).group(1)
    assert CRS_PRESETS["vn2000-langson"]["label_vi"] in crs_cell and "unknown" not in crs_cell
    assert "-0,00 %" not in page and "-0.00 %" not in page
    assert "Đổi hình dạng" not in page or not re.search(r"\(-?0,00 %\)", page)
    diff_rows = re.findall(r"<tr><td>[^<]*</td><td>\d{5}</td>", page)
    assert diff_rows == []  # every shape is within the tolerance: unchanged


def test_areas_use_vietnamese_decimals(app, admin, cao_loc):
    grown = cao_loc.copy()
    grown.loc[0, "geometry"] = affinity.scale(grown.geometry.iloc[0], 1.05, 1.05)
    page = upload(admin, "boundaries", "grown.geojson", geojson(grown, crs_member=False)).get_data(as_text=True)
    row = re.search(rf'<td>{grown.loc[0, "commune_code"]}</td>.*?</tr>', page, re.S).group(0)
    assert re.search(r"\d+,\d+ → \d+,\d+ km² \(\+\d+,\d+ %\)", row), row


def test_audit_actions_and_times_are_translated(app, admin, cao_loc):
    renamed = cao_loc.copy()
    renamed.loc[0, "commune_name"] = "Xã Tên Mới"
    assert publish(admin, upload(admin, "boundaries", "r.geojson", geojson(renamed, crs_member=False))).status_code == 303
    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert "Công bố ranh giới" in audit and "Thêm tài khoản" in audit
    assert re.search(r"<td>\d{2}/\d{2}/\d{4} \d{2}:\d{2}</td>", audit)
    assert not re.search(r"<td>\d{4}-\d{2}-\d{2}T", audit)
    history = admin.get("/admin/history/boundaries").get_data(as_text=True)
    assert re.search(r"<td>\d{2}/\d{2}/\d{4} \d{2}:\d{2}</td>", history)


def test_report_has_a_map_preview_with_invalid_geometry_marked(app, admin, cao_loc):
    broken = cao_loc.copy()
    minx, miny, maxx, maxy = broken.geometry.iloc[1].bounds
    broken.loc[1, "geometry"] = Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])  # bow-tie
    page = upload(admin, "boundaries", "bowtie.geojson", geojson(broken, crs_member=False)).get_data(as_text=True)
    assert 'id="preview-map"' in page
    data = json.loads(re.search(r'<script type="application/json" id="preview-data">(.*?)</script>', page, re.S).group(1))
    problems = {f["properties"].get("code"): f["properties"]["problem"] for f in data["features"] if "code" in f["properties"]}
    assert problems[broken.loc[1, "commune_code"]] == "invalid"
    assert len(problems) == len(cao_loc)
    assert 'data-key="upload_repair_changed_area"' in page  # a repair that moves area: an error to confirm
    assert page.index('id="preview-map"') < page.index('id="recheck-form"')  # before the form that confirms it


def test_preview_data_cannot_break_out_of_its_script(app, admin, cao_loc):
    hostile = cao_loc.copy()
    hostile.loc[0, "commune_name"] = "</script><script>alert(1)</script>"
    page = upload(admin, "boundaries", "x.geojson", geojson(hostile, crs_member=False)).get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="preview-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in block and json.loads(block)
