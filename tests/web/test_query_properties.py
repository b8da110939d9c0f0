"""Generated query strings against the public routes: never a 500, never a traceback, published data unchanged."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings as hypothesis_settings, strategies as st

from geoapp import create_app
from tests.accounts import published_bytes

INDICATORS = ["ntm_level", "schools_standard_share", "grain_output", "border_commune", "ntm_year"]
PARAMS = ["year", "district", "scheme", "k", "breaks", "dpi", "orientation", "lang", "indicator", "version",
          "next", "format"]
GOOD_VALUES = ["2020", "2021", "183", "178", "all", "quantiles", "equal_interval", "natural_breaks", "user",
               "3", "9", "1,2,3", "0.5,10", "72", "150", "portrait", "landscape", "vi", "en", "1", "06202"]
NASTY_VALUES = ["", "-1", "0", "1e309", "nan", "inf", "99999999999999999999", "1,,2", "3,2,1", "10,1e400",
                "../../etc/passwd", "<script>alert(1)</script>", "\u0000", "Xã\u0000Bảo", "'; DROP TABLE x;--",
                "%00", "%ff%fe", "\ud7ff", "\u202e", "ⅷ", "٣", "1" * 5000]

value = st.one_of(st.sampled_from(GOOD_VALUES), st.sampled_from(NASTY_VALUES), st.text(max_size=40),
                  st.integers(-10**6, 10**6).map(str), st.floats(allow_nan=True).map(repr))
key = st.one_of(st.sampled_from(PARAMS), st.text(min_size=1, max_size=12))
encoded_query = st.lists(st.tuples(key, value), max_size=7).map(urlencode)
# Raw text keeps the separators and stray or broken %-escapes as typed.
raw_query = st.text(max_size=200).map(lambda text: quote(text, safe="&=%+;?/[]"))
query = st.one_of(encoded_query, encoded_query, raw_query)
segment = st.one_of(st.sampled_from(INDICATORS), st.text(min_size=1, max_size=20).map(lambda t: quote(t, safe="")))

PAGES = ["/", "/maps/{ind}", "/embed/{ind}", "/communes/{code}", "/login"]
API = ["/api/maps/{ind}.json", "/api/boundaries.geojson", "/api/indicators", "/api/download/indicators.{fmt}",
       "/api/download/boundaries.{fmt}"]
EXPORTS = ["/maps/{ind}.{fmt}"]
FORMATS = st.sampled_from(["png", "svg", "pdf", "html", "csv", "geojson", "gpkg", "zip", "xlsx", "exe", "PNG"])
CODES = st.one_of(st.sampled_from(["06202", "06184", "6202", "00000"]), st.text(max_size=10).map(lambda t: quote(t, safe="")))

COMMON = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    """One app for every example (unlimited rates, small PNGs): the examples must not change it."""
    data = tmp_path_factory.mktemp("fuzz") / "data"
    return create_app({"DATA_DIR": str(data), "TESTING": True, "SECRET_KEY": "fuzz", "EXPENSIVE_PER_MINUTE": 0,
                       "EXPORT_MAX_DPI": 120})


@pytest.fixture(scope="module")
def published_before(fuzz_app):
    client = fuzz_app.test_client()
    return published_bytes(fuzz_app, client), len(fuzz_app.extensions["geoapp"].store.audit(10_000))


def check(app, path: str, query_string: str, lang: str) -> None:
    response = app.test_client().get(path, query_string=query_string, headers={"Accept-Language": lang})
    body = response.get_data()
    assert response.status_code < 500, (path, query_string, response.status_code, body[:400])
    assert b"Traceback" not in body and b'File "/' not in body, (path, query_string)


def assert_unchanged(app, before) -> None:
    published, audit_entries = before
    assert published_bytes(app, app.test_client()) == published
    assert len(app.extensions["geoapp"].store.audit(10_000)) == audit_entries


@hypothesis_settings(max_examples=100, **COMMON)
@given(template=st.sampled_from(PAGES), ind=segment, code=CODES, query=query, lang=st.sampled_from(["vi", "en", "*"]))
@example(template="/maps/{ind}", ind="ntm_level", code="06202", query="indicator=x", lang="vi")  # once a 500
@example(template="/communes/{code}", ind="ntm_level", code="06202", query="code=1&_external=1", lang="en")
def test_pages(fuzz_app, published_before, template, ind, code, query, lang):
    check(fuzz_app, template.format(ind=ind, code=code), query, lang)


@hypothesis_settings(max_examples=100, **COMMON)
@given(template=st.sampled_from(API), ind=segment, fmt=FORMATS, query=query, lang=st.sampled_from(["vi", "en"]))
def test_api(fuzz_app, published_before, template, ind, fmt, query, lang):
    check(fuzz_app, template.format(ind=ind, fmt=fmt), query, lang)


@hypothesis_settings(max_examples=30, **COMMON)
@given(ind=segment, fmt=FORMATS, query=query, lang=st.sampled_from(["vi", "en"]))
def test_exports(fuzz_app, published_before, ind, fmt, query, lang):
    check(fuzz_app, EXPORTS[0].format(ind=ind, fmt=fmt), query, lang)


def test_published_data_unchanged_after_the_generated_requests(fuzz_app, published_before):
    assert_unchanged(fuzz_app, published_before)
