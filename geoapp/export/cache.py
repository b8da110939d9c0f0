"""Exports stored on disk, one directory per data version."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

CACHE_MAX_FILES = 256


class ExportCache:
    """Exports on disk, one directory per data version; older versions are removed on the next write."""

    def __init__(self, root: str | Path, max_files: int = CACHE_MAX_FILES) -> None:
        self.root = Path(root)
        self.max_files = max_files

    def path(self, version: str, key: str, suffix: str) -> Path:
        return self.root / re.sub(r"[^A-Za-z0-9._-]", "_", version) / f"{key}.{suffix}"

    def get_or_build(self, version: str, key: str, suffix: str, build) -> bytes:
        """Return the cached bytes of `key` in `version`, building and storing them on a miss."""
        path = self.path(version, key, suffix)
        try:
            body = path.read_bytes()
            os.utime(path)
            return body
        except FileNotFoundError:
            pass
        body = build()
        self._store(path, body)
        return body

    def _store(self, path: Path, body: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
            os.replace(tmp, path)
        except OSError:
            return  # an unwritable cache never fails an export
        self._prune(path.parent)

    def _prune(self, current: Path) -> None:
        for other in self.root.iterdir():
            if other != current and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)
        files = sorted((p for p in current.iterdir() if not p.name.startswith(".")), key=_mtime)
        for old in files[: max(0, len(files) - self.max_files)]:
            old.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def export_cache(settings: dict) -> ExportCache:
    """Return the export cache of the data directory."""
    return ExportCache(Path(settings["DATA_DIR"]) / "cache" / "exports")
