"""Refusals of the limits: busy (503), too many requests (429), too slow (503), each with a wait in seconds."""

from __future__ import annotations

import math

from geoapp.errors import GeoappError


class LimitError(GeoappError):
    """A refusal that tells the client when to try again (the Retry-After header)."""

    status = 503

    def __init__(self, retry_after: float, key: str | None = None, **params: object) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(key, seconds=self.retry_after, **params)


class Busy(LimitError):
    """Every slot for expensive work is taken."""

    status = 503
    key = "limits_busy"


class TooManyRequests(LimitError):
    """This client asked for expensive work too often."""

    status = 429
    key = "limits_too_many"


class LoginThrottled(LimitError):
    """Too many failed logins for this account or from this address."""

    status = 429
    key = "limits_login_throttled"


class TimeExceeded(LimitError):
    """Expensive work ran past its time bound and was stopped."""

    status = 503
    key = "limits_too_slow"
