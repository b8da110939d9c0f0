"""Collections per boundary edition: adding an edition is one entry in EDITIONS."""

from __future__ import annotations

import pytest

from geoapp.ogcapi import collections
from tests.ogcapi.conftest import API


@pytest.fixture
def second_edition(monkeypatch):
    """A stand-in further edition without districts: the first 65 published 2021 units under edition "2099"."""
    edition = collections.Edition("2099", lambda data: data.communes.iloc[:65], has_districts=False)
    monkeypatch.setattr(collections, "EDITIONS", (*collections.EDITIONS, edition))
    return edition


def test_an_added_edition_gets_its_own_collections_and_ids(client, second_edition):
    doc = client.get(API + "/collections").get_json(force=True)
    assert [c["id"] for c in doc["collections"]] == [
        "communes-2021", "districts-2021", "indicators-2021", "communes-2025", "indicators-2025",
        "communes-2099", "indicators-2099",
    ]
    items = client.get(API + "/collections/communes-2099/items?limit=1000").get_json(force=True)
    assert items["numberMatched"] == 65
    assert all(f["id"] == "2099-" + f["properties"]["commune_code"] for f in items["features"])
    assert client.get(API + "/collections/districts-2099").status_code == 404
    first = items["features"][0]["id"]
    assert client.get(f"{API}/collections/indicators-2099/items/{first}").status_code == 200
    assert client.get(f"{API}/collections/communes-2021/items/{first}").status_code == 404  # ids name their edition
    paths = client.get(API + "/openapi").get_json(force=True)["paths"]
    assert "/collections/communes-2099/items" in paths and "/collections/districts-2099/items" not in paths
