"""OWSLib's OGC API – Features client against a live server, on both storage backends."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import shapely
from owslib.ogcapi.features import Features

from tests.ogcapi.conftest import API, published_communes


def all_items(client: Features, collection_id: str, limit: int) -> tuple[list[dict], int]:
    """Return every feature by following the `next` links, and the number of pages."""
    features, params, pages = [], {"limit": limit}, 0
    while params is not None:
        page = client.collection_items(collection_id, **params)
        pages += 1
        features += page["features"]
        following = [link["href"] for link in page["links"] if link["rel"] == "next"]
        params = dict(parse_qsl(urlsplit(following[0]).query)) if following else None
    return features, pages


def test_owslib_reads_landing_conformance_and_collections(backend_server):
    client = Features(backend_server.url + API)
    assert {link["rel"] for link in client.links} >= {"service-desc", "conformance", "data"}
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in client.conformance()["conformsTo"]
    assert client.feature_collections() == ["communes-2021", "districts-2021", "indicators-2021", "communes-2025", "indicators-2025"]
    assert client.collection("communes-2021")["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert client.api()["openapi"].startswith("3.0")
    assert "ntm_level_2021" in client.collection_queryables("indicators-2021")["properties"]


def test_owslib_pages_through_every_commune(backend_server, backend_app):
    client = Features(backend_server.url + API)
    features, pages = all_items(client, "communes-2021", limit=25)
    expected = sorted(published_communes(backend_app)["commune_code"])
    assert pages == 8
    assert sorted(f["properties"]["commune_code"] for f in features) == expected
    assert len(expected) == 194 and len({f["id"] for f in features}) == 194


def test_owslib_bbox_filter_and_one_item(backend_server, backend_app):
    client = Features(backend_server.url + API)
    communes = published_communes(backend_app)
    cao_loc = communes[communes["district_code"] == "183"]
    box = list(cao_loc.total_bounds)
    within = client.collection_items("communes-2021", bbox=box, limit=1000)
    codes = {f["properties"]["commune_code"] for f in within["features"]}
    assert set(cao_loc["commune_code"]) <= codes and len(codes) < 194
    assert within["numberMatched"] == int(communes.intersects(shapely.box(*box)).sum())

    filtered = client.collection_items("communes-2021", district_code="183", limit=1000)
    assert sorted(f["properties"]["commune_code"] for f in filtered["features"]) == sorted(cao_loc["commune_code"])
    standard = client.collection_items("indicators-2021", ntm_level_2021="dat_chuan", limit=1000)
    assert standard["numberMatched"] > 0
    assert {f["properties"]["ntm_level_2021"] for f in standard["features"]} == {"dat_chuan"}

    item = client.collection_item("communes-2021", "2021-06184")
    assert item["id"] == "2021-06184" and item["properties"]["commune_code"] == "06184"
    assert item["geometry"]["type"] in ("Polygon", "MultiPolygon")
