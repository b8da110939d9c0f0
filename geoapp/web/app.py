"""The application factory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from geoapp.config import PACKAGE_DIR, load_settings
from geoapp.data.dataset import DatasetCache, ensure_store
from geoapp.util import create_private_file, restrict_to_owner
from geoapp.web import assets, errors, fastpath, i18n, limits, security
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
        create_private_file(tmp)  # 0600 from the start: never readable by others, even briefly
        tmp.write_text(secrets.token_hex(32))
        try:
            os.link(tmp, path)  # atomic: fails if another worker created it first
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    restrict_to_owner(path)
    return path.read_text().strip()


def _vendor(app: Flask) -> None:
    """Serve Leaflet from its XStatic package (no CDN) and geoapp/static: fingerprinted, gzip, cached."""
    import xstatic.pkg.leaflet as leaflet

    assets.init_app(app, {"vendor_leaflet": Path(leaflet.BASE_DIR)})


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
    limits.init_app(app)
    errors.init_app(app)

    from geoapp.web import admin, api, auth, browse, compare, editions, embed, ogcapi, table_api

    app.register_blueprint(auth.bp)
    app.register_blueprint(compare.bp)  # after auth: its login guard runs first
    app.register_blueprint(browse.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(editions.bp)
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(api.bp, url_prefix="/api")
    app.register_blueprint(ogcapi.bp)
    app.register_blueprint(table_api.bp, url_prefix="/api")
    app.after_request(compress_response)
    if store.stamp is not None and store.stamp.current() != store.data_version():
        store.stamp.write(store.data_version())  # e.g. a data directory of an older geoapp
    fastpath.init_app(app, store, settings)  # outermost: in front of the proxy fix too
    return app
