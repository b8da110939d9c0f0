"""Server-side login sessions: the cookie holds a random token, the store holds its hash.

A session ends at logout, when the account's password or role changes (its stamp no longer
matches), when an admin signs the account out everywhere, after SESSION_IDLE_MINUTES
without a request, and SESSION_MAX_HOURS after login, whichever comes first.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from geoapp.storage.base import Store

# Activity is written at most this often per session, so that pages do not write on every request.
TOUCH_EVERY = 60.0


def token_hash(token: str) -> str:
    """Return the stored key of a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def account_stamp(user: dict) -> str:
    """Return a digest of the password hash and role: changing either ends the account's sessions."""
    return hashlib.sha256(f"{user['password_hash']}\0{user['role']}".encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class SessionPolicy:
    idle_seconds: float
    max_seconds: float

    @classmethod
    def from_settings(cls, settings: dict) -> "SessionPolicy":
        return cls(float(settings["SESSION_IDLE_MINUTES"]) * 60, float(settings["SESSION_MAX_HOURS"]) * 3600)

    def expired(self, session: dict, now: float) -> bool:
        """True when the session has been idle too long or has reached its absolute lifetime."""
        return now - session["seen_at"] > self.idle_seconds or now - session["created_at"] > self.max_seconds


def start_session(store: Store, user: dict, now: float) -> str:
    """Record a new session of `user` ({name, password_hash, role}); return its token for the cookie."""
    token = secrets.token_urlsafe(32)
    store.add_session(token_hash(token), user["name"], account_stamp(user), now)
    return token


def session_user(store: Store, token: str, policy: SessionPolicy, now: float) -> dict | None:
    """Return {name, role} of a live session, or None (ended, expired, or the account changed)."""
    if not token:
        return None
    key = token_hash(token)
    session = store.get_session(key)
    if session is None:
        return None
    user = store.get_user(session["user_name"])
    if policy.expired(session, now) or user is None or not hmac.compare_digest(session["stamp"], account_stamp(user)):
        store.end_session(key)
        return None
    if now - session["seen_at"] >= TOUCH_EVERY:
        store.touch_session(key, now)
    return {"name": user["name"], "role": user["role"]}


def end_session(store: Store, token: str) -> None:
    """End one session (logout)."""
    if token:
        store.end_session(token_hash(token))


def sign_out_everywhere(store: Store, name: str | None, *, actor: str) -> int:
    """End every session of account `name` (of every account when None); return how many ended."""
    return store.end_sessions(name, actor=actor)


def purge_expired(store: Store, policy: SessionPolicy, now: float) -> int:
    """Delete the sessions that can no longer be used."""
    return store.purge_sessions(now - policy.max_seconds, now - policy.idle_seconds)
