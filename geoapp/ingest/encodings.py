"""Legacy Vietnamese text encodings (TCVN3, VNI, CP1258): detection and conversion to Unicode NFC.

Legacy files store each byte as one character of the font's code page. Read as
Latin-1, a TCVN3 "Xuất Lễ" surfaces as "XuÊt LÔ" and a VNI one as "Xuaát Leã".
Such "surface" text is converted with the tables of the `viparse` package. The
encoding is detected by converting the values with each candidate and keeping the
one under which most words are well-formed Vietnamese syllables.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from viparse.normalize.tables import convert as _convert_table
from viparse.normalize.tcvn3 import TCVN3
from viparse.normalize.vni import VNI

AUTO, UTF8, TCVN3_NAME, VNI_NAME, CP1258 = "auto", "utf-8", "tcvn3", "vni", "cp1258"
CHOICES = (AUTO, UTF8, TCVN3_NAME, VNI_NAME, CP1258)
LEGACY = (TCVN3_NAME, VNI_NAME, CP1258)
AS_IS = "as-is"

_TABLES = {TCVN3_NAME: TCVN3, VNI_NAME: VNI}
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_VOWELS = "aăâeêioôơuưy"
_INITIALS = ["ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", *"bcdđghklmnprstvx"]
_NUCLEI = (
    "a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi oo ôi ơi ua uâ uê ui uô uơ uy "
    "ưa ưi ươ ưu yê iêu yêu oai oao oay oeo uây uôi uya uyê uyu ươi ươu"
).split()
_FINALS = ["ng", "nh", "ch", "c", "m", "n", "p", "t"]


def _alternation(items: list[str]) -> str:
    return "|".join(sorted(items, key=len, reverse=True))


_SYLLABLE = re.compile(rf"(?:{_alternation(_INITIALS)})?(?:{_alternation(_NUCLEI)})(?:{_alternation(_FINALS)})?")
_WORD = re.compile(r"[^\W\d_]+")


@functools.cache
def _letters() -> frozenset[str]:
    """Return every letter of the Vietnamese alphabet (NFC, both cases) plus ASCII letters."""
    letters = set("abcdefghijklmnopqrstuvwxyzđ")
    for vowel in _VOWELS:
        for tone in ("", *_TONES):
            letters.add(unicodedata.normalize("NFC", vowel + tone))
    return frozenset(letters | {ch.upper() for ch in letters})


def nfc(text: str) -> str:
    """Return text in Unicode NFC."""
    return unicodedata.normalize("NFC", text)


def is_surface(text: str) -> bool:
    """Return True if text could be legacy bytes read as Latin-1 (no character above U+00FF)."""
    return not text or max(text) < "\u0100"


def convert(text: str, encoding: str) -> str:
    """Convert Latin-1 surface text of a legacy encoding to Unicode NFC."""
    if encoding == CP1258:
        return nfc(text.encode("latin-1").decode("cp1258"))
    return _convert_table(text, _TABLES[encoding], "NFC")


def _syllable_ok(word: str) -> bool:
    """Return True if `word` is one well-formed Vietnamese syllable with at most one tone."""
    if not (word.islower() or word.isupper() or word.istitle()):
        return False
    decomposed = unicodedata.normalize("NFD", word.lower())
    if sum(ch in _TONES for ch in decomposed) > 1:
        return False
    base = nfc("".join(ch for ch in decomposed if ch not in _TONES))
    return _SYLLABLE.fullmatch(base) is not None


def score(text: str) -> int:
    """Return +1 per well-formed non-ASCII Vietnamese word, -1 per malformed word or stray symbol."""
    letters = _letters()
    points = -sum(1 for ch in text if not ch.isascii() and ch not in letters)
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        if all(ch in letters for ch in word):
            points += 1 if _syllable_ok(word) else -1
    return points


def _try_convert(values: list[str], encoding: str) -> list[str] | None:
    try:
        return [convert(v, encoding) for v in values]
    except UnicodeDecodeError:
        return None


def detect(values: Iterable[str]) -> str:
    """Return the legacy encoding of surface text values ("tcvn3", "vni", "cp1258"), or AS_IS.

    Values holding any character above U+00FF are real Unicode and decide AS_IS. A
    legacy encoding wins only when its conversion reads as better Vietnamese than the
    text as it is.
    """
    candidates = []
    for value in values:
        if value and not value.isascii():
            if not is_surface(value):
                return AS_IS  # real Unicode: decided at the first such value
            candidates.append(value)
    if not candidates:
        return AS_IS
    best, best_score = AS_IS, sum(score(v) for v in candidates)
    for encoding in LEGACY:
        converted = _try_convert(candidates, encoding)
        if converted is None:
            continue
        points = sum(score(v) for v in converted)
        if points > best_score and points > 0:
            best, best_score = encoding, points
    return best


def apply(values: Iterable, encoding: str) -> list:
    """Convert the surface strings among values with a legacy encoding (NFC for everything else)."""
    out = []
    for value in values:
        if isinstance(value, str):
            if encoding in LEGACY and is_surface(value) and not value.isascii():
                try:
                    value = convert(value, encoding)
                except UnicodeDecodeError:
                    pass
            value = nfc(value)
        out.append(value)
    return out
