"""What a reader asks for, parsed once: the area, and one map (indicator, year, classes, language).

Every map consumer (page, JSON values, embed, the four export formats, the command line) takes a
`MapRequest`; boundaries take its `Area`, downloads a `TableRequest` (an area, maybe an indicator
and a year). Both are parsed and validated here, from a
query string or from command-line options, with their defaults filled in. Their canonical query
string is the key of every cache and the query of every share link.

Adding a parameter: one field on the class (its place in the canonical form follows), one line in
its parse function, then the consumers that use it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import geopandas as gpd

from geoapp.catalog import Indicator
from geoapp.data.dataset import Dataset
from geoapp.editions.units import units_of_area
from geoapp.storage.base import LEGACY_EDITION
from geoapp.errors import BadRequest, NotFound
from geoapp.i18n import pick_lang, translate
from geoapp.maps.classify import check_scheme, parse_breaks

ALL_DISTRICTS = "all"  # the whole province


def query_value(args: Mapping, name: str) -> str | None:
    """Return a parameter as given (query string or command-line option), None when absent or empty."""
    value = args.get(name)
    return None if value in (None, "") else str(value)


def query_text(value: object) -> str:
    """Return a parameter value as it appears in a canonical query string."""
    if isinstance(value, tuple):
        return ",".join(query_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)


def query_params(obj) -> dict[str, str]:
    """Return the fields of a request dataclass as query parameters, in field order, None left out."""
    out: dict[str, str] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if f.metadata.get("query") is False or value is None:
            continue
        if dataclasses.is_dataclass(value):
            out.update(query_params(value))
        else:
            out[f.name] = query_text(value)
    return out


def parse_year(raw: object, years: list[int] | None) -> int:
    """Return the requested year, or raise BadRequest.

    With the indicator's `years`, the default is the latest and any other year is refused;
    with `years=None` (downloads of any version), the year only has to be a whole number.
    """
    if raw in (None, ""):
        if not years:
            raise BadRequest("error_no_years")
        return years[-1]
    shown = ", ".join(map(str, years or []))
    try:
        year = int(str(raw))
    except ValueError:
        raise BadRequest("error_bad_year", year=raw, years=shown) from None
    if years is not None and year not in years:
        raise BadRequest("error_bad_year", year=raw, years=shown)
    return year


@dataclass(frozen=True)
class Area:
    """The units a map or a download covers: one district, or the whole province, in one boundary edition.

    In an edition without districts (2025) a district means the units that contain communes of
    that former district ("former Huyện Cao Lộc"). `units` defaults to the edition in which the
    data were collected (the registry's default, 2021 for the built-in data).
    """

    district: str  # a district code, or ALL_DISTRICTS
    units: str = LEGACY_EDITION  # the boundary edition

    @property
    def former_district(self) -> bool:
        """True when the district is a former one (narrowing an edition without districts)."""
        return not self.whole_province and self.units != LEGACY_EDITION

    @property
    def whole_province(self) -> bool:
        return self.district == ALL_DISTRICTS

    @property
    def code(self) -> str | None:
        """Return the district code, None for the whole province."""
        return None if self.whole_province else self.district

    def communes(self, dataset: Dataset) -> gpd.GeoDataFrame:
        """Return the published units of the area in its edition."""
        if self.units == dataset.default_edition:
            return dataset.communes_of(self.code)
        return units_of_area(dataset, self.units, self.code)

    def name(self, dataset: Dataset, lang: str) -> str:
        """Return the area's name as readers see it ("former Huyện Cao Lộc" in an edition without districts)."""
        if self.whole_province:
            return translate("whole_province", lang)
        name = dataset.district_name(self.district)
        return translate("former_district", lang, name=name) if self.former_district else name

    def params(self) -> dict[str, str]:
        return query_params(self)

    def canonical(self) -> str:
        return urlencode(self.params(), safe=",")


def parse_area(args: Mapping, dataset: Dataset, *, default: str) -> Area:
    """Return the area of a query (`default` when none is given); NotFound for an unknown district."""
    district = query_value(args, "district") or default
    if district != ALL_DISTRICTS:
        dataset.district_name(district)
    units = query_value(args, "units") or dataset.default_edition
    dataset.units(units)  # NotFound for an unknown or unpublished edition
    return Area(district, units)


@dataclass(frozen=True)
class TableRequest:
    """A download of published values: an area (default: the whole province), maybe one indicator and year."""

    area: Area
    indicator: str | None = None
    year: int | None = None

    def params(self) -> dict[str, str]:
        return query_params(self)


def parse_table_request(args: Mapping, dataset: Dataset) -> TableRequest:
    """Return the filter of a download; the year only has to be a number (old versions have other years)."""
    area = parse_area(args, dataset, default=ALL_DISTRICTS)
    year = query_value(args, "year")
    return TableRequest(area, query_value(args, "indicator"), None if year is None else parse_year(year, None))


@dataclass(frozen=True)
class MapRequest:
    """One map: indicator, year, area, classes (numeric indicators) and language, defaults filled in."""

    indicator: str = dataclasses.field(metadata={"query": False})  # in the URL path
    year: int
    area: Area
    scheme: str | None = None  # numeric indicators only
    k: int | None = None  # numeric indicators only
    breaks: tuple[float, ...] | None = None  # scheme "user" only
    lang: str = "vi"

    @property
    def district(self) -> str:
        return self.area.district

    @property
    def breaks_text(self) -> str:
        return query_text(self.breaks) if self.breaks else ""

    def params(self) -> dict[str, str]:
        """Return the query parameters that reproduce the map (the indicator is in the path)."""
        return query_params(self)

    def canonical(self) -> str:
        """Return the canonical query string, e.g. year=2021&district=183&units=2021&scheme=quantiles&k=5&lang=vi."""
        return urlencode(self.params(), safe=",")

    @property
    def key(self) -> str:
        """Return the request as one text: indicator and canonical query (a cache key part)."""
        return f"{self.indicator}?{self.canonical()}"

    def replace(self, **changes) -> MapRequest:
        return dataclasses.replace(self, **changes)


def mappable_indicator(dataset: Dataset, indicator_id: str) -> Indicator:
    """Return an indicator that can be drawn on the commune map, or raise NotFound."""
    indicator = dataset.catalog.get(indicator_id)
    if indicator.scope != "commune":
        raise NotFound("error_not_mappable", indicator=indicator_id)
    return indicator


def parse_map_request(
    dataset: Dataset, indicator_id: str, args: Mapping, *, lang: str | None = None, default_district: str
) -> MapRequest:
    """Return the validated map request of a query (or of command-line options), defaults filled in.

    Defaults: the latest year with data, `default_district`, the indicator's scheme and number of
    classes; `lang` is the reader's language (query, cookie or setting, chosen by the caller).
    """
    indicator = mappable_indicator(dataset, indicator_id)
    year = parse_year(query_value(args, "year"), dataset.years(indicator.id))
    area = parse_area(args, dataset, default=default_district)
    lang = pick_lang(lang or query_value(args, "lang") or "")
    if not indicator.is_numeric:
        return MapRequest(indicator.id, year, area, lang=lang)
    breaks = parse_breaks(query_value(args, "breaks"))
    scheme, k = check_scheme(query_value(args, "scheme"), query_value(args, "k"), indicator)
    if scheme != "user":
        breaks = None
    elif not breaks:
        raise BadRequest("error_bad_breaks", breaks="")
    return MapRequest(indicator.id, year, area, scheme, k, tuple(breaks) if breaks else None, lang)
