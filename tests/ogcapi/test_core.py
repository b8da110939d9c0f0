"""The OGC API endpoints through the Flask test client, on both storage backends."""

from __future__ import annotations

import re

import pytest
import shapely
from pyproj import Transformer

from tests.ogcapi.conftest import API, published_communes

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"


def get_json(client, path, status=200, **kwargs):
    response = client.get(API + path, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json(force=True), response


def test_landing_page_has_the_links_qgis_needs(backend_client):
    doc, response = get_json(backend_client, "/")
    assert response.mimetype == "application/json"
    rels = {link["rel"]: link for link in doc["links"]}
    assert {"self", "alternate", "service-desc", "service-doc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert rels["data"]["href"].endswith("/ogcapi/collections?f=json")
    assert backend_client.get(API).status_code == 200  # without the trailing slash too


def test_conformance_declares_core_geojson_html_oas30_and_crs(backend_client):
    doc, _ = get_json(backend_client, "/conformance")
    for cls in ("ogcapi-features-1/1.0/conf/core", "ogcapi-features-1/1.0/conf/geojson",
                "ogcapi-features-1/1.0/conf/html", "ogcapi-features-1/1.0/conf/oas30",
                "ogcapi-features-2/1.0/conf/crs"):
        assert f"http://www.opengis.net/spec/{cls}" in doc["conformsTo"]


def test_collections_state_extent_crs_and_queryables(backend_client, backend_app):
    doc, _ = get_json(backend_client, "/collections")
    by_id = {c["id"]: c for c in doc["collections"]}
    assert list(by_id) == ["communes-2021", "districts-2021", "indicators-2021", "communes-2025", "indicators-2025"]
    units = {"2021": published_communes(backend_app), "2025": backend_app.extensions["geoapp"].store.read_edition("2025")}
    for coll in by_id.values():
        bounds = units[coll["id"].rsplit("-", 1)[1]].total_bounds
        assert coll["storageCrs"] == CRS84
        assert coll["crs"][0] == CRS84
        assert {EPSG.format(4326), EPSG.format(3405), EPSG.format(3406), EPSG.format(9215)} <= set(coll["crs"])
        assert coll["extent"]["spatial"]["bbox"][0] == pytest.approx(list(bounds), abs=1e-6)
        rels = {link["rel"] for link in coll["links"]}
        assert {"self", "items", "http://www.opengis.net/def/rel/ogc/1.0/queryables"} <= rels
    queryables, response = get_json(backend_client, "/collections/indicators-2021/queryables")
    assert response.mimetype == "application/schema+json"
    props = queryables["properties"]
    assert props["district_code"]["type"] == "string"
    assert props["ntm_level_2021"]["enum"] == ["chua_dat", "dat_chuan", "nang_cao", "kieu_mau"]
    assert props["ntm_level_2021_status"]["enum"] == ["fact", "illustrative"]
    assert props["schools_total_2021"]["type"] == "integer"


def test_every_commune_once_with_edition_qualified_ids(backend_client, backend_app):
    doc, response = get_json(backend_client, "/collections/communes-2021/items?limit=1000")
    assert response.mimetype == "application/geo+json"
    assert response.headers["Content-Crs"] == f"<{CRS84}>"
    codes = sorted(published_communes(backend_app)["commune_code"])
    assert doc["numberMatched"] == doc["numberReturned"] == len(codes) == 194
    assert [f["id"] for f in doc["features"]] == [f"2021-{c}" for c in codes]
    assert all(f["properties"]["commune_code"] == f["id"][5:] for f in doc["features"])


def test_paging_links_walk_every_feature_and_the_last_page_has_no_next(backend_client):
    seen, path, pages = [], "/collections/communes-2021/items?limit=50", 0
    while path:
        doc, _ = get_json(backend_client, path)
        pages += 1
        seen += [f["id"] for f in doc["features"]]
        assert doc["numberMatched"] == 194
        links = {link["rel"]: link["href"] for link in doc["links"]}
        assert ("prev" in links) == (pages > 1)
        path = links["next"].split("/ogcapi", 1)[1] if "next" in links else None
    assert pages == 4 and len(seen) == len(set(seen)) == 194
    assert doc["numberReturned"] == 44  # the last page
    beyond, _ = get_json(backend_client, "/collections/communes-2021/items?limit=50&offset=500")
    assert beyond["features"] == [] and beyond["numberMatched"] == 194


def test_limit_above_the_maximum_is_clamped_and_said(backend_client):
    doc, response = get_json(backend_client, "/collections/districts-2021/items?limit=5000")
    assert doc["limitApplied"] == 1000
    assert "limit=5000" in response.headers["Warning"] and "1000" in response.headers["Warning"]
    assert doc["numberReturned"] == 11
    plain, response = get_json(backend_client, "/collections/districts-2021/items?limit=5")
    assert "limitApplied" not in plain and "Warning" not in response.headers


@pytest.mark.parametrize("query", [
    "bbox=1,2,3", "bbox=a,b,c,d", "bbox=106,22,107,21", "bbox=106,21,107,22&bbox-crs=EPSG:9999",
    "crs=EPSG:9999", "crs=http://www.opengis.net/def/crs/EPSG/0/3857", "limit=0", "limit=ten",
    "offset=-1", "no_such_property=1", "schools_total_2021=many", "f=xml", "bbox-crs=" + CRS84,
])
def test_bad_parameters_are_a_400_ogc_exception(backend_client, query):
    doc, response = get_json(backend_client, f"/collections/indicators-2021/items?{query}", status=400)
    assert response.mimetype == "application/json"
    assert doc["code"] == "InvalidParameterValue" and doc["description"]


def test_unknown_collection_and_feature_are_404(backend_client):
    doc, _ = get_json(backend_client, "/collections/communes-1999/items", status=404)
    assert doc["code"] == "NotFound" and "communes-1999" in doc["description"]
    doc, _ = get_json(backend_client, "/collections/communes-2021/items/06184", status=404)
    assert doc["code"] == "NotFound"
    doc, _ = get_json(backend_client, "/no/such/path", status=404)
    assert doc["code"] == "NotFound"


def test_property_filters(backend_client, backend_app):
    communes = published_communes(backend_app)
    doc, _ = get_json(backend_client, "/collections/communes-2021/items?district_code=183&limit=100")
    assert doc["numberMatched"] == int((communes["district_code"] == "183").sum()) > 0
    assert {f["properties"]["district_name"] for f in doc["features"]} == {"Huyện Cao Lộc"}
    data = backend_app.extensions["geoapp"].datasets.get()
    rows = data.values[(data.values["indicator"] == "ntm_level") & (data.values["year"] == 2021)]
    expected = sorted(rows.loc[rows["value"] == "dat_chuan", "commune_code"])
    doc, _ = get_json(backend_client, "/collections/indicators-2021/items?ntm_level_2021=dat_chuan&limit=1000")
    assert sorted(f["properties"]["commune_code"] for f in doc["features"]) == expected
    assert expected
    doc, _ = get_json(backend_client, "/collections/districts-2021/items?district_code=183")
    assert [f["id"] for f in doc["features"]] == ["2021-183"]
    assert doc["features"][0]["properties"]["communes"] == int((communes["district_code"] == "183").sum())


def test_bbox_in_crs84_epsg4326_and_vn2000_select_the_same_features(backend_client, backend_app):
    communes = published_communes(backend_app)
    one = communes[communes["commune_code"] == "06184"].geometry.iloc[0].centroid
    lon, lat = one.x, one.y
    box = (lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01)
    expected = sorted(communes.loc[communes.intersects(shapely.box(*box)), "commune_code"])
    in_crs84, _ = get_json(backend_client, "/collections/communes-2021/items?bbox=%f,%f,%f,%f" % box)
    latlon = "%f,%f,%f,%f" % (box[1], box[0], box[3], box[2])
    in_4326, _ = get_json(backend_client, f"/collections/communes-2021/items?bbox={latlon}&bbox-crs={EPSG.format(4326)}")
    to_tm3 = Transformer.from_crs("OGC:CRS84", "EPSG:9215", always_xy=True)
    e0, n0 = to_tm3.transform(lon, lat)
    in_tm3, _ = get_json(
        backend_client,
        f"/collections/communes-2021/items?bbox={e0 - 5},{n0 - 5},{e0 + 5},{n0 + 5}&bbox-crs={EPSG.format(9215)}",
    )
    assert "06184" in expected
    assert sorted(f["properties"]["commune_code"] for f in in_crs84["features"]) == expected
    assert sorted(f["properties"]["commune_code"] for f in in_4326["features"]) == expected
    assert [f["properties"]["commune_code"] for f in in_tm3["features"]] == ["06184"]


def test_crs_output_axis_order_and_content_crs(backend_client, backend_app):
    path = "/collections/communes-2021/items/2021-06184"
    lonlat, response = get_json(backend_client, path)
    assert response.headers["Content-Crs"] == f"<{CRS84}>"
    latlon, response = get_json(backend_client, f"{path}?crs={EPSG.format(4326)}")
    assert response.headers["Content-Crs"] == f"<{EPSG.format(4326)}>"
    first = lonlat["geometry"]["coordinates"][0][0]
    assert latlon["geometry"]["coordinates"][0][0] == [first[1], first[0]]
    assert 106 < first[0] < 108 and 21 < first[1] < 23
    tm3, response = get_json(backend_client, f"{path}?crs=EPSG:9215")  # the short form is accepted too
    assert response.headers["Content-Crs"] == f"<{EPSG.format(9215)}>"
    e, n = Transformer.from_crs("OGC:CRS84", "EPSG:9215", always_xy=True).transform(*first)
    assert tm3["geometry"]["coordinates"][0][0] == pytest.approx([e, n], abs=0.02)
    utm, _ = get_json(backend_client, f"{path}?crs={EPSG.format(3405)}")
    e, n = Transformer.from_crs("OGC:CRS84", "EPSG:3405", always_xy=True).transform(*first)
    assert utm["geometry"]["coordinates"][0][0] == pytest.approx([e, n], abs=0.02)


def test_etag_of_the_data_version_and_a_rollback_seen_on_the_next_request(backend_client, backend_app):
    store = backend_app.extensions["geoapp"].store
    path = API + "/collections/communes-2021/items/2021-06184"
    first = backend_client.get(path)
    etag = first.headers["ETag"]
    assert backend_client.get(path, headers={"If-None-Match": etag}).status_code == 304
    old = store.published_versions()["boundaries"]
    layer = store.read_boundaries()
    layer.loc[layer["commune_code"] == "06184", "commune_name"] = "Xã Mới Đổi Tên"
    store.publish("boundaries", layer, author="editor", comment="rename", base_version=old)
    renamed = backend_client.get(path, headers={"If-None-Match": etag})
    assert renamed.status_code == 200 and renamed.headers["ETag"] != etag
    assert renamed.get_json(force=True)["properties"]["commune_name"] == "Xã Mới Đổi Tên"
    store.rollback("boundaries", old, author="editor", comment="undo", base_version=old + 1)
    back = backend_client.get(path)
    assert back.get_json(force=True)["properties"]["commune_name"] == first.get_json(force=True)["properties"]["commune_name"]


def test_format_negotiation(backend_client):
    html = backend_client.get(API + "/collections", headers={"Accept": "text/html,application/xhtml+xml;q=0.9"})
    assert html.mimetype == "text/html"
    as_json = backend_client.get(API + "/collections?f=json", headers={"Accept": "text/html"})
    assert as_json.mimetype == "application/json"
    assert backend_client.get(API + "/collections", headers={"Accept": "*/*"}).mimetype == "application/json"
    assert backend_client.get(API + "/collections?f=html").mimetype == "text/html"


@pytest.mark.parametrize("lang, words", [("vi", ["Các lớp dữ liệu", "Xã, phường, thị trấn"]),
                                          ("en", ["Collections", "Communes, wards and townships"])])
def test_html_pages_in_vietnamese_and_english(client, lang, words):
    page = client.get(f"{API}/collections?f=html&lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    for word in words:
        assert word in page
    assert re.search(r'href="/static/geoapp(\.[0-9a-f]+)?\.css"', page)  # the site's base template (fingerprinted)


def test_html_items_label_illustrative_values_and_page(client):
    page = client.get(f"{API}/collections/indicators-2021/items?f=html&lang=en&limit=5&offset=5").get_data(as_text=True)
    assert "5 of 194 features (from position 5)" in page
    assert 'id="next-link"' in page and 'id="prev-link"' in page
    assert "badge-illustrative" in page
    fact = client.get(f"{API}/collections/indicators-2021/items/2021-06244?f=html&lang=vi").get_data(as_text=True)
    assert "badge-fact" in fact and "badge-illustrative" in fact


def test_html_escapes_attribute_values(backend_client, backend_app):
    store = backend_app.extensions["geoapp"].store
    layer = store.read_boundaries()
    layer.loc[layer["commune_code"] == "06184", "commune_name"] = "<script>alert(1)</script>"
    store.publish("boundaries", layer, author="editor", comment="", base_version=store.published_versions()["boundaries"])
    page = backend_client.get(f"{API}/collections/communes-2021/items/2021-06184?f=html").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_indicator_values_are_typed_labelled_and_filterable_as_numbers(backend_client, backend_app):
    data = backend_app.extensions["geoapp"].datasets.get()
    rows = data.values[(data.values["indicator"] == "ntm_year") & (data.values["year"] == 2020)]
    expected = sorted(rows.loc[rows["value"] == "2020", "commune_code"])
    doc, _ = get_json(backend_client, "/collections/indicators-2021/items?ntm_year_2020=2020.0&limit=1000")
    assert expected and sorted(f["properties"]["commune_code"] for f in doc["features"]) == expected
    assert all(type(f["properties"]["ntm_year_2020"]) is int for f in doc["features"])
    tan_lien, _ = get_json(backend_client, "/collections/indicators-2021/items/2021-06244")
    props = tan_lien["properties"]
    assert props["ntm_level_2020"] == "dat_chuan" and props["ntm_level_2020_status"] == "fact"  # stated by the article
    assert props["schools_total_2021_status"] == "illustrative"
    assert type(props["schools_standard_share_2021"]) is float
