"""Cao Lộc as a GeoPackage with a NUL inside the name of 06190 ("Xã\u0000Bảo Lâm"): GDAL reads "Xã"."""

from tests.hostile import BAO_LAM, BAO_LAM_NUL, cao_loc, geopackage, replaced_once

FILENAME = "nul_in_name.gpkg"
KIND = "boundaries"
OPTIONS = {}
EXPECTED = ("upload_control_characters_features",)


def build(published) -> bytes:
    return geopackage(cao_loc(published), lambda raw: replaced_once(raw, BAO_LAM, BAO_LAM_NUL))
