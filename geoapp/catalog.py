"""The indicator catalog: what each indicator is and how it is mapped."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from geoapp.errors import NotFound
from geoapp.i18n import localized

KINDS = ("numeric", "ordinal", "categorical")

# How values are carried from one boundary edition to another (the `carry:` key).
CARRY_RULES = {
    "sum": ("numeric",),  # counts: sum of the parts, a divided part by its area share
    "ratio": ("numeric",),  # shares and rates: recomputed from carried numerator and denominator
    "lowest": ("ordinal",),  # the lowest level among the parts (the default for ordinal statuses)
    "highest": ("ordinal",),
    "share_at_or_above": ("ordinal",),  # per level, the % of the unit's area at or above it
    "any": ("categorical",),  # `value` if any part has it, else `otherwise`
    "all": ("categorical",),  # `value` if every part has it, else `otherwise`
    "none": KINDS,  # not carried; `reason` says why
}


@dataclass(frozen=True)
class CarryRule:
    """How an indicator's values are carried from one edition to another."""

    rule: str
    value: str | None = None
    otherwise: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 1.0
    reason: dict | None = None

    @property
    def carried(self) -> bool:
        return self.rule != "none"

    def reason_text(self, lang: str) -> str:
        return localized(self.reason, lang)


NOT_DECLARED = CarryRule("none", reason={
    "vi": "Danh mục chưa khai báo cách chuyển số liệu sang đơn vị hành chính mới.",
    "en": "The catalog declares no rule for carrying this indicator to other units.",
})


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
    carry: CarryRule = NOT_DECLARED

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
        carry=_carry_rule(entry, kind, categories),
    )


def _carry_rule(entry: dict, kind: str, categories: tuple[Category, ...]) -> CarryRule:
    """Parse the `carry:` key: a rule name, or a mapping with `rule` and its options."""
    spec = entry.get("carry")
    if spec is None:
        return NOT_DECLARED
    spec = {"rule": spec} if isinstance(spec, str) else dict(spec)
    rule = spec.get("rule")
    where = f"indicator {entry['id']}: carry rule {rule!r}"
    if rule not in CARRY_RULES:
        raise ValueError(f"{where} is unknown")
    if kind not in CARRY_RULES[rule]:
        raise ValueError(f"{where} does not apply to {kind} indicators")
    if rule == "ratio":
        ratio = (entry.get("derived") or {}).get("ratio") or [None, None]
        spec.setdefault("numerator", ratio[0])
        spec.setdefault("denominator", ratio[1])
        spec.setdefault("scale", (entry.get("derived") or {}).get("scale", 1))
        if not spec["numerator"] or not spec["denominator"]:
            raise ValueError(f"{where} needs a numerator and a denominator")
    if rule in ("any", "all"):
        values = {c.value for c in categories}
        if str(spec.get("value")) not in values or str(spec.get("otherwise")) not in values:
            raise ValueError(f"{where} needs `value` and `otherwise` among the categories")
    if rule == "none" and not isinstance(spec.get("reason"), dict):
        raise ValueError(f"{where} needs a reason (vi, en)")
    return CarryRule(
        rule=rule,
        value=None if spec.get("value") is None else str(spec["value"]),
        otherwise=None if spec.get("otherwise") is None else str(spec["otherwise"]),
        numerator=spec.get("numerator"),
        denominator=spec.get("denominator"),
        scale=float(spec.get("scale", 1)),
        reason=spec.get("reason"),
    )


def parse_catalog(data: dict) -> Catalog:
    """Build a Catalog from its parsed YAML."""
    indicators = {e["id"]: _indicator(e) for e in data["indicators"]}
    sources = data.get("sources", {})
    for ind in indicators.values():
        unknown = set(ind.sources) - set(sources)
        if unknown:
            raise ValueError(f"indicator {ind.id}: unknown sources {sorted(unknown)}")
        inputs = {ind.carry.numerator, ind.carry.denominator} - {None}
        if inputs - set(indicators):
            raise ValueError(f"indicator {ind.id}: carry rule refers to unknown indicators {sorted(inputs - set(indicators))}")
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
