"""Safe handling of uploaded bytes before GDAL reads them: format sniffing, zip extraction, JSON nesting."""

from __future__ import annotations

import io
import lzma
import re
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import numpy as np

from geoapp.errors import Invalid

ZIP, SQLITE, JSON = "zip", "sqlite", "json"
FORMAT_NAMES = {ZIP: "ZIP", SQLITE: "GeoPackage/SQLite", JSON: "JSON"}
# Members smaller than this cannot be a bomb whatever their ratio (a padded .dbf compresses well).
RATIO_FLOOR_BYTES = 1 << 20
_CHUNK = 1 << 16
_ARCHIVE_SUFFIXES = (
    ".zip", ".gz", ".tgz", ".7z", ".rar", ".tar", ".bz2", ".tbz2", ".xz", ".txz", ".zst", ".lz",
    ".lzma", ".z", ".cab", ".arj", ".kmz", ".jar", ".war", ".apk", ".iso",
)
_ARCHIVE_MAGIC = (
    b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08", b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07",
    b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd", b"\x5d\x00\x00", b"MSCF",
)
_DRIVE = re.compile(r"^[A-Za-z]:")
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_BOM = b"\xef\xbb\xbf"


def sniff(raw: bytes) -> str | None:
    """Return the container format of raw bytes by their magic: ZIP, SQLITE, JSON or None."""
    if raw[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return ZIP
    if raw[:16] == b"SQLite format 3\x00":
        return SQLITE
    if head(raw).removeprefix(_BOM).lstrip(b" \t\r\n")[:1] == b"{":
        return JSON
    return None


def _is_archive(name: str, head: bytes) -> bool:
    lower = name.lower()
    return lower.endswith(_ARCHIVE_SUFFIXES) or head.startswith(_ARCHIVE_MAGIC) or head[257:262] == b"ustar"


def _safe_parts(name: str) -> tuple[str, ...]:
    """Return the path parts of a member name; raise Invalid for traversal or absolute names."""
    text = name.replace("\\", "/")
    if "\x00" in text or text.startswith("/") or _DRIVE.match(text):
        raise Invalid("upload_zip_unsafe_name", name=name)
    parts = tuple(p for p in PurePosixPath(text).parts if p not in ("", "."))
    if not parts or ".." in parts:
        raise Invalid("upload_zip_unsafe_name", name=name)
    return parts


def _check_ratio(name: str, size: int, compressed: int, max_ratio: float) -> None:
    """Raise Invalid if `size` bytes came from `compressed` bytes at over `max_ratio` (small sizes pass)."""
    ratio = size / max(compressed, 1)
    if size > RATIO_FLOOR_BYTES and ratio > max_ratio:
        raise Invalid("upload_zip_ratio", name=name, ratio=round(ratio), max=max_ratio)


def check_members(archive: zipfile.ZipFile, *, max_uncompressed: int, max_members: int | None, max_ratio: float,
                  archive_bytes: int) -> list[zipfile.ZipInfo]:
    """Check a zip's declared entries against the caps (no member cap if None); return its files."""
    infos = archive.infolist()
    if max_members is not None and len(infos) > max_members:
        raise Invalid("upload_zip_members", count=len(infos), max=max_members)
    files = []
    for info in infos:
        _safe_parts(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise Invalid("upload_zip_symlink", name=info.filename)
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise Invalid("upload_zip_encrypted", name=info.filename)
        if _is_archive(info.filename, b""):
            raise Invalid("upload_zip_nested", name=info.filename)
        _check_ratio(info.filename, info.file_size, info.compress_size, max_ratio)
        files.append(info)
    total = sum(i.file_size for i in files)
    if total > max_uncompressed:
        raise Invalid("upload_zip_size", size_mb=megabytes(total), max_mb=megabytes(max_uncompressed))
    _check_ratio("*", total, archive_bytes, max_ratio)
    return files


def megabytes(size: int) -> float:
    """Return a size in MB, rounded to 0.1."""
    return round(size / (1024 * 1024), 1)


class MappedFile(io.RawIOBase):
    """A read-only file over a memory-mapped upload (zipfile needs seekable(), which mmap lacks)."""

    def __init__(self, mapping) -> None:
        super().__init__()
        self.mapping = mapping
        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.mapping[self.position:self.position + len(buffer)]
        buffer[:len(data)] = data
        self.position += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: len(self.mapping)}[whence]
        self.position = max(0, base + offset)
        return self.position

    def tell(self) -> int:
        return self.position


def as_file(raw):
    """Return a file-backed upload (an mmap) as a seekable file object."""
    return MappedFile(raw)


def head(raw, size: int = 4096) -> bytes:
    """Return the first bytes of an upload (bytes or a file-backed mmap) without copying the rest."""
    return bytes(raw[:size])


def open_zip(raw: bytes) -> zipfile.ZipFile:
    """Open zip bytes; raise Invalid if they are not a readable archive."""
    try:
        return zipfile.ZipFile(io.BytesIO(raw) if isinstance(raw, bytes) else as_file(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, EOFError) as exc:
        raise Invalid("upload_zip_corrupt", detail=str(exc)) from None


def extract_zip(raw: bytes, dest: Path, *, max_uncompressed: int, max_members: int, max_ratio: float) -> list[Path]:
    """Extract zip bytes under `dest` within the caps; return the extracted files.

    The declared sizes are checked first; the bytes actually written are counted too,
    so a member whose header lies about its size cannot get past the caps.
    """
    dest = Path(dest)
    out = []
    with open_zip(raw) as archive:
        members = check_members(archive, max_uncompressed=max_uncompressed, max_members=max_members,
                                max_ratio=max_ratio, archive_bytes=len(raw))
        written_total = 0
        for info in members:
            target = dest.joinpath(*_safe_parts(info.filename))
            if not target.resolve().is_relative_to(dest.resolve()):
                raise Invalid("upload_zip_unsafe_name", name=info.filename)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                written_total = _copy_member(archive, info, target, written_total, max_uncompressed, max_ratio)
            except FileExistsError:
                raise Invalid("upload_zip_unsafe_name", name=info.filename) from None
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError, zlib.error,
                    lzma.LZMAError) as exc:
                raise Invalid("upload_zip_corrupt", detail=f"{info.filename}: {exc}") from None
            out.append(target)
    return out


def _copy_member(archive, info, target: Path, written_total: int, max_uncompressed: int, max_ratio: float) -> int:
    """Copy one member to `target` counting real bytes; return the new running total."""
    written = 0
    with archive.open(info) as src, open(target, "xb") as dst:
        while chunk := src.read(_CHUNK):
            if written == 0 and _is_archive("", chunk):
                raise Invalid("upload_zip_nested", name=info.filename)
            written += len(chunk)
            written_total += len(chunk)
            if written > info.file_size or written_total > max_uncompressed:
                raise Invalid("upload_zip_size", size_mb=megabytes(written_total), max_mb=megabytes(max_uncompressed))
            _check_ratio(info.filename, written, info.compress_size, max_ratio)
            dst.write(chunk)
    return written_total


def json_depth(raw: bytes, limit: int) -> int:
    """Return the nesting depth of JSON bytes, stopping early once it passes `limit`.

    Strings are blanked first (brackets inside them do not count) and every other byte but
    brackets dropped; the depth is then a
    running sum over chunks, so the scan needs no recursion and little memory.
    """
    brackets = _JSON_STRING.sub(b'""', raw).translate(None, _NOT_BRACKETS)
    data = np.frombuffer(brackets, dtype=np.uint8)
    depth = deepest = 0
    for start in range(0, len(data), 1 << 20):
        chunk = data[start:start + (1 << 20)]
        step = ((chunk == ord("[")) | (chunk == ord("{"))).astype(np.int32) * 2 - 1  # only brackets are left
        running = np.cumsum(step) + depth
        if running.size:
            deepest = max(deepest, int(running.max()))
            depth = int(running[-1])
        if deepest > limit:
            break
    return deepest
