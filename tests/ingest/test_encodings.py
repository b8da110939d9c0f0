"""Legacy Vietnamese encodings: conversion of known bytes and detection on real place names."""

from __future__ import annotations

import io
import unicodedata
import zipfile

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from geoapp.ingest import check_boundaries
from geoapp.ingest import encodings as le
from tests.ingest.uploads import (
    CAO_LOC,
    TCVN3_NAMES,
    VNI_NAMES,
    geojson,
    keys,
    legacy_layer,
    only_error,
    shapefile_zip,
    zip_folder,
)

pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name")

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


# ---------------------------------------------------------------- through the upload check


@pytest.mark.parametrize("cpg", [True, False])
@pytest.mark.parametrize("encoding, surfaces", [("tcvn3", TCVN3_NAMES), ("vni", VNI_NAMES)])
def test_legacy_vietnamese_dbf_is_converted_to_unicode(published, cao_loc, tmp_path, encoding, surfaces, cpg):
    raw = shapefile_zip(legacy_layer(cao_loc, surfaces), tmp_path, encoding="latin1", drop=() if cpg else (".cpg",))
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        dbf = zf.read("communes.dbf")
    assert surfaces["06202"].encode("latin-1") in dbf
    check = check_boundaries("legacy.zip", raw, published=published, confirm="only these communes")
    assert check.ok, [i.message("en") for i in check.errors]
    assert check.report["encoding"] == encoding
    assert "upload_legacy_converted" in keys(check, "info")
    names = check.frame.set_index("commune_code")["commune_name"]
    assert names["06202"] == "Xã Xuất Lễ" and names["06184"] == "Thị trấn Đồng Đăng"
    assert names["06223"] == "Xã Hòa Cư"
    assert all(n == pd.Series([n]).str.normalize("NFC")[0] for n in names)
    assert check.report["diff"]["renamed"] == [] and check.report["fields"]["district_code"] == "MA_HUYEN"


def test_encoding_can_be_forced_and_a_wrong_choice_is_reported(published, cao_loc, tmp_path):
    raw = shapefile_zip(legacy_layer(cao_loc, TCVN3_NAMES), tmp_path, encoding="latin1")
    issue = only_error(check_boundaries("legacy.zip", raw, encoding="utf-8", published=published), "upload_encoding_failed")
    assert issue.params["field"] == "TEN_XA"
    forced = check_boundaries("legacy.zip", raw, encoding="tcvn3", published=published, confirm="only these communes")
    assert forced.ok and forced.frame.set_index("commune_code").at["06202", "commune_name"] == "Xã Xuất Lễ"
    only_error(check_boundaries("legacy.zip", raw, encoding="koi8-r"), "upload_encoding_unknown")


def test_legacy_text_inside_a_geojson_is_detected(published, cao_loc):
    layer = legacy_layer(cao_loc, TCVN3_NAMES)
    as_utf8 = check_boundaries("legacy.geojson", geojson(layer), published=published, confirm="only these communes")
    as_bytes = check_boundaries("legacy.geojson", geojson(layer).decode("utf-8").encode("latin-1"), published=published,
                                confirm="only these communes")
    for check in (as_utf8, as_bytes):
        assert check.ok and check.report["encoding"] == "tcvn3"
        assert check.frame.set_index("commune_code").at["06202", "commune_name"] == "Xã Xuất Lễ"
    assert "upload_json_not_utf8" in keys(as_bytes, "warning") and "upload_json_not_utf8" not in keys(as_utf8, "warning")
    only_error(check_boundaries("legacy.geojson", geojson(layer).decode("utf-8").encode("latin-1"), encoding="utf-8"),
               "upload_json_invalid_utf8")


def test_dbf_code_page_from_the_cpg_or_the_header(published, cao_loc, tmp_path):
    rows = cao_loc[cao_loc["commune_code"].isin(["06202", "06223"])].reset_index(drop=True)
    cp1258 = {"06202": b"Xa\xde Xu\xe2\xect L\xea\xde", "06223": b"Xa\xde Ho\xcca C\xfd"}  # "Xã Xuất Lễ", "Xã Hòa Cư"
    names = rows["commune_code"].map(lambda c: cp1258[c].decode("latin-1"))
    layer = gpd.GeoDataFrame({"ma_xa": rows["commune_code"], "ten_xa": names, "ma_huyen": CAO_LOC},
                             geometry=rows.geometry, crs=4326)
    (tmp_path / "a").mkdir()
    pyogrio.write_dataframe(layer, tmp_path / "a" / "x.shp", encoding="latin1")
    (tmp_path / "a" / "x.cpg").write_text("1258")
    check = check_boundaries("a.zip", zip_folder(tmp_path / "a"), published=published, confirm="only these communes")
    assert check.ok and check.report["encoding"] == "cp1258"
    names = check.frame.loc[check.frame["district_code"] == CAO_LOC, "commune_name"]
    assert sorted(names) == ["Xã Hòa Cư", "Xã Xuất Lễ"]

    cyrillic = layer.assign(ten_xa=["Москва", "Киев"])
    (tmp_path / "b").mkdir()
    pyogrio.write_dataframe(cyrillic, tmp_path / "b" / "x.shp", encoding="cp1251")
    (tmp_path / "b" / "x.cpg").unlink()
    dbf = bytearray((tmp_path / "b" / "x.dbf").read_bytes())
    dbf[29] = 0xC9  # language driver id of code page 1251
    (tmp_path / "b" / "x.dbf").write_bytes(bytes(dbf))
    check = check_boundaries("b.zip", zip_folder(tmp_path / "b"), published=published, confirm="only these communes")
    assert check.ok and check.report["encoding"] == "cp1251"
    assert sorted(check.frame.loc[check.frame["district_code"] == CAO_LOC, "commune_name"]) == ["Киев", "Москва"]

