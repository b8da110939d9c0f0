"""PostGIS backend: every version kept; publish and rollback are one transaction guarded by constraints."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from datetime import datetime, timezone

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.pq import TransactionStatus

from geoapp.errors import Conflict, NotFound
from geoapp.storage import migrations
from geoapp.storage.base import (
    BOUNDARY_COLUMNS,
    INDICATOR_COLUMNS,
    Store,
    VersionInfo,
    band_rows_of,
    boundary_frame,
    check_kind,
    edition_kind,
    indicator_frame,
    is_boundary_kind,
    published_map,
)
from geoapp.storage.edition_records import EditionRecords
from geoapp.storage.sessions import SessionTables

_SCHEMES = ("postgresql+psycopg://", "postgres://")


def conninfo(url: str) -> str:
    """Return a libpq connection string for a postgresql://, postgres:// or postgresql+psycopg:// URL."""
    for scheme in _SCHEMES:
        if url.startswith(scheme):
            return "postgresql://" + url[len(scheme):]
    return url


def masked(url: str) -> str:
    """Return the URL's connection parameters with the password hidden."""
    params = conninfo_to_dict(conninfo(url))
    if "password" in params:
        params["password"] = "***"
    return make_conninfo(**params)


def iso(moment: datetime) -> str:
    """Return a timestamp as ISO 8601 text in UTC, to the second (as the GeoPackage backend stores it)."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _columns(names) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


_OF_VERSION = (
    "WHERE kind = %(kind)s AND version = COALESCE(%(version)s::integer, "
    "(SELECT version FROM geoapp_published WHERE kind = %(kind)s))"
)

_READ_BOUNDARIES = sql.SQL("SELECT {cols}, ST_AsBinary(geom) FROM geoapp_boundaries " + _OF_VERSION + " ORDER BY id").format(
    cols=_columns(BOUNDARY_COLUMNS))

_READ_BOUNDARY_ATTRIBUTES = sql.SQL("SELECT {cols} FROM geoapp_boundaries " + _OF_VERSION + " ORDER BY id").format(
    cols=_columns(BOUNDARY_COLUMNS))

_READ_BAND = sql.SQL("SELECT ST_AsBinary(geom) FROM geoapp_boundary_bands " + _OF_VERSION + " AND band = %(band)s ORDER BY position")

_COPY_BANDS = sql.SQL("COPY geoapp_boundary_bands (kind, version, band, position, commune_code, geom) FROM STDIN")

_READ_INDICATORS = sql.SQL(
    "SELECT {cols} FROM geoapp_indicator_values "
    "WHERE version = COALESCE(%s::integer, (SELECT version FROM geoapp_published WHERE kind = 'indicators')) "
    "ORDER BY id"
).format(cols=_columns(INDICATOR_COLUMNS))

_INSERT_BOUNDARIES = sql.SQL(
    "INSERT INTO geoapp_boundaries (version, kind, {cols}, geom) VALUES (%s, %s, {params}, ST_GeomFromWKB(%s, 4326))"
).format(cols=_columns(BOUNDARY_COLUMNS), params=sql.SQL(", ").join(sql.Placeholder() * len(BOUNDARY_COLUMNS)))

_COPY_INDICATORS = sql.SQL("COPY geoapp_indicator_values (version, {cols}) FROM STDIN").format(
    cols=_columns(INDICATOR_COLUMNS)
)


class ConnectionPool:
    """Idle autocommit connections of one process, reused by its threads."""

    def __init__(self, conninfo: str, size: int) -> None:
        self.conninfo = conninfo
        self.size = size
        self._idle: list[psycopg.Connection] = []
        self._lock = threading.Lock()

    @contextmanager
    def connection(self):
        """Yield a live connection; keep it for reuse afterwards if it is idle and healthy."""
        conn = self._take()
        try:
            yield conn
        finally:
            self._give(conn)

    def _take(self) -> psycopg.Connection:
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                return psycopg.connect(self.conninfo, autocommit=True)
            try:
                conn.execute("")  # fails if the server closed the connection meanwhile
                return conn
            except psycopg.Error:
                conn.close()

    def _give(self, conn: psycopg.Connection) -> None:
        if not conn.closed and conn.info.transaction_status == TransactionStatus.IDLE:
            with self._lock:
                if len(self._idle) < self.size:
                    self._idle.append(conn)
                    return
        conn.close()

    def close(self) -> None:
        """Close the idle connections."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class PostgisStore(EditionRecords, SessionTables, Store):
    """Store in a PostGIS database, through a small per-process pool of psycopg connections."""

    PARAM = "%s"

    def __init__(self, url: str, *, pool_size: int = 4) -> None:
        self.url = url
        self.pool_size = pool_size
        self._pool: ConnectionPool | None = None
        self._pool_pid: int | None = None
        self._pool_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PostgisStore({masked(self.url)!r})"

    @contextmanager
    def _conn(self):
        """Yield an autocommit connection of this process's pool.

        The pool is made on first use in each process, so a forked worker never
        shares its parent's connections (those are left untouched).
        """
        pid = os.getpid()
        if self._pool_pid != pid:
            with self._pool_lock:
                if self._pool_pid != pid:
                    self._pool = ConnectionPool(conninfo(self.url), self.pool_size)
                    self._pool_pid = pid
        with self._pool.connection() as conn:
            yield conn

    def _read_conn(self):
        return self._conn()

    @contextmanager
    def _write(self):
        """Yield a connection inside a transaction: committed on success, rolled back on error."""
        with self._conn() as conn, conn.transaction():
            yield conn

    def close(self) -> None:
        """Close this process's connections."""
        if self._pool is not None and self._pool_pid == os.getpid():
            self._pool.close()
        self._pool = self._pool_pid = None

    def upgrade(self) -> list[int]:
        """Run the pending schema migrations; return the numbers applied."""
        with psycopg.connect(conninfo(self.url), autocommit=True) as conn:
            return migrations.upgrade(conn)

    def init(self) -> None:
        self.upgrade()

    def published_versions(self) -> dict[str, int | None]:
        with self._conn() as conn:
            rows = dict(conn.execute("SELECT kind, version FROM geoapp_published").fetchall())
        return published_map(rows)

    def read_boundaries(self, version: int | None = None, *, edition: str | None = None) -> gpd.GeoDataFrame:
        params = {"kind": edition_kind(edition), "version": _int(version)}
        with self._conn() as conn:
            rows = conn.execute(_READ_BOUNDARIES, params).fetchall()
        frame = pd.DataFrame([r[:-1] for r in rows], columns=BOUNDARY_COLUMNS, dtype="string")
        geoms = [shapely.from_wkb(r[-1]) for r in rows]
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=4326), crs=4326)

    def read_boundary_attributes(self, version: int | None = None, *, edition: str | None = None) -> pd.DataFrame:
        params = {"kind": edition_kind(edition), "version": _int(version)}
        with self._conn() as conn:
            rows = conn.execute(_READ_BOUNDARY_ATTRIBUTES, params).fetchall()
        return pd.DataFrame(rows, columns=BOUNDARY_COLUMNS, dtype="string")

    def read_band(self, band: str, version: int | None = None, *, edition: str | None = None):
        params = {"kind": edition_kind(edition), "version": _int(version), "band": band}
        with self._conn() as conn:
            rows = conn.execute(_READ_BAND, params).fetchall()
        if not rows:
            return None
        return np.array([None if wkb is None else shapely.from_wkb(wkb) for (wkb,) in rows], dtype=object)

    def read_indicators(self, version: int | None = None) -> pd.DataFrame:
        with self._conn() as conn:
            rows = conn.execute(_READ_INDICATORS, (_int(version),)).fetchall()
        frame = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
        return indicator_frame(frame) if len(frame) else frame.astype({"year": int})

    def _conflict(self, kind: str, base_version: int | None) -> Conflict:
        current = self.published_versions().get(kind)
        return Conflict("error_publish_conflict", current=current or 0, base=base_version or 0)

    @staticmethod
    def _current(conn, kind: str) -> int | None:
        row = conn.execute("SELECT version FROM geoapp_published WHERE kind = %s", (kind,)).fetchone()
        return row[0] if row else None

    def _check_base(self, conn, kind: str, base_version: int | None) -> None:
        current = self._current(conn, kind)
        if current != base_version:
            raise Conflict("error_publish_conflict", current=current or 0, base=base_version or 0)

    def _move_pointer(self, conn, kind: str, version: int, base_version: int | None) -> None:
        """Point `kind` at `version` only if it still points at `base_version`, else raise Conflict.

        A concurrent first publish makes the INSERT fail on the primary key (UniqueViolation);
        a concurrent publish over the same base leaves the guarded UPDATE no row to change.
        """
        if base_version is None:
            conn.execute("INSERT INTO geoapp_published (kind, version) VALUES (%s, %s)", (kind, version))
            return
        cursor = conn.execute(
            "UPDATE geoapp_published SET version = %s WHERE kind = %s AND version = %s",
            (version, kind, base_version),
        )
        if cursor.rowcount != 1:
            current = self._current(conn, kind)
            raise Conflict("error_publish_conflict", current=current or 0, base=base_version)

    def publish(self, kind, frame, *, author, comment, base_version, bands=None, record=None):
        check_kind(kind)
        rows = _rows(kind, frame)
        band_rows = band_rows_of(kind, rows, bands)
        try:
            with self._write() as conn:
                self._check_base(conn, kind, base_version)
                (version,) = conn.execute(
                    "SELECT COALESCE(MAX(version), 0) + 1 FROM geoapp_versions WHERE kind = %s", (kind,)
                ).fetchone()
                conn.execute(
                    "INSERT INTO geoapp_versions (kind, version, author, comment, rows) VALUES (%s, %s, %s, %s, %s)",
                    (kind, version, author, comment, len(rows)),
                )
                _insert_rows(conn, kind, version, rows)
                _insert_bands(conn, kind, version, band_rows)
                if record is not None:
                    self._insert_edition_record(conn, kind, version, record)
                self._move_pointer(conn, kind, version, base_version)
                self._log(conn, author, f"publish {kind}", f"version {version} ({len(rows)} rows)", comment)
        except psycopg.errors.UniqueViolation:
            raise self._conflict(kind, base_version) from None
        self.mark_published()
        return version

    def rollback(self, kind, version, *, author, comment, base_version):
        check_kind(kind)
        try:
            with self._write() as conn:
                self._check_base(conn, kind, base_version)
                exists = conn.execute(
                    "SELECT 1 FROM geoapp_versions WHERE kind = %s AND version = %s", (kind, _int(version))
                ).fetchone()
                if not exists:
                    raise NotFound("error_unknown_version", version=version)
                self._move_pointer(conn, kind, _int(version), base_version)
                self._log(conn, author, f"rollback {kind}", f"version {version}", comment)
        except psycopg.errors.UniqueViolation:
            raise self._conflict(kind, base_version) from None
        self.mark_published()
        return version

    def history(self, kind):
        check_kind(kind)
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT v.kind, v.version, v.author, v.created_at, v.comment, v.rows, p.version IS NOT NULL "
                "FROM geoapp_versions v LEFT JOIN geoapp_published p ON p.kind = v.kind AND p.version = v.version "
                "WHERE v.kind = %s ORDER BY v.version DESC",
                (kind,),
            ).fetchall()
        return [
            VersionInfo(k, v, author, iso(created), comment, n, published=published)
            for k, v, author, created, comment, n, published in rows
        ]

    @staticmethod
    def _log(conn, actor, action, detail, comment=""):
        conn.execute(
            "INSERT INTO geoapp_audit (actor, action, detail, comment) VALUES (%s, %s, %s, %s)",
            (actor, action, detail, comment or ""),
        )

    def log(self, actor, action, detail, comment=""):
        with self._write() as conn:
            self._log(conn, actor, action, detail, comment)

    def audit(self, limit=200):
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT at, actor, action, detail, comment FROM geoapp_audit ORDER BY id DESC LIMIT %s",
                (int(limit),),
            ).fetchall()
        return [dict(zip(("at", "actor", "action", "detail", "comment"), (iso(r[0]), *r[1:]))) for r in rows]

    def add_user(self, name, password_hash, role, *, actor):
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO geoapp_users (name, password_hash, role) VALUES (%s, %s, %s) "
                "ON CONFLICT (name) DO NOTHING",
                (name, password_hash, role),
            )
            if cursor.rowcount == 0:
                raise Conflict("error_user_exists", name=name)
            self._log(conn, actor, "add user", f"{name} ({role})")

    def get_user(self, name):
        with self._conn() as conn:
            row = conn.execute(
                "SELECT name, password_hash, role FROM geoapp_users WHERE name = %s", (name,)
            ).fetchone()
        return dict(zip(("name", "password_hash", "role"), row)) if row else None

    def list_users(self):
        with self._conn() as conn:
            rows = conn.execute("SELECT name, role, created_at FROM geoapp_users ORDER BY name COLLATE \"C\"").fetchall()
        return [{"name": name, "role": role, "created_at": iso(created)} for name, role, created in rows]

    def set_user(self, name, *, actor, role=None, password_hash=None):
        with self._write() as conn:
            if not conn.execute("SELECT 1 FROM geoapp_users WHERE name = %s FOR UPDATE", (name,)).fetchone():
                raise NotFound("error_unknown_user", name=name)
            if role is not None:
                conn.execute("UPDATE geoapp_users SET role = %s WHERE name = %s", (role, name))
                self._log(conn, actor, "change role", f"{name} -> {role}")
            if password_hash is not None:
                conn.execute("UPDATE geoapp_users SET password_hash = %s WHERE name = %s", (password_hash, name))
                self._log(conn, actor, "change password", name)

    def delete_user(self, name, *, actor):
        with self._write() as conn:
            if conn.execute("DELETE FROM geoapp_users WHERE name = %s", (name,)).rowcount == 0:
                raise NotFound("error_unknown_user", name=name)
            self._log(conn, actor, "delete user", name)

    def add_api_token(self, name, token_hash, *, actor):
        with self._write() as conn:
            (token_id,) = conn.execute(
                "INSERT INTO geoapp_api_tokens (name, token_hash) VALUES (%s, %s) RETURNING id",
                (name, token_hash),
            ).fetchone()
            self._log(conn, actor, "add api token", f"{token_id} ({name})")
        return int(token_id)

    def list_api_tokens(self):
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT id, name, created_at, revoked_at FROM geoapp_api_tokens ORDER BY id"
            ).fetchall()
        return [
            {"id": int(i), "name": name, "created_at": iso(created), "revoked_at": iso(revoked) if revoked else None}
            for i, name, created, revoked in rows
        ]

    def revoke_api_token(self, token_id, *, actor):
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE geoapp_api_tokens SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL",
                (int(token_id),),
            )
            if cursor.rowcount == 0:
                raise NotFound("error_unknown_token", id=token_id)
            self._log(conn, actor, "revoke api token", str(token_id))

    def find_api_token(self, token_hash):
        with self._conn() as conn:
            row = conn.execute(
                "SELECT id, name FROM geoapp_api_tokens WHERE token_hash = %s AND revoked_at IS NULL",
                (token_hash,),
            ).fetchone()
        return {"id": int(row[0]), "name": row[1]} if row else None


def _int(version) -> int | None:
    return None if version is None else int(version)


def _rows(kind: str, frame) -> list[tuple]:
    """Return the rows to store: text attributes (None for missing) and WKB for geometries."""
    if is_boundary_kind(kind):
        frame = boundary_frame(frame)
        attrs = frame[BOUNDARY_COLUMNS].astype(object).where(frame[BOUNDARY_COLUMNS].notna(), None)
        wkbs = [shapely.to_wkb(g, byte_order=1) for g in frame.geometry]
        return [(*a, w) for a, w in zip(attrs.itertuples(index=False, name=None), wkbs)]
    frame = indicator_frame(frame)
    frame["year"] = frame["year"].astype(int).astype(object)
    return list(frame.astype(object).itertuples(index=False, name=None))


def _insert_rows(conn, kind: str, version: int, rows: list[tuple]) -> None:
    """Insert a version's rows: boundaries with WKB parameters, indicator values by COPY."""
    if is_boundary_kind(kind):
        with conn.cursor() as cursor:
            cursor.executemany(_INSERT_BOUNDARIES, [(version, kind, *row) for row in rows])
        return
    with conn.cursor() as cursor, cursor.copy(_COPY_INDICATORS) as copy:
        for row in rows:
            copy.write_row((version, *row))


def _insert_bands(conn, kind: str, version: int, band_rows: list[tuple]) -> None:
    """Insert a version's band geometries by COPY (as hex EWKB, which PostGIS reads as geometry text)."""
    if not band_rows:
        return
    with conn.cursor() as cursor, cursor.copy(_COPY_BANDS) as copy:
        for band, position, code, geom in band_rows:
            ewkb = None if geom is None else shapely.to_wkb(shapely.set_srid(geom, 4326), hex=True, byte_order=1,
                                                             include_srid=True)
            copy.write_row((kind, version, band, position, code, ewkb))
