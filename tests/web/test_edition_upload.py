"""A new boundary edition added by GIS staff through the admin upload: dry run, publish, switch, rollback.

"2027" is made from the shipped 2025 units by merging Phường Tam Thanh into Phường Kỳ Lừa
(64 units) with a crosswalk 2025 → 2027 (tests/editions/new_edition.py).
"""

import io
import json
import re

import pytest

from tests.accounts import as_user, csrf
from tests.editions import new_edition as ne
from tests.ingest.helpers import form_token, publish_report, store_of

EDITION_FIELDS = {"edition": "2027", "valid_from": "01/01/2027"}


def upload_edition(client, crosswalk: str, layer: bytes | None = None, **fields):
    data = {"csrf_token": csrf(client, "/admin/upload/edition"), "file": (io.BytesIO(layer or ne.layer_bytes()), "units_2027.geojson"),
            "crosswalk": (io.BytesIO(crosswalk.encode("utf-8")), "crosswalk_2025_2027.csv"), **EDITION_FIELDS, **fields}
    return client.post("/admin/upload/edition", data=data, content_type="multipart/form-data")


def publish(client, report, comment="new edition 2027"):
    return publish_report(client, report, comment)


def values(client, units: str) -> dict:
    response = client.get(f"/api/maps/ocop_total.json?units={units}&district=all&year=2021&lang=en")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["values"]


def test_upload_page_offers_a_new_edition(app):
    editor = as_user(app, "gis", "editor")
    index = editor.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/upload/edition"' in index
    form = editor.get("/admin/upload/edition?lang=en").get_data(as_text=True)
    assert 'name="crosswalk"' in form and 'name="valid_from"' in form and 'name="district"' not in form


def test_new_edition_is_published_switched_to_and_rolled_back(backend_app):
    app = backend_app
    store = store_of(app)
    editor = as_user(app, "gis", "editor")
    reader = app.test_client()
    before = {kind: version for kind, version in store.published_versions().items()}
    values_2025 = values(reader, "2025")
    boundaries_2025 = reader.get("/api/download/boundaries.geojson?units=2025").data

    report = upload_edition(editor, ne.crosswalk_text())
    page = report.get_data(as_text=True)
    assert report.status_code == 200, page
    assert 'id="report-crosswalk"' in page and "crosswalk_2025_2027.csv" in page
    assert re.search(r"65 (rows|dòng)", page) and re.search(r"merge 2", page)
    token = form_token(report, "publish")
    findings = json.loads(editor.get(f"/admin/pending/{token}/report.json").data)
    assert findings["ok"] is True and findings["report"]["crosswalk"]["counts"]["error"] == 0
    assert findings["report"]["edition"]["previous"] == "2025" and findings["report"]["merged_count"] == 64
    assert store.published_versions() == before  # a dry run publishes nothing

    done = publish(editor, report)
    assert done.status_code == 303 and done.headers["Location"].endswith("/admin/history/boundaries:2027")
    assert store.published_editions()["2027"] == 1
    history = editor.get("/admin/history/boundaries:2027?lang=en").get_data(as_text=True)
    assert "Boundary versions of edition 2027" in history and 'data-version="1"' in history

    # the units switch, the map and the API know the new edition with no code change
    page_2025 = reader.get("/maps/ocop_total?units=2025&lang=en").get_data(as_text=True)
    assert 'id="units-to-2027"' in page_2025
    page_2027 = reader.get("/maps/ocop_total?units=2027&lang=en").get_data(as_text=True)
    assert 'data-units="2027"' in page_2027 and "Shown: Administrative units from 1 January 2027" in page_2027
    assert "uploaded by GIS staff" in page_2027
    profile = reader.get(f"/communes/2027/{ne.KEPT}?lang=en").get_data(as_text=True)
    assert f"Code {ne.KEPT} (2027 units)" in profile
    carried = values(reader, "2027")
    assert len(carried) == 64 and ne.MERGED not in carried
    merged = carried[ne.KEPT]
    parts = [values_2025[ne.KEPT], values_2025[ne.MERGED]]
    assert merged["derived"] is True and merged["rule"] == "sum"
    assert sorted(merged["from"]) == sorted(parts[0]["from"] + parts[1]["from"])  # 2021 communes of both
    assert float(merged["raw"]) == pytest.approx(sum(float(p["raw"]) for p in parts))
    assert carried["06184"]["value"] == values_2025["06184"]["value"]  # an unchanged unit keeps its value
    collections = reader.get("/ogcapi/collections?f=json").get_json()["collections"]
    assert {"communes-2027", "indicators-2027"} <= {c["id"] for c in collections}

    # other editions untouched
    assert values(reader, "2025") == values_2025
    assert reader.get("/api/download/boundaries.geojson?units=2025").data == boundaries_2025
    after = store.published_versions()
    assert {k: v for k, v in after.items() if k != "boundaries:2027"} == before

    # a second version (new titles), then roll back to the first
    second = upload_edition(editor, ne.crosswalk_text(), title_en="Units of the 2027 reorganisation")
    assert second.status_code == 200
    publish(editor, second, "titles")
    assert "Units of the 2027 reorganisation" in reader.get("/maps/ocop_total?units=2027&lang=en").get_data(as_text=True)
    rolled = editor.post("/admin/history/boundaries:2027/rollback",
                         data={"csrf_token": csrf(editor, "/admin/history/boundaries:2027"), "version": "1",
                               "base_version": "2", "comment": "back to the first titles"})
    assert rolled.status_code == 303
    assert store.published_editions()["2027"] == 1
    page_2027 = reader.get("/maps/ocop_total?units=2027&lang=en").get_data(as_text=True)
    assert "Units of the 2027 reorganisation" not in page_2027 and "1 January 2027" in page_2027
    assert {k: v for k, v in store.published_versions().items() if k != "boundaries:2027"} == before
    assert values(reader, "2025") == values_2025


@pytest.mark.parametrize("fault", sorted(ne.broken_crosswalks()))
def test_broken_crosswalk_errors_are_in_the_report(app, fault):
    editor = as_user(app, "gis", "editor")
    before = store_of(app).published_versions()
    report = upload_edition(editor, ne.broken_crosswalks()[fault])
    page = report.get_data(as_text=True)
    assert report.status_code == 422
    assert f'data-reason="{fault}" data-severity="error"' in page
    assert f'data-key="crosswalk_{fault}"' in page and 'id="publish-form"' not in page
    findings = json.loads(editor.get(f"/admin/pending/{form_token(report, 'discard')}/report.json").data)
    assert f"crosswalk_{fault}" in {e["key"] for e in findings["errors"]}
    assert store_of(app).published_versions() == before


def test_far_row_reports_its_distance_in_km(app):
    editor = as_user(app, "gis", "editor")
    report = upload_edition(editor, ne.broken_crosswalks()["outside_new_unit"], lang="en")
    token = form_token(report, "discard")
    findings = json.loads(editor.get(f"/admin/pending/{token}/report.json?lang=en").data)
    far = [f for f in findings["report"]["crosswalk"]["findings"] if f["reason"] == "outside_new_unit"]
    assert far and far[0]["old_code"] == ne.MERGED and far[0]["distance_km"] > 50


def test_layer_outside_the_province_and_shipped_codes_are_refused(app):
    editor = as_user(app, "gis", "editor")
    moved = ne.units_2027()
    moved["geometry"] = moved.geometry.translate(xoff=3.0)
    from tests.ingest.uploads import geojson

    report = upload_edition(editor, ne.crosswalk_text(), layer=geojson(moved))
    page = report.get_data(as_text=True)
    assert report.status_code == 422 and 'data-key="upload_units_outside_province"' in page
    assert 'data-key="edition_crosswalk_not_checked"' in page
    shipped = upload_edition(editor, ne.crosswalk_text(), edition="2025")
    assert shipped.status_code == 422 and 'data-key="edition_shipped"' in shipped.get_data(as_text=True)


def test_recheck_keeps_the_uploaded_crosswalk(app):
    editor = as_user(app, "gis", "editor")
    report = upload_edition(editor, ne.crosswalk_text(), valid_from="not a day")
    assert report.status_code == 422 and 'data-key="edition_valid_from_invalid"' in report.get_data(as_text=True)
    token = form_token(report, "recheck")
    again = editor.post(f"/admin/pending/{token}/recheck",
                        data={"csrf_token": csrf(editor, "/admin/"), "with_options": "1", **EDITION_FIELDS},
                        content_type="multipart/form-data")
    assert again.status_code == 200, again.get_data(as_text=True)
    assert 'id="publish-form"' in again.get_data(as_text=True)


def test_catalog_page_has_the_units_selector_and_its_links_carry_it(client):
    page = client.get("/?units=2025&lang=en").get_data(as_text=True)
    assert '<select name="units" id="catalog-units">' in page
    assert re.search(r'<option value="2025" selected>', page)
    links = re.findall(r'href="(/maps/[^"]+)"', page)
    assert links and all("units=2025" in link for link in links)
    assert 'id="catalog-units-note"' in page and "former " in page
    default = client.get("/?lang=en").get_data(as_text=True)
    assert 'id="catalog-units-note"' not in default
    assert all("units=2021" in link for link in re.findall(r'href="(/maps/[^"]+)"', default))
    assert client.get("/?units=2030").status_code == 404
