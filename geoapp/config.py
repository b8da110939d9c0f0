"""Settings: defaults, then GEOAPP_* environment variables, then explicit values."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
GEODATA_DIR = PACKAGE_DIR.parent / "geodata"

DEFAULTS: dict[str, object] = {
    "DATA_DIR": "var/geoapp",
    "GEODATA_DIR": str(GEODATA_DIR),
    "DATABASE_URL": "",
    "TILES": "none",
    "TILES_ATTRIBUTION": "",
    "DEFAULT_DISTRICT": "183",
    "DEFAULT_LANG": "vi",
    "SECRET_KEY": "",
    "EMBED_ANCESTORS": "*",
    "REQUIRE_LOGIN": False,
    "MAX_UPLOAD_MB": 160,
    "COORD_DECIMALS": 5,
    "EXPORT_MAX_DPI": 600,
    "EXPORT_MAX_PIXELS": 40_000_000,
    "EXPORT_MAX_UNITS": 1000,
    "TABLE_INLINE_MAX": 300,
    "SESSION_COOKIE_SECURE": False,
    "PROXY_HOPS": 0,
    "EXPENSIVE_SLOTS": 0,
    "EXPENSIVE_RETRY_AFTER": 5,
    "EXPENSIVE_PER_MINUTE": 30,
    "EXPENSIVE_BURST": 20,
    "EXPENSIVE_TIMEOUT": 60,
    "EXPENSIVE_JENKS_UNITS": 200,
    "SESSION_IDLE_MINUTES": 60,
    "SESSION_MAX_HOURS": 12,
    "LOGIN_FREE_FAILURES": 5,
    "LOGIN_FREE_FAILURES_CLIENT": 20,
    "LOGIN_MAX_DELAY": 900,
    "LOGIN_FORGET_AFTER": 86400,
    "MAX_AREA_CHANGE_PCT": 1.0,
    "PENDING_USER_MB": 200,
    "PENDING_USER_UPLOADS": 20,
    "PENDING_TOTAL_MB": 2000,
    "PENDING_REJECTED_TTL": 3600,
    "ISSUING_OFFICE": "",
    "PUBLIC_URL": "",
    "FAST_PATH": True,
    "FAST_PATH_MB": 64,
    "FAST_PATH_RECHECK": 5.0,
    "MAP_CANVAS_ABOVE": 1500,
}


def _coerce(default: object, raw: str) -> object:
    """Convert an environment string to the type of its default."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def load_settings(config: dict | None = None, environ: dict | None = None) -> dict:
    """Return the settings: defaults, overridden by GEOAPP_* variables, then by config."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        raw = environ.get(f"GEOAPP_{key}")
        if raw is not None:
            try:
                settings[key] = _coerce(default, raw)
            except ValueError as exc:
                raise ValueError(f"GEOAPP_{key}: {exc}") from None
    for key, value in (config or {}).items():
        settings[key.removeprefix("GEOAPP_")] = value
    settings["DATA_DIR"] = str(Path(settings["DATA_DIR"]).resolve())
    return settings
