"""Personal API tokens: GIS staff read the data from QGIS or GDAL when the site requires login.

A token is shown once when it is made; the store keeps only its SHA-256 digest (a token is
256 random bits, so a fast digest is enough and lets the store find it by equality).
Tokens are accepted for read-only requests (GET, HEAD) only and never grant a role.
"""

from __future__ import annotations

import hashlib
import secrets

from geoapp.accounts import check_name
from geoapp.errors import NotFound
from geoapp.storage.base import Store

TOKEN_PREFIX = "geoapp_"


def new_token() -> str:
    """Return a fresh random token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(store: Store, name: str, *, actor: str) -> tuple[int, str]:
    """Store a new token for `name`; return (id, token). The token cannot be read back later."""
    token = new_token()
    token_id = store.add_api_token(check_name(name), token_digest(token), actor=actor)
    return token_id, token


def revoke_token(store: Store, token_id: int, *, actor: str) -> None:
    """Revoke a token by id (raises NotFound if there is no such active token)."""
    try:
        token_id = int(token_id)
    except (TypeError, ValueError):
        raise NotFound("error_unknown_token", id=token_id) from None
    store.revoke_api_token(token_id, actor=actor)


def token_owner(store: Store, token: str) -> dict | None:
    """Return {id, name} of an active token, or None."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return store.find_api_token(token_digest(token))
