"""Joins that know the boundary edition: choose the edition a table is keyed by, and say why.

Codes are unique only within an edition, so a table is never joined by guess. The rule:
1. an edition named by the caller is used as is;
2. a table with a name column goes to the edition whose unit names agree with more rows
   (a code whose name disagrees counts against that edition; a name matched without a
   code counts for it); a tie refuses;
3. a table with codes only goes to the one edition where every code exists; when the codes
   fit several editions the join refuses and asks for the edition.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geoapp.data.join import JoinResult, MatchReport, detect_columns, join, resolve
from geoapp.data.names import normalize_name
from geoapp.errors import Invalid


@dataclass(frozen=True)
class EditionScore:
    """How well a table's rows fit one edition's units."""

    edition: str
    matched: int
    names_agree: int
    names_disagree: int
    unmatched: int

    @property
    def name_score(self) -> int:
        return self.names_agree - self.names_disagree


def score_edition(table: pd.DataFrame, edition: str, units: pd.DataFrame, **explicit) -> EditionScore:
    """Return how many rows match the edition, and how many of them agree on the unit name."""
    columns = detect_columns(table, **explicit)
    matched, report = resolve(table, units, **explicit)
    agree = len(report.by_name) + len(report.fuzzy)
    disagree = 0
    if columns["name"]:
        names = dict(zip(units["commune_code"], units["commune_name"]))
        for entry in report.by_code:
            if not entry["name"]:
                continue
            if normalize_name(entry["name"]) == normalize_name(names[entry["matched_code"]]):
                agree += 1
            else:
                disagree += 1
    return EditionScore(edition, len(matched), agree, disagree, len(report.unmatched))


def choose_edition(table: pd.DataFrame, editions: dict[str, pd.DataFrame], *, edition: str | None = None,
                   **explicit) -> tuple[str, dict]:
    """Return (edition, reason) for a table; raise Invalid when the table fits several editions equally.

    `editions` maps edition codes to their units (commune_code, commune_name, district columns).
    """
    if edition is not None:
        if edition not in editions:
            raise Invalid("error_unknown_edition", edition=edition)
        return edition, {"key": "edition_requested", "edition": edition}
    scores = {code: score_edition(table, code, units, **explicit) for code, units in editions.items()}
    has_names = detect_columns(table, **explicit)["name"] is not None
    if has_names:
        ranked = sorted(scores.values(), key=lambda s: (s.name_score, s.matched), reverse=True)
        best, runner = ranked[0], ranked[1] if len(ranked) > 1 else None
        if runner is None or best.name_score > runner.name_score:
            return best.edition, {"key": "edition_by_names", "edition": best.edition, "agree": best.names_agree,
                                  "rows": len(table), "other": runner.edition if runner else "",
                                  "other_agree": runner.names_agree if runner else 0}
    fitting = [s.edition for s in scores.values() if s.matched and s.unmatched == 0]
    if len(fitting) == 1:
        return fitting[0], {"key": "edition_by_codes", "edition": fitting[0]}
    raise Invalid("error_edition_ambiguous", editions=", ".join(sorted(fitting or scores)))


def resolve_in_edition(table: pd.DataFrame, editions: dict[str, pd.DataFrame], *, edition: str | None = None,
                       district: str | None = None, **explicit) -> tuple[str, pd.DataFrame, MatchReport]:
    """Choose the edition, then match the rows to its units; the report names the edition and why."""
    chosen, reason = choose_edition(table, editions, edition=edition, **explicit)
    matched, report = resolve(table, editions[chosen], district=district, **explicit)
    report.edition, report.edition_reason = chosen, reason
    return chosen, matched, report


def join_in_edition(boundaries: dict[str, gpd.GeoDataFrame], table: pd.DataFrame, *, edition: str | None = None,
                    district: str | None = None, **explicit) -> JoinResult:
    """Join a table onto the boundaries of the edition it is keyed by (see choose_edition)."""
    chosen, reason = choose_edition(table, boundaries, edition=edition, **explicit)
    result = join(boundaries[chosen], table, district=district, **explicit)
    result.report.edition, result.report.edition_reason = chosen, reason
    return result


def reason_text(reason: dict, lang: str = "en") -> str:
    """Return the match report's edition reason as a sentence."""
    from geoapp.i18n import translate

    params = {k: v for k, v in reason.items() if k != "key"}
    return translate(reason["key"], lang, **params)
