"""Generated GeoJSON, CSV and XLSX uploads through the parsers and the dry-run/publish routes.

Whatever the input: no exception from the checks, no 500 and no traceback from the
routes, and the published data never changes (nothing here is confirmed for publishing
unless it passed its check). The number of examples is bounded and derandomised.
"""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geoapp.config import GEODATA_DIR
from geoapp.data.dataset import read_default_boundaries, read_default_indicators
from geoapp.ingest import Check, check_boundaries, check_indicators
from tests.accounts import as_user, published_bytes
from tests.ingest.helpers import try_publish, upload

BOUNDED = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ROUTES = settings(BOUNDED, max_examples=15)

FIELDS = ["ma_xa", "ten_xa", "ma_huyen", "district", "name", "x", "năm", "\u0000", "<b>"]
COLUMNS = ["ma_xa", "ten_xa", "nam", "chi_tieu", "gia_tri", "schools_total", "ocop_3_star", "status", "", "a;b"]
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True), texts,
                    st.sampled_from(["06184", "6187", "183", "2021", "2,5", "1.234,5", "=1+1", "Xã\u0000Bảo Lâm"]))
coordinate = st.tuples(st.floats(-200, 200, allow_nan=False), st.floats(-100, 100, allow_nan=False))
near_cao_loc = st.tuples(st.floats(106.6, 107.0), st.floats(21.7, 22.1))


@st.composite
def polygons(draw):
    ring = draw(st.lists(st.one_of(near_cao_loc, coordinate), min_size=0, max_size=6))
    if ring and draw(st.booleans()):
        ring = ring + [ring[0]]
    kind = draw(st.sampled_from(["Polygon", "MultiPolygon", "Point", "LineString", None]))
    if kind is None:
        return None
    coords = {"Polygon": [ring], "MultiPolygon": [[ring]], "Point": list(ring[0]) if ring else [],
              "LineString": ring}[kind]
    return {"type": kind, "coordinates": coords}


@st.composite
def geojson_files(draw) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))
    features = [{"type": "Feature", "geometry": draw(polygons()),
                 "properties": draw(st.dictionaries(st.sampled_from(FIELDS), scalars, max_size=4))}
                for _ in range(draw(st.integers(0, 4)))]
    data = {"type": draw(st.sampled_from(["FeatureCollection", "Feature", "Nonsense"])), "features": features}
    if draw(st.booleans()):
        data["crs"] = {"type": "name", "properties": {"name": draw(st.sampled_from(["EPSG:4326", "EPSG:3405", "x"]))}}
    return json.dumps(data, ensure_ascii=draw(st.booleans())).encode("utf-8")


@st.composite
def csv_files(draw) -> bytes:
    header = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=5))
    rows = draw(st.lists(st.lists(scalars.map(lambda v: "" if v is None else str(v)), min_size=len(header),
                                  max_size=len(header)), max_size=5))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    text = "\n".join(sep.join(cells) for cells in [header, *rows]) + "\n"
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1258"]))
    return text.encode(encoding, errors="replace")


@st.composite
def xlsx_files(draw) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=5)))
    cell = st.one_of(st.none(), st.integers(-10**6, 10**6), st.floats(-1e9, 1e9, allow_nan=False),
                     st.sampled_from(["06184", "183", "2021", "2,5", "=1+1", "=A1", "Xã Hòa Cư"]),
                     st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=8))
    for row in draw(st.lists(st.lists(cell, max_size=5), max_size=5)):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def shipped():
    return read_default_boundaries(GEODATA_DIR), read_default_indicators(GEODATA_DIR)


def assert_consistent(check: Check) -> None:
    assert isinstance(check, Check)
    assert (check.frame is None) == (not check.ok)
    check.to_dict("vi"), check.to_dict("en")  # every message renders in both languages


@BOUNDED
@given(raw=geojson_files())
def test_generated_geojson_never_breaks_the_layer_check(shipped, raw):
    assert_consistent(check_boundaries("g.geojson", raw, published=shipped[0]))


@BOUNDED
@given(raw=st.one_of(csv_files(), xlsx_files()), district=st.sampled_from([None, "183"]))
def test_generated_tables_never_break_the_table_check(shipped, raw, district):
    name = "t.xlsx" if raw[:2] == b"PK" else "t.csv"
    assert_consistent(check_indicators(name, raw, boundaries=shipped[0], published=shipped[1], district=district))


@pytest.fixture
def editor_app(backend_settings):
    from geoapp import create_app

    app = create_app({**backend_settings, "PENDING_USER_UPLOADS": 1000})
    return app, as_user(app, "ed", "editor")


@ROUTES
@given(upload_=st.one_of(geojson_files().map(lambda b: ("boundaries", "g.geojson", b)),
                         csv_files().map(lambda b: ("indicators", "t.csv", b)),
                         xlsx_files().map(lambda b: ("indicators", "t.xlsx", b))))
def test_generated_uploads_never_break_the_routes_or_change_published_data(editor_app, upload_):
    app, editor = editor_app
    kind, filename, raw = upload_
    before = published_bytes(app, editor)
    response = upload(editor, kind, filename, raw, district="183")
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 400, 413, 422) and "Traceback" not in body
    if response.status_code == 422 and "/recheck" in body:  # a refused dry run: publishing it is refused too
        refused = try_publish(editor, response)
        assert refused.status_code == 422 and "Traceback" not in refused.get_data(as_text=True)
    assert published_bytes(app, editor) == before
