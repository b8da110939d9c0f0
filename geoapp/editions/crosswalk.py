"""The crosswalk between two editions as typed data: change types, area shares, used or excluded rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pandas as pd

from geoapp.data.names import normalize_code

UNCHANGED, RENAMED, MERGE, SPLIT, MANY_TO_MANY = "unchanged", "renamed", "merge", "split", "many_to_many"
CHANGE_TYPES = (UNCHANGED, RENAMED, MERGE, SPLIT, MANY_TO_MANY)
USED, EXCLUDED = "used", "excluded"
WHOLE, NEAREST = "whole", "nearest"

SOURCE_COLUMNS = ["old_code", "old_name", "old_district", "new_code", "new_name", "split"]


@dataclass(frozen=True)
class CrosswalkRow:
    """One old unit (or part of it) going to one new unit.

    `share` is the fraction of the old unit's area that went to the new unit (equal-area
    projection); `method` says how the part was made (the whole old unit, or a nearest-seed
    division of a split unit); `status` is "used" or "excluded" (with `reason`) by the build.
    """

    old_code: str
    old_name: str
    old_district: str
    new_code: str
    new_name: str
    change: str
    share: float
    area_km2: float
    method: str
    status: str = USED
    reason: str = ""

    @property
    def used(self) -> bool:
        return self.status == USED

    @property
    def whole(self) -> bool:
        """True when the whole old unit went to the new unit."""
        return self.method == WHOLE


WEIGHTED_COLUMNS = [f.name for f in fields(CrosswalkRow)]


def read_source_crosswalk(path: str | Path) -> pd.DataFrame:
    """Read a crosswalk table as published (old_code, new_code, names, split); codes as text."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"old_code", "new_code"} - set(frame.columns)
    if missing:
        raise ValueError(f"crosswalk {Path(path).name}: missing columns {sorted(missing)}")
    for col in ("old_code", "new_code"):
        frame[col] = [normalize_code(c) or str(c) for c in frame[col]]
    for col in SOURCE_COLUMNS:
        if col not in frame:
            frame[col] = ""
    return frame


def is_weighted(frame: pd.DataFrame) -> bool:
    """Return whether a crosswalk table carries area shares."""
    return "share" in frame.columns


def change_types(pairs: pd.DataFrame) -> list[str]:
    """Return the change type of each (old_code, new_code) row, from the rows' fan-out and fan-in.

    One old unit to one new unit that has no other part: unchanged (same name) or renamed;
    one old unit to a new unit with other parts: merge; an old unit divided among new
    units that have no other part: split; divided, and the new unit has other parts: many_to_many.
    """
    outgoing = pairs.groupby("old_code")["new_code"].transform("nunique")
    incoming = pairs.groupby("new_code")["old_code"].transform("nunique")
    out = []
    for n_out, n_in, old_name, new_name in zip(outgoing, incoming, pairs["old_name"], pairs["new_name"]):
        if n_out == 1 and n_in == 1:
            out.append(UNCHANGED if str(old_name).strip() == str(new_name).strip() else RENAMED)
        elif n_out == 1:
            out.append(MERGE)
        elif n_in == 1:
            out.append(SPLIT)
        else:
            out.append(MANY_TO_MANY)
    return out


def rows_to_frame(rows: list[CrosswalkRow]) -> pd.DataFrame:
    """Return crosswalk rows as a table with the weighted-file columns."""
    return pd.DataFrame([asdict(r) for r in rows], columns=WEIGHTED_COLUMNS)


def write_weighted(rows: list[CrosswalkRow], path: str | Path) -> None:
    """Write the weighted crosswalk CSV (shares to 6 decimals, areas to 3)."""
    frame = rows_to_frame(rows)
    frame["share"] = frame["share"].map(lambda v: f"{v:.6f}")
    frame["area_km2"] = frame["area_km2"].map(lambda v: f"{v:.3f}")
    frame.to_csv(path, index=False, lineterminator="\n")


def read_weighted(path: str | Path) -> list[CrosswalkRow]:
    """Read a weighted crosswalk CSV written by write_weighted."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return [
        CrosswalkRow(
            old_code=r["old_code"], old_name=r["old_name"], old_district=r["old_district"],
            new_code=r["new_code"], new_name=r["new_name"], change=r["change"],
            share=float(r["share"]), area_km2=float(r["area_km2"]), method=r["method"],
            status=r["status"], reason=r["reason"],
        )
        for _, r in frame.iterrows()
    ]


@dataclass(frozen=True)
class Crosswalk:
    """The used rows of a weighted crosswalk, with lookups both ways."""

    from_edition: str
    to_edition: str
    rows: tuple[CrosswalkRow, ...]

    @property
    def used(self) -> list[CrosswalkRow]:
        return [r for r in self.rows if r.used]

    def parts_of(self, new_code: str) -> list[CrosswalkRow]:
        """Return the used rows that make up a new unit (its predecessors)."""
        return [r for r in self.used if r.new_code == new_code]

    def successors_of(self, old_code: str) -> list[CrosswalkRow]:
        """Return the used rows an old unit went to."""
        return [r for r in self.used if r.old_code == old_code]

    def new_codes(self) -> list[str]:
        return sorted({r.new_code for r in self.used})

    def old_codes(self) -> list[str]:
        return sorted({r.old_code for r in self.used})

    def to_frame(self) -> pd.DataFrame:
        return rows_to_frame(list(self.rows))


COMPOSED = "composed"  # method of a row made by following two crosswalks (2021→2025→2027)
WHOLE_TOLERANCE = 1e-6


def rows_from_dicts(rows: list[dict]) -> tuple[CrosswalkRow, ...]:
    """Return crosswalk rows from their stored form (an uploaded edition's record)."""
    return tuple(CrosswalkRow(**{**r, "share": float(r["share"]), "area_km2": float(r["area_km2"])}) for r in rows)


def compose(first: Crosswalk, second: Crosswalk) -> Crosswalk:
    """Return the crosswalk from `first`'s old edition to `second`'s new edition.

    An old unit's share of a new unit is the sum, over the middle units, of its share of the
    middle unit times the middle unit's share of the new unit (each middle part is assumed
    spread over its unit by area). A row is "whole" when the old unit goes entirely to one
    new unit; otherwise its method is "composed" (an estimate, like a divided unit).
    """
    totals: dict[tuple[str, str], list] = {}
    for a in first.used:
        for b in second.successors_of(a.new_code):
            entry = totals.setdefault((a.old_code, b.new_code), [a, b, 0.0, 0.0])
            entry[2] += a.share * b.share
            entry[3] += a.area_km2 * b.share
    targets: dict[str, int] = {}
    for old, _ in totals:
        targets[old] = targets.get(old, 0) + 1
    pairs = pd.DataFrame([{"old_code": o, "new_code": n, "old_name": e[0].old_name, "new_name": e[1].new_name}
                          for (o, n), e in totals.items()], columns=["old_code", "new_code", "old_name", "new_name"])
    kinds = change_types(pairs) if len(pairs) else []
    rows = []
    for ((old, new), (a, b, share, km2)), change in zip(totals.items(), kinds):
        whole = targets[old] == 1 and abs(share - 1) <= WHOLE_TOLERANCE
        rows.append(CrosswalkRow(old_code=old, old_name=a.old_name, old_district=a.old_district, new_code=new,
                                 new_name=b.new_name, change=change, share=1.0 if whole else share,
                                 area_km2=km2, method=WHOLE if whole else COMPOSED))
    return Crosswalk(first.from_edition, second.to_edition, tuple(rows))
