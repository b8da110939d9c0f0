"""The outcome of an upload check: issues, limits, the result, and helpers both checks share."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geoapp.ingest import archive, geometry as validate
from geoapp.ingest import encodings as legacy_encoding
from geoapp.errors import Invalid
from geoapp.i18n import format_number, localized, translate

ERROR, WARNING, INFO = "error", "warning", "info"
MAX_LISTED = 20


@dataclass
class Issue:
    """One finding of a check, named by a message key with its parameters."""

    level: str
    key: str
    params: dict = field(default_factory=dict)

    def message(self, lang: str) -> str:
        """Return the message in `lang`."""
        return translate(self.key, lang, **{k: _param_text(v, lang) for k, v in self.params.items()})

    def to_dict(self, lang="en") -> dict:
        """Return the issue as JSON-safe data with its message."""
        return {"level": self.level, "key": self.key, "message": self.message(lang), "params": jsonable(self.params)}


@dataclass
class Limits:
    """Caps on uploads."""

    max_bytes: int = 50 * 1024 * 1024
    max_uncompressed: int = 200 * 1024 * 1024
    max_members: int = 50
    max_ratio: float = 100.0
    max_json_depth: int = 64
    max_features: int = 100_000
    max_area_change_pct: float = 1.0


@dataclass
class Check:
    """The result of a dry run: the frame to publish (None on errors), the issues and the report.

    `layer` is the frame as read and checked, kept on errors too (for the report's map preview).
    """

    kind: str
    frame: object | None
    issues: list[Issue]
    report: dict
    layer: object | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == WARNING]

    @property
    def infos(self) -> list[Issue]:
        return [i for i in self.issues if i.level == INFO]

    def to_dict(self, lang="en") -> dict:
        """Return the check as JSON-safe data."""
        return {
            "kind": self.kind,
            "ok": self.ok,
            "errors": [i.to_dict(lang) for i in self.errors],
            "warnings": [i.to_dict(lang) for i in self.warnings],
            "info": [i.to_dict(lang) for i in self.infos],
            "report": jsonable(self.report),
        }


def _param_text(value: object, lang: str = "vi") -> str:
    if isinstance(value, dict):  # a text in each language, e.g. preset names
        return localized(value, lang)
    if isinstance(value, (list, tuple)):
        return ", ".join(_param_text(v, lang) for v in value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format_number(float(f"{value:.6g}"), lang, decimals=None)
    return str(value)


_PLAIN = frozenset({str, int, bool, type(None)})  # exact types that JSON writes as they are


def jsonable(value):
    """Return value with numpy and pandas scalars turned into plain Python (NaN -> None).

    Plain values are passed through without a call per value: a report lists every row of a large table.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if isinstance(value, dict):
        return {k if type(k) is str else str(k): v if type(v) in _PLAIN else jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [v if type(v) in _PLAIN else jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is None:
        return None
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def _json_default(value):
    """Turn what json cannot write into plain Python, as jsonable does."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, set):
        return list(value)
    if value is pd.NA:
        return None
    return str(value)


def to_json(value) -> str:
    """Return value as JSON text, numpy and pandas scalars as plain Python and NaN as null.

    The C encoder writes plain values at once; only a value it refuses (NaN, an odd key) makes
    the whole value go through jsonable first.
    """
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, default=_json_default)
    except (TypeError, ValueError):
        return json.dumps(jsonable(value), ensure_ascii=False)


def capped(items) -> list:
    return list(items)[:MAX_LISTED]


class Findings:
    """Issues and report of one check being built."""

    def __init__(self, **report) -> None:
        self.issues: list[Issue] = []
        self.report: dict = dict(report)

    def add(self, level: str, key: str, **params) -> None:
        self.issues.append(Issue(level, key, params))

    def error(self, key: str, **params) -> None:
        self.add(ERROR, key, **params)

    def warning(self, key: str, **params) -> None:
        self.add(WARNING, key, **params)

    def info(self, key: str, **params) -> None:
        self.add(INFO, key, **params)

    @property
    def failed(self) -> bool:
        return any(i.level == ERROR for i in self.issues)

    def check(self, kind: str, frame) -> Check:
        return Check(kind, None if self.failed else frame, self.issues, self.report, layer=frame)


def check_size(raw: bytes, limits: Limits) -> None:
    if len(raw) > limits.max_bytes:
        raise Invalid("upload_too_large", size_mb=archive.megabytes(len(raw)), max_mb=archive.megabytes(limits.max_bytes))


def text_value(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return legacy_encoding.nfc(re.sub(r"\s+", " ", str(value)).strip())


def check_control_characters(frame, found: Findings, first_row: int = 1) -> None:
    hits = validate.control_characters(frame)
    if hits:
        found.error("upload_control_characters", count=len(hits),
                    rows=capped(h["position"] + first_row for h in hits), fields=capped(sorted({h["field"] for h in hits})))
