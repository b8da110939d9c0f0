"""Reading a dBase table (the .dbf of a Shapefile) as raw bytes: its fields and its records, undecoded."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO, Iterator

_TERMINATOR = 0x0D
_DELETED = ord("*")
_DESCRIPTOR = 32


@dataclass(frozen=True)
class DbfField:
    """One field descriptor: its name (bytes), type letter, offset in the record and width."""

    name: bytes
    kind: str
    offset: int
    width: int

    def value(self, record: bytes) -> bytes:
        return record[self.offset:self.offset + self.width]


@dataclass(frozen=True)
class DbfHeader:
    records: int
    header_length: int
    record_length: int
    fields: tuple[DbfField, ...]


def read_header(f: BinaryIO) -> DbfHeader | None:
    """Return the header of a dBase III table (as Shapefiles use), or None when it does not parse."""
    head = f.read(_DESCRIPTOR)
    if len(head) < _DESCRIPTOR:
        return None
    records, header_length, record_length = struct.unpack("<IHH", head[4:12])
    descriptors = f.read(max(header_length - _DESCRIPTOR, 0))
    fields, offset = [], 1  # byte 0 of a record is the deletion flag
    for start in range(0, len(descriptors) - _DESCRIPTOR + 1, _DESCRIPTOR):
        d = descriptors[start:start + _DESCRIPTOR]
        if d[0] == _TERMINATOR:
            break
        kind = chr(d[11])
        # As shapelib reads it: numeric widths are one byte, other widths may use the decimals byte too.
        width = d[16] if kind in "NF" else d[16] + 256 * d[17]
        fields.append(DbfField(d[:11].split(b"\0", 1)[0], kind, offset, width))
        offset += width
    if not fields or offset > record_length:
        return None
    return DbfHeader(records, header_length, record_length, tuple(fields))


def live_records(f: BinaryIO, header: DbfHeader, chunk: int = 4096) -> Iterator[bytes]:
    """Yield the records that are not marked deleted (GDAL skips those), in file order."""
    f.seek(header.header_length)
    size = header.record_length
    for start in range(0, header.records, chunk):
        block = f.read(min(chunk, header.records - start) * size)
        for i in range(len(block) // size):
            record = block[i * size:(i + 1) * size]
            if record[0] != _DELETED:
                yield record
        if len(block) < chunk * size:
            return
