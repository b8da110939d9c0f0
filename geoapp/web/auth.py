"""Login, logout, the current user, role checks, CSRF tokens and the login requirement."""

from __future__ import annotations

import functools
import hmac
import secrets

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from geoapp.accounts import allows, authenticate, session_stamp
from geoapp.errors import BadRequest, Forbidden, Unauthorized
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


def _session_user() -> dict | None:
    name = session.get("user")
    if not name:
        return None
    user = state().store.get_user(name)
    if user is None or not hmac.compare_digest(session.get("stamp", ""), session_stamp(user["password_hash"])):
        return None  # deleted, or the password was changed since this login
    return {"name": user["name"], "role": user["role"]}


def can(role: str) -> bool:
    """Return True if the current user has at least `role`."""
    user = current_user()
    return user is not None and allows(user["role"], role)


def csrf_token() -> str:
    """Return this session's CSRF token, creating it on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Raise BadRequest unless the request carries this session's CSRF token."""
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
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


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", next=target, failed=False, name="")
    name = request.form.get("name", "")
    user = authenticate(state().store, name, request.form.get("password", ""))
    if user is None:
        return render_template("login.html", next=target, failed=True, name=name), 401
    session.clear()
    session["user"] = user["name"]
    session["stamp"] = user["stamp"]
    csrf_token()
    home = url_for("admin.index") if allows(user["role"], "editor") else url_for("browse.index")
    return redirect(target or home)


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("browse.index"))
