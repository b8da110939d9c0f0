"""Coordinate reference systems of uploads: VN-2000 presets, the datum shift, and the Vietnam extent check."""

from __future__ import annotations

import math
import re
import warnings

from pyproj import CRS
from pyproj.exceptions import CRSError
from pyproj.transformer import TransformerGroup

from geoapp.errors import Invalid

# VN-2000 -> WGS 84, Circular 973/2001/TT-TCĐC (the parameters of EPSG "VN-2000 to WGS 84 (2)",
# written in the position-vector convention of PROJ's +towgs84).
VN2000_TOWGS84 = "-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"
VIETNAM_BOUNDS = (102.0, 8.0, 110.0, 24.0)
MARGIN_DEGREES = 0.5
_VN2000_DATUM = re.compile(r"vn[-_ ]?2000|vietnam[-_ ]?2000", re.IGNORECASE)

# Provincial 3° TM zones of VN-2000 (k0 = 0.9999, false easting 500 km): central meridian in
# minutes -> (EPSG code, provinces using it).
_TM3_ZONES = {
    103 * 60: (9205, "Lai Châu, Điện Biên"),
    104 * 60: (9206, "Sơn La"),
    104 * 60 + 30: (9207, "Kiên Giang, Cà Mau"),
    104 * 60 + 45: (9208, "Lào Cai, Yên Bái, Nghệ An, Phú Thọ, An Giang"),
    105 * 60: (5897, "Hà Nội, Hà Nam, Ninh Bình, Thanh Hóa, Vĩnh Phúc, Đồng Tháp, Cần Thơ, Hậu Giang, "
                     "Bạc Liêu"),
    105 * 60 + 30: (9209, "Hà Giang, Bắc Ninh, Hải Dương, Hưng Yên, Nam Định, Thái Bình, Hà Tĩnh, Tây Ninh, "
                          "Vĩnh Long, Sóc Trăng, Trà Vinh"),
    105 * 60 + 45: (9210, "Cao Bằng, Hải Phòng, TP Hồ Chí Minh, Bình Dương, Long An, Tiền Giang, Bến Tre"),
    106 * 60: (9211, "Tuyên Quang, Hòa Bình, Quảng Bình"),
    106 * 60 + 15: (9212, "Quảng Trị, Bình Phước"),
    106 * 60 + 30: (9213, "Bắc Kạn, Thái Nguyên"),
    107 * 60: (9214, "Bắc Giang, Thừa Thiên Huế"),
    107 * 60 + 15: (9215, "Lạng Sơn"),
    107 * 60 + 30: (9216, "Kon Tum"),
    107 * 60 + 45: (5899, "Quảng Ninh, Đà Nẵng, Quảng Nam, Bà Rịa - Vũng Tàu, Đồng Nai, Lâm Đồng"),
    108 * 60: (5898, "Quảng Ngãi"),
    108 * 60 + 15: (9217, "Bình Định, Khánh Hòa, Ninh Thuận"),
    108 * 60 + 30: (9218, "Gia Lai, Đắk Lắk, Đắk Nông, Phú Yên, Bình Thuận"),
}


def _tm_proj4(lon0: float, k: float) -> str:
    return (
        f"+proj=tmerc +lat_0=0 +lon_0={lon0:g} +k={k:g} +x_0=500000 +y_0=0 "
        f"+ellps=WGS84 +towgs84={VN2000_TOWGS84} +units=m +no_defs"
    )


def _presets() -> dict[str, dict]:
    presets = {
        f"vn2000-utm{zone}n": {
            "label_vi": f"VN-2000 / UTM múi {zone}N (EPSG:{epsg})",
            "label_en": f"VN-2000 / UTM zone {zone}N (EPSG:{epsg})",
            "proj4": _tm_proj4(zone * 6 - 183, 0.9996),
            "epsg": epsg,
        }
        for zone, epsg in ((48, 3405), (49, 3406))
    }
    for minutes, (epsg, provinces) in _TM3_ZONES.items():
        degrees, rest = divmod(minutes, 60)
        meridian = f"{degrees}°{rest:02d}′"
        preset_id = "vn2000-langson" if provinces == "Lạng Sơn" else f"vn2000-tm3-{degrees}{rest:02d}"
        presets[preset_id] = {
            "label_vi": f"VN-2000 / TM-3 kinh tuyến trục {meridian} ({provinces})",
            "label_en": f"VN-2000 / TM-3 central meridian {meridian} ({provinces})",
            "proj4": _tm_proj4(minutes / 60, 0.9999),
            "epsg": epsg,
        }
    return presets


CRS_PRESETS: dict[str, dict] = _presets()


def preset_crs(preset_id: str) -> CRS:
    """Return the CRS of a preset."""
    preset = CRS_PRESETS[preset_id]
    return CRS.from_wkt(preset["wkt"]) if "wkt" in preset else CRS.from_proj4(preset["proj4"])


def parse_crs(text: str) -> CRS:
    """Return the CRS named by "EPSG:N" or a preset id; raise Invalid otherwise."""
    text = (text or "").strip()
    if text in CRS_PRESETS:
        return preset_crs(text)
    match = re.fullmatch(r"(?i)epsg:(\d{4,6})", text)
    if match:
        try:
            return CRS.from_epsg(int(match.group(1)))
        except CRSError:
            pass
    raise Invalid("upload_crs_unknown", crs=text, presets=", ".join(CRS_PRESETS),
                  preset_names={"vi": preset_names("vi"), "en": preset_names("en")})


def preset_names(lang: str) -> str:
    """Return the names of the VN-2000 presets in a language, as one "; "-separated text."""
    return "; ".join(p["label_" + ("en" if lang == "en" else "vi")] for p in CRS_PRESETS.values())


def label(crs: CRS) -> str:
    """Return a short human name of a CRS ("EPSG:3405 VN-2000 / UTM zone 48N")."""
    code = crs.to_epsg(min_confidence=90)
    return f"EPSG:{code} {crs.name}" if code else crs.name


def _is_ballpark(crs: CRS) -> bool:
    """Return True if PROJ knows no datum shift from `crs` to WGS 84 (it would use a null shift)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        group = TransformerGroup(crs, 4326, always_xy=True)
    if not group.transformers:
        return True
    return "ballpark" in group.transformers[0].description.lower()


def _looks_vn2000_grid(crs: CRS) -> bool:
    """Return True if a projected CRS has the VN-2000 TM/UTM parameters on the WGS 84 ellipsoid."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params = crs.to_dict() if crs.is_projected else {}
    if params.get("proj") not in ("tmerc", "utm") or params.get("ellps", "WGS84") != "WGS84":
        return False
    return params.get("proj") == "utm" or (params.get("x_0") == 500000 and params.get("k") in (0.9999, 0.9996))


def with_datum_shift(crs: CRS) -> tuple[CRS, str | None]:
    """Return the CRS to use and a note: VN-2000 without a known datum shift gets the official one.

    The note is "added" when the shift was added, "missing" when the CRS looks like a
    VN-2000 grid but names no datum (positions may be off by hundreds of metres).
    """
    if not _is_ballpark(crs):
        return crs, None
    datum = crs.datum.name if crs.datum else ""
    if _VN2000_DATUM.search(datum) or _VN2000_DATUM.search(crs.name):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            proj4 = crs.to_proj4()
        proj4 = re.sub(r"\+(datum|ellps|towgs84|nadgrids|type)=\S+", "", proj4)
        return CRS.from_proj4(f"{proj4} +ellps=WGS84 +towgs84={VN2000_TOWGS84}"), "added"
    if _looks_vn2000_grid(crs):
        return crs, "missing"
    return crs, None


def in_vietnam(bounds) -> bool:
    """Return True if lon/lat bounds (minx, miny, maxx, maxy) lie in Vietnam, with a small margin."""
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    if not all(math.isfinite(b) for b in (minx, miny, maxx, maxy)):
        return False
    west, south, east, north = VIETNAM_BOUNDS
    m = MARGIN_DEGREES
    return west - m <= minx and maxx <= east + m and south - m <= miny and maxy <= north + m


def looks_geographic(bounds) -> bool:
    """Return True if coordinates could be longitudes and latitudes."""
    minx, miny, maxx, maxy = bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def diagnose(source_bounds, source_crs: CRS | None, wgs84_bounds) -> tuple[str, dict] | None:
    """Return (message key, params) explaining why a layer is not in Vietnam, or None if it is."""
    if in_vietnam(wgs84_bounds):
        return None
    minx, miny, maxx, maxy = source_bounds
    geographic = source_crs is None or source_crs.is_geographic
    if geographic and in_vietnam((miny, minx, maxy, maxx)):
        return "upload_crs_swapped", {}
    if geographic and not looks_geographic(source_bounds):
        return "upload_crs_projected_coordinates", {}
    if not geographic and looks_geographic(source_bounds):
        return "upload_crs_degrees", {"crs": label(source_crs)}
    params = {"crs": label(source_crs) if source_crs else "EPSG:4326"}
    params["bounds"] = ", ".join(f"{b:.3f}" if math.isfinite(b) else "∞" for b in map(float, wgs84_bounds))
    return "upload_crs_outside", params
