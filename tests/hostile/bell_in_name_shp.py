"""Cao Lộc as a zipped Shapefile with a BEL control character (0x07) inside the .dbf name of 06190."""

from tests.hostile import BAO_LAM, BAO_LAM_BELL, cao_loc, replaced_once, shapefile_zip

FILENAME = "bell_in_name.zip"
KIND = "boundaries"
OPTIONS = {}
EXPECTED = ("upload_control_characters_features",)


def build(published) -> bytes:
    return shapefile_zip(cao_loc(published), lambda dbf: replaced_once(dbf, BAO_LAM, BAO_LAM_BELL))
