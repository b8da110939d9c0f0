"""Rendering maps for the web: compact GeoJSON, per-unit values and the Folium map."""

from __future__ import annotations

import json

import folium
import numpy as np
import geopandas as gpd
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from geoapp.editions.units import derived_boundaries_note, qualified
from geoapp.i18n import translate
from geoapp.maps.classify import no_data_label
from geoapp.storage.base import LEGACY_EDITION
from geoapp.maps.view import MapView

PROPERTIES = {"commune_code": "code", "commune_name": "name", "district_code": "district"}


def geometry_json(units: gpd.GeoDataFrame, decimals: int = 5) -> str:
    """Return the units as GeoJSON text, coordinates rounded (5 decimals is about 1 m)."""
    geoms = rounded(units.geometry.to_crs(4326).values, decimals)
    features = []
    for geom, *props in zip(geoms, *(units[c] for c in PROPERTIES)):
        properties = dict(zip(PROPERTIES.values(), ("" if p is None or p is pd.NA else str(p) for p in props)))
        features.append(
            '{"type":"Feature","properties":%s,"geometry":%s}'
            % (json.dumps(properties, ensure_ascii=False), shapely.to_geojson(geom))
        )
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def rounded(geoms, decimals: int):
    """Return geometries with coordinates rounded; shared vertices stay shared (no per-shape snapping)."""
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def values_payload(view: MapView) -> dict:
    """Return the per-unit values, colours and statuses of a map view, keyed by commune code."""
    return {
        "indicator": view.indicator.id,
        "title": view.title,
        "year": view.year,
        "district": view.district,
        "unit": view.indicator.unit_label(view.lang),
        "data_version": view.data_version,
        "units": view.units,
        "not_carried": view.not_carried or None,
        "classification": view.classification.to_dict(),
        "values": {
            row["code"]: {
                "name": row["name"],
                "district": row["district"],
                "value": row["value"],
                "raw": row["raw"],
                "status": row["status"],
                "color": row["color"],
                "cls": row["cls"],
                "derived": row["derived"],
                "from": qualified(row["from"], view.source_edition),
                "rule": row["rule"] or None,
                "rule_text": row["rule_text"],
                "parts": row["parts"],
            }
            for row in view.rows()
        },
    }


def boundaries_note(units: str, lang: str) -> str:
    """Return the map's note on its boundaries (approximate; for an edition other than 2021 also derived)."""
    note = translate("approx_boundaries", lang)
    return note if units == LEGACY_EDITION else f"{note}. {derived_boundaries_note(units, lang)}"


def layer_options(view: MapView, *, geometry, values, profile_url: str | None, new_tab: bool = False) -> dict:
    """Return the options of the choropleth layer drawn by static/geoapp-map.js (data as URLs or inline)."""
    lang = view.lang
    return {
        "geometry": geometry,
        "values": values,
        "year": view.year,
        "title": view.title,
        "profileUrl": profile_url,
        "newTab": new_tab,
        "attribution": boundaries_note(view.units, lang),
        "labels": dict(
            control_labels(lang),
            derived=translate("derived_value", lang),
            madeOf=translate("made_of", lang),
            rule=translate("carry_rule_label", lang),
            year=translate("year", lang),
            noData=no_data_label(view.indicator, lang),
            notApplicable=translate("not_applicable", lang),
            illustrative=translate("illustrative_value", lang),
            profile=translate("open_profile", lang),
            loadError=translate("map_load_error", lang),
        ),
    }


def control_labels(lang: str) -> dict:
    """Return the texts of the map's own controls (zoom, whole area, wheel hint) in a language."""
    return {
        "zoomIn": translate("zoom_in", lang),
        "zoomOut": translate("zoom_out", lang),
        "wholeArea": translate("whole_area", lang),
        "wheelHint": translate("wheel_hint", lang),
        "wheelHintMac": translate("wheel_hint_mac", lang),
        "keyboardHint": translate("map_keyboard_hint", lang),
        "map": translate("map", lang),
    }


def highlight_options(geometry_url: str, code: str, profile_url: str, lang: str, units: str = LEGACY_EDITION) -> dict:
    """Return layer options that draw units without values and highlight one of them."""
    return {
        "geometry": geometry_url,
        "values": None,
        "highlight": code,
        "profileUrl": profile_url,
        "attribution": boundaries_note(units, lang),
        "labels": dict(control_labels(lang), profile=translate("open_profile", lang), loadError=translate("map_load_error", lang)),
    }


def inline_options(view: MapView, decimals: int, profile_url: str | None, new_tab: bool = False) -> dict:
    """Return layer options that carry the geometry and values inline (standalone files)."""
    geometry = json.loads(geometry_json(view.frame, decimals))
    return layer_options(view, geometry=geometry, values=values_payload(view), profile_url=profile_url, new_tab=new_tab)


class ChoroplethLayer(MacroElement):
    """Leaflet layer drawn by static/geoapp-map.js from geometry and values (URLs or inline)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
geoappChoropleth({{ this._parent.get_name() }}, {{ this.options|tojson }});
{% endmacro %}"""
    )

    def __init__(self, options: dict) -> None:
        super().__init__()
        self._name = "GeoappChoropleth"
        self.options = options


def tile_layer(tiles: str, attribution: str) -> folium.TileLayer | None:
    """Return the basemap layer of the GEOAPP_TILES setting, or None for 'none'."""
    if not tiles or tiles.strip().lower() == "none":
        return None
    return folium.TileLayer(tiles=tiles, attr=attribution or tiles, name="basemap", max_zoom=18)


def folium_map(bounds, options: dict, *, tiles: str = "none", attribution: str = "") -> folium.Map:
    """Build the Folium map: optional basemap, scale bar, and the choropleth layer."""
    # geoapp-map.js adds its own translated zoom buttons and a metric scale bar
    fmap = folium.Map(tiles=None, control_scale=False, zoom_control=False, prefer_canvas=False, scrollWheelZoom=False)
    fmap.default_js = []
    fmap.default_css = []
    layer = tile_layer(tiles, attribution)
    if layer is not None:
        layer.add_to(fmap)
    minx, miny, maxx, maxy = bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    ChoroplethLayer(options).add_to(fmap)
    return fmap


def tile_config(tiles: str, attribution: str) -> dict | None:
    """Return the basemap of the GEOAPP_TILES setting as {url, options} for L.tileLayer, or None for 'none'."""
    if not tiles or tiles.strip().lower() == "none":
        return None
    return {"url": tiles, "options": {"attribution": attribution or tiles, "maxZoom": 18, "maxNativeZoom": 18, "minZoom": 0}}


def map_config(map_id: str, bounds, options: dict, *, tiles: str = "none", attribution: str = "") -> dict:
    """Return what static/geoapp-boot.js needs to draw a map: its element, bounds, basemap and layer options.

    The page carries it as a JSON data block, so no inline script (and no per-request nonce) is needed.
    """
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    return {"id": map_id, "bounds": [[miny, minx], [maxy, maxx]], "tiles": tile_config(tiles, attribution), "layer": options}


def map_parts(fmap: folium.Map) -> tuple[str, str]:
    """Return the map's (html, script) to place in a page; assets are linked by the page."""
    figure = fmap.get_root()
    figure.render()
    return figure.html.render(), figure.script.render()
