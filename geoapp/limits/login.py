"""Login throttling per account name and per client address, with delays that double.

State lives in the store, so every worker (and every host of a PostGIS deployment) sees
the same counts. Names are counted whether or not the account exists, so the answers
never tell an attacker which names are real.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from geoapp.limits.errors import LoginThrottled


@dataclass(frozen=True)
class LoginPolicy:
    """`free_account` / `free_client` failures pass without delay; each further one doubles the wait."""

    free_account: int = 5
    free_client: int = 20
    max_delay: float = 900
    forget_after: float = 86400

    @classmethod
    def from_settings(cls, settings: dict) -> "LoginPolicy":
        return cls(
            free_account=int(settings["LOGIN_FREE_FAILURES"]),
            free_client=int(settings["LOGIN_FREE_FAILURES_CLIENT"]),
            max_delay=float(settings["LOGIN_MAX_DELAY"]),
            forget_after=float(settings["LOGIN_FORGET_AFTER"]),
        )

    def delay(self, failures: int, free: int) -> float:
        """Return the wait after `failures` failures: none up to `free`, then 1, 2, 4 … seconds up to max_delay."""
        if failures < free:
            return 0.0
        return float(min(self.max_delay, 2 ** min(failures - free, 32)))

    def free_for(self, key: str) -> int:
        return self.free_account if key.startswith("account:") else self.free_client


def account_key(name: str) -> str:
    """Return the throttle key of an account name (case-folded, hashed: any text the user typed)."""
    folded = (name or "").strip().casefold()
    return "account:" + hashlib.sha256(folded.encode("utf-8")).hexdigest()[:32]


def client_key(address: str) -> str:
    return "client:" + (address or "unknown")[:64]


class LoginThrottle:
    """Checks and counts failed logins in a store with the methods login_failures / add_login_failure / clear_login_failures."""

    def __init__(self, store, policy: LoginPolicy) -> None:
        self.store = store
        self.policy = policy

    def check(self, name: str, address: str, now: float) -> None:
        """Raise LoginThrottled while the account name or the address must wait."""
        keys = [account_key(name), client_key(address)]
        wait = 0.0
        for key, (failures, last_at) in self.store.login_failures(keys).items():
            delay = self.policy.delay(failures, self.policy.free_for(key))
            wait = max(wait, last_at + delay - now)
        if wait > 0:
            raise LoginThrottled(wait)

    def failed(self, name: str, address: str, now: float) -> float:
        """Count a failure for the name and the address; return the wait it imposes (seconds)."""
        wait = 0.0
        for key in (account_key(name), client_key(address)):
            failures = self.store.add_login_failure(key, now, self.policy.forget_after)
            wait = max(wait, self.policy.delay(failures, self.policy.free_for(key)))
        return wait

    def succeeded(self, name: str) -> None:
        """Forget the account's failures (the address keeps its count until it is forgotten)."""
        self.store.clear_login_failures(account_key(name))
