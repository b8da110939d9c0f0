"""The storage interface shared by every backend."""

from __future__ import annotations

import abc
import re
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

KINDS = ("boundaries", "indicators")

# Boundary editions: the edition the app started with is stored under the kind
# "boundaries" (so every existing call keeps working); any other edition under
# "boundaries:<edition>", with its own versions, history and rollback.
LEGACY_EDITION = "2021"
BOUNDARY_KIND = "boundaries"
_EDITION_CODE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")

BOUNDARY_COLUMNS = [
    "commune_code",
    "commune_name",
    "commune_type",
    "district_code",
    "district_name",
    "province_code",
    "province_name",
    "boundary_quality",
]
INDICATOR_COLUMNS = ["commune_code", "indicator", "year", "value", "status", "source", "note"]
USER_ROLES = ("viewer", "editor", "admin")


@dataclass(frozen=True)
class VersionInfo:
    kind: str
    version: int
    author: str
    created_at: str
    comment: str
    rows: int
    published: bool = False


def edition_kind(edition: str | None) -> str:
    """Return the stored kind of an edition's boundaries ("boundaries" or "boundaries:2025")."""
    edition = LEGACY_EDITION if edition in (None, "") else str(edition)
    if not _EDITION_CODE.match(edition):
        raise ValueError(f"invalid edition code {edition!r}")
    return BOUNDARY_KIND if edition == LEGACY_EDITION else f"{BOUNDARY_KIND}:{edition}"


def kind_edition(kind: str) -> str | None:
    """Return the edition of a boundary kind, or None for other kinds."""
    if kind == BOUNDARY_KIND:
        return LEGACY_EDITION
    prefix = BOUNDARY_KIND + ":"
    return kind[len(prefix):] if kind.startswith(prefix) else None


def is_boundary_kind(kind: str) -> bool:
    return kind_edition(kind) is not None


def version_token(versions: dict) -> str:
    """Return the data version token of published versions, e.g. "b3.i7" or "b3.i7.e2025-2".

    Every published boundary edition takes part, so the token changes when any changes.
    """
    token = f"b{versions.get('boundaries') or 0}.i{versions.get('indicators') or 0}"
    others = sorted((kind_edition(k), v) for k, v in versions.items() if k not in KINDS and is_boundary_kind(k) and v)
    return token + "".join(f".e{edition}-{version}" for edition, version in others)


def check_kind(kind: str) -> str:
    """Return `kind` if it is a known data kind (or an edition's boundaries), else raise ValueError."""
    if kind in KINDS:
        return kind
    edition = kind_edition(kind)
    if edition is None or not _EDITION_CODE.match(edition):
        raise ValueError(f"unknown data kind {kind!r}")
    return kind


def published_map(rows: dict) -> dict[str, int | None]:
    """Return {kind: version} with both base kinds present and every published edition kind."""
    out = {kind: rows.get(kind) for kind in KINDS}
    out.update({k: v for k, v in sorted(rows.items()) if k not in KINDS and is_boundary_kind(k)})
    return out


def boundary_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the stored columns of a boundary layer, as text, in EPSG:4326."""
    out = frame.copy()
    for col in BOUNDARY_COLUMNS:
        out[col] = out[col].astype("string") if col in out else pd.Series(pd.NA, index=out.index, dtype="string")
    out = gpd.GeoDataFrame(out[BOUNDARY_COLUMNS], geometry=frame.geometry.values, crs=frame.crs)
    return out.to_crs(4326) if out.crs is not None else out.set_crs(4326)


def band_rows_of(kind: str, rows: list[tuple], bands: dict | None) -> list[tuple]:
    """Return (band, position, commune code, geometry) of the bands to store with a boundary version.

    `rows` are the version's stored rows (commune code first); each band has one geometry per row.
    """
    if not bands or not is_boundary_kind(kind):
        return []
    out = []
    for band, geoms in bands.items():
        geoms = list(geoms)
        if len(geoms) != len(rows):
            raise ValueError(f"band {band!r} has {len(geoms)} geometries for {len(rows)} units")
        out.extend((str(band), position, row[0], geom) for position, (row, geom) in enumerate(zip(rows, geoms)))
    return out


def indicator_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the stored columns of an indicator table with their types."""
    out = pd.DataFrame(index=frame.index)
    for col in INDICATOR_COLUMNS:
        if col == "year":
            out[col] = frame[col].astype(int)
        else:
            out[col] = frame[col].astype("string").fillna("") if col in frame else ""
    return out.reset_index(drop=True)


class Store(abc.ABC):
    """Versioned, atomically published boundary layers and indicator tables, users and audit."""

    stamp = None  # a geoapp.stamp.VersionStamp, set by open_store: rewritten after every publish and rollback

    def mark_published(self) -> None:
        """Write the new data version into the stamp (workers notice it by a stat, without a query)."""
        if self.stamp is not None:
            self.stamp.write(self.data_version())

    @abc.abstractmethod
    def init(self) -> None:
        """Create or upgrade the schema (idempotent)."""

    @abc.abstractmethod
    def published_versions(self) -> dict[str, int | None]:
        """Return {kind: published version or None}. Cheap: called on every request.

        "boundaries" and "indicators" are always present; each other boundary edition
        appears as "boundaries:<edition>" once it has a published version.
        """

    def data_version(self) -> str:
        """Return a short token that changes whenever published data changes."""
        return version_token(self.published_versions())

    @abc.abstractmethod
    def read_boundaries(self, version: int | None = None, *, edition: str | None = None) -> gpd.GeoDataFrame:
        """Return a boundary version of an edition (default: the published one of the legacy edition)."""

    @abc.abstractmethod
    def read_boundary_attributes(self, version: int | None = None, *, edition: str | None = None) -> pd.DataFrame:
        """Return the attributes of a boundary version without its geometry (what a table's join needs)."""

    @abc.abstractmethod
    def read_band(self, band: str, version: int | None = None, *, edition: str | None = None):
        """Return a boundary version's geometry simplified for a detail band, stored when it was published.

        The geometries come in the order of read_boundaries; None when the version has no stored band.
        """

    @abc.abstractmethod
    def read_indicators(self, version: int | None = None) -> pd.DataFrame:
        """Return an indicator table version (default: the published one)."""

    @abc.abstractmethod
    def publish(self, kind: str, frame, *, author: str, comment: str, base_version: int | None,
                bands: dict | None = None, record: dict | None = None) -> int:
        """Store `frame` as a new version and publish it, atomically.

        `bands` ({band: geometries in the order of `frame`}) are the boundary geometry
        simplified per detail band, stored with the version. `record` (boundary kinds only) is
        the description and crosswalk of an edition added by upload, stored with the version in
        the same transaction (geoapp/storage/edition_records.py).
        Raises Conflict when the published version is no longer `base_version`.
        """

    @abc.abstractmethod
    def edition_records(self) -> dict[str, dict]:
        """Return {kind: record} of every published boundary version that has a record."""

    @abc.abstractmethod
    def edition_record(self, kind: str, version: int) -> dict | None:
        """Return the record of one boundary version, or None."""

    @abc.abstractmethod
    def rollback(self, kind: str, version: int, *, author: str, comment: str, base_version: int | None) -> int:
        """Publish an earlier version again; raises Conflict or NotFound."""

    @abc.abstractmethod
    def history(self, kind: str) -> list[VersionInfo]:
        """Return every version of `kind`, newest first."""

    def published_editions(self) -> dict[str, int | None]:
        """Return {edition: published version or None}, the legacy edition first."""
        return {kind_edition(k): v for k, v in self.published_versions().items() if is_boundary_kind(k)}

    def read_edition(self, edition: str, version: int | None = None) -> gpd.GeoDataFrame:
        """Return a version of an edition's boundaries (default: its published one)."""
        return self.read_boundaries(version, edition=edition)

    def publish_edition(self, edition: str, frame, *, author: str, comment: str, base_version: int | None,
                        record: dict | None = None) -> int:
        """Publish a new version of an edition's boundaries (Conflict when `base_version` is stale)."""
        return self.publish(edition_kind(edition), frame, author=author, comment=comment, base_version=base_version,
                            record=record)

    def rollback_edition(self, edition: str, version: int, *, author: str, comment: str, base_version: int | None) -> int:
        """Publish an earlier version of an edition's boundaries again."""
        return self.rollback(edition_kind(edition), version, author=author, comment=comment, base_version=base_version)

    def edition_history(self, edition: str) -> list[VersionInfo]:
        """Return every version of an edition's boundaries, newest first."""
        return self.history(edition_kind(edition))

    @abc.abstractmethod
    def log(self, actor: str, action: str, detail: str, comment: str = "") -> None:
        """Append an entry to the audit log."""

    @abc.abstractmethod
    def audit(self, limit: int = 200) -> list[dict]:
        """Return the newest audit entries."""

    @abc.abstractmethod
    def add_user(self, name: str, password_hash: str, role: str, *, actor: str) -> None:
        """Create a user (raises Conflict if the name exists)."""

    @abc.abstractmethod
    def get_user(self, name: str) -> dict | None:
        """Return {name, password_hash, role} or None."""

    @abc.abstractmethod
    def list_users(self) -> list[dict]:
        """Return every user without password hashes."""

    @abc.abstractmethod
    def set_user(self, name: str, *, actor: str, role: str | None = None, password_hash: str | None = None) -> None:
        """Change a user's role or password (raises NotFound)."""

    @abc.abstractmethod
    def delete_user(self, name: str, *, actor: str) -> None:
        """Remove a user (raises NotFound)."""

    # Login sessions and failed-login counters (shared implementation: geoapp/storage/sessions.py).

    @abc.abstractmethod
    def add_session(self, token_hash: str, user: str, stamp: str, now: float) -> None:
        """Record a new session of `user` keyed by the hash of its cookie token."""

    @abc.abstractmethod
    def get_session(self, token_hash: str) -> dict | None:
        """Return {user_name, stamp, created_at, seen_at} of a session, or None."""

    @abc.abstractmethod
    def touch_session(self, token_hash: str, now: float) -> None:
        """Record activity on a session."""

    @abc.abstractmethod
    def end_session(self, token_hash: str) -> None:
        """Forget one session."""

    @abc.abstractmethod
    def end_sessions(self, user: str | None, *, actor: str) -> int:
        """End every session of `user` (every user when None), audited; return how many."""

    @abc.abstractmethod
    def purge_sessions(self, created_before: float, seen_before: float) -> int:
        """Delete expired sessions; return how many."""

    @abc.abstractmethod
    def login_failures(self, keys: list[str]) -> dict[str, tuple[int, float]]:
        """Return {key: (failures, last failure time)} of the keys with failures."""

    @abc.abstractmethod
    def add_login_failure(self, key: str, now: float, forget_after: float) -> int:
        """Count a failed login for `key`; return its failures."""

    @abc.abstractmethod
    def clear_login_failures(self, key: str) -> None:
        """Forget the failures of `key`."""
    # -- personal API tokens (read-only access for GIS clients) ----------------------------

    @abc.abstractmethod
    def add_api_token(self, name: str, token_hash: str, *, actor: str) -> int:
        """Store the digest of a new API token for `name`; return its id (audited)."""

    @abc.abstractmethod
    def list_api_tokens(self) -> list[dict]:
        """Return every token as {id, name, created_at, revoked_at} (never the digest), oldest first."""

    @abc.abstractmethod
    def revoke_api_token(self, token_id: int, *, actor: str) -> None:
        """Revoke an active token (raises NotFound; audited)."""

    @abc.abstractmethod
    def find_api_token(self, token_hash: str) -> dict | None:
        """Return {id, name} of the active token with this digest, or None."""
