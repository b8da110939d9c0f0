"""Login, logout, the current user, role checks, CSRF tokens and the login requirement."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import time

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for

from geoapp.accounts import allows, authenticate
from geoapp.errors import BadRequest, Forbidden, Unauthorized
from geoapp.limits import LoginThrottled
from geoapp.limits.login import LoginPolicy, LoginThrottle
from geoapp.sessions import SessionPolicy, end_session, purge_expired, session_user, start_session
from geoapp.web.i18n import current_lang
from geoapp.web.limits import client_address
from geoapp.ogcapi.request import HTML, negotiate
from geoapp.tokens import token_owner
from geoapp.web.state import setting, state

bp = Blueprint("auth", __name__)

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
READ_ONLY_METHODS = {"GET", "HEAD"}
# Reachable without logging in even when REQUIRE_LOGIN is set.
PUBLIC_ENDPOINTS = {"auth.login", "browse.healthz", "static", "vendor_leaflet"}


def current_user() -> dict | None:
    """Return {name, role} of the logged-in user, checked against the store on each request."""
    if "account" not in g:
        g.account = _session_user()
    return g.account


def now() -> float:
    """Return the app's clock (seconds since the epoch); tests replace app.extensions["geoapp_clock"]."""
    return current_app.extensions.get("geoapp_clock", time.time)()


def _session_user() -> dict | None:
    token = session.get("sid")
    if not token:
        return None
    user = session_user(state().store, token, SessionPolicy.from_settings(state().settings), now())
    if user is None:
        session.pop("sid", None)  # ended, expired, or the account changed: the cookie is dropped
    return user


def can(role: str) -> bool:
    """Return True if the current user has at least `role`."""
    user = current_user()
    return user is not None and allows(user["role"], role)


def csrf_token() -> str:
    """Return this session's CSRF token: derived from the session token once logged in, else a random one."""
    if session.get("sid"):
        key = current_app.secret_key.encode("utf-8") if isinstance(current_app.secret_key, str) else current_app.secret_key
        return hmac.new(key, b"csrf\0" + session["sid"].encode("utf-8"), hashlib.sha256).hexdigest()
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Raise BadRequest unless the request carries this session's CSRF token."""
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = csrf_token() if session.get("sid") else session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8")):
        raise BadRequest("auth_error_csrf")


def bearer_token() -> str | None:
    """Return the token of an `Authorization: Bearer TOKEN` header, or None."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def token_reader() -> dict | None:
    """Return {id, name} of a valid API token sent with a read-only request, else None.

    A token lets GIS clients read (GET, HEAD) when login is required; it never grants a role.
    """
    token = bearer_token()
    if token is None or request.method not in READ_ONLY_METHODS:
        return None
    if "api_token" not in g:
        g.api_token = token_owner(state().store, token)
    return g.api_token


def is_ogcapi_path() -> bool:
    return request.path == "/ogcapi" or request.path.startswith("/ogcapi/")


def wants_page() -> bool:
    """True for a browser asking for a page: a GET without a token, outside /api, HTML under /ogcapi."""
    if request.method != "GET" or request.path.startswith("/api/") or bearer_token():
        return False
    if is_ogcapi_path():
        asked = request.args.get("f")
        return asked == HTML if asked else negotiate(request.headers.get("Accept", "")) == HTML
    return True


def _login_needed():
    """Redirect a page request to the login form; refuse anything else with 401."""
    if wants_page():
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    raise Unauthorized()


def require(role: str):
    """Decorate a view so that only users with at least `role` reach it."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                return _login_needed()
            if not allows(user["role"], role):
                raise Forbidden()
            return view(*args, **kwargs)

        return wrapped

    return decorate


@bp.before_app_request
def guard():
    if request.method in UNSAFE_METHODS:
        check_csrf()
    if (
        setting("REQUIRE_LOGIN")
        and request.endpoint not in PUBLIC_ENDPOINTS
        and current_user() is None
        and token_reader() is None
    ):
        return _login_needed()
    return None


@bp.app_context_processor
def inject():
    return {"current_user": current_user, "can": can, "csrf_token": csrf_token}


def _safe_next(target: str | None) -> str | None:
    """Return a same-site path to go to after login, or None."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target and target.isprintable():
        return target
    return None


def _login_throttle() -> LoginThrottle:
    return LoginThrottle(state().store, LoginPolicy.from_settings(state().settings))


def _throttled(exc: LoginThrottled, target: str | None, name: str):
    """The login form again, with 429 and Retry-After."""
    message = exc.message(current_lang())
    response = current_app.make_response(
        (render_template("login.html", next=target, failed=False, throttled=message, name=name), 429)
    )
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", next=target, failed=False, name="")
    name = request.form.get("name", "")
    store, throttle, address = state().store, _login_throttle(), client_address()
    try:
        throttle.check(name, address, now())
    except LoginThrottled as exc:
        return _throttled(exc, target, name)
    user = authenticate(store, name, request.form.get("password", ""))
    if user is None:
        wait = throttle.failed(name, address, now())
        detail = f"from {address}" + (f"; next try allowed in {wait:g} s" if wait else "")
        store.log(name.strip()[:64] or "-", "login failed", detail)
        return render_template("login.html", next=target, failed=True, name=name), 401
    throttle.succeeded(name)
    end_session(store, session.get("sid"))
    purge_expired(store, SessionPolicy.from_settings(state().settings), now())
    session.clear()
    session["sid"] = start_session(store, user, now())
    home = url_for("admin.index") if allows(user["role"], "editor") else url_for("browse.index")
    return redirect(target or home)


@bp.post("/logout")
def logout():
    end_session(state().store, session.get("sid"))
    session.clear()
    return redirect(url_for("browse.index"))
