"""Small helpers shared by the core modules."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict


class LRU:
    """A thread-safe least-recently-used cache of computed values."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, default=None):
        """Return the cached value of `key`, or `default` (nothing is built)."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return default

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._data

    def get_or_build(self, key, build):
        """Return the cached value of `key`, building and storing it on a miss."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = build()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value


def digest(*parts: object) -> str:
    """Return a short stable hash of the parts (for ETags and cache keys)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:24]
