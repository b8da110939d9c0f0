"""Control characters in the text of an uploaded GeoJSON, found before GDAL reads it.

GDAL cuts a string at its first NUL ("Xã\\u0000Bảo Lâm" would be read as "Xã"), so
the check on the read layer cannot see it: the JSON text itself is scanned.
"""

from __future__ import annotations

import json
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A control character in JSON text: escaped (\u0000-\u001f, \u007f) or raw; most files have none.
_ESCAPED_CONTROL = re.compile(rb"\\u00(?:[01][0-9a-fA-F]|7[fF])")  # a literal prefix: searched fast
_RAW_CONTROL = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_OTHER_BYTES = bytes(b for b in range(256) if b not in _RAW_CONTROL)
_CHUNK = 1 << 24


def may_hold_control(raw) -> bool:
    """True when JSON bytes hold a control character, escaped or raw (a fast scan, no parsing)."""
    if _ESCAPED_CONTROL.search(raw) is not None:
        return True
    with memoryview(raw) as view:
        return any(bytes(view[start:start + _CHUNK]).translate(None, _OTHER_BYTES)
                   for start in range(0, len(view), _CHUNK))


def shown(value: str) -> str:
    """Return text with its control characters written as \\uXXXX, at most 80 characters."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", value)[:80]


def geojson_control_characters(raw) -> list[dict]:
    """Return {feature, field, value} of each property string holding a control character.

    `raw` is bytes or a memory map; the JSON is parsed only when its text may hold one.
    """
    if not may_hold_control(raw):
        return []
    try:
        data = json.loads(bytes(raw).decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return []
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        return []
    hits = []
    for i, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            continue
        for field, value in props.items():
            if (isinstance(value, str) and _CONTROL.search(value)) or _CONTROL.search(str(field)):
                hits.append({"feature": i + 1, "field": shown(str(field)), "value": shown(str(value))})
    return hits
