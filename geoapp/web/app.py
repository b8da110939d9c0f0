"""The application factory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, send_from_directory

from geoapp.config import PACKAGE_DIR, load_settings
from geoapp.data.dataset import DatasetCache, ensure_store
from geoapp.web import errors, i18n, security
from geoapp.web.state import AppState
from geoapp.web.responses import compress_response

TEMPLATES_DIR = PACKAGE_DIR.parent / "templates"


def _secret_key(settings: dict) -> str:
    """Return SECRET_KEY, or one kept in the data directory so that every worker shares it."""
    if settings.get("SECRET_KEY"):
        return settings["SECRET_KEY"]
    path = Path(settings["DATA_DIR"]) / "secret_key"
    if not path.exists():
        tmp = path.with_suffix(f".{secrets.token_hex(4)}")
        tmp.write_text(secrets.token_hex(32))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # atomic: fails if another worker created it first
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def _vendor(app: Flask) -> None:
    """Serve Leaflet from its XStatic package: no CDN."""
    import xstatic.pkg.leaflet as leaflet

    @app.route("/vendor/leaflet/<path:filename>")
    def vendor_leaflet(filename):
        return send_from_directory(leaflet.BASE_DIR, filename, max_age=86400)


def create_app(config: dict | None = None) -> Flask:
    """Build the app from explicit settings: defaults, then GEOAPP_* variables, then `config`."""
    settings = load_settings(config)
    app = Flask(
        "geoapp",
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(PACKAGE_DIR / "static"),
    )
    store = ensure_store(settings)
    app.config.update(
        GEOAPP=settings,
        SECRET_KEY=_secret_key(settings),
        MAX_CONTENT_LENGTH=int(settings["MAX_UPLOAD_MB"]) * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings["SESSION_COOKIE_SECURE"]),
        TESTING=bool(settings.get("TESTING", False)),
    )
    app.extensions["geoapp"] = AppState(settings, store, DatasetCache(store, settings["GEODATA_DIR"]))
    _vendor(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)

    from geoapp.web import admin, api, auth, browse, compare, editions, embed

    app.register_blueprint(auth.bp)
    app.register_blueprint(compare.bp)  # after auth: its login guard runs first
    app.register_blueprint(browse.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(editions.bp)
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(api.bp, url_prefix="/api")
    app.after_request(compress_response)
    return app
