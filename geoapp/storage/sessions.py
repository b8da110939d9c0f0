"""Login sessions and failed-login counters, the same SQL on both backends (mixed into each store).

A session row is keyed by the SHA-256 of the random token in the cookie, so the database
never holds a usable cookie. Times are seconds since the epoch (the caller's clock).
"""

from __future__ import annotations

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS geoapp_sessions (
  token_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, stamp TEXT NOT NULL,
  created_at REAL NOT NULL, seen_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS geoapp_sessions_user ON geoapp_sessions(user_name);
CREATE TABLE IF NOT EXISTS geoapp_login_failures (
  key TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_at REAL NOT NULL);
"""

POSTGIS_SCHEMA = """
CREATE TABLE geoapp_sessions (
  token_hash text PRIMARY KEY,
  user_name text NOT NULL REFERENCES geoapp_users (name) ON DELETE CASCADE ON UPDATE CASCADE,
  stamp text NOT NULL,
  created_at double precision NOT NULL,
  seen_at double precision NOT NULL);
CREATE INDEX geoapp_sessions_user ON geoapp_sessions (user_name);
CREATE TABLE geoapp_login_failures (
  key text PRIMARY KEY,
  failures integer NOT NULL,
  last_at double precision NOT NULL);
"""

_SESSION_COLUMNS = ("user_name", "stamp", "created_at", "seen_at")

_ADD_FAILURE = (
    "INSERT INTO geoapp_login_failures (key, failures, last_at) VALUES (?, 1, ?) "
    "ON CONFLICT (key) DO UPDATE SET "
    "failures = CASE WHEN geoapp_login_failures.last_at < ? THEN 1 ELSE geoapp_login_failures.failures + 1 END, "
    "last_at = excluded.last_at "
    "RETURNING failures"
)


class SessionTables:
    """Sessions and login-failure counters over the backend's `_read_conn()`, `_write()` and `_log()`.

    `PARAM` is the backend's query placeholder ("?" for SQLite, "%s" for psycopg).
    """

    PARAM = "?"

    def _sql(self, text: str) -> str:
        return text.replace("?", self.PARAM)

    def add_session(self, token_hash: str, user: str, stamp: str, now: float) -> None:
        """Record a new session of `user`."""
        with self._write() as conn:
            conn.execute(
                self._sql("INSERT INTO geoapp_sessions (token_hash, user_name, stamp, created_at, seen_at) "
                          "VALUES (?, ?, ?, ?, ?)"),
                (token_hash, user, stamp, float(now), float(now)),
            )

    def get_session(self, token_hash: str) -> dict | None:
        """Return {user_name, stamp, created_at, seen_at} of a session, or None."""
        with self._read_conn() as conn:
            row = conn.execute(
                self._sql("SELECT user_name, stamp, created_at, seen_at FROM geoapp_sessions WHERE token_hash = ?"),
                (token_hash,),
            ).fetchone()
        return dict(zip(_SESSION_COLUMNS, row)) if row else None

    def touch_session(self, token_hash: str, now: float) -> None:
        """Record activity on a session (for the idle timeout)."""
        with self._write() as conn:
            conn.execute(self._sql("UPDATE geoapp_sessions SET seen_at = ? WHERE token_hash = ?"),
                         (float(now), token_hash))

    def end_session(self, token_hash: str) -> None:
        """Forget one session (logout)."""
        with self._write() as conn:
            conn.execute(self._sql("DELETE FROM geoapp_sessions WHERE token_hash = ?"), (token_hash,))

    def end_sessions(self, user: str | None, *, actor: str) -> int:
        """End every session of `user` (of every user when None); audited; return how many ended."""
        with self._write() as conn:
            if user is None:
                count = conn.execute("DELETE FROM geoapp_sessions").rowcount
            else:
                count = conn.execute(self._sql("DELETE FROM geoapp_sessions WHERE user_name = ?"), (user,)).rowcount
            self._log(conn, actor, "sign out everywhere", f"{user or '*'} ({count} sessions)")
        return count

    def purge_sessions(self, created_before: float, seen_before: float) -> int:
        """Delete sessions past their absolute lifetime or idle timeout; return how many."""
        with self._write() as conn:
            return conn.execute(
                self._sql("DELETE FROM geoapp_sessions WHERE created_at < ? OR seen_at < ?"),
                (float(created_before), float(seen_before)),
            ).rowcount

    def login_failures(self, keys: list[str]) -> dict[str, tuple[int, float]]:
        """Return {key: (failures, time of the last failure)} for the keys that have failures."""
        out = {}
        with self._read_conn() as conn:
            for key in keys:
                row = conn.execute(
                    self._sql("SELECT failures, last_at FROM geoapp_login_failures WHERE key = ?"), (key,)
                ).fetchone()
                if row:
                    out[key] = (int(row[0]), float(row[1]))
        return out

    def add_login_failure(self, key: str, now: float, forget_after: float) -> int:
        """Count a failed login for `key` (restarting after `forget_after` quiet seconds); return the count."""
        with self._write() as conn:
            (failures,) = conn.execute(self._sql(_ADD_FAILURE), (key, float(now), float(now) - forget_after)).fetchone()
            conn.execute(self._sql("DELETE FROM geoapp_login_failures WHERE last_at < ?"),
                         (float(now) - forget_after,))
        return int(failures)

    def clear_login_failures(self, key: str) -> None:
        """Forget the failures of `key` (after a successful login)."""
        with self._write() as conn:
            conn.execute(self._sql("DELETE FROM geoapp_login_failures WHERE key = ?"), (key,))
