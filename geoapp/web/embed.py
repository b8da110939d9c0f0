"""For report writers: embeddable maps and downloadable exports."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from markupsafe import escape

from geoapp.export import export_map, parse_export_options
from geoapp.export.standalone import public_profile_url
from geoapp.i18n import translate
from geoapp.maps.view import MapView
from geoapp.web.limits import expensive, heavy_classification
from geoapp.web.security import allow_framing
from geoapp.web.state import dataset, state
from geoapp.web.responses import cached_page, map_options, map_request, profile_url_template, render_folium, view_of

bp = Blueprint("embed", __name__)

FRAME_HEIGHT = 560


def profile_template(lang: str, units: str | None = None) -> str:
    """Return the absolute URL of a unit's profile (in its edition) with a {code} placeholder."""
    return profile_url_template(units or dataset().default_edition, lang=lang, _external=True)


def iframe_snippet(src: str, title: str) -> str:
    """Return the <iframe> code that embeds a map (text to copy, escaped when shown)."""
    return (
        f'<iframe src="{escape(src)}" title="{escape(title)}" width="100%" height="{FRAME_HEIGHT}" '
        f'style="border:0;min-width:300px;max-width:100%" loading="lazy"></iframe>'
    )


def share_links(view: MapView) -> dict:
    """Return the link, embed code and download URLs that reproduce the state of a map page."""
    params = view.request.params()
    ind = view.indicator.id
    embed = url_for("embed.embed_map", indicator=ind, _external=True, **params)
    title = translate("embed_frame_title", view.lang, title=view.title, district=view.district_name, year=view.year)

    def export(fmt: str, **extra) -> str:
        return url_for("embed.export_file", indicator=ind, fmt=fmt, **params, **extra)

    return {
        "link": url_for("browse.map_page", indicator=ind, _external=True, **params),
        "embed": embed,
        "iframe": iframe_snippet(embed, title),
        "downloads": [
            ("share_png", export("png", dpi=300)),
            ("share_svg", export("svg")),
            ("share_pdf_portrait", export("pdf", orientation="portrait")),
            ("share_pdf_landscape", export("pdf", orientation="landscape")),
            ("share_html", export("html")),
        ],
        "view_downloads": [  # "this view": the page's script adds the bbox of the map on screen
            ("share_png", export("png", dpi=300)),
            ("share_svg", export("svg")),
            ("share_pdf_portrait", export("pdf", orientation="portrait")),
            ("share_pdf_landscape", export("pdf", orientation="landscape")),
        ],
    }


@bp.app_context_processor
def inject_share_links():
    return {"share_links": share_links}


@bp.get("/embed/<indicator>")
@expensive(when=heavy_classification)
def embed_map(indicator):
    allow_framing()
    req = map_request(indicator)
    return cached_page(f"embed/{req.key}", req.lang, lambda: render_embed(view_of(req)), page_args=req.params())


def render_embed(view: MapView) -> str:
    """Return the HTML of an embeddable map."""
    html, script = render_folium(view.frame.total_bounds, map_options(view, new_tab=True))
    return render_template(
        "embed.html",
        view=view,
        map_html=html,
        map_script=script,
        profile_url=profile_template(view.lang, view.units),
        full_url=url_for("browse.map_page", indicator=view.indicator.id, _external=True, **view.request.params()),
    )


@bp.get("/maps/<indicator>.<fmt>")
@expensive()
def export_file(indicator, fmt):
    options = parse_export_options(fmt, request.args, state().settings)
    req = map_request(indicator)
    out = export_map(
        dataset(), req, options, settings=state().settings, cache=state().files,
        profile_url=public_profile_url(  # never the host that made the file
            state().settings["PUBLIC_URL"], req.lang,
            "" if req.area.units == dataset().default_edition else req.area.units,
        ),
    )
    response = Response(out.body, content_type=out.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{out.filename}"'
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)
