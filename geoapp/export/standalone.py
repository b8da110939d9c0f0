"""A map as one self-contained HTML file: Leaflet, styles, geometry and values inline, usable offline."""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from geoapp.config import PACKAGE_DIR
from geoapp.editions.units import derived_boundaries_note
from geoapp.i18n import translate
from geoapp.maps.view import MapView
from geoapp.maps.leaflet import folium_map, inline_options, map_parts

TEMPLATES_DIR = PACKAGE_DIR.parent / "templates"
STATIC_DIR = PACKAGE_DIR / "static"


def leaflet_dir() -> Path:
    """Return the directory of the Leaflet files shipped by the xstatic package."""
    import xstatic.pkg.leaflet as leaflet

    return Path(leaflet.BASE_DIR)


@functools.cache
def _asset(path: str, mtime: float) -> str:
    return Path(path).read_text(encoding="utf-8")


def asset(path: Path) -> str:
    """Return a text asset (cached until the file changes)."""
    return _asset(str(path), path.stat().st_mtime)


def inline_script(code: str) -> Markup:
    """Return JavaScript safe to place inside a <script> element."""
    return Markup(re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE))


def inline_style(css: str) -> Markup:
    """Return CSS safe to place inside a <style> element."""
    return Markup(re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE))


def content_policy(tiles: str) -> str:
    """Return the file's own Content-Security-Policy: inline code only, images from data: (and tiles)."""
    images = "data:" + (" https: http:" if tiles and tiles.strip().lower() != "none" else "")
    return (
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        f"img-src {images}; base-uri 'none'; form-action 'none'"
    )


def public_profile_url(public_url: str | None, lang: str, edition: str = "") -> str | None:
    """Return the unit profile address on the site's public address ({code} placeholder), or None.

    A file made for offline use links only to the configured public site, never to whatever host made it.
    `edition` is the units edition of a non-default edition ("" for the default one: /communes/{code}).
    """
    if not public_url or not public_url.strip():
        return None
    path = f"{edition}/" if edition else ""
    return f"{public_url.strip().rstrip('/')}/communes/{path}{{code}}?lang={lang}"


def class_label(view: MapView, cls: int) -> str:
    """Return the legend label of a class index (no data for a negative one)."""
    classification = view.classification
    return classification.nodata.label if cls < 0 else classification.entries[cls].label


def date_text(day: dt.date, lang: str) -> str:
    """Return a date as readers of `lang` write it (vi: 05/03/2024, en: 2024-03-05)."""
    return day.strftime("%d/%m/%Y") if lang == "vi" else day.isoformat()


@functools.cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=select_autoescape(["html"]))


def standalone_html(
    view: MapView, *, settings: dict, profile_url: str | None = None, today: dt.date | None = None
) -> str:
    """Return the interactive map of a view as one HTML document that needs no network."""
    today = today or dt.date.today()
    lang = view.lang
    options = inline_options(view, int(settings["COORD_DECIMALS"]), profile_url, new_tab=True)
    fmap = folium_map(
        view.frame.total_bounds, options, tiles=settings["TILES"], attribution=settings["TILES_ATTRIBUTION"]
    )
    map_html, map_script = map_parts(fmap)
    template = _environment().get_template("standalone.html")
    return template.render(
        view=view,
        lang=lang,
        profile_url=profile_url,
        class_label=functools.partial(class_label, view),
        _=lambda key, **params: translate(key, lang, **params),
        derived_note=derived_boundaries_note(view.units, lang),
        csp=content_policy(settings["TILES"]),
        export_date=date_text(today, lang),
        map_html=Markup(map_html),
        leaflet_css=inline_style(asset(leaflet_dir() / "leaflet.css")),
        geoapp_css=inline_style(asset(STATIC_DIR / "geoapp.css")),
        scripts=[
            inline_script(asset(leaflet_dir() / "leaflet.js")),
            inline_script(asset(STATIC_DIR / "geoapp-map.js")),
            inline_script(map_script),
        ],
    )
