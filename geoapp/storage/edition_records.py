"""Editions added through the upload workflow: each boundary version of such an edition carries
its description (code, valid-from/valid-to, levels, titles, previous edition) and its weighted
crosswalk from the previous edition, as one JSON record stored with the version in the same
transaction. The same SQL on both backends (mixed into each store).

The shipped geodata/editions.yaml stays the seed; the records of the published versions are
added to it (geoapp.editions.model.Registry.with_records), so rolling an edition's layer back
also brings back the description and crosswalk it was published with.
"""

from __future__ import annotations

import json

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS geoapp_edition_records (
  kind TEXT NOT NULL, version INTEGER NOT NULL, record TEXT NOT NULL, PRIMARY KEY (kind, version))
"""

POSTGIS_SCHEMA = """
CREATE TABLE geoapp_edition_records (
  kind text NOT NULL,
  version integer NOT NULL,
  record text NOT NULL,
  PRIMARY KEY (kind, version),
  FOREIGN KEY (kind, version) REFERENCES geoapp_versions (kind, version));
"""

_PUBLISHED_RECORDS = (
    "SELECT r.kind, r.record FROM geoapp_edition_records r "
    "JOIN geoapp_published p ON p.kind = r.kind AND p.version = r.version ORDER BY r.kind"
)


class EditionRecords:
    """Edition records over the backend's `_read_conn()` and `_sql()` (see SessionTables)."""

    def _insert_edition_record(self, conn, kind: str, version: int, record: dict) -> None:
        """Store the record of a boundary version (inside the caller's publishing transaction)."""
        conn.execute(self._sql("INSERT INTO geoapp_edition_records (kind, version, record) VALUES (?, ?, ?)"),
                     (kind, int(version), json.dumps(record, ensure_ascii=False, sort_keys=True)))

    def edition_records(self) -> dict[str, dict]:
        """Return {kind: record} of every published boundary version that has a record."""
        with self._read_conn() as conn:
            rows = conn.execute(_PUBLISHED_RECORDS).fetchall()
        return {kind: json.loads(text) for kind, text in rows}

    def edition_record(self, kind: str, version: int) -> dict | None:
        """Return the record of one boundary version, or None."""
        with self._read_conn() as conn:
            row = conn.execute(self._sql("SELECT record FROM geoapp_edition_records WHERE kind = ? AND version = ?"),
                               (kind, int(version))).fetchone()
        return json.loads(row[0]) if row else None
