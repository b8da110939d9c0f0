"""Boundary editions for readers: the units switch, side-by-side maps of two editions, unit profiles."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from geoapp.i18n import translate
from geoapp.maps.leaflet import highlight_options
from geoapp.maps.unit_profile import successors, unit_profile
from geoapp.maps.view import MapView
from geoapp.request import Area
from geoapp.web.i18n import current_lang
from geoapp.web.responses import cached_page, map_options, map_request, render_folium, view_of
from geoapp.web.state import dataset

bp = Blueprint("editions", __name__)


def edition_choices(view: MapView, endpoint: str = "browse.map_page") -> list[dict]:
    """Return every published edition as {code, title, current, url} for the units switch of a map page (or embed)."""
    data = dataset()
    params = view.request.params()
    out = []
    for code in [data.default_edition, *data.editions]:
        out.append({
            "code": code,
            "title": data.registry.get(code).title(view.lang),
            "current": code == view.units,
            "url": url_for(endpoint, indicator=view.indicator.id, **{**params, "units": code}),
        })
    return out


def catalog_editions() -> list[dict]:
    """Return every published edition as {code, title} for the units selector of the catalog page."""
    data = dataset()
    return [{"code": code, "title": data.registry.get(code).title(current_lang())}
            for code in [data.default_edition, *data.editions]]


def unit_url(edition: str, code: str) -> str:
    """Return the profile URL of a unit of an edition (the default edition's under /communes/<code>)."""
    if edition == dataset().default_edition:
        return url_for("browse.commune", code=code)
    return url_for("editions.unit", edition=edition, code=code)


@bp.app_context_processor
def inject_edition_helpers():
    return {"edition_choices": edition_choices, "unit_url": unit_url, "edition_title": edition_title,
            "catalog_editions": catalog_editions, "edition_note": edition_note}


def edition_note(code: str) -> str:
    """Return what readers must know about an edition's boundaries: derived (shipped 2025) or uploaded by GIS staff."""
    edition = dataset().registry.get(code)
    if edition.uploaded:
        day = edition.valid_from.strftime("%d/%m/%Y") if edition.valid_from else "—"
        return translate("boundaries_uploaded_note", current_lang(), edition=code, day=day)
    return translate("boundaries_derived_note", current_lang())


def edition_title(code: str) -> str:
    """Return an edition's title in the reader's language."""
    return dataset().registry.get(code).title(current_lang())


@bp.get("/maps/<indicator>/editions")
def side_by_side(indicator):
    """The same indicator and year on the default edition's units and on another edition's, synchronised."""
    req = map_request(indicator)
    return cached_page(f"maps/{req.key}&editions", req.lang, lambda: render_side_by_side(req), page_args=req.params())


def render_side_by_side(req) -> str:
    """Return the HTML of the side-by-side page of two editions."""
    data = dataset()
    other = req.area.units if req.area.units != data.default_edition else next(iter(data.editions), data.default_edition)
    views = []
    for code in (data.default_edition, other):
        views.append(view_of(req.replace(area=Area(req.area.district, code))))
    maps = [render_folium(v.frame.total_bounds, {**map_options(v), "legendId": f"legend-{v.units}"}) for v in views]
    return render_template("editions.html", views=views, maps=maps, request=req)


@bp.get("/communes/<edition>/<code>")
def unit(edition, code):
    """A unit's profile in an edition; the default edition's URL is /communes/<code>."""
    data = dataset()
    if edition == data.default_edition:
        return redirect(url_for("browse.commune", code=code), code=301)
    lang = current_lang()
    profile = unit_profile(data, edition, code, lang)  # NotFound before anything is cached
    return cached_page(f"communes/{edition}/{code}", lang, lambda: render_unit(profile, edition, code, lang))


def render_unit(profile, edition: str, code: str, lang: str) -> str:
    """Return the HTML of a unit's profile page in an edition."""
    data = dataset()
    options = highlight_options(
        url_for("api.boundaries", district="all", units=edition), code,
        url_for("editions.unit", edition=edition, code="CODE").replace("CODE", "{code}"), lang, edition,
    )
    html, script = render_folium(data.units(edition).total_bounds, options)
    return render_template("unit.html", profile=profile, unit=profile.unit, map_html=html, map_script=script)
