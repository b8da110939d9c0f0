"""One error handler: JSON under /api, an HTML page elsewhere, in the user's language."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from geoapp.errors import GeoappError
from geoapp.i18n import translate
from geoapp.web.auth import is_ogcapi_path, wants_page
from geoapp.web.i18n import current_lang

log = logging.getLogger("geoapp")

_HTTP_KEYS = {400: "error_bad_request", 401: "error_login_required", 403: "error_forbidden",
              404: "error_not_found", 405: "error_method", 413: "error_too_large"}


# OGC exception codes of the errors raised outside the OGC API core (login, routing).
_OGC_CODES = {400: "InvalidParameterValue", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
              405: "MethodNotAllowed"}


def respond(status: int, message: str):
    """Return the error response for this request."""
    if request.path.startswith("/api/") or request.path == "/api":
        return jsonify({"error": {"status": status, "message": message}}), status
    if is_ogcapi_path() and not wants_page():
        if status == 401:
            message = translate("ogcapi_error_unauthorized", current_lang())
        response = jsonify({"code": _OGC_CODES.get(status, "NoApplicableCode"), "description": message})
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="geoapp"'
        return response, status
    title = translate(f"status_{status}" if status in (400, 401, 403, 404, 409, 413, 422, 429, 503) else "status_500", current_lang())
    return render_template("error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(GeoappError)
    def geoapp_error(exc: GeoappError):
        response = respond(exc.status, exc.message(current_lang()))
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            body, status = response
            response = make_response(body, status)
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        key = _HTTP_KEYS.get(exc.code or 500, "error_internal")
        return respond(exc.code or 500, translate(key, current_lang()))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s", request.path)
        return respond(500, translate("error_internal", current_lang()))
