import io
import zipfile

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
from pandas.testing import assert_frame_equal

from geoapp.export.downloads import boundaries_download, indicators_download, is_number, neutralise
from geoapp.request import parse_table_request
from tests.accounts import as_user
from tests.ingest.helpers import store_of

FORMULAS = {
    "-5": "-5",
    "12.5": "12.5",
    "=HYPERLINK(\"http://evil.example\",\"x\")": "'=HYPERLINK(\"http://evil.example\",\"x\")",
    "-5+cmd|' /C calc'!A0": "'-5+cmd|' /C calc'!A0",
    "+1+1": "'+1+1",
    "@SUM(A1)": "'@SUM(A1)",
    "\tnote": "'\tnote",
    "\rnote": "'\rnote",
    "plain": "plain",
}


def publish_values(store, rows):
    """Publish an indicator table of (commune_code, indicator, year, value, note) rows."""
    frame = pd.DataFrame(rows, columns=["commune_code", "indicator", "year", "value", "note"])
    frame["status"] = "illustrative"
    frame["source"] = "test"
    base = store.published_versions()["indicators"]
    return store.publish("indicators", frame, author="test", comment="test values", base_version=base)


def save(tmp_path, name, body):
    path = tmp_path / name
    path.write_bytes(body)
    return path


@pytest.mark.parametrize("text, expected", FORMULAS.items())
def test_neutralise(text, expected):
    assert neutralise(text) == expected


def test_numbers_are_numbers_not_text():
    assert is_number("-5") and is_number("+3") and is_number("1e3") and is_number(".5")
    assert not is_number("-5+cmd") and not is_number("=1") and not is_number("1,5")
    assert neutralise(-5) == -5


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "zip"])
def test_boundaries_gis_formats_parse_and_match_published(client, app, tmp_path, fmt):
    response = client.get(f"/api/download/boundaries.{fmt}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    path = save(tmp_path, f"b.{fmt}", response.data)
    if fmt == "zip":
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            assert {"boundaries.shp", "boundaries.shx", "boundaries.dbf", "boundaries.prj", "boundaries.cpg"} <= names
            assert archive.read("boundaries.cpg").decode().strip().upper() == "UTF-8"
        frame = pyogrio.read_dataframe(f"/vsizip/{path}/boundaries.shp")
        frame = frame.rename(columns={c[:10]: c for c in store_of(app).read_boundaries().columns})
    else:
        frame = pyogrio.read_dataframe(path)
    published = store_of(app).read_boundaries()
    assert frame["commune_code"].tolist() == published["commune_code"].tolist()
    assert "06184" in set(frame["commune_code"])  # text with its leading zero
    assert set(frame["boundary_quality"]) == {"approximate"}
    attrs = published.columns.drop("geometry")
    assert_frame_equal(pd.DataFrame(frame[attrs]).astype("string"), pd.DataFrame(published[attrs]))
    moved = frame.set_crs(4326, allow_override=True).geometry.symmetric_difference(published.geometry, align=False)
    assert (moved.to_crs(3405).area < 1e-3).all()  # the same shapes (GeoPackage stores them as multipolygons)


def test_boundaries_csv_has_text_codes_and_wkt(client, app):
    response = client.get("/api/download/boundaries.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    table = pd.read_csv(io.BytesIO(response.data), dtype=str, encoding="utf-8-sig")
    published = store_of(app).read_boundaries()
    assert table["commune_code"].tolist() == published["commune_code"].tolist()
    assert "\r\n06184," in response.data.decode("utf-8-sig")
    shapes = gpd.GeoSeries.from_wkt(table["wkt"], crs=4326).to_crs(3405)
    assert shapes.area.sum() == pytest.approx(published.to_crs(3405).area.sum())


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "zip", "csv", "xlsx"])
def test_indicators_joined_formats(client, app, tmp_path, fmt):
    response = client.get(f"/api/download/indicators.{fmt}?district=183")
    assert response.status_code == 200
    path = save(tmp_path, f"i.{fmt}", response.data)
    if fmt == "csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    elif fmt == "xlsx":
        frame = pd.read_excel(path, dtype=str, keep_default_na=False)
    elif fmt == "zip":
        frame = pyogrio.read_dataframe(f"/vsizip/{path}/indicators.shp")
        frame = frame.rename(columns={"commune_co": "commune_code", "commune_na": "commune_name", "district_c": "district_code"})
    else:
        frame = pyogrio.read_dataframe(path)
        assert frame.geometry.notna().all() and frame.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    stored = store_of(app).read_indicators()
    communes = store_of(app).read_boundaries()
    cao_loc = set(communes.loc[communes["district_code"] == "183", "commune_code"])
    assert set(frame["commune_code"]) == cao_loc
    assert "06184" in set(frame["commune_code"].astype(str))
    assert set(frame["district_code"].astype(str)) == {"183"}
    assert "status" in frame.columns
    expected = stored[stored["commune_code"].isin(cao_loc) & (stored["status"] == "illustrative")]
    assert (frame["status"] == "illustrative").sum() >= len(expected) > 0
    assert (frame["commune_name"] == "Thị trấn Đồng Đăng").any()


def test_formulas_are_neutralised_in_csv_and_xlsx(client, app, tmp_path):
    store = store_of(app)
    rows = [("06184", "defence_drills", 2021, text, text) for text in FORMULAS]
    publish_values(store, rows)
    csv_text = client.get("/api/download/indicators.csv?district=183").data.decode("utf-8-sig")
    table = pd.read_csv(io.StringIO(csv_text), dtype=str, keep_default_na=False)
    assert sorted(table["value"]) == sorted(FORMULAS.values())
    assert sorted(table["note"]) == sorted(FORMULAS.values())
    assert ",-5,illustrative," in csv_text  # a number is written as it is

    book = openpyxl.load_workbook(save(tmp_path, "i.xlsx", client.get("/api/download/indicators.xlsx?district=183").data))
    ws = book.worksheets[0]
    header = [c.value for c in ws[1]]
    # XML reads a carriage return back as a line feed
    cells = {row[header.index("note")].value.replace("\n", "\r"): row for row in ws.iter_rows(min_row=2)}
    assert cells["-5"][header.index("value")].value == -5
    assert cells["-5"][header.index("value")].data_type == "n"
    assert cells["12.5"][header.index("value")].value == 12.5
    assert cells["-5"][header.index("year")].value == 2021
    assert cells["-5"][header.index("commune_code")].value == "06184"
    assert cells["-5"][header.index("commune_code")].data_type == "s"
    for raw, safe in FORMULAS.items():
        if raw in ("-5", "12.5"):
            continue
        row = cells[safe]
        assert row[header.index("value")].value.replace("\n", "\r") == safe
        assert row[header.index("value")].data_type == "s"


def test_historical_versions_download(client, app):
    store = store_of(app)
    first = client.get("/api/download/boundaries.geojson")
    changed = store.read_boundaries()
    changed.loc[0, "commune_name"] = "Tên mới"
    version = store.publish("boundaries", changed, author="t", comment="rename", base_version=1)
    assert version == 2
    current = client.get("/api/download/boundaries.geojson")
    old = client.get("/api/download/boundaries.geojson?version=1")
    assert old.data == first.data
    assert current.data != first.data and "Tên mới" in current.data.decode()
    assert 'filename="boundaries-v1.geojson"' in old.headers["Content-Disposition"]
    assert current.headers["ETag"] != first.headers["ETag"]
    assert client.get("/api/download/boundaries.geojson?version=7").status_code == 404
    assert client.get("/api/download/boundaries.geojson?version=x").status_code == 400
    assert client.get("/api/download/boundaries.exe").status_code == 404
    assert client.get("/api/download/indicators.csv?district=999").status_code == 404


def test_downloads_follow_the_login_requirement(settings):
    from geoapp import create_app

    app = create_app({**settings, "REQUIRE_LOGIN": True})
    anonymous = app.test_client().get("/api/download/boundaries.geojson")
    assert anonymous.status_code == 401 and anonymous.is_json
    viewer = as_user(app, "vera", "viewer")
    assert viewer.get("/api/download/boundaries.geojson").status_code == 200


def test_downloads_read_the_requests_dataset_and_old_versions_by_number(app):
    """A download of the published version comes from the dataset the request started with."""
    state = app.extensions["geoapp"]
    seen = state.datasets.get()
    frame = state.store.read_boundaries()
    old_name = frame.loc[frame["commune_code"] == "06184", "commune_name"].iloc[0]
    frame.loc[frame["commune_code"] == "06184", "commune_name"] = "Tên mới"
    state.store.publish("boundaries", frame, author="t", comment="", base_version=1)
    table = parse_table_request({"district": "183"}, seen)
    body = indicators_download(seen, state.store, "csv", table).body.decode("utf-8-sig")
    assert old_name in body and "Tên mới" not in body
    current = state.datasets.get()
    assert "Tên mới" in boundaries_download(current, state.store, "csv").body.decode("utf-8-sig")
    first = boundaries_download(current, state.store, "csv", version="1")
    assert first.filename == "boundaries-v1.csv" and old_name in first.body.decode("utf-8-sig")


def test_a_download_year_must_be_a_number(client):
    assert client.get("/api/download/indicators.csv?year=abc").status_code == 400
    assert client.get("/api/download/indicators.csv?year=2021&indicator=ntm_level").status_code == 200
