"""A bounded pool of slots for expensive work, shared by every process on the host.

Each slot is a lock file in one directory; a slot is held by an exclusive `flock` on its
file. The kernel releases the lock when the holder closes the file or dies, so a killed
worker never keeps a slot. Separate `open()` calls conflict even within one process, so
threads of one worker share the pool with every other worker.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from geoapp.limits.errors import Busy


def default_slots(cpus: int | None = None) -> int:
    """Return the default pool size: every core but one (kept for pages), at least one."""
    cpus = cpus if cpus is not None else (os.cpu_count() or 1)
    return max(1, cpus - 1)


class SlotPool:
    """`size` slots in `directory`; `slot()` takes a free one or raises Busy at once."""

    def __init__(self, directory: str | Path, size: int, retry_after: float = 5) -> None:
        if size < 1:
            raise ValueError("a slot pool needs at least one slot")
        self.directory = Path(directory)
        self.size = size
        self.retry_after = retry_after
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)

    def path(self, index: int) -> Path:
        return self.directory / f"slot-{index}.lock"

    def try_acquire(self) -> int | None:
        """Return the descriptor of a newly held slot, or None when all are taken."""
        for index in range(self.size):
            fd = os.open(self.path(index), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return fd
        return None

    @staticmethod
    def release(fd: int) -> None:
        """Give a slot back (closing the descriptor drops its lock)."""
        os.close(fd)

    @contextmanager
    def slot(self):
        """Hold one slot for the duration of the block; raise Busy when none is free."""
        fd = self.try_acquire()
        if fd is None:
            raise Busy(self.retry_after)
        try:
            yield
        finally:
            self.release(fd)
