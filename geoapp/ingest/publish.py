"""The publishing workflow: check an upload (dry run), keep it pending, publish it, roll back."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from geoapp.data.dataset import Dataset
from geoapp.errors import BadRequest, Conflict, Invalid, NotFound
from geoapp.ingest import Check, Limits, check_boundaries, check_indicators
from geoapp.storage.base import Store, check_kind

PENDING_TTL = 24 * 3600
MAX_COMMENT = 1000
OPTIONS = {
    "boundaries": ("crs", "encoding", "code_field", "name_field", "layer", "district"),
    "indicators": ("mapping", "district"),
}
_TOKEN = re.compile(r"[0-9a-f]{32}")
_META = "meta.json"
_UPLOAD = "upload.bin"


@dataclass(frozen=True)
class Pending:
    """An upload that passed through a dry run and waits to be published."""

    token: str
    kind: str
    filename: str
    options: dict
    base_version: int | None
    created: float
    author: str
    path: Path
    raw: bytes = field(repr=False)  # the uploaded bytes, read once


def pending_root(settings: dict) -> Path:
    """Return the directory of pending uploads in the data directory."""
    return Path(settings["DATA_DIR"]) / "pending"


def limits_for(settings: dict) -> Limits:
    """Return the upload limits, with the size cap of MAX_UPLOAD_MB."""
    return Limits(max_bytes=int(settings["MAX_UPLOAD_MB"]) * 1024 * 1024)


def clean_filename(filename: str) -> str:
    """Return the base name of an uploaded file (no directories), at most 200 characters."""
    name = PurePosixPath(str(filename or "").replace("\\", "/")).name.strip()
    if not name:
        raise BadRequest("publish_error_no_file")
    return name[-200:]


def clean_options(kind: str, options: dict | None) -> dict:
    """Return the known, non-empty options of a data kind (raises BadRequest on others)."""
    out = {}
    for key, value in (options or {}).items():
        if key not in OPTIONS[check_kind(kind)]:
            raise BadRequest("publish_error_option", option=key)
        if value in (None, "", {}):
            continue
        if key == "mapping":
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                raise BadRequest("publish_error_option", option=key)
            value = {k: v for k, v in value.items() if v not in (None, "", [])}
            if not value:
                continue
        elif not isinstance(value, str):
            raise BadRequest("publish_error_option", option=key)
        out[key] = value
    return out


def check_comment(comment: str | None) -> str:
    """Return a non-empty comment of reasonable length or raise Invalid."""
    comment = (comment or "").strip()
    if not comment:
        raise Invalid("publish_error_comment_required")
    if len(comment) > MAX_COMMENT:
        raise Invalid("publish_error_comment_long", max=MAX_COMMENT)
    return comment


def run_check(
    dataset: Dataset, kind: str, filename: str, raw: bytes, options: dict | None, limits: Limits | None = None
) -> tuple[int | None, Check]:
    """Validate an upload against the published dataset; return (the published version it saw, check)."""
    options = clean_options(kind, options)
    limits = limits or Limits()
    base = dataset.versions[kind]
    if kind == "boundaries":
        published = dataset.communes if base is not None else None
        check = check_boundaries(filename, raw, published=published, limits=limits, **options)
    else:
        published = dataset.stored_values if base is not None else None
        check = check_indicators(filename, raw, boundaries=dataset.communes, published=published, limits=limits,
                                 catalog=dataset.catalog, **options)
    return base, check


def dry_run(
    dataset: Dataset,
    kind: str,
    filename: str,
    raw: bytes,
    options: dict | None,
    *,
    root: Path,
    author: str = "",
    limits: Limits | None = None,
) -> tuple[Pending, Check]:
    """Check an upload and keep it, its options and the version it saw, under a new token."""
    filename = clean_filename(filename)
    options = clean_options(kind, options)
    base, check = run_check(dataset, kind, filename, raw, options, limits)
    purge_expired(root)
    token = secrets.token_hex(16)
    meta = {"kind": kind, "filename": filename, "options": options, "base_version": base,
            "created": time.time(), "author": author}
    _write_pending(root, token, raw, meta)
    return pending_of(root, token, meta, raw), check


def pending_of(root: Path, token: str, meta: dict, raw: bytes) -> Pending:
    """Return the pending upload of its stored description and bytes."""
    return Pending(token, meta["kind"], meta["filename"], meta["options"], meta["base_version"],
                   meta["created"], meta.get("author", ""), root / token, raw)


def _write_pending(root: Path, token: str, raw: bytes, meta: dict) -> None:
    """Write a pending upload into a temporary folder, then move it into place."""
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{token}"
    tmp.mkdir()
    (tmp / _UPLOAD).write_bytes(raw)
    (tmp / _META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, root / token)


def load_pending(root: Path, token: str, *, now: float | None = None) -> Pending:
    """Return a pending upload by token; NotFound if unknown or expired."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise NotFound("publish_error_pending_gone")
    path = root / token
    try:
        meta = json.loads((path / _META).read_text(encoding="utf-8"))
        if (now or time.time()) - meta["created"] > PENDING_TTL:
            discard(root, token)
            raise NotFound("publish_error_pending_gone")
        raw = (path / _UPLOAD).read_bytes()
    except (OSError, ValueError):
        raise NotFound("publish_error_pending_gone") from None
    return pending_of(root, token, meta, raw)


def recheck(
    dataset: Dataset, root: Path, pending: Pending, options: dict | None = None, *, limits: Limits | None = None
) -> tuple[Pending, Check]:
    """Check a pending upload again (new options, or the data published since) under a new token."""
    options = pending.options if options is None else options
    new, check = dry_run(dataset, pending.kind, pending.filename, pending.raw, options,
                         root=root, author=pending.author, limits=limits)
    discard(root, pending.token)
    return new, check


def publish_pending(
    store: Store, dataset: Dataset, pending: Pending, author: str, comment: str, *, root: Path,
    limits: Limits | None = None,
) -> int:
    """Publish a pending upload after checking it again against the published dataset.

    Raises Conflict when another version was published since the dry run (seen in the dataset,
    or by the store itself when a publish happens in between).
    """
    comment = check_comment(comment)
    current = dataset.versions[pending.kind]
    if current != pending.base_version:
        raise Conflict("error_publish_conflict", current=current or 0, base=pending.base_version or 0)
    _, check = run_check(dataset, pending.kind, pending.filename, pending.raw, pending.options, limits)
    if not check.ok:
        raise Invalid("publish_error_has_errors", count=len(check.errors))
    version = store.publish(pending.kind, check.frame, author=author, comment=comment,
                            base_version=pending.base_version)
    discard(root, pending.token)
    return version


def publish_checked(store: Store, kind: str, base: int | None, check: Check, *, author: str, comment: str) -> int:
    """Publish the frame of a passed check, on the version the check saw."""
    if not check.ok:
        raise Invalid("publish_error_has_errors", count=len(check.errors))
    return store.publish(kind, check.frame, author=author, comment=check_comment(comment), base_version=base)


def rollback(
    store: Store, kind: str, version: int, author: str, comment: str, *, base_version: int | None = None
) -> int:
    """Publish an earlier version again; `base_version` (default: the current one) guards against races."""
    check_kind(kind)
    comment = check_comment(comment)
    current = store.published_versions()[kind]
    base = current if base_version is None else base_version
    if version == current:
        raise Invalid("publish_error_already_published", version=version)
    return store.rollback(kind, version, author=author, comment=comment, base_version=base)


def discard(root: Path, token: str) -> None:
    """Remove a pending upload (no error if it is already gone)."""
    if _TOKEN.fullmatch(token):
        shutil.rmtree(root / token, ignore_errors=True)


def purge_expired(root: Path, *, now: float | None = None) -> list[str]:
    """Remove pending uploads older than PENDING_TTL; return their tokens."""
    now = now or time.time()
    removed = []
    if not root.is_dir():
        return removed
    for path in root.iterdir():
        if now - path.stat().st_mtime <= PENDING_TTL:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed
