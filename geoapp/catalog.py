"""The indicator catalog: what each indicator is and how it is mapped."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from geoapp.errors import NotFound
from geoapp.i18n import localized

KINDS = ("numeric", "ordinal", "categorical")


@dataclass(frozen=True)
class Category:
    value: str
    titles: dict
    color: str

    def title(self, lang: str) -> str:
        return localized(self.titles, lang)


@dataclass(frozen=True)
class Indicator:
    id: str
    program: str
    scope: str
    kind: str
    titles: dict
    unit: dict | None = None
    years: tuple[int, ...] = ()
    scheme: str = "quantiles"
    k: int = 5
    palette: str = "YlGnBu"
    categories: tuple[Category, ...] = ()
    derived: dict | None = None
    format: str | None = None
    sources: tuple[str, ...] = ()

    def title(self, lang: str) -> str:
        return localized(self.titles, lang)

    def unit_label(self, lang: str) -> str:
        return localized(self.unit, lang)

    @property
    def is_numeric(self) -> bool:
        return self.kind == "numeric"

    def category(self, value: str) -> Category | None:
        return next((c for c in self.categories if c.value == value), None)


@dataclass(frozen=True)
class Catalog:
    indicators: dict[str, Indicator]
    programs: dict[str, dict]
    sources: dict[str, dict] = field(default_factory=dict)

    def get(self, indicator_id: str) -> Indicator:
        """Return an indicator or raise NotFound."""
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise NotFound("error_unknown_indicator", indicator=indicator_id) from None

    def by_program(self, scope: str = "commune") -> dict[str, list[Indicator]]:
        """Return the indicators of `scope` grouped by program, in catalog order."""
        groups: dict[str, list[Indicator]] = {}
        for ind in self.indicators.values():
            if ind.scope == scope:
                groups.setdefault(ind.program, []).append(ind)
        return groups


def _indicator(entry: dict) -> Indicator:
    kind = entry["kind"]
    if kind not in KINDS:
        raise ValueError(f"indicator {entry['id']}: unknown kind {kind!r}")
    categories = tuple(
        Category(str(c["value"]), {"vi": c["vi"], "en": c["en"]}, c["color"])
        for c in entry.get("categories", [])
    )
    if kind != "numeric" and not categories:
        raise ValueError(f"indicator {entry['id']}: {kind} needs categories")
    return Indicator(
        id=entry["id"],
        program=entry["program"],
        scope=entry.get("scope", "commune"),
        kind=kind,
        titles={"vi": entry["vi"], "en": entry["en"]},
        unit=entry.get("unit"),
        years=tuple(int(y) for y in entry.get("years", [])),
        scheme=entry.get("scheme", "quantiles"),
        k=int(entry.get("k", 5)),
        palette=entry.get("palette", "YlGnBu"),
        categories=categories,
        derived=entry.get("derived"),
        format=entry.get("format"),
        sources=tuple(entry.get("sources", [])),
    )


def parse_catalog(data: dict) -> Catalog:
    """Build a Catalog from its parsed YAML."""
    indicators = {e["id"]: _indicator(e) for e in data["indicators"]}
    sources = data.get("sources", {})
    for ind in indicators.values():
        unknown = set(ind.sources) - set(sources)
        if unknown:
            raise ValueError(f"indicator {ind.id}: unknown sources {sorted(unknown)}")
    return Catalog(indicators, data.get("programs", {}), sources)


@functools.cache
def _load(path: str, mtime: float) -> Catalog:
    return parse_catalog(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def catalog_path(geodata_dir: str | Path) -> Path:
    """Return the catalog file of a data directory (the GEODATA_DIR setting)."""
    return Path(geodata_dir) / "catalog.yaml"


def load_catalog(path: str | Path) -> Catalog:
    """Read the catalog YAML at `path` (cached until the file changes)."""
    path = Path(path)
    return _load(str(path), path.stat().st_mtime)
