"""Numbered schema migrations of the PostGIS backend, recorded in geoapp_schema_migrations."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from geoapp.storage.edition_records import POSTGIS_SCHEMA as POSTGIS_EDITION_RECORD_SCHEMA
from geoapp.storage.sessions import POSTGIS_SCHEMA as POSTGIS_SESSION_SCHEMA

# Key of the transaction-level advisory lock that serialises concurrent upgrades.
LOCK_KEY = 0x67656F617070  # "geoapp"

_RECORD_TABLE = """
CREATE TABLE IF NOT EXISTS geoapp_schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now())
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "versions, published pointers, boundaries, indicator values, audit, users",
        """
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE TABLE geoapp_versions (
  kind text NOT NULL CHECK (kind IN ('boundaries', 'indicators')),
  version integer NOT NULL CHECK (version > 0),
  author text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  comment text NOT NULL DEFAULT '',
  rows integer NOT NULL,
  PRIMARY KEY (kind, version));
CREATE TABLE geoapp_published (
  kind text PRIMARY KEY,
  version integer NOT NULL,
  FOREIGN KEY (kind, version) REFERENCES geoapp_versions (kind, version));
CREATE TABLE geoapp_boundaries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL DEFAULT 'boundaries' CHECK (kind = 'boundaries'),
  version integer NOT NULL,
  commune_code text, commune_name text, commune_type text, district_code text,
  district_name text, province_code text, province_name text, boundary_quality text,
  geom geometry(Geometry, 4326),
  FOREIGN KEY (kind, version) REFERENCES geoapp_versions (kind, version));
CREATE INDEX geoapp_boundaries_version ON geoapp_boundaries (version);
CREATE INDEX geoapp_boundaries_geom ON geoapp_boundaries USING gist (geom);
CREATE TABLE geoapp_indicator_values (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL DEFAULT 'indicators' CHECK (kind = 'indicators'),
  version integer NOT NULL,
  commune_code text, indicator text, year integer, value text, status text, source text, note text,
  FOREIGN KEY (kind, version) REFERENCES geoapp_versions (kind, version));
CREATE INDEX geoapp_indicator_values_version ON geoapp_indicator_values (version);
CREATE TABLE geoapp_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  detail text NOT NULL,
  comment text NOT NULL DEFAULT '');
CREATE TABLE geoapp_users (
  name text PRIMARY KEY,
  password_hash text NOT NULL,
  role text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
""",
    ),
    Migration(
        2,
        "boundary editions: boundaries:<edition> kinds with their own versions",
        """
ALTER TABLE geoapp_versions DROP CONSTRAINT IF EXISTS geoapp_versions_kind_check;
ALTER TABLE geoapp_versions ADD CONSTRAINT geoapp_versions_kind_check
  CHECK (kind IN ('boundaries', 'indicators') OR kind ~ '^boundaries:[A-Za-z0-9_-]{1,20}$');
ALTER TABLE geoapp_boundaries DROP CONSTRAINT IF EXISTS geoapp_boundaries_kind_check;
ALTER TABLE geoapp_boundaries ADD CONSTRAINT geoapp_boundaries_kind_check
  CHECK (kind = 'boundaries' OR kind ~ '^boundaries:[A-Za-z0-9_-]{1,20}$');
CREATE INDEX geoapp_boundaries_kind_version ON geoapp_boundaries (kind, version);
""",
    ),
    Migration(
        3,
        "personal API tokens (SHA-256 digests only)",
        """
CREATE TABLE geoapp_api_tokens (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz);
""",
    ),
    Migration(4, "login sessions and failed-login counters", POSTGIS_SESSION_SCHEMA),
    Migration(
        5,
        "boundary geometry per detail band, stored at publishing",
        """
CREATE TABLE geoapp_boundary_bands (
  kind text NOT NULL,
  version integer NOT NULL,
  band text NOT NULL,
  position integer NOT NULL,
  commune_code text,
  geom geometry(Geometry, 4326),
  PRIMARY KEY (kind, version, band, position),
  FOREIGN KEY (kind, version) REFERENCES geoapp_versions (kind, version));
""",
    ),
    Migration(6, "uploaded boundary editions: description and crosswalk of each version",
              POSTGIS_EDITION_RECORD_SCHEMA),
)


def applied(conn: psycopg.Connection) -> list[int]:
    """Return the numbers of the migrations recorded in the database."""
    exists = conn.execute("SELECT to_regclass('geoapp_schema_migrations') IS NOT NULL").fetchone()[0]
    if not exists:
        return []
    return [row[0] for row in conn.execute("SELECT version FROM geoapp_schema_migrations ORDER BY version")]


def upgrade(conn: psycopg.Connection) -> list[int]:
    """Apply the pending migrations, each in its own locked transaction; return those applied.

    `conn` must be in autocommit mode so that each `transaction()` is a real transaction.
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        conn.execute(_RECORD_TABLE)
    done = []
    for migration in MIGRATIONS:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            recorded = conn.execute(
                "SELECT 1 FROM geoapp_schema_migrations WHERE version = %s", (migration.version,)
            ).fetchone()
            if recorded:
                continue
            conn.execute(migration.sql)
            conn.execute(
                "INSERT INTO geoapp_schema_migrations (version, name) VALUES (%s, %s)",
                (migration.version, migration.name),
            )
            done.append(migration.version)
    return done
