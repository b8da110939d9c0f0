"""GeoPackage backend: one SQLite file, every version kept, publish in one transaction."""

from __future__ import annotations

import sqlite3
import struct
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoapp.errors import Conflict, NotFound
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
from geoapp.storage.edition_records import SQLITE_SCHEMA as EDITION_RECORD_SCHEMA
from geoapp.storage.edition_records import EditionRecords
from geoapp.storage.sessions import SQLITE_SCHEMA as SESSION_SCHEMA
from geoapp.storage.sessions import SessionTables
from geoapp.util import connect_sqlite, create_private_file, restrict_to_owner

_GPKG_APPLICATION_ID = 0x47504B47
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL),
  ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]', NULL);
CREATE TABLE IF NOT EXISTS gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));
CREATE TABLE IF NOT EXISTS boundaries (
  fid INTEGER PRIMARY KEY AUTOINCREMENT, version INTEGER NOT NULL,
  {", ".join(f'"{c}" TEXT' for c in BOUNDARY_COLUMNS)}, geom GEOMETRY);
CREATE INDEX IF NOT EXISTS boundaries_version ON boundaries(version);
CREATE TABLE IF NOT EXISTS indicator_values (
  fid INTEGER PRIMARY KEY AUTOINCREMENT, version INTEGER NOT NULL,
  commune_code TEXT, indicator TEXT, year INTEGER, value TEXT, status TEXT, source TEXT, note TEXT);
CREATE INDEX IF NOT EXISTS indicator_values_version ON indicator_values(version);
INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id, min_x, min_y, max_x, max_y)
  VALUES ('boundaries', 'features', 'boundaries', 'commune boundaries, every version', 4326, 102.0, 8.0, 110.0, 24.0),
         ('indicator_values', 'attributes', 'indicator_values', 'indicator tables, every version', 0, NULL, NULL, NULL, NULL);
INSERT OR IGNORE INTO gpkg_geometry_columns VALUES ('boundaries', 'geom', 'GEOMETRY', 4326, 0, 0);
CREATE TABLE IF NOT EXISTS geoapp_versions (
  kind TEXT NOT NULL, version INTEGER NOT NULL, author TEXT NOT NULL, created_at TEXT NOT NULL,
  comment TEXT NOT NULL DEFAULT '', rows INTEGER NOT NULL, PRIMARY KEY (kind, version));
CREATE TABLE IF NOT EXISTS geoapp_published (kind TEXT PRIMARY KEY, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS geoapp_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,
  action TEXT NOT NULL, detail TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS geoapp_users (
  name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL, created_at TEXT NOT NULL);
"""

_MIGRATION_RECORD = """
CREATE TABLE IF NOT EXISTS geoapp_schema_migrations (
  version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)
"""


def _boundary_editions(conn: sqlite3.Connection) -> None:
    """Give every boundary row the kind it belongs to ("boundaries" or "boundaries:<edition>")."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(boundaries)")}
    if "kind" not in columns:
        conn.execute("ALTER TABLE boundaries ADD COLUMN kind TEXT NOT NULL DEFAULT 'boundaries'")
    conn.execute("CREATE INDEX IF NOT EXISTS boundaries_kind_version ON boundaries(kind, version)")


def _login_sessions(conn: sqlite3.Connection) -> None:
    """Create the login-session and failed-login tables (statement by statement, inside the caller's transaction)."""
    for statement in SESSION_SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def _api_tokens(conn: sqlite3.Connection) -> None:
    """Personal API tokens: only the SHA-256 digest of each token is kept."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS geoapp_api_tokens ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,"
        " created_at TEXT NOT NULL, revoked_at TEXT)"
    )


def _boundary_bands(conn: sqlite3.Connection) -> None:
    """Boundary geometry simplified per detail band, stored with each published version (a features table)."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS boundary_bands ("
        " fid INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, version INTEGER NOT NULL, band TEXT NOT NULL,"
        " position INTEGER NOT NULL, commune_code TEXT, geom GEOMETRY)"
    )
    conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS boundary_bands_key ON boundary_bands(kind, version, band, position)")
    conn.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id,"
        " min_x, min_y, max_x, max_y) VALUES ('boundary_bands', 'features', 'boundary_bands',"
        " 'commune boundaries simplified per detail band, every version', 4326, 102.0, 8.0, 110.0, 24.0)"
    )
    conn.execute("INSERT OR IGNORE INTO gpkg_geometry_columns VALUES ('boundary_bands', 'geom', 'GEOMETRY', 4326, 0, 0)")


def _edition_records(conn: sqlite3.Connection) -> None:
    """Editions added by upload: the description and crosswalk of each of their boundary versions."""
    conn.execute(EDITION_RECORD_SCHEMA)


# Numbered schema changes after the base schema, recorded in geoapp_schema_migrations;
# the numbers follow the PostGIS migrations of the same change.
MIGRATIONS = (
    (2, "boundary editions: kind of each boundary row", _boundary_editions),
    (3, "personal API tokens (SHA-256 digests only)", _api_tokens),
    (4, "login sessions and failed-login counters", _login_sessions),
    (5, "boundary geometry per detail band, stored at publishing", _boundary_bands),
    (6, "uploaded boundary editions: description and crosswalk of each version", _edition_records),
)


def _table(kind: str) -> str:
    return "boundaries" if is_boundary_kind(kind) else "indicator_values"


def now() -> str:
    """Return the current UTC time as ISO 8601 text."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def to_gpkg_blob(geom) -> bytes:
    """Encode a shapely geometry as a GeoPackage geometry blob (no envelope)."""
    return b"GP\x00\x01" + struct.pack("<i", 4326) + shapely.to_wkb(geom, byte_order=1)


def _blob_or_null(geom) -> bytes | None:
    return None if geom is None else to_gpkg_blob(geom)


def from_gpkg_blob(blob: bytes):
    """Decode a GeoPackage geometry blob."""
    flags = blob[3]
    offset = 8 + _ENVELOPE_BYTES[(flags >> 1) & 0x07]
    return shapely.from_wkb(bytes(blob[offset:]))


class GeoPackageStore(EditionRecords, SessionTables, Store):
    """Store in a GeoPackage file; publishing is one SQLite write transaction."""

    PARAM = "?"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"GeoPackageStore({str(self.path)!r})"

    def _connect(self) -> sqlite3.Connection:
        conn = connect_sqlite(self.path)
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    @contextmanager
    def _read(self):
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()

    def _read_conn(self):
        return self._read()

    @contextmanager
    def _write(self):
        """Yield a connection inside BEGIN IMMEDIATE; commit on success, roll back on error."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def init(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        create_private_file(self.path)  # SQLite gives the -wal and -shm files the same mode
        for path in (self.path, self.path.with_name(self.path.name + "-wal"), self.path.with_name(self.path.name + "-shm")):
            restrict_to_owner(path)
        conn = self._connect()
        try:
            conn.execute(f"PRAGMA application_id={_GPKG_APPLICATION_ID}")
            conn.execute("PRAGMA user_version=10400")
            conn.executescript(_SCHEMA)
            conn.execute(_MIGRATION_RECORD)
        finally:
            conn.close()
        self.upgrade()

    def upgrade(self) -> list[int]:
        """Apply the pending numbered schema changes, each in its own write transaction."""
        done = []
        for number, name, apply in MIGRATIONS:
            with self._write() as conn:
                if conn.execute("SELECT 1 FROM geoapp_schema_migrations WHERE version = ?", (number,)).fetchone():
                    continue
                apply(conn)
                conn.execute("INSERT INTO geoapp_schema_migrations VALUES (?, ?, ?)", (number, name, now()))
                done.append(number)
        return done

    def published_versions(self) -> dict[str, int | None]:
        with self._read() as conn:
            rows = dict(conn.execute("SELECT kind, version FROM geoapp_published").fetchall())
        return published_map(rows)

    def _version_or_published(self, conn, kind: str, version: int | None) -> int | None:
        if version is not None:
            return version
        row = conn.execute("SELECT version FROM geoapp_published WHERE kind = ?", (kind,)).fetchone()
        return row[0] if row else None

    def read_boundaries(self, version: int | None = None, *, edition: str | None = None) -> gpd.GeoDataFrame:
        rows = self._boundary_rows(version, edition, ", geom")
        frame = pd.DataFrame([r[:-1] for r in rows], columns=BOUNDARY_COLUMNS, dtype="string")
        geoms = [from_gpkg_blob(r[-1]) for r in rows]
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=4326), crs=4326)

    def read_boundary_attributes(self, version: int | None = None, *, edition: str | None = None) -> pd.DataFrame:
        return pd.DataFrame(self._boundary_rows(version, edition, ""), columns=BOUNDARY_COLUMNS, dtype="string")

    def _boundary_rows(self, version: int | None, edition: str | None, geometry: str) -> list[tuple]:
        """Return the attribute rows of a boundary version, each followed by `geometry` (", geom" or "")."""
        cols = ", ".join(f'"{c}"' for c in BOUNDARY_COLUMNS)
        kind = edition_kind(edition)
        with self._read() as conn:
            version = self._version_or_published(conn, kind, version)
            return conn.execute(
                f"SELECT {cols}{geometry} FROM boundaries WHERE kind = ? AND version = ? ORDER BY fid", (kind, version)
            ).fetchall()

    def read_band(self, band: str, version: int | None = None, *, edition: str | None = None):
        kind = edition_kind(edition)
        with self._read() as conn:
            version = self._version_or_published(conn, kind, version)
            rows = conn.execute(
                "SELECT geom FROM boundary_bands WHERE kind = ? AND version = ? AND band = ? ORDER BY position",
                (kind, version, band),
            ).fetchall()
        if not rows:
            return None
        return np.array([None if blob is None else from_gpkg_blob(blob) for (blob,) in rows], dtype=object)

    def read_indicators(self, version: int | None = None) -> pd.DataFrame:
        cols = ", ".join(INDICATOR_COLUMNS)
        with self._read() as conn:
            version = self._version_or_published(conn, "indicators", version)
            rows = conn.execute(
                f"SELECT {cols} FROM indicator_values WHERE version = ? ORDER BY fid", (version,)
            ).fetchall()
        frame = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
        return indicator_frame(frame) if len(frame) else frame.astype({"year": int})

    def _check_base(self, conn, kind: str, base_version: int | None) -> None:
        current = self._version_or_published(conn, kind, None)
        if current != base_version:
            raise Conflict("error_publish_conflict", current=current or 0, base=base_version or 0)

    def publish(self, kind, frame, *, author, comment, base_version, bands=None, record=None):
        check_kind(kind)
        rows = self._rows(kind, frame)
        band_rows = band_rows_of(kind, rows, bands)
        with self._write() as conn:
            self._check_base(conn, kind, base_version)
            (last,) = conn.execute(
                "SELECT COALESCE(MAX(version), 0) FROM geoapp_versions WHERE kind = ?", (kind,)
            ).fetchone()
            version = last + 1
            table = _table(kind)
            prefix = (version, kind) if is_boundary_kind(kind) else (version,)
            placeholders = ", ".join("?" * (len(rows[0]) + len(prefix))) if rows else ""
            if rows:
                conn.executemany(
                    f"INSERT INTO {table} ({self._insert_columns(kind)}) VALUES ({placeholders})",
                    [(*prefix, *row) for row in rows],
                )
            conn.executemany(
                "INSERT INTO boundary_bands (kind, version, band, position, commune_code, geom) VALUES (?, ?, ?, ?, ?, ?)",
                [(kind, version, band, position, code, _blob_or_null(geom)) for band, position, code, geom in band_rows],
            )
            conn.execute(
                "INSERT INTO geoapp_versions VALUES (?, ?, ?, ?, ?, ?)",
                (kind, version, author, now(), comment, len(rows)),
            )
            if record is not None:
                self._insert_edition_record(conn, kind, version, record)
            self._set_published(conn, kind, version)
            self._log(conn, author, f"publish {kind}", f"version {version} ({len(rows)} rows)", comment)
        self.mark_published()
        return version

    @staticmethod
    def _insert_columns(kind: str) -> str:
        if is_boundary_kind(kind):
            return ", ".join(["version", "kind"] + [f'"{c}"' for c in BOUNDARY_COLUMNS + ["geom"]])
        return ", ".join(["version"] + [f'"{c}"' for c in INDICATOR_COLUMNS])

    @staticmethod
    def _rows(kind: str, frame) -> list[tuple]:
        if is_boundary_kind(kind):
            frame = boundary_frame(frame)
            attrs = frame[BOUNDARY_COLUMNS].astype(object).where(frame[BOUNDARY_COLUMNS].notna(), None)
            blobs = [to_gpkg_blob(g) for g in frame.geometry]
            return [(*a, b) for a, b in zip(attrs.itertuples(index=False, name=None), blobs)]
        frame = indicator_frame(frame)
        frame["year"] = frame["year"].astype(int).astype(object)
        return list(frame.astype(object).itertuples(index=False, name=None))

    @staticmethod
    def _set_published(conn, kind: str, version: int) -> None:
        conn.execute(
            "INSERT INTO geoapp_published (kind, version) VALUES (?, ?) "
            "ON CONFLICT(kind) DO UPDATE SET version = excluded.version",
            (kind, version),
        )

    def rollback(self, kind, version, *, author, comment, base_version):
        check_kind(kind)
        with self._write() as conn:
            self._check_base(conn, kind, base_version)
            exists = conn.execute(
                "SELECT 1 FROM geoapp_versions WHERE kind = ? AND version = ?", (kind, version)
            ).fetchone()
            if not exists:
                raise NotFound("error_unknown_version", version=version)
            self._set_published(conn, kind, version)
            self._log(conn, author, f"rollback {kind}", f"version {version}", comment)
        self.mark_published()
        return version

    def history(self, kind):
        check_kind(kind)
        with self._read() as conn:
            current = self._version_or_published(conn, kind, None)
            rows = conn.execute(
                "SELECT kind, version, author, created_at, comment, rows FROM geoapp_versions "
                "WHERE kind = ? ORDER BY version DESC",
                (kind,),
            ).fetchall()
        return [VersionInfo(*row, published=row[1] == current) for row in rows]

    @staticmethod
    def _log(conn, actor, action, detail, comment=""):
        conn.execute(
            "INSERT INTO geoapp_audit (at, actor, action, detail, comment) VALUES (?, ?, ?, ?, ?)",
            (now(), actor, action, detail, comment or ""),
        )

    def log(self, actor, action, detail, comment=""):
        with self._write() as conn:
            self._log(conn, actor, action, detail, comment)

    def audit(self, limit=200):
        with self._read() as conn:
            rows = conn.execute(
                "SELECT at, actor, action, detail, comment FROM geoapp_audit ORDER BY id DESC LIMIT ?",
                (int(limit),),
            ).fetchall()
        return [dict(zip(("at", "actor", "action", "detail", "comment"), r)) for r in rows]

    def add_user(self, name, password_hash, role, *, actor):
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM geoapp_users WHERE name = ?", (name,)).fetchone():
                raise Conflict("error_user_exists", name=name)
            conn.execute("INSERT INTO geoapp_users VALUES (?, ?, ?, ?)", (name, password_hash, role, now()))
            self._log(conn, actor, "add user", f"{name} ({role})")

    def get_user(self, name):
        with self._read() as conn:
            row = conn.execute(
                "SELECT name, password_hash, role FROM geoapp_users WHERE name = ?", (name,)
            ).fetchone()
        return dict(zip(("name", "password_hash", "role"), row)) if row else None

    def list_users(self):
        with self._read() as conn:
            rows = conn.execute("SELECT name, role, created_at FROM geoapp_users ORDER BY name").fetchall()
        return [dict(zip(("name", "role", "created_at"), r)) for r in rows]

    def set_user(self, name, *, actor, role=None, password_hash=None):
        with self._write() as conn:
            if not conn.execute("SELECT 1 FROM geoapp_users WHERE name = ?", (name,)).fetchone():
                raise NotFound("error_unknown_user", name=name)
            if role is not None:
                conn.execute("UPDATE geoapp_users SET role = ? WHERE name = ?", (role, name))
                self._log(conn, actor, "change role", f"{name} -> {role}")
            if password_hash is not None:
                conn.execute("UPDATE geoapp_users SET password_hash = ? WHERE name = ?", (password_hash, name))
                self._log(conn, actor, "change password", name)

    def delete_user(self, name, *, actor):
        with self._write() as conn:
            if conn.execute("DELETE FROM geoapp_users WHERE name = ?", (name,)).rowcount == 0:
                raise NotFound("error_unknown_user", name=name)
            self._log(conn, actor, "delete user", name)

    def add_api_token(self, name, token_hash, *, actor):
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO geoapp_api_tokens (name, token_hash, created_at) VALUES (?, ?, ?)",
                (name, token_hash, now()),
            )
            token_id = cursor.lastrowid
            self._log(conn, actor, "add api token", f"{token_id} ({name})")
        return token_id

    def list_api_tokens(self):
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, name, created_at, revoked_at FROM geoapp_api_tokens ORDER BY id"
            ).fetchall()
        return [dict(zip(("id", "name", "created_at", "revoked_at"), r)) for r in rows]

    def revoke_api_token(self, token_id, *, actor):
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE geoapp_api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (now(), int(token_id)),
            )
            if cursor.rowcount == 0:
                raise NotFound("error_unknown_token", id=token_id)
            self._log(conn, actor, "revoke api token", str(token_id))

    def find_api_token(self, token_hash):
        with self._read() as conn:
            row = conn.execute(
                "SELECT id, name FROM geoapp_api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
                (token_hash,),
            ).fetchone()
        return {"id": row[0], "name": row[1]} if row else None
