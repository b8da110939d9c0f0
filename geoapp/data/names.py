"""Normalisation of Vietnamese unit names and GSO codes for matching."""

from __future__ import annotations

import math
import re
import unicodedata

# Old-style tone placement (òa, òe, ùy) -> the modern one (oà, oè, uỳ) and back:
# we fold both to the "new" style so that "Hoà Cư" and "Hòa Cư" compare equal.
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_OLD_TONE = re.compile(r"([oO])([" + _TONE_MARKS + r"])([aAeE])|([uU])([" + _TONE_MARKS + r"])([yY])")

_PREFIXES = re.compile(
    r"^(?:thị\s*trấn|thi\s*tran|phường|phuong|xã|xa|tt|x|p)\s*[.\s]\s*",
    re.IGNORECASE,
)


def _move_tone(match: re.Match) -> str:
    if match.group(1):
        return match.group(1) + match.group(3) + match.group(2)
    return match.group(4) + match.group(6) + match.group(5)


def normalize_name(name: str | None) -> str:
    """Return the matching key of a unit name: NFC, one tone style, case-folded, no prefix."""
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return ""
    text = unicodedata.normalize("NFD", str(name).strip())
    text = _OLD_TONE.sub(_move_tone, text)
    text = unicodedata.normalize("NFC", text).casefold()
    text = re.sub(r"\s+", " ", text)
    text = _PREFIXES.sub("", text, count=1)
    return text.strip()


def ascii_key(name: str | None) -> str:
    """Return a diacritic-free key ("Hải Yến" -> "hai yen") for fuzzy matching and search."""
    return without_diacritics(normalize_name(name))


def without_diacritics(key: str) -> str:
    """Return the diacritic-free form of a key made by normalize_name (ascii_key without normalising twice)."""
    return unicodedata.normalize("NFD", key.replace("đ", "d")).translate(_WITHOUT_MARKS)


class _CombiningMarks(dict):
    """str.translate table that drops combining marks, filled as characters are first seen."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_WITHOUT_MARKS = _CombiningMarks()


def normalize_code(code: object, width: int = 5) -> str | None:
    """Return a GSO code as zero-padded text (6184 -> "06184"), or None if it is not a code."""
    if code is None:
        return None
    if isinstance(code, float):
        if math.isnan(code) or code != int(code):
            return None
        code = int(code)
    text = str(code).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit() or len(text) > width:
        return None
    return text.zfill(width)
