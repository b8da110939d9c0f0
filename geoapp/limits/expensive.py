"""Expensive work guarded by the rate limit, the slot pool and the time bound, configured from settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geoapp.errors import GeoappError
from geoapp.limits.deadline import call_with_time_bound
from geoapp.limits.errors import LimitError
from geoapp.limits.rate import RateLimiter, RatePolicy
from geoapp.limits.slots import SlotPool, default_slots


def limits_dir(settings: dict) -> Path:
    """Return the directory of the shared limit state (slot locks, rate buckets)."""
    return Path(settings["DATA_DIR"]) / "limits"


@dataclass
class ExpensiveGuard:
    """Runs expensive work: one rate-limit token per client, one slot, within the time bound."""

    pool: SlotPool
    rates: RateLimiter
    timeout: float

    @classmethod
    def from_settings(cls, settings: dict) -> "ExpensiveGuard":
        directory = limits_dir(settings)
        slots = int(settings["EXPENSIVE_SLOTS"]) or default_slots()
        retry = int(settings["EXPENSIVE_RETRY_AFTER"])
        policy = RatePolicy(float(settings["EXPENSIVE_PER_MINUTE"]), int(settings["EXPENSIVE_BURST"]))
        return cls(
            pool=SlotPool(directory / "slots", slots, retry_after=retry),
            rates=RateLimiter(directory / "rates.sqlite", policy),
            timeout=float(settings["EXPENSIVE_TIMEOUT"]),
        )

    def run(self, client: str, work):
        """Return work() for `client`; raise TooManyRequests, Busy or TimeExceeded instead when a limit says no.

        A request refused for its own mistakes (a client error: bad parameters, unknown map)
        costs its client nothing: those answers are cheap.
        """
        self.rates.take(client)
        try:
            with self.pool.slot():
                return call_with_time_bound(work, self.timeout, retry_after=self.pool.retry_after)
        except GeoappError as exc:
            if exc.status < 500 and not isinstance(exc, LimitError):
                self.rates.give_back(client)
            raise
