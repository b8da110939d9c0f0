"""Errors that carry their HTTP status and a translatable message."""

from __future__ import annotations


class GeoappError(Exception):
    """Base error: an HTTP status, a message key and its parameters."""

    status = 500
    key = "error_internal"

    def __init__(self, key: str | None = None, **params: object) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(f"{self.key} {params}")

    def message(self, lang: str) -> str:
        """Return the message in `lang`."""
        from geoapp.i18n import localized, translate

        params = {k: localized(v, lang) if isinstance(v, dict) else v for k, v in self.params.items()}
        return translate(self.key, lang, **params)


class BadRequest(GeoappError):
    status = 400
    key = "error_bad_request"


class Unauthorized(GeoappError):
    status = 401
    key = "error_login_required"


class Forbidden(GeoappError):
    status = 403
    key = "error_forbidden"


class NotFound(GeoappError):
    status = 404
    key = "error_not_found"


class Conflict(GeoappError):
    status = 409
    key = "error_conflict"


class Invalid(GeoappError):
    """Input that was read but failed validation (HTTP 422)."""

    status = 422
    key = "error_invalid"
