"""The map request: parsed once, defaults filled in, one canonical form."""

import pytest

from geoapp.errors import BadRequest, NotFound
from geoapp.request import ALL_DISTRICTS, parse_area, parse_map_request


def parse(dataset, indicator="ntm_level", **args):
    return parse_map_request(dataset, indicator, args, lang=args.pop("lang", "vi"), default_district="183")


def test_defaults_are_filled_in(dataset):
    req = parse(dataset, "schools_total")
    assert req.year == dataset.years("schools_total")[-1]
    assert req.district == "183" and not req.area.whole_province
    indicator = dataset.catalog.get("schools_total")
    assert (req.scheme, req.k, req.breaks) == (indicator.scheme, indicator.k, None)


def test_equal_requests_have_one_canonical_form(dataset):
    latest = dataset.years("schools_total")[-1]
    k = dataset.catalog.get("schools_total").k
    asked = parse(dataset, "schools_total", year=str(latest), k=str(k), scheme="quantiles", district="183")
    assert asked == parse(dataset, "schools_total")
    assert asked.canonical() == f"year={latest}&district=183&units=2021&scheme=quantiles&k={k}&lang=vi"
    assert asked.key == f"schools_total?{asked.canonical()}"


def test_categorical_maps_carry_no_classes(dataset):
    req = parse(dataset, "ntm_level", scheme="quantiles", k="4")
    assert (req.scheme, req.k, req.breaks) == (None, None, None)
    assert set(req.params()) == {"year", "district", "units", "lang"}


def test_whole_province_is_resolved_in_the_area(dataset):
    area = parse_area({"district": "all"}, dataset, default="183")
    assert area.whole_province and area.code is None and len(area.communes(dataset)) == len(dataset.communes)
    assert area.name(dataset, "en") != ALL_DISTRICTS
    assert parse_area({}, dataset, default="183").communes(dataset)["district_code"].eq("183").all()
    with pytest.raises(NotFound):
        parse_area({"district": "999"}, dataset, default="183")


def test_user_breaks_keep_their_digits(dataset):
    req = parse(dataset, "schools_total", scheme="user", breaks="2.1234567, 5")
    assert req.breaks == (2.1234567, 5.0) and req.params()["breaks"] == "2.1234567,5"
    assert req.canonical().endswith("scheme=user&k=4&breaks=2.1234567,5&lang=vi")
    assert parse(dataset, "schools_total", scheme="quantiles", breaks="3,5").breaks is None  # only for scheme user
    with pytest.raises(BadRequest):
        parse(dataset, "schools_total", scheme="user")
    with pytest.raises(BadRequest):
        parse(dataset, "schools_total", scheme="user", breaks="5,3")


@pytest.mark.parametrize("args", [{"year": "1999"}, {"year": "abc"}, {"k": "12"}, {"scheme": "random"}])
def test_bad_parameters_are_refused(dataset, args):
    with pytest.raises(BadRequest):
        parse(dataset, "schools_total", **args)


def test_a_request_is_a_frozen_value(dataset):
    req = parse(dataset)
    with pytest.raises(AttributeError):
        req.year = 2000
    assert isinstance(hash(req), int) and req.replace(lang="en") != req


def test_map_page_links_keep_the_exact_user_breaks(client):
    """The values URL of the map and the share link carry the breaks the legend was drawn with."""
    html = client.get("/maps/schools_total?district=183&scheme=user&breaks=2.1234567,5").get_data(as_text=True)
    html = html.replace("\\u0026", "&")
    assert "breaks=2.1234567,5" in html and "2.12346" not in html

