"""Pages for officials: the catalog of maps, map pages, commune profiles, health."""

from __future__ import annotations

import os

import pandas as pd
from flask import Blueprint, jsonify, render_template, request

from geoapp.classify import MAX_K, MIN_K, SCHEMES
from geoapp.errors import NotFound
from geoapp.maps import display_value
from geoapp.web.i18n import current_lang
from geoapp.web.state import dataset, setting, state
from geoapp.web.views import current_view, map_options, render_folium

bp = Blueprint("browse", __name__)


@bp.get("/")
def index():
    data = dataset()
    district = request.args.get("district") or setting("DEFAULT_DISTRICT")
    district_name = data.district_name(district) if district != "all" else None
    facts = data.district_facts[data.district_facts["unit_code"] == district]
    return render_template(
        "index.html",
        catalog=data.catalog,
        groups=data.catalog.by_program("commune"),
        districts=data.districts,
        district=district,
        district_name=district_name,
        facts=facts.to_dict("records"),
    )


@bp.get("/maps/<indicator>")
def map_page(indicator):
    view = current_view(indicator)
    data = dataset()
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
        search_index=data.search_index(view.district),
        breaks=request.args.get("breaks", ""),
    )


def _profile_rows(code: str, lang: str) -> list[dict]:
    data = dataset()
    values = data.values[data.values["commune_code"] == code]
    years = sorted(int(y) for y in values["year"].unique())
    rows = []
    for ind in data.catalog.indicators.values():
        if ind.scope != "commune":
            continue
        cells = []
        for year in years:
            hit = values[(values["indicator"] == ind.id) & (values["year"] == year)]
            rec = hit.iloc[-1] if len(hit) else None
            cells.append(
                {
                    "year": year,
                    "value": display_value(rec["value"] if rec is not None else None, ind, lang),
                    "status": rec["status"] if rec is not None else "",
                    "note": rec["note"] if rec is not None else "",
                }
            )
        rows.append({"indicator": ind, "cells": cells})
    return rows, years


@bp.get("/communes/<code>")
def commune(code):
    data = dataset()
    unit = data.commune(code)
    lang = current_lang()
    rows, years = _profile_rows(code, lang)
    units = data.communes_of(unit["district_code"])
    from flask import url_for

    options = {
        "geometry": url_for("api.boundaries", district=unit["district_code"]),
        "values": None,
        "highlight": code,
        "profileUrl": url_for("browse.commune", code="CODE").replace("CODE", "{code}"),
        "labels": {"profile": _t("open_profile"), "loadError": _t("map_load_error")},
    }
    html, script = render_folium(units.total_bounds, options)
    illustrative = any(c["status"] == "illustrative" for r in rows for c in r["cells"])
    return render_template(
        "commune.html", unit=unit, rows=rows, years=years, map_html=html, map_script=script,
        illustrative=illustrative,
    )


def _t(key):
    from geoapp.i18n import translate

    return translate(key, current_lang())


@bp.get("/healthz")
def healthz():
    data = dataset()
    if data.communes.empty:
        raise NotFound("error_no_data")
    return jsonify(status="ok", data_version=data.version, communes=int(len(data.communes)), pid=os.getpid())
