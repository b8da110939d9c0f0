"""The 2025 boundary edition in the OGC API: its 65 units and the 2021 values carried onto them,
read by OWSLib and GDAL, on both storage backends."""

from __future__ import annotations

from owslib.ogcapi.features import Features

from geoapp.config import GEODATA_DIR
from geoapp.editions.lookup import values_in_edition
from geoapp.editions.model import load_registry
from tests.ogcapi.conftest import API, published_communes
from tests.ogcapi.test_gdal import copy_to_gpkg, gdal, max_distance_m
from tests.ogcapi.test_owslib import all_items


def units_2025(app):
    """The published 2025 units, read from the app's store (not through the API)."""
    return app.extensions["geoapp"].store.read_edition("2025")


def all_features(client, collection: str) -> dict[str, dict]:
    doc = client.get(f"{API}/collections/{collection}/items?limit=1000").get_json(force=True)
    assert doc["numberMatched"] == doc["numberReturned"] == len(doc["features"])
    return {f["id"]: f for f in doc["features"]}


def test_owslib_pages_through_every_2025_unit(backend_server, backend_app):
    client = Features(backend_server.url + API)
    assert {"communes-2025", "indicators-2025"} <= set(client.feature_collections())
    features, pages = all_items(client, "communes-2025", limit=20)
    expected = sorted(units_2025(backend_app)["commune_code"])
    assert len(expected) == 65 and pages == 4
    assert sorted(f["properties"]["commune_code"] for f in features) == expected
    assert sorted(f["id"] for f in features) == sorted("2025-" + code for code in expected)
    item = client.collection_item("communes-2025", "2025-06187")
    assert item["properties"]["commune_name"] == "Phường Kỳ Lừa"


def test_ogr2ogr_copies_the_65_units_of_2025(backend_server, backend_app, tmp_path):
    summary = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{backend_server.url}{API}", "communes-2025").stdout
    assert "Feature Count: 65" in summary
    copied = copy_to_gpkg(backend_server.url, "communes-2025", tmp_path / "communes-2025.gpkg")
    published = units_2025(backend_app)
    assert len(copied) == len(published) == 65
    assert sorted(copied["id"]) == sorted("2025-" + published["commune_code"])
    assert max_distance_m(copied, published) < 1.0


def test_feature_ids_of_the_two_editions_never_collide(backend_client, backend_app):
    old, new = all_features(backend_client, "communes-2021"), all_features(backend_client, "communes-2025")
    assert len(old) == 194 and len(new) == 65 and not set(old) & set(new)
    communes = published_communes(backend_app)
    shared_codes = set(communes["commune_code"]) & set(units_2025(backend_app)["commune_code"])
    assert "06187" in shared_codes  # the same code names two places
    assert old["2021-06187"]["properties"]["commune_name"] == "Thị trấn Cao Lộc"
    assert new["2025-06187"]["properties"]["commune_name"] == "Phường Kỳ Lừa"
    assert backend_client.get(f"{API}/collections/communes-2025/items/2021-06187").status_code == 404
    assert backend_client.get(f"{API}/collections/indicators-2021/items/2025-06187").status_code == 404
    assert set(all_features(backend_client, "indicators-2025")) == set(new)


def test_carried_values_say_they_are_derived_and_by_which_rule(backend_client, backend_app):
    features = all_features(backend_client, "indicators-2025")
    data = backend_app.extensions["geoapp"].datasets.get()
    catalog = data.catalog
    registry = load_registry(GEODATA_DIR)
    for indicator in ("schools_total", "ntm_level"):
        expected = values_in_edition(data.values, registry, catalog, "2025", indicator, 2021).by_unit()
        assert expected  # the indicator is carried onto the 2025 units
        name = f"{indicator}_2021"
        for fid, feature in features.items():
            props, code = feature["properties"], fid.split("-", 1)[1]
            carried = expected.get(code)
            if carried is None:
                assert props[name] is None and props[f"{name}_derived"] is None
                continue
            assert str(props[name]) == carried["value"] or float(props[name]) == float(carried["value"])
            assert props[f"{name}_derived"] is carried["derived"]
            assert props[f"{name}_rule"] == catalog.get(indicator).carry.rule == carried["rule"]
            assert props[f"{name}_from"].split() == carried["from"]
            assert props[f"{name}_estimated"] is carried["estimated"]
            assert props[f"{name}_status"] == carried["status"]
            if carried["derived"]:
                assert props[f"{name}_status"] in ("derived", "illustrative")  # never presented as a fact
    assert any(f["properties"]["schools_total_2021_derived"] for f in features.values())
    queryables = backend_client.get(f"{API}/collections/indicators-2025/queryables").get_json(force=True)
    props = queryables["properties"]
    assert props["ntm_level_2021_status"]["enum"] == ["fact", "illustrative", "derived"]
    assert props["ntm_level_2021_derived"]["type"] == "boolean"
    assert "district_code" not in props  # the 2025 edition has no districts
    doc = backend_client.get(f"{API}/collections/indicators-2025?lang=en").get_json(force=True)
    assert "carried" in doc["description"] and "derived" in doc["description"]


def test_filter_on_derived_flag(backend_client):
    features = all_features(backend_client, "indicators-2025")
    exact = backend_client.get(f"{API}/collections/indicators-2025/items?ntm_level_2021_derived=false&limit=1000")
    doc = exact.get_json(force=True)
    expected = sorted(fid for fid, f in features.items() if f["properties"]["ntm_level_2021_derived"] is False)
    assert 0 < len(expected) < 65
    assert sorted(f["id"] for f in doc["features"]) == expected
    assert all(f["properties"]["ntm_level_2021_from"].count(" ") == 0 for f in doc["features"])
    bad = backend_client.get(f"{API}/collections/indicators-2025/items?ntm_level_2021_derived=maybe")
    assert bad.status_code == 400 and bad.get_json(force=True)["code"] == "InvalidParameterValue"


def test_values_carried_from_facts_are_labelled_derived_not_facts(backend_client, backend_app):
    store = backend_app.extensions["geoapp"].store
    table = store.read_indicators()
    table.loc[table["indicator"] == "schools_total", "status"] = "fact"  # as if every count were collected
    store.publish("indicators", table, author="editor", comment="", base_version=store.published_versions()["indicators"])
    features = all_features(backend_client, "indicators-2025")
    statuses = {(f["properties"]["schools_total_2021_derived"], f["properties"]["schools_total_2021_status"])
                for f in features.values() if f["properties"]["schools_total_2021"] is not None}
    assert (True, "derived") in statuses and (True, "fact") not in statuses
    derived_id = next(fid for fid, f in features.items() if f["properties"]["schools_total_2021_status"] == "derived")
    page = backend_client.get(f"{API}/collections/indicators-2025/items/{derived_id}?f=html&lang=vi").get_data(as_text=True)
    assert "badge-derived" in page and "suy ra" in page
