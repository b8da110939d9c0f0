"""Per-client rate limits (token buckets) kept in a small SQLite file shared by every worker."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from geoapp.limits.errors import TooManyRequests
from geoapp.util import connect_sqlite, create_private_file

_SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets (
  key TEXT PRIMARY KEY, tokens REAL NOT NULL, updated REAL NOT NULL)
"""
# Buckets untouched for this long are full again and can be forgotten.
_FORGET_FACTOR = 2


@dataclass(frozen=True)
class RatePolicy:
    """`per_minute` requests on average, up to `burst` at once."""

    per_minute: float
    burst: int

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0

    def refill(self, tokens: float, elapsed: float) -> float:
        """Return the tokens of a bucket after `elapsed` seconds."""
        return min(float(self.burst), tokens + max(0.0, elapsed) * self.per_second)

    def seconds_to_one(self, tokens: float) -> float:
        """Return how long until a bucket with `tokens` holds one token."""
        return (1.0 - tokens) / self.per_second


class RateLimiter:
    """Token buckets per key in `path`; `take(key)` spends one token or raises TooManyRequests."""

    def __init__(self, path: str | Path, policy: RatePolicy, clock=time.time) -> None:
        self.path = Path(path)
        self.policy = policy
        self.clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        create_private_file(self.path)
        conn = self._connect()
        try:
            conn.execute(_SCHEMA)
        finally:
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        return connect_sqlite(self.path)

    def take(self, key: str) -> float:
        """Spend one token of `key`'s bucket and return the tokens left; raise TooManyRequests if empty."""
        if self.policy.per_minute <= 0:
            return float("inf")  # no limit
        now = self.clock()
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute("SELECT tokens, updated FROM buckets WHERE key = ?", (key,)).fetchone()
            tokens = self.policy.refill(*((row[0], now - row[1]) if row else (self.policy.burst, 0)))
            if tokens < 1.0:
                conn.execute("ROLLBACK")
                raise TooManyRequests(self.policy.seconds_to_one(tokens))
            conn.execute(
                "INSERT INTO buckets (key, tokens, updated) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET tokens = excluded.tokens, updated = excluded.updated",
                (key, tokens - 1.0, now),
            )
            full_after = _FORGET_FACTOR * self.policy.burst / self.policy.per_second
            conn.execute("DELETE FROM buckets WHERE updated < ?", (now - full_after,))
            conn.execute("COMMIT")
        finally:
            conn.close()
        return tokens - 1.0

    def give_back(self, key: str) -> None:
        """Return a token spent on a request that did no expensive work (it was refused as invalid)."""
        if self.policy.per_minute <= 0:
            return
        conn = self._connect()
        try:
            conn.execute("UPDATE buckets SET tokens = min(?, tokens + 1.0) WHERE key = ?", (float(self.policy.burst), key))
        finally:
            conn.close()
