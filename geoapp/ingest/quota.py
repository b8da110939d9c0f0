"""Room for pending uploads: per-user and total quotas, and the cleanup of rejected uploads.

A pending upload is kept until it is published, discarded or expires. Uploads that
failed their check cannot be published: a user's new upload replaces their rejected
ones, and rejected uploads of anyone expire after PENDING_REJECTED_TTL seconds.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from geoapp.errors import GeoappError

MB = 1024 * 1024
META = "meta.json"


class QuotaFull(GeoappError):
    """No room for another pending upload (HTTP 413)."""

    status = 413
    key = "publish_error_quota_user"


@dataclass(frozen=True)
class Quota:
    """Caps on pending uploads."""

    user_bytes: int = 200 * MB
    user_uploads: int = 20
    total_bytes: int = 2000 * MB
    rejected_ttl: float = 3600.0


def quota_for(settings: dict) -> Quota:
    """Return the quota of the settings PENDING_USER_MB, PENDING_USER_UPLOADS, PENDING_TOTAL_MB, PENDING_REJECTED_TTL."""
    return Quota(user_bytes=int(float(settings["PENDING_USER_MB"]) * MB),
                 user_uploads=int(settings["PENDING_USER_UPLOADS"]),
                 total_bytes=int(float(settings["PENDING_TOTAL_MB"]) * MB),
                 rejected_ttl=float(settings["PENDING_REJECTED_TTL"]))


@dataclass(frozen=True)
class Entry:
    """A pending upload as found on disk."""

    token: str
    path: Path
    author: str
    ok: bool
    created: float
    size: int


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def entries(root: Path) -> list[Entry]:
    """Return the pending uploads under `root` (unreadable folders count as rejected)."""
    if not root.is_dir():
        return []
    out = []
    for path in root.iterdir():
        if not path.is_dir():
            continue
        try:
            meta = json.loads((path / META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        try:
            size = _size(path)
        except OSError:
            continue
        out.append(Entry(path.name, path, str(meta.get("author", "")), bool(meta.get("ok", True)),
                         float(meta.get("created", path.stat().st_mtime)), size))
    return out


def purge_rejected(root: Path, quota: Quota, *, author: str | None = None, now: float | None = None) -> list[str]:
    """Remove rejected uploads older than the quota's TTL, and every rejected upload of `author`."""
    now = time.time() if now is None else now
    removed = []
    for entry in entries(root):
        if entry.ok:
            continue
        if now - entry.created > quota.rejected_ttl or (author is not None and entry.author == author):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.token)
    return removed


def ensure_room(root: Path, quota: Quota, author: str, size: int, *, replacing: str | None = None) -> None:
    """Raise QuotaFull if `size` more bytes for `author` would exceed a quota."""
    present = [e for e in entries(root) if e.token != replacing]
    mine = [e for e in present if e.author == author]
    used_mine, used_all = sum(e.size for e in mine), sum(e.size for e in present)
    if len(mine) + 1 > quota.user_uploads or used_mine + size > quota.user_bytes:
        raise QuotaFull("publish_error_quota_user", count=len(mine), max_count=quota.user_uploads,
                        used_mb=round(used_mine / MB, 1), max_mb=round(quota.user_bytes / MB, 1))
    if used_all + size > quota.total_bytes:
        raise QuotaFull("publish_error_quota_total", used_mb=round(used_all / MB, 1),
                        max_mb=round(quota.total_bytes / MB, 1))
