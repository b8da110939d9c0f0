"""Small helpers shared by the core modules."""

from __future__ import annotations

import hashlib


def digest(*parts: object) -> str:
    """Return a short stable hash of the parts (for ETags and cache keys)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:24]
