"""Safe unpacking of uploads: sniffing, zip caps and unsafe members, JSON nesting depth."""

from __future__ import annotations

import gzip
import io
import os
import stat
import struct
import uuid
import zipfile

import pytest

from geoapp.errors import Invalid
from geoapp.ingest import Limits, archive, check_boundaries
from tests.ingest.uploads import only_error, shapefile_zip

pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name")

CAPS = {"max_uncompressed": 200 * 1024 * 1024, "max_members": 50, "max_ratio": 100.0}


def make_zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buf.getvalue()


def rejected(raw: bytes, dest, **caps) -> Invalid:
    with pytest.raises(Invalid) as exc:
        archive.extract_zip(raw, dest, **{**CAPS, **caps})
    return exc.value


def test_sniff_reads_magic_bytes():
    assert archive.sniff(make_zip({"a.txt": b"x"})) == archive.ZIP
    assert archive.sniff(b"SQLite format 3\x00" + b"\0" * 84) == archive.SQLITE
    assert archive.sniff(b'\xef\xbb\xbf \n\t{"type": "FeatureCollection"}') == archive.JSON
    assert archive.sniff(b"\x00\x00\x27\x0a") is None
    assert archive.sniff(b"[1, 2]") is None
    assert archive.sniff(b"") is None


def test_extracts_a_plain_zip_with_folders(tmp_path):
    raw = make_zip({"layer/a.shp": b"\x00\x00\x27\x0a", "layer/a.dbf": b"\x03dbf", "layer/": b""})
    files = archive.extract_zip(raw, tmp_path, **CAPS)
    assert sorted(f.relative_to(tmp_path).as_posix() for f in files) == ["layer/a.dbf", "layer/a.shp"]
    assert (tmp_path / "layer" / "a.dbf").read_bytes() == b"\x03dbf"


@pytest.mark.parametrize("name", [
    "../{tag}.shp", "a/../../{tag}.shp", "/tmp/{tag}.shp", "C:/{tag}.shp", "c:{tag}.shp",
    "..\\..\\{tag}.shp", "a\\..\\..\\{tag}.shp", "\\\\server\\{tag}.shp",
])
def test_rejects_traversal_and_absolute_member_names(tmp_path, name):
    tag = f"geoapp-test-{uuid.uuid4().hex}"
    dest = tmp_path / "out"
    dest.mkdir()
    error = rejected(make_zip({"ok.txt": b"x", name.format(tag=tag): b"payload"}), dest)
    assert error.key == "upload_zip_unsafe_name"
    assert error.params["name"] == name.format(tag=tag)
    assert not list(dest.iterdir())
    assert not any(tag in p.name for p in tmp_path.rglob("*")) and not os.path.exists(f"/tmp/{tag}.shp")


def test_rejects_symlink_members(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        link = zipfile.ZipInfo("a.dbf")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    assert rejected(buf.getvalue(), tmp_path).key == "upload_zip_symlink"


def test_rejects_nested_archives_by_name_and_by_content(tmp_path):
    inner = make_zip({"a.shp": b"x"})
    assert rejected(make_zip({"a.shp": b"x", "inner.zip": inner}), tmp_path / "1").key == "upload_zip_nested"
    assert rejected(make_zip({"a.shp": b"x", "more.tar.gz": b"x"}), tmp_path / "2").key == "upload_zip_nested"
    error = rejected(make_zip({"a.shp": b"x", "a.dbf": gzip.compress(b"hidden")}), tmp_path / "3")
    assert error.key == "upload_zip_nested" and error.params["name"] == "a.dbf"
    assert rejected(make_zip({"a.dbf": inner}), tmp_path / "4").key == "upload_zip_nested"


def test_caps_the_number_of_members(tmp_path):
    raw = make_zip({f"f{i}.txt": b"x" for i in range(51)})
    error = rejected(raw, tmp_path)
    assert error.key == "upload_zip_members" and error.params == {"count": 51, "max": 50}


def test_caps_the_total_uncompressed_size(tmp_path):
    raw = make_zip({f"f{i}.bin": os.urandom(400_000) for i in range(3)})
    error = rejected(raw, tmp_path, max_uncompressed=1_000_000)
    assert error.key == "upload_zip_size"
    assert not list(tmp_path.iterdir())


def test_caps_the_compression_ratio(tmp_path):
    raw = make_zip({"a.shp": b"x", "a.dbf": b"\0" * (5 * 1024 * 1024)})
    error = rejected(raw, tmp_path)
    assert error.key == "upload_zip_ratio" and error.params["name"] == "a.dbf" and error.params["ratio"] > 100


def test_small_members_may_compress_well(tmp_path):
    raw = make_zip({"a.dbf": b" " * 500_000})
    assert [f.name for f in archive.extract_zip(raw, tmp_path, **CAPS)] == ["a.dbf"]


def _lie_about_size(raw: bytes, declared: int) -> bytes:
    """Rewrite the uncompressed size in the local header and the central directory."""
    data = bytearray(raw)
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, declared)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)


def test_a_lying_size_header_cannot_bypass_the_caps(tmp_path):
    raw = _lie_about_size(make_zip({"a.dbf": b"\0" * (3 * 1024 * 1024)}), 1000)
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        assert zf.infolist()[0].file_size == 1000
    error = rejected(raw, tmp_path)
    assert error.key in ("upload_zip_corrupt", "upload_zip_size")
    written = list(tmp_path.rglob("*.dbf"))
    assert all(f.stat().st_size <= 1000 for f in written)


def test_rejects_encrypted_members_and_damaged_archives(tmp_path):
    raw = bytearray(make_zip({"a.dbf": b"data"}))
    struct.pack_into("<H", raw, raw.index(b"PK\x01\x02") + 8, 0x1)
    assert rejected(bytes(raw), tmp_path / "1").key == "upload_zip_encrypted"
    assert rejected(b"PK\x03\x04 this is not a zip", tmp_path / "2").key == "upload_zip_corrupt"


def test_json_depth_counts_brackets_outside_strings():
    assert archive.json_depth(b'{"a": [1, {"b": [2]}]}', 64) == 4
    assert archive.json_depth(b'{"a": "[[[[{{{{", "b": "\\"[[["}', 64) == 1
    assert archive.json_depth(b"", 64) == 0


def test_json_depth_scans_deep_input_without_recursion():
    raw = b"[" * 1_000_000 + b"]" * 1_000_000
    assert archive.json_depth(raw, 64) > 64
    assert archive.json_depth(raw, 10**7) == 1_000_000
    assert archive.json_depth(b'{"x": ' + b"[" * 64 + b"]" * 64 + b"}", 64) == 65


# ---------------------------------------------------------------- through the upload check


def test_zip_with_traversal_or_absolute_member_names(cao_loc, tmp_path):
    for i, name in enumerate(["../communes.dbf", "/etc/communes.dbf", "..\\..\\communes.dbf"]):
        raw = shapefile_zip(cao_loc, tmp_path / f"z{i}", extra={name: b"x"})
        issue = only_error(check_boundaries("communes.zip", raw), "upload_zip_unsafe_name")
        assert issue.params["name"] == name and name in issue.message("en")


def test_zip_bomb_by_ratio(cao_loc, tmp_path):
    raw = shapefile_zip(cao_loc, tmp_path, extra={"padding.txt": b"\0" * (8 * 1024 * 1024)})
    issue = only_error(check_boundaries("communes.zip", raw), "upload_zip_ratio")
    assert issue.params["name"] == "padding.txt" and issue.params["ratio"] > 1000


def test_zip_bomb_by_total_size_and_member_count(cao_loc, tmp_path):
    raw = shapefile_zip(cao_loc, tmp_path / "a")
    only_error(check_boundaries("communes.zip", raw, limits=Limits(max_uncompressed=20_000)), "upload_zip_size")
    many = shapefile_zip(cao_loc, tmp_path / "b", extra={f"readme{i}.txt": b"x" for i in range(60)})
    issue = only_error(check_boundaries("communes.zip", many), "upload_zip_members")
    assert issue.params["max"] == 50 and issue.params["count"] > 60


def test_zip_with_a_nested_archive(cao_loc, tmp_path):
    inner = shapefile_zip(cao_loc, tmp_path / "inner")
    raw = shapefile_zip(cao_loc, tmp_path / "outer", extra={"more/communes.zip": inner})
    assert only_error(check_boundaries("communes.zip", raw), "upload_zip_nested").params["name"] == "more/communes.zip"

