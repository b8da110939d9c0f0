"""Control characters inside the text of a GeoPackage or Shapefile: found beneath GDAL, which cuts at a NUL."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pyogrio
import pytest

from geoapp.ingest import check_boundaries
from geoapp.ingest.raw_layer_text import holds_control
from tests.accounts import as_user, published_bytes
from tests.hostile import BAO_LAM, BAO_LAM_BELL, BAO_LAM_NUL, case, geopackage, replaced_once, shapefile_zip
from tests.ingest.helpers import issue_keys, try_publish, upload
from tests.ingest.uploads import only_error

pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name", "ignore::RuntimeWarning")

KEY = "upload_control_characters_features"


def hostile(name: str, published) -> tuple[str, bytes]:
    found = case(name)
    return found.filename, found.build(published)


def features(check) -> list[str]:
    return only_error(check, KEY).params["features"]


def test_a_nul_inside_a_geopackage_name_is_an_error_naming_the_feature(published):
    check = check_boundaries(*hostile("nul_in_name_gpkg", published), published=published)
    assert features(check) == ["#3 commune_name: Xã\\u0000Bảo Lâm"]
    assert "#3 commune_name" in check.errors[0].message("vi") and "#3 commune_name" in check.errors[0].message("en")


def test_a_nul_inside_a_dbf_name_is_an_error_naming_the_feature(published):
    check = check_boundaries(*hostile("nul_in_name_shp", published), published=published)
    assert features(check) == ["#3 commune_na: Xã\\u0000Bảo Lâm"]


@pytest.mark.parametrize("build", [geopackage, shapefile_zip], ids=["gpkg", "shp"])
def test_another_control_character_is_an_error_naming_the_feature(cao_loc, published, build):
    raw = build(cao_loc, lambda data: replaced_once(data, BAO_LAM, BAO_LAM_BELL))
    filename = "bell.gpkg" if build is geopackage else "bell.zip"
    [hit] = features(check_boundaries(filename, raw, published=published))
    assert hit.startswith("#3 commune_na") and hit.endswith(": Xã\\u0007Bảo Lâm")


def test_nul_padding_in_a_dbf_is_accepted_and_the_names_read_whole(published):
    check = check_boundaries(*hostile("nul_padding_shp", published), published=published)
    assert check.ok, [i.message("en") for i in check.errors]
    cao_loc = published[published["district_code"] == "183"]
    got = check.frame.set_index("commune_code")["commune_name"]
    assert {code: got[code] for code in cao_loc["commune_code"]} == dict(zip(cao_loc["commune_code"], cao_loc["commune_name"]))
    assert got["06190"] == "Xã Bảo Lâm"


def test_a_trailing_nul_in_a_geopackage_value_loses_nothing_and_is_accepted(cao_loc, published):
    layer = cao_loc.copy()
    layer.loc[layer["commune_code"] == "06190", "commune_name"] = "Xã Bảo Lâm#"
    raw = geopackage(layer, lambda data: replaced_once(data, "Xã Bảo Lâm#".encode(), "Xã Bảo Lâm\0".encode()))
    check = check_boundaries("trailing.gpkg", raw, published=published)
    assert check.ok, [i.message("en") for i in check.errors]
    assert check.frame.set_index("commune_code")["commune_name"]["06190"] == "Xã Bảo Lâm"


def test_deleted_dbf_records_are_not_counted_as_features(cao_loc, published):
    def delete_first_record_and_add_a_nul(dbf: bytes) -> bytes:
        header_length = int.from_bytes(dbf[8:10], "little")
        assert dbf[header_length:header_length + 1] == b" "
        dbf = dbf[:header_length] + b"*" + dbf[header_length + 1:]
        return replaced_once(dbf, BAO_LAM, BAO_LAM_NUL)

    raw = shapefile_zip(cao_loc, delete_first_record_and_add_a_nul)
    assert features(check_boundaries("deleted.zip", raw, published=published)) == ["#2 commune_na: Xã\\u0000Bảo Lâm"]


def test_the_value_is_shown_in_the_code_page_the_cpg_declares(cao_loc, published):
    layer = cao_loc.copy()
    layer.loc[layer["commune_code"] == "06190", "commune_name"] = "#" * 12
    cp1258 = b"Xa\xde\x00Ba\xd2o L\xe2m"  # "Xã\0Bảo Lâm" in Windows-1258, with combining tone marks
    raw = shapefile_zip(layer, lambda dbf: replaced_once(dbf, b"#" * 12, cp1258), cpg=b"1258")
    assert features(check_boundaries("cp1258.zip", raw, published=published)) == ["#3 commune_na: Xã\\u0000Bảo Lâm"]


def test_a_geopackage_table_name_with_quotes_is_read_as_a_quoted_identifier(cao_loc, published):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "q.gpkg"
        pyogrio.write_dataframe(cao_loc, path, layer='x"; DROP TABLE gpkg_contents; --')
        raw = replaced_once(path.read_bytes(), BAO_LAM, BAO_LAM_NUL)
    assert features(check_boundaries("q.gpkg", raw, published=published)) == ["#3 commune_name: Xã\\u0000Bảo Lâm"]


@pytest.mark.parametrize(("value", "inside"), [
    (b"Xa\x00Bao  ", True), (b"\x00\x00Bao", True), (b"Xa\x00\x00 \x00 b", True), (b"Xa\x07", True),
    (b"Xa Bao\x00\x00\x00", False), (b"Xa Bao \x00 \x00  ", False), (b"\x00\x00\x00", False), (b"Xa\tBao", False),
])
def test_only_control_characters_before_the_padding_count(value, inside):
    assert holds_control(value, b"\x00 ") is inside


def test_nul_in_geopackage_and_shapefile_uploads_on_the_web(backend_app, published):
    editor = as_user(backend_app, "ed", "editor")
    editor.set_cookie("lang", "en")
    before = published_bytes(backend_app, editor)
    for name, shown in (("nul_in_name_gpkg", "#3 commune_name: Xã\\u0000Bảo Lâm"),
                        ("nul_in_name_shp", "#3 commune_na: Xã\\u0000Bảo Lâm"),
                        ("bell_in_name_shp", "#3 commune_na: Xã\\u0007Bảo Lâm")):
        response = upload(editor, "boundaries", *hostile(name, published))
        assert response.status_code == 422 and issue_keys(response) == [KEY], issue_keys(response)
        assert shown in response.get_data(as_text=True)
        assert try_publish(editor, response).status_code == 422
    assert published_bytes(backend_app, editor) == before
    padded = upload(editor, "boundaries", *hostile("nul_padding_shp", published))
    assert padded.status_code == 200, issue_keys(padded)
    # every name read whole, up to the padding: the layer equals the published one, so nothing is to publish
    assert 'data-key="upload_identical"' in padded.get_data(as_text=True)
    assert try_publish(editor, padded, comment="NUL-padded dbf").status_code == 422
    assert published_bytes(backend_app, editor) == before
