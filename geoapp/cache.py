"""The one cache of things computed from published data, in memory or on disk.

Every entry is keyed by (data version, canonical request, format, language). The data version
is read once per request from the store, so a publish makes every worker build afresh on its
next request; entries of older versions are never read again and are dropped.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from geoapp.util import digest

T = TypeVar("T")
MEMORY_ENTRIES = 256
DISK_FILES = 256


@dataclass(frozen=True)
class CacheKey:
    """What an entry was computed from."""

    version: str  # data version token, e.g. "b3.i7"
    request: str  # canonical request, e.g. "ntm_level?year=2021&district=183&lang=vi"
    fmt: str  # what was built from it, e.g. "view", "values.json", "png-300dpi-landscape"
    lang: str = ""  # language of the text in it ("" for none)

    def digest(self) -> str:
        """Return a short stable hash of the key (file names, ETags)."""
        return digest(self.version, self.request, self.fmt, self.lang)

    def variant(self, fmt: str) -> CacheKey:
        """Return the key of another format of the same request (e.g. its gzip encoding)."""
        return CacheKey(self.version, self.request, fmt, self.lang)


class Cache(Protocol):
    """A store of computed values behind one method."""

    def get_or_build(self, key: CacheKey, build: Callable[[], T]) -> T: ...


class MemoryCache:
    """Least-recently-used values in this process (views, JSON bodies); thread-safe."""

    def __init__(self, size: int = MEMORY_ENTRIES) -> None:
        self.size = size
        self._data: OrderedDict[CacheKey, object] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def peek(self, key: CacheKey, default=None):
        """Return the cached value of `key`, or `default` (nothing is built)."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return default

    def get_or_build(self, key: CacheKey, build: Callable[[], T]) -> T:
        """Return the cached value of `key`, building and storing it on a miss."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = build()
        with self._lock:
            self._data[key] = value
            for old in [k for k in self._data if k.version != key.version]:
                del self._data[old]  # a newer data version was published
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value


class DiskCache:
    """Bytes on disk (exported files), shared by the workers: one directory per data version."""

    def __init__(self, root: str | Path, max_files: int = DISK_FILES, release: str = "") -> None:
        self.root = Path(root)
        self.max_files = max_files
        self.release = release

    def path(self, key: CacheKey) -> Path:
        version = re.sub(r"[^A-Za-z0-9._-]", "_", key.version)
        suffix = re.sub(r"[^A-Za-z0-9]", "", key.fmt.split("-")[0])
        name = digest(key.digest(), self.release) if self.release else key.digest()
        return self.root / version / f"{name}.{suffix}"

    def get_or_build(self, key: CacheKey, build: Callable[[], bytes]) -> bytes:
        """Return the cached bytes of `key`, building and storing them on a miss."""
        path = self.path(key)
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
            return  # an unwritable cache never fails a request
        self._prune(path.parent)

    def _prune(self, current: Path) -> None:
        for other in self.root.iterdir():
            if other != current and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)
        files = sorted((p for p in current.iterdir() if not p.name.startswith(".")), key=modified_time)
        for old in files[: max(0, len(files) - self.max_files)]:
            old.unlink(missing_ok=True)


def modified_time(path: Path) -> float:
    """Return a file's modification time, 0 if it is gone."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def file_cache(settings: dict) -> DiskCache:
    """Return the on-disk cache of the data directory (exports), keyed by the release of geoapp too
    (an upgrade that draws exports differently never serves files drawn by the previous one)."""
    return DiskCache(Path(settings["DATA_DIR"]) / "cache" / "exports", release=release())


def release() -> str:
    """Return the installed geoapp version ("unknown" when run from a tree that is not installed)."""
    try:
        return importlib.metadata.version("geoapp")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
