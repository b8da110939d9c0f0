"""Accounts: password hashing, roles (viewer < editor < admin) and login checks."""

from __future__ import annotations

import re

from werkzeug.security import check_password_hash, generate_password_hash

from geoapp.errors import Conflict, Invalid, NotFound
from geoapp.storage.base import USER_ROLES, Store

ROLES = USER_ROLES
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
# Checked when the user does not exist, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password", method="scrypt")


def check_name(name: str) -> str:
    """Return a valid account name or raise Invalid."""
    name = (name or "").strip()
    if not _NAME.fullmatch(name):
        raise Invalid("auth_error_name", name=name)
    return name


def check_role(role: str) -> str:
    """Return a known role or raise Invalid."""
    if role not in ROLES:
        raise Invalid("auth_error_role", role=role, roles=", ".join(ROLES))
    return role


def hash_password(password: str) -> str:
    """Return the salted scrypt hash of an acceptable password (raises Invalid)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise Invalid("auth_error_password_short", min=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise Invalid("auth_error_password_long", max=MAX_PASSWORD)
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    """Return True if `password` matches the stored hash."""
    return check_password_hash(password_hash, password or "")


def allows(role: str | None, needed: str) -> bool:
    """Return True if `role` is at least `needed` in viewer < editor < admin."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def authenticate(store: Store, name: str, password: str) -> dict | None:
    """Return the account {name, password_hash, role} when the name and password match, else None.

    An unknown name costs one password check too, so that timing does not tell names apart.
    """
    user = store.get_user((name or "").strip()) if name else None
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user["password_hash"], password):
        return None
    return user


def _guard_last_admin(store: Store, name: str) -> None:
    admins = [u["name"] for u in store.list_users() if u["role"] == "admin"]
    if admins == [name]:
        raise Conflict("auth_error_last_admin", name=name)


def create_user(store: Store, name: str, password: str, role: str, *, actor: str) -> None:
    """Create an account with a hashed password (audited by the store)."""
    store.add_user(check_name(name), hash_password(password), check_role(role), actor=actor)


def change_role(store: Store, name: str, role: str, *, actor: str) -> None:
    """Change an account's role (its open sessions end); the last admin cannot be demoted."""
    user = _existing(store, name)
    if user["role"] == "admin" and check_role(role) != "admin":
        _guard_last_admin(store, name)
    store.set_user(name, actor=actor, role=check_role(role))
    store.end_sessions(name, actor=actor)


def reset_password(store: Store, name: str, password: str, *, actor: str) -> None:
    """Set a new password for an account; its open sessions end."""
    _existing(store, name)
    store.set_user(name, actor=actor, password_hash=hash_password(password))
    store.end_sessions(name, actor=actor)


def remove_user(store: Store, name: str, *, actor: str) -> None:
    """Delete an account; the last admin cannot be deleted."""
    if _existing(store, name)["role"] == "admin":
        _guard_last_admin(store, name)
    store.end_sessions(name, actor=actor)
    store.delete_user(name, actor=actor)


def _existing(store: Store, name: str) -> dict:
    """Return the stored account or raise NotFound."""
    user = store.get_user(name)
    if user is None:
        raise NotFound("error_unknown_user", name=name)
    return user
