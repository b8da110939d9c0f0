"""Errors of the OGC API, answered as the OGC exception JSON {"code", "description"}."""

from __future__ import annotations

from geoapp.i18n import translate


class OgcError(Exception):
    """An OGC API exception: HTTP status, OGC code and a translatable description."""

    status = 500
    code = "NoApplicableCode"

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(f"{self.code}: {key} {params}")

    def description(self, lang: str) -> str:
        """Return the description in `lang`."""
        return translate(self.key, lang, **self.params)

    def body(self, lang: str) -> dict:
        """Return the OGC exception document."""
        return {"code": self.code, "description": self.description(lang)}


class InvalidParameter(OgcError):
    status = 400
    code = "InvalidParameterValue"


class NotFound(OgcError):
    status = 404
    code = "NotFound"


class NotAcceptable(OgcError):
    status = 406
    code = "NotAcceptable"
