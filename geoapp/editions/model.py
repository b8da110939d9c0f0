"""Boundary editions: what an edition is, the registry in geodata/editions.yaml, edition-qualified unit ids."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from geoapp.errors import NotFound
from geoapp.i18n import localized

REGISTRY_FILE = "editions.yaml"
ID_SEPARATOR = ":"


@dataclass(frozen=True)
class Edition:
    """A set of administrative units valid over a period, with its own hierarchy."""

    code: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    levels: tuple[str, ...]
    titles: dict
    units_file: str
    boundaries_file: str
    previous: str | None = None  # the edition its crosswalk comes from (editions added by upload)
    uploaded: bool = False  # added by GIS staff through the upload workflow (a record in the store)

    def title(self, lang: str) -> str:
        return localized(self.titles, lang)

    @property
    def has_districts(self) -> bool:
        return "district" in self.levels

    def valid_on(self, day: dt.date) -> bool:
        """Return whether the edition's units were in force on `day`."""
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class CrosswalkFiles:
    """The crosswalk between two editions: the source rows and the built, weighted rows."""

    from_edition: str
    to_edition: str
    source: str
    weighted: str


@dataclass(frozen=True)
class Registry:
    """Every known edition and the crosswalks between them."""

    editions: dict[str, Edition]
    default: str
    crosswalks: tuple[CrosswalkFiles, ...]
    geodata_dir: Path
    stored_crosswalks: dict = field(default_factory=dict)  # {(from, to): [row dicts]} of uploaded editions

    def get(self, code: str) -> Edition:
        """Return an edition or raise NotFound."""
        try:
            return self.editions[str(code)]
        except KeyError:
            raise NotFound("error_unknown_edition", edition=str(code)) from None

    def crosswalk(self, from_edition: str, to_edition: str) -> CrosswalkFiles:
        """Return the crosswalk files from one edition to another or raise NotFound."""
        for files in self.crosswalks:
            if (files.from_edition, files.to_edition) == (str(from_edition), str(to_edition)):
                return files
        raise NotFound("error_no_crosswalk", source=str(from_edition), target=str(to_edition))

    def path(self, name: str) -> Path:
        return self.geodata_dir / name

    def links(self) -> list[tuple[str, str]]:
        """Return every (from, to) pair of editions that has a crosswalk, shipped or uploaded."""
        return [(c.from_edition, c.to_edition) for c in self.crosswalks] + list(self.stored_crosswalks)

    def chain(self, from_edition: str, to_edition: str) -> list[tuple[str, str]]:
        """Return the crosswalk steps leading from one edition to another (2021→2025→2027), or raise NotFound."""
        paths = {str(from_edition): []}
        frontier = [str(from_edition)]
        while frontier:
            here = frontier.pop(0)
            for step in self.links():
                if step[0] == here and step[1] not in paths:
                    paths[step[1]] = paths[here] + [step]
                    frontier.append(step[1])
        if str(to_edition) not in paths or str(to_edition) == str(from_edition):
            raise NotFound("error_no_crosswalk", source=str(from_edition), target=str(to_edition))
        return paths[str(to_edition)]

    def latest(self) -> Edition:
        """Return the edition in force last (the newest valid-from)."""
        return max(self.editions.values(), key=lambda e: (e.valid_from or dt.date.min, e.code))

    def with_records(self, records) -> "Registry":
        """Return this registry with the editions added by upload (store records) added to it.

        Shipped editions keep their description. A record's edition ends the period of its
        previous edition when that one is open-ended (valid until the day before).
        """
        editions, stored = dict(self.editions), dict(self.stored_crosswalks)
        for record in sorted(records, key=lambda r: (str(r.get("valid_from") or ""), str(r["code"]))):
            code = str(record["code"])
            if code in self.editions:
                continue
            edition = edition_of_record(record)
            editions[code] = edition
            previous = editions.get(edition.previous)
            if previous is not None and previous.valid_to is None and edition.valid_from is not None:
                editions[previous.code] = replace(previous, valid_to=edition.valid_from - dt.timedelta(days=1))
            stored[(edition.previous, code)] = list(record.get("crosswalk", []))
        return replace(self, editions=editions, stored_crosswalks=stored)


def edition_of_record(record: dict) -> Edition:
    """Return the Edition described by an uploaded edition's record."""
    return Edition(
        code=str(record["code"]),
        valid_from=_date(record.get("valid_from")),
        valid_to=_date(record.get("valid_to")),
        levels=tuple(record.get("levels") or ("province", "commune")),
        titles={"vi": record.get("vi") or str(record["code"]), "en": record.get("en") or str(record["code"])},
        units_file="",
        boundaries_file="",
        previous=str(record["previous"]),
        uploaded=True,
    )


def _date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def parse_registry(data: dict, geodata_dir: str | Path) -> Registry:
    """Build a Registry from the parsed editions YAML."""
    editions = {}
    for entry in data["editions"]:
        code = str(entry["code"])
        editions[code] = Edition(
            code=code,
            valid_from=_date(entry.get("valid_from")),
            valid_to=_date(entry.get("valid_to")),
            levels=tuple(entry["levels"]),
            titles={"vi": entry["vi"], "en": entry["en"]},
            units_file=entry["units"],
            boundaries_file=entry["boundaries"],
        )
    crosswalks = tuple(
        CrosswalkFiles(str(c["from"]), str(c["to"]), c["source"], c["weighted"]) for c in data.get("crosswalks", [])
    )
    for files in crosswalks:
        for code in (files.from_edition, files.to_edition):
            if code not in editions:
                raise ValueError(f"crosswalk refers to unknown edition {code!r}")
    default = str(data["default"])
    if default not in editions:
        raise ValueError(f"default edition {default!r} is not listed")
    return Registry(editions, default, crosswalks, Path(geodata_dir))


@functools.cache
def _load(geodata_dir: str, mtime: float) -> Registry:
    path = Path(geodata_dir) / REGISTRY_FILE
    return parse_registry(yaml.safe_load(path.read_text(encoding="utf-8")), geodata_dir)


def load_registry(geodata_dir: str | Path) -> Registry:
    """Read geodata/editions.yaml (cached until the file changes)."""
    path = Path(geodata_dir) / REGISTRY_FILE
    return _load(str(Path(geodata_dir)), path.stat().st_mtime)


def unit_id(edition: str, code: str) -> str:
    """Return the edition-qualified id of a unit: unit_id("2025", "06187") == "2025:06187"."""
    return f"{edition}{ID_SEPARATOR}{code}"


def parse_unit_id(text: str, default_edition: str) -> tuple[str, str]:
    """Return (edition, code) of "2025:06187"; a bare code belongs to `default_edition`."""
    text = str(text).strip()
    if ID_SEPARATOR in text:
        edition, code = text.split(ID_SEPARATOR, 1)
        return edition.strip(), code.strip()
    return default_edition, text
