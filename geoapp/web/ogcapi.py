"""Flask adapter of the OGC API – Features core (geoapp.ogcapi): parse, call, render."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from geoapp.ogcapi import HtmlPage, OgcApi, OgcRequest, OgcResponse
from geoapp.web.i18n import current_lang
from geoapp.web.state import dataset

bp = Blueprint("ogcapi", __name__, url_prefix="/ogcapi")


@bp.record_once
def _attach(setup_state) -> None:
    setup_state.app.extensions["ogcapi"] = OgcApi(setup_state.app.extensions["geoapp"].cache)


def core() -> OgcApi:
    return current_app.extensions["ogcapi"]


def ogc_request() -> OgcRequest:
    """Return the core's view of the current Flask request."""
    base = request.url_root.rstrip("/") + bp.url_prefix
    path = request.path[len(bp.url_prefix):] or "/"
    return OgcRequest(
        base_url=base,
        path=path,
        args={key: request.args.get(key) for key in request.args},
        accept=request.headers.get("Accept", ""),
        lang=current_lang(),
        if_none_match=tuple(f'"{tag}"' for tag in request.if_none_match),
    )


def to_flask(answer: OgcResponse) -> Response:
    """Return the core's answer as a Flask response, rendering an HtmlPage with the site templates."""
    body = answer.body
    if isinstance(body, HtmlPage):
        body = render_template(body.template, **body.context)
    response = Response(body if body is not None else b"", status=answer.status)
    for name, value in answer.headers.items():
        response.headers[name] = value
    return response


@bp.get("/")
@bp.get("", strict_slashes=False)
def landing():
    return to_flask(core().landing(ogc_request(), dataset()))


@bp.get("/conformance")
def conformance():
    return to_flask(core().conformance(ogc_request(), dataset()))


@bp.get("/openapi")
def openapi():
    return to_flask(core().openapi(ogc_request(), dataset()))


@bp.get("/collections")
def collections():
    return to_flask(core().collections(ogc_request(), dataset()))


@bp.get("/collections/<collection_id>")
def collection(collection_id):
    return to_flask(core().collection(ogc_request(), dataset(), collection_id))


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id):
    return to_flask(core().queryables(ogc_request(), dataset(), collection_id))


@bp.get("/collections/<collection_id>/schema")
def schema(collection_id):
    return to_flask(core().queryables(ogc_request(), dataset(), collection_id, path="schema"))


@bp.get("/collections/<collection_id>/items")
def items(collection_id):
    return to_flask(core().items(ogc_request(), dataset(), collection_id))


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id, feature_id):
    return to_flask(core().item(ogc_request(), dataset(), collection_id, feature_id))
