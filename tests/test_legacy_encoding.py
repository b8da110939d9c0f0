"""Legacy Vietnamese encodings: conversion of known bytes and detection on real place names."""

from __future__ import annotations

import unicodedata

import pyogrio
import pytest

from geoapp.ingest import encodings as le

TONES = "\u0300\u0301\u0303\u0309\u0323"

# "Xuất Lễ" in each legacy encoding, as bytes of the standard code tables.
XUAT_LE = {
    "tcvn3": b"Xu\xcat L\xd4",      # TCVN3: ấ = 0xCA, ễ = 0xD4
    "vni": b"Xua\xe1t Le\xe3",      # VNI: a + 0xE1 = ấ, e + 0xE3 = ễ
    "cp1258": b"Xu\xe2\xect L\xea\xde",  # CP1258: â + acute (0xEC), ê + tilde (0xDE)
}


def encode_cp1258(text: str) -> bytes:
    """Encode text in Windows-1258 (precomposed base letters followed by combining tones)."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            out += (base + "".join(c for c in parts if c in TONES)).encode("cp1258")
    return out


def encode_table(text: str, entries) -> str:
    """Encode text with a legacy table given as (surface, letter) pairs (test-side inverse)."""
    inverse = {letter: surface for surface, letter in entries}
    return "".join(inverse.get(ch, ch) for ch in text)


@pytest.fixture(scope="module")
def names():
    frame = pyogrio.read_dataframe("geodata/communes_2021_approx.geojson", columns=["commune_name"], read_geometry=False)
    return frame["commune_name"].tolist()


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "cp1258"])
def test_converts_known_bytes_to_nfc(encoding):
    text = le.convert(XUAT_LE[encoding].decode("latin-1"), encoding)
    assert text == "Xuất Lễ"
    assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "cp1258"])
def test_detects_the_encoding_of_known_bytes(encoding):
    assert le.detect([XUAT_LE[encoding].decode("latin-1")]) == encoding


def test_detects_and_converts_every_commune_name_of_lang_son(names):
    from viparse.normalize.tcvn3 import _ENTRIES as TCVN3_ENTRIES
    from viparse.normalize.vni import _ENTRIES as VNI_ENTRIES

    # TCVN3 has no upper-case toned letters: take names whose capitals are plain or Đ.
    tcvn3_names = [n for n in names if all(not c.isupper() or c.isascii() or c == "Đ" for c in n)]
    assert len(tcvn3_names) > 150
    for encoding, source, surfaces in (
        ("tcvn3", tcvn3_names, [encode_table(n, TCVN3_ENTRIES) for n in tcvn3_names]),
        ("vni", names, [encode_table(n, VNI_ENTRIES) for n in names]),
        ("cp1258", names, [encode_cp1258(n).decode("latin-1") for n in names]),
    ):
        assert all(le.is_surface(s) for s in surfaces)
        assert le.detect(surfaces) == encoding
        assert le.apply(surfaces, encoding) == [unicodedata.normalize("NFC", n) for n in source]


def test_unicode_and_plain_text_stay_as_they_are(names):
    assert le.detect(names) == le.AS_IS
    assert le.detect(["Cao Loc", "Dong Dang", ""]) == le.AS_IS
    # Latin-1 text that is already correct (Vietnamese letters that exist in Latin-1, or French).
    assert le.detect(["Bình Gia", "Trà", "Café Müller"]) == le.AS_IS


def test_apply_converts_only_surface_strings_and_normalises_to_nfc():
    decomposed = unicodedata.normalize("NFD", "Hòa Cư")
    out = le.apply(["XuÊt LÔ", "Cao Lộc", decomposed, 6184, None], "tcvn3")
    assert out == ["Xuất Lễ", "Cao Lộc", "Hòa Cư", 6184, None]


def test_score_prefers_well_formed_syllables():
    assert le.score("Xuất Lễ") == 2
    assert le.score("XuÊt LÔ") == 0     # "XuÊt": an upper-case letter inside a word
    assert le.score("Hång Phong") == -1  # "å" is no Vietnamese letter
    assert le.score("Xuaát Leã") == -2   # "uaa" and "ea" are no Vietnamese vowel clusters
