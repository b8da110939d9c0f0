"""Boundary editions: what an edition is, the registry in geodata/editions.yaml, edition-qualified unit ids."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
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
