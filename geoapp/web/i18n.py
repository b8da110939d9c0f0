"""Choosing the user's language and exposing translations to templates."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, g, request, url_for

from geoapp.i18n import LANGUAGES, format_number, localized, messages, pick_lang, translate
from geoapp.timefmt import format_datetime, format_period


def current_lang() -> str:
    """Return the request's language: ?lang=, then the lang cookie, then the default."""
    if "lang" not in g:
        from geoapp.web.state import setting

        asked = request.args.get("lang") or request.cookies.get("lang")
        g.lang = asked if asked in LANGUAGES else pick_lang(setting("DEFAULT_LANG"))
    return g.lang


def lang_url(code: str) -> str:
    """Return the current URL with ?lang=code.

    Query parameters named like a path part or like url_for's own options (`_external`,
    `_scheme`, …) are dropped: they would clash with the route or change the link's target.
    """
    view_args = request.view_args or {}
    given = g.page_args if "page_args" in g else request.args  # a cached page keeps only its canonical query
    args = {k: v for k, v in given.items() if k not in view_args and not k.startswith("_")}
    args["lang"] = code
    if request.endpoint and request.url_rule and "GET" in request.url_rule.methods:
        return url_for(request.endpoint, **view_args, **args)
    return "?" + urlencode(args)


def action_label(action: str) -> str:
    """Return an audit action ("publish boundaries") in the reader's language, or as stored."""
    key = "audit_action_" + str(action).replace(" ", "_")
    return translate(key, current_lang()) if key in messages() else str(action)


def _(key: str, **params) -> str:
    return translate(key, current_lang(), **params)


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject():
        return {
            "_": _,
            "lang": current_lang(),
            "languages": LANGUAGES,
            "localized": lambda value: localized(value, current_lang()),
            "fmt": lambda value: format_number(value, current_lang()),
            "lang_url": lang_url,
            "period": lambda value: format_period(value, current_lang()),
            "when": lambda value: format_datetime(value, current_lang()),
            "action_label": action_label,
        }

    @app.after_request
    def remember_lang(response):
        asked = request.args.get("lang")
        if asked in LANGUAGES and request.cookies.get("lang") != asked:
            response.set_cookie("lang", asked, max_age=365 * 86400, samesite="Lax", httponly=True)
        response.headers.setdefault("Content-Language", current_lang())
        response.vary.add("Cookie")
        return response
