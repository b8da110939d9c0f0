import gzip
import json


def test_boundaries_geojson_etag_and_gzip(client):
    r = client.get("/api/boundaries.geojson?district=183", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["Content-Encoding"] == "gzip"
    assert r.mimetype == "application/geo+json"
    data = json.loads(gzip.decompress(r.data))
    assert len(data["features"]) == 22
    etag = r.headers["ETag"]
    assert r.headers["Cache-Control"] == "no-cache"
    again = client.get("/api/boundaries.geojson?district=183", headers={"If-None-Match": etag, "Accept-Encoding": "gzip"})
    assert again.status_code == 304 and again.data == b""
    plain = client.get("/api/boundaries.geojson?district=183")
    assert "Content-Encoding" not in plain.headers and json.loads(plain.data) == data


def test_map_values(client):
    r = client.get("/api/maps/ntm_level.json?year=2020&district=183")
    payload = r.json
    assert payload["indicator"] == "ntm_level" and payload["year"] == 2020
    assert len(payload["values"]) == 22
    hai_yen = payload["values"]["06220"]
    assert hai_yen["raw"] == "nang_cao" and hai_yen["status"] == "fact" and hai_yen["value"] == "NTM nâng cao"
    legend = payload["classification"]["legend"]
    assert [e["value"] for e in legend] == ["chua_dat", "dat_chuan", "nang_cao", "kieu_mau"]
    assert hai_yen["color"] == legend[2]["color"]
    assert payload["classification"]["nodata"]["count"] == 2


def test_api_errors_are_json(client):
    r = client.get("/api/maps/nope.json")
    assert r.status_code == 404 and r.is_json and "nope" in r.json["error"]["message"]
    r = client.get("/api/maps/ocop_total.json?k=99&lang=en")
    assert r.status_code == 400 and "Number of classes" in r.json["error"]["message"]
    r = client.get("/api/no-such-thing")
    assert r.status_code == 404 and r.is_json


def test_indicator_list(client):
    data = client.get("/api/indicators?lang=en").json
    ids = {d["id"]: d for d in data}
    assert ids["ntm_level"]["years"] == [2020, 2021]
    assert ids["grain_output"]["scope"] == "district"
    assert ids["grain_output"]["sources"][0].startswith("Báo Pháp luật Việt Nam")
    assert ids["ntm_level"]["sources"][1].startswith("Illustrative values")
