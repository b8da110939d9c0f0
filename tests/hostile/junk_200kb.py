"""200 kB of junk (a PNG header and zeros) named .geojson: twenty of them once filled the pending folder."""

FILENAME = "junk.geojson"
KIND = "boundaries"
OPTIONS = {}
EXPECTED = ("upload_content_mismatch",)


def build(published=None) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes(200_000)
