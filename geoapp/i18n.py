"""Translation layer: message catalog in Vietnamese (default) and English."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

LANGUAGES = ("vi", "en")
DEFAULT_LANG = "vi"


@functools.cache
def messages() -> dict[str, dict[str, str]]:
    """Return the message catalog {key: {lang: text}} merged from geoapp/messages/*.yaml."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(Path(__file__).with_name("messages").glob("*.yaml")):
        for key, entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            if key in merged:
                raise ValueError(f"message {key!r} is defined twice ({path.name})")
            merged[key] = entry
    return merged


def pick_lang(lang: str | None) -> str:
    """Return a supported language code, falling back to Vietnamese."""
    return lang if lang in LANGUAGES else DEFAULT_LANG


def translate(key: str, lang: str = DEFAULT_LANG, **params: object) -> str:
    """Return the message `key` in `lang`, formatted with `params`."""
    entry = messages().get(key)
    if entry is None:
        raise KeyError(f"missing message: {key}")
    text = entry.get(pick_lang(lang)) or entry[DEFAULT_LANG]
    return text.format(**params) if params else text


def localized(value: object, lang: str) -> str:
    """Return a catalog text that is either a plain string or a {vi, en} mapping."""
    if isinstance(value, dict):
        return str(value.get(pick_lang(lang)) or value.get(DEFAULT_LANG) or "")
    return "" if value is None else str(value)


def format_number(value: float, lang: str, decimals: int | None = None) -> str:
    """Format a number with the language's separators (vi: 1.234,5; en: 1,234.5)."""
    text = f"{value:,.{2 if decimals is None else decimals}f}"
    if decimals is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    if pick_lang(lang) == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text
