"""The publishing workflow: check an upload (dry run), keep it pending, publish it, roll back."""

from __future__ import annotations

import json
import mmap
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd
import pyogrio

from geoapp.data.dataset import Dataset
from geoapp.errors import BadRequest, Conflict, Invalid, NotFound
from geoapp.ingest import Check, Issue, Limits, check_boundaries, check_indicators
from geoapp.ingest import edition_check
from geoapp.ingest.changes import audit_detail as confirmed_changes
from geoapp.ingest.geometry import same_geometry
from geoapp.ingest.quota import Quota, ensure_room, purge_rejected
from geoapp.ingest.report import INFO, to_json
from geoapp.maps.simplify import publish_bands
from geoapp.storage.base import Store, boundary_frame, check_kind, indicator_frame

PENDING_TTL = 24 * 3600
MAX_COMMENT = 1000
OPTIONS = {
    "boundaries": ("crs", "encoding", "code_field", "name_field", "layer", "district", "confirm"),
    "indicators": ("mapping", "district"),
    "edition": edition_check.OPTIONS,  # a new boundary edition: its layer and its crosswalk (geoapp/ingest/edition_check.py)
}
EDITION = "edition"
_TOKEN = re.compile(r"[0-9a-f]{32}")
_META = "meta.json"
_UPLOAD = "upload.bin"
_REPORT = "check.json"
_CHECKED = {"boundaries": "checked.gpkg", "indicators": "checked.csv", EDITION: "checked.gpkg"}


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
    versions: dict | None = None  # the published versions the dry run saw

    @property
    def raw(self):
        """The uploaded bytes, mapped from the file rather than read into memory."""
        return mapped(self.path / _UPLOAD)

    @property
    def upload_path(self) -> Path:
        """Return the file holding the uploaded bytes."""
        return self.path / _UPLOAD

    def check(self) -> Check:
        """Return the dry run's findings (issues and report; no frame)."""
        return read_check(self.path / _REPORT, self.kind)

    def checked_frame(self, versions: dict):
        """Return the frame the dry run passed, if the published data is still what it saw; else None."""
        path = self.path / _CHECKED[self.kind]
        if self.versions != versions or not path.exists():
            return None
        return read_checked(path, self.kind)


def mapped(path: Path):
    """Return a file's bytes as a read-only memory map (bytes-like, paged in from disk as needed)."""
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return b""
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def receive(stream, root: Path, max_bytes: int, chunk: int = 1 << 20) -> Path:
    """Copy an upload stream to a new file under `root`, chunk by chunk; Invalid past `max_bytes`."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / f".incoming-{secrets.token_hex(16)}"
    size = 0
    with open(path, "wb") as out:
        while block := stream.read(chunk):
            size += len(block)
            if size > max_bytes:
                out.close()
                path.unlink()
                raise Invalid("upload_too_large", size_mb=round(size / 2**20, 1), max_mb=round(max_bytes / 2**20, 1))
            out.write(block)
    return path


def dry_run_stream(dataset: Dataset, kind: str, filename: str, stream, options: dict | None, *, root: Path,
                   author: str = "", limits: Limits | None = None, quota: Quota | None = None) -> tuple[Pending, Check]:
    """Check an upload read from a stream: written to disk once, mapped for the check, then kept as the pending upload."""
    limits = limits or Limits()
    path = receive(stream, root, limits.max_bytes)
    try:
        return dry_run(dataset, kind, filename, mapped(path), options, root=root, author=author, limits=limits,
                       received=path, quota=quota)
    finally:
        path.unlink(missing_ok=True)


def pending_root(settings: dict) -> Path:
    """Return the directory of pending uploads in the data directory."""
    return Path(settings["DATA_DIR"]) / "pending"


def limits_for(settings: dict) -> Limits:
    """Return the upload limits, with the size cap of MAX_UPLOAD_MB."""
    return Limits(max_bytes=int(settings["MAX_UPLOAD_MB"]) * 1024 * 1024,
                  max_area_change_pct=float(settings["MAX_AREA_CHANGE_PCT"]))


def clean_filename(filename: str) -> str:
    """Return the base name of an uploaded file (no directories), at most 200 characters."""
    name = PurePosixPath(str(filename or "").replace("\\", "/")).name.strip()
    if not name:
        raise BadRequest("publish_error_no_file")
    return name[-200:]


def clean_options(kind: str, options: dict | None) -> dict:
    """Return the known, non-empty options of a data kind (raises BadRequest on others)."""
    out = {}
    allowed = OPTIONS[kind if kind == EDITION else check_kind(kind)]
    for key, value in (options or {}).items():
        if key not in allowed:
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
    if kind == EDITION:
        return edition_base(dataset, options), edition_check.check_edition(dataset, filename, raw, options, limits)
    base = dataset.versions[kind]
    if kind == "boundaries":
        published = dataset.communes if base is not None else None
        check = check_boundaries(filename, raw, published=published, limits=limits, **options)
    else:
        published = dataset.stored_values if base is not None else None
        check = check_indicators(filename, raw, boundaries=dataset.communes, published=published, limits=limits,
                                 catalog=dataset.catalog, **options)
    mark_identical(check, published)
    return base, check


def stored_kind(kind: str, options: dict) -> str:
    """Return the kind a pending upload publishes: its own, or an edition's boundaries ("boundaries:2027")."""
    return edition_check.base_kind(options) if kind == EDITION else kind


def edition_base(dataset: Dataset, options: dict) -> int | None:
    """Return the published version of the edition an upload would replace (None for a new edition or a bad code)."""
    try:
        return dataset.versions.get(edition_check.base_kind(options))
    except Invalid:
        return None


def same_as_published(frame, published) -> bool:
    """True when the frame a check would publish equals the published one (rows, attributes, shapes)."""
    if frame is None or published is None or len(frame) != len(published):
        return False
    if set(frame.columns) != set(published.columns):
        return False
    geometry = getattr(frame, "geometry", None)
    geom_name = geometry.name if geometry is not None else None
    keys = [c for c in ("commune_code", "indicator", "year") if c in frame.columns]
    a = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    b = published.sort_values(keys, kind="stable").reset_index(drop=True)
    for column in a.columns:
        if column == geom_name:
            if not all(same_geometry(x, y) for x, y in zip(a[column].values, b[column].values)):
                return False
        elif not (a[column].astype("string").fillna("") == b[column].astype("string").fillna("")).all():
            return False
    return True


def mark_identical(check: Check, published) -> None:
    """Say in the report when an upload is identical to the published data: publishing it would do nothing.

    Shapes within the tolerance keep their published geometry but are not "identical": the
    upload differs, so it may still be published (as a new version with the same shapes).
    """
    nearly = (check.report.get("diff") or {}).get("geometry_within_tolerance")
    if check.ok and not nearly and same_as_published(check.frame, published):
        check.report["identical"] = True
        check.issues.append(Issue(INFO, "upload_identical"))


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
    received: Path | None = None,
    quota: Quota | None = None,
    replacing: str | None = None,
) -> tuple[Pending, Check]:
    """Check an upload and keep it, its options, its findings and the versions it saw, under a new token.

    `received` is the file `raw` was mapped from: it is moved into the pending folder, not copied.
    Raises QuotaFull, before checking anything, when the upload would not fit in the quota
    of pending uploads (the author's rejected uploads are removed first: they cannot be published).
    """
    filename = clean_filename(filename)
    options = clean_options(kind, options)
    quota = quota or Quota()
    purge_expired(root)
    purge_rejected(root, quota, author=author)
    ensure_room(root, quota, author, len(raw), replacing=replacing)
    base, check = run_check(dataset, kind, filename, raw, options, limits)
    token = secrets.token_hex(16)
    meta = {"kind": kind, "filename": filename, "options": options, "base_version": base,
            "created": time.time(), "author": author, "versions": dict(dataset.versions), "ok": check.ok}
    _write_pending(root, token, raw, meta, check, received)
    return pending_of(root, token, meta), check


def pending_of(root: Path, token: str, meta: dict) -> Pending:
    """Return the pending upload of its stored description (its bytes stay in its folder)."""
    return Pending(token, meta["kind"], meta["filename"], meta["options"], meta["base_version"],
                   meta["created"], meta.get("author", ""), root / token, meta.get("versions"))


def _write_pending(root: Path, token: str, raw, meta: dict, check: Check, received: Path | None = None) -> None:
    """Write a pending upload, its findings and the checked frame into a temporary folder, then move it into place."""
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{token}"
    tmp.mkdir()
    if received is not None:
        os.replace(received, tmp / _UPLOAD)
    else:
        (tmp / _UPLOAD).write_bytes(raw)
    write_check(tmp / _REPORT, check)
    if check.ok and check.frame is not None:
        write_checked(tmp / _CHECKED[check.kind], check.kind, check.frame)
    (tmp / _META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, root / token)


def write_check(path: Path, check: Check) -> None:
    """Write a check's issues and full report as JSON (every finding, not only the first ones)."""
    data = {"kind": check.kind, "issues": [{"level": i.level, "key": i.key, "params": i.params} for i in check.issues],
            "report": check.report}
    path.write_text(to_json(data), encoding="utf-8")


def read_check(path: Path, kind: str) -> Check:
    """Read the findings written by write_check (the frame is not part of them)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return Check(kind, None, [Issue(i["level"], i["key"], i["params"]) for i in data["issues"]], data["report"])


def write_checked(path: Path, kind: str, frame) -> None:
    """Keep the frame a dry run passed, so that publishing does not check it again."""
    if kind in ("boundaries", EDITION):
        pyogrio.write_dataframe(frame, path, layer="checked", driver="GPKG")
    else:
        frame.to_csv(path, index=False)


def read_checked(path: Path, kind: str):
    """Read a frame written by write_checked, with the stored column types."""
    if kind in ("boundaries", EDITION):
        return boundary_frame(pyogrio.read_dataframe(path, layer="checked"))
    return indicator_frame(pd.read_csv(path, dtype=str, keep_default_na=False))


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
        if not (path / _UPLOAD).is_file():
            raise OSError("upload missing")
    except (OSError, ValueError):
        raise NotFound("publish_error_pending_gone") from None
    return pending_of(root, token, meta)


def recheck(
    dataset: Dataset, root: Path, pending: Pending, options: dict | None = None, *, limits: Limits | None = None,
    quota: Quota | None = None,
) -> tuple[Pending, Check]:
    """Check a pending upload again (new options, or the data published since) under a new token."""
    options = pending.options if options is None else options
    new, check = dry_run(dataset, pending.kind, pending.filename, pending.raw, options,
                         root=root, author=pending.author, limits=limits, quota=quota, replacing=pending.token)
    discard(root, pending.token)
    return new, check


def publish_pending(
    store: Store, dataset: Dataset, pending: Pending, author: str, comment: str, *, root: Path,
    limits: Limits | None = None,
) -> int:
    """Publish a pending upload: the frame its dry run passed, or, if other data was published
    since (the boundaries under an indicator table), the upload checked again.

    Raises Conflict when another version of the same kind was published since the dry run (seen
    in the dataset, or by the store itself when a publish happens in between).
    """
    comment = check_comment(comment)
    versions = dict(dataset.versions)
    kind = stored_kind(pending.kind, pending.options)
    current = versions.get(kind)
    if current != pending.base_version:
        raise Conflict("error_publish_conflict", current=current or 0, base=pending.base_version or 0)
    frame, check = pending.checked_frame(versions), pending.check()
    if frame is None:
        _, check = run_check(dataset, pending.kind, pending.filename, pending.raw, pending.options, limits)
        if not check.ok:
            raise Invalid("publish_error_has_errors", count=len(check.errors))
        frame = check.frame
    if check.report.get("identical"):
        raise Invalid("publish_error_identical")
    version = store.publish(kind, frame, author=author, comment=comment, base_version=pending.base_version,
                            bands=publish_bands(kind, frame), **edition_record(pending.kind, check))
    log_confirmation(store, kind, check, author)
    discard(root, pending.token)
    return version


def publish_checked(store: Store, kind: str, base: int | None, check: Check, *, author: str, comment: str,
                    options: dict | None = None) -> int:
    """Publish the frame of a passed check, on the version the check saw (`options`: those of an edition upload)."""
    if not check.ok:
        raise Invalid("publish_error_has_errors", count=len(check.errors))
    target = stored_kind(kind, options or {})
    version = store.publish(target, check.frame, author=author, comment=check_comment(comment), base_version=base,
                            bands=publish_bands(target, check.frame), **edition_record(kind, check))
    log_confirmation(store, target, check, author)
    return version


def edition_record(kind: str, check: Check) -> dict:
    """Return the store.publish keyword of an edition upload: the record its check passed ({} for other kinds)."""
    if kind != EDITION:
        return {}
    record = check.report.get("edition_record")
    if not record:
        raise Invalid("publish_error_has_errors", count=max(len(check.errors), 1))
    return {"record": record}


def log_confirmation(store: Store, kind: str, check: Check, author: str) -> None:
    """Write the confirmed large changes of a published check, with their reason, to the audit log."""
    detail = confirmed_changes(check.report)
    if detail:
        store.log(author, f"confirm {kind}", detail, check.report["confirmation"]["reason"])


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
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)  # an upload left half-received
        removed.append(path.name)
    return removed
