"""The OpenAPI 3.0 document validates and every path in it answers."""

from __future__ import annotations

from openapi_spec_validator import validate

from tests.ogcapi.conftest import API


def test_openapi_document_validates(client):
    response = client.get(API + "/openapi")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.oai.openapi+json"
    doc = response.get_json(force=True)
    validate(doc)  # raises on an invalid OpenAPI 3.0 document
    assert doc["openapi"].startswith("3.0")
    assert doc["components"]["parameters"]["limit"]["schema"]["maximum"] == 1000


def test_every_path_answers_in_json_and_html(backend_client):
    doc = backend_client.get(API + "/openapi").get_json(force=True)
    paths = list(doc["paths"])
    assert len(paths) == 4 + 5 * 5  # 5 collections: communes, districts, indicators of 2021; communes, indicators of 2025
    feature_ids = {"communes-2021": "2021-06184", "districts-2021": "2021-183", "indicators-2021": "2021-06244",
                   "communes-2025": "2025-06187", "indicators-2025": "2025-06187"}
    for path in paths:
        concrete = path
        if "{featureId}" in path:
            collection = path.split("/")[2]
            concrete = path.replace("{featureId}", feature_ids[collection])
        for fmt, media in (("json", "json"), ("html", "text/html")):
            response = backend_client.get(f"{API}{concrete}?f={fmt}")
            assert response.status_code == 200, (concrete, fmt, response.get_data(as_text=True)[:300])
            assert media in response.mimetype, (concrete, fmt, response.mimetype)


def test_openapi_lists_the_property_filters_of_each_collection(client):
    doc = client.get(API + "/openapi").get_json(force=True)
    names = {p.get("name") for p in doc["paths"]["/collections/indicators-2021/items"]["get"]["parameters"]}
    assert {"ntm_level_2021", "district_code"} <= names
    refs = {p.get("$ref") for p in doc["paths"]["/collections/indicators-2021/items"]["get"]["parameters"]}
    assert "#/components/parameters/bbox-crs" in refs and "#/components/parameters/crs" in refs
