"""Recognise code, name, district and year columns under their common names."""

from __future__ import annotations

import re

from geoapp.data.names import ascii_key

# Keys are compared after folding case, removing diacritics and every non-alphanumeric
# character, so MA_XA, MaXa and ma_xa are the same. Shapefile cuts names to 10 characters.
FIELD_NAMES = {
    "code": ["commune_code", "commune_co", "ma_xa", "maxa", "ma_dvhc", "madvhc", "gso_code", "code", "ma"],
    "name": ["commune_name", "commune_na", "ten_xa", "tenxa", "ten_dvhc", "tendvhc", "name", "ten"],
    "district_code": ["district_code", "district_c", "ma_huyen", "mahuyen", "ma_qh", "district"],
    "district_name": ["district_name", "district_n", "ten_huyen", "tenhuyen", "huyen"],
    "year": ["year", "nam", "nam_bao_cao"],
    "indicator": ["indicator", "chi_tieu", "chitieu", "indicator_id"],
    "value": ["value", "gia_tri", "giatri"],
    "commune_type": ["commune_type", "commune_ty", "loai_xa", "cap_xa"],
    "province_code": ["province_code", "province_c", "ma_tinh", "matinh"],
    "province_name": ["province_name", "province_n", "ten_tinh", "tentinh"],
    "boundary_quality": ["boundary_quality", "boundary_q"],
    "status": ["status", "trang_thai"],
    "source": ["source", "nguon"],
    "note": ["note", "ghi_chu", "ghichu"],
}


def field_key(name: str) -> str:
    """Return the comparison key of a column name ("Mã_Xã" -> "maxa")."""
    return re.sub(r"[^a-z0-9]", "", ascii_key(str(name)).replace(" ", ""))


def find_field(columns, role: str, explicit: str | None = None) -> str | None:
    """Return the column that plays `role`, or the explicit choice if it exists."""
    columns = list(columns)
    if explicit:
        if explicit not in columns:
            raise KeyError(explicit)
        return explicit
    keyed = {field_key(c): c for c in columns}
    for candidate in FIELD_NAMES[role]:
        if field_key(candidate) in keyed:
            return keyed[field_key(candidate)]
    return None
