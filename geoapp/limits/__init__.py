"""Limits on expensive work and on logins: a shared slot pool, per-client rate limits, a time bound, login throttling.

No Flask here: geoapp/web/limits.py adapts these to routes.
"""

from geoapp.limits.deadline import call_with_time_bound
from geoapp.limits.expensive import ExpensiveGuard, limits_dir
from geoapp.limits.errors import Busy, LimitError, LoginThrottled, TimeExceeded, TooManyRequests
from geoapp.limits.rate import RateLimiter, RatePolicy
from geoapp.limits.slots import SlotPool, default_slots

__all__ = [
    "Busy", "ExpensiveGuard", "LimitError", "LoginThrottled", "RateLimiter", "RatePolicy", "SlotPool", "TimeExceeded",
    "TooManyRequests", "call_with_time_bound", "default_slots", "limits_dir",
]
