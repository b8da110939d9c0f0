"""The data version stamp: a small file in the data directory that publish and rollback rewrite.

Every worker (and every process that publishes, e.g. the command line) shares the data directory,
so `os.stat` of the stamp tells a worker cheaply whether published data changed since it last
looked, without a database round trip. The file holds the data version token.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

STAMP_NAME = "data-version"


class VersionStamp:
    """The data version written by the last publish, read back through a cheap stat."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._seen: tuple | None = None
        self._token: str | None = None
        self._lock = threading.Lock()

    def write(self, token: str) -> None:
        """Replace the stamp atomically (a new inode: every reader sees the change at its next stat)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".stamp-")
            with os.fdopen(fd, "w") as fh:
                fh.write(token)
            os.replace(tmp, self.path)
        except OSError:
            return  # an unwritable stamp only turns the fast path off (the token is then unknown)

    def current(self) -> str | None:
        """Return the token of the stamp (None when there is none); re-read only when the file changed."""
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        seen = (st.st_ino, st.st_mtime_ns, st.st_size)
        if seen != self._seen:
            try:
                token = self.path.read_text().strip() or None
            except OSError:
                return None
            with self._lock:
                self._seen, self._token = seen, token
        return self._token


def stamp_of(settings: dict) -> VersionStamp:
    """Return the stamp of the data directory of `settings`."""
    return VersionStamp(Path(settings["DATA_DIR"]) / STAMP_NAME)
