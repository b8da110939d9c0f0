"""Pages for officials: the catalog of maps, map pages, commune profiles, health."""

from __future__ import annotations

import os
import secrets

from flask import Blueprint, jsonify, render_template, request, url_for

from geoapp.maps.classify import MAX_K, MIN_K, SCHEMES, breaks_input_text
from geoapp.errors import NotFound
from geoapp.maps.profile import commune_profile
from geoapp.maps.unit_profile import successors
from geoapp.maps.leaflet import highlight_options
from geoapp.web.i18n import current_lang
from geoapp.web.limits import expensive, heavy_classification

from geoapp.web.state import dataset, setting
from geoapp.web.responses import area_request, cached_page, map_options, map_request, render_folium, view_of

bp = Blueprint("browse", __name__)

_WORKER_IDS: dict[int, str] = {}


def worker_id() -> str:
    """Return a random name of this process: tells workers apart in /healthz without revealing a PID."""
    return _WORKER_IDS.setdefault(os.getpid(), secrets.token_hex(6))


@bp.get("/")
def index():
    data = dataset()
    area = area_request()
    district = area.district
    district_name = None if area.whole_province else data.district_name(district)
    facts = data.facts_about("district", district)
    return render_template(
        "index.html",
        catalog=data.catalog,
        groups=data.catalog.by_program("commune"),
        districts=data.districts,
        district=district,
        district_name=district_name,
        facts=facts.to_dict("records"),
        units=area.units,
    )


@bp.get("/maps/<indicator>")
@expensive(when=heavy_classification)
def map_page(indicator):
    req = map_request(indicator)  # validated before any cached answer
    typed = request.args.get("breaks") if req.breaks else None  # the breaks field shows them as typed
    return cached_page(
        f"maps/{req.key}" + (f"&typed={typed}" if typed else ""), req.lang,
        lambda: render_map_page(view_of(req), typed), page_args=req.params(),
    )


def render_map_page(view, typed: str | None) -> str:
    """Return the HTML of a map page (the same for every reader who is not signed in)."""
    data = dataset()
    table_inline = len(view.frame) <= setting("TABLE_INLINE_MAX")  # larger tables come in pages from the API
    rows = view.rows() if table_inline else []
    html, script = render_folium(view.frame.total_bounds, map_options(view))
    return render_template(
        "map.html",
        view=view,
        map_html=html,
        map_script=script,
        groups=data.catalog.by_program("commune"),
        programs=data.catalog.programs,
        districts=data.districts,
        schemes=[s for s in SCHEMES if s != "user"] + ["user"],
        k_range=range(MIN_K, MAX_K + 1),
        rows=rows,
        search_index=[{k: row[k] for k in ("code", "name", "district", "key")} for row in rows],
        table_inline=table_inline,
        breaks=breaks_input_text(view.breaks, view.lang, typed=typed),
    )


@bp.get("/communes/<code>")
def commune(code):
    """A commune of the default edition (2021): /communes/06187 keeps meaning the 2021 commune."""
    lang = current_lang()
    profile = commune_profile(dataset(), code, lang)  # NotFound before anything is cached
    return cached_page(f"communes/{code}", lang, lambda: render_commune(profile, code))


def render_commune(profile, code: str) -> str:
    """Return the HTML of a commune's profile page."""
    district = profile.unit["district_code"]
    options = highlight_options(
        url_for("api.boundaries", district=district),
        code,
        url_for("browse.commune", code="CODE").replace("CODE", "{code}"),
        current_lang(),
    )
    html, script = render_folium(dataset().communes_of(district).total_bounds, options)
    facts = dataset().facts_about("commune", code).to_dict("records")
    return render_template(
        "commune.html", profile=profile, unit=profile.unit, facts=facts, map_html=html, map_script=script,
        successors=successors(dataset(), code),
    )


@bp.get("/healthz")
def healthz():
    data = dataset()
    if data.communes.empty:
        raise NotFound("error_no_data")
    return jsonify(status="ok", data_version=data.version, communes=int(len(data.communes)), worker=worker_id())
