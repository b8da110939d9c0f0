"""Cao Lộc as a zipped Shapefile whose .dbf pads every text value with NULs instead of spaces: legal padding."""

from tests.hostile import cao_loc, nul_padded, shapefile_zip

FILENAME = "nul_padding.zip"
KIND = "boundaries"
OPTIONS = {}
EXPECTED = ()


def build(published) -> bytes:
    return shapefile_zip(cao_loc(published), nul_padded)
