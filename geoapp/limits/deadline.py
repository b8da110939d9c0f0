"""An application-level time bound for expensive work running in a request thread.

gunicorn's gthread timeout does not stop a slow request: it only restarts a worker that
stops answering its heartbeat. `call_with_time_bound` runs a function in the calling thread
and, once the bound has passed, raises TimeExceeded inside that thread at its next Python
instruction (long C calls finish first). The work is pure computation on read-only data
(exports, classifications, dry runs), so stopping it leaves nothing half written.
"""

from __future__ import annotations

import ctypes
import threading

from geoapp.limits.errors import TimeExceeded


class _Stop(BaseException):
    """Raised asynchronously in the worker thread; BaseException so that `except Exception` does not swallow it."""


def _raise_in(thread_id: int, exc_type) -> None:
    """Schedule `exc_type` (or, with None, cancel a scheduled one) in another thread."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc_type) if exc_type else None)


class Watchdog:
    """Interrupts one thread after `seconds` unless finished first."""

    def __init__(self, thread_id: int, seconds: float) -> None:
        self.thread_id = thread_id
        self.lock = threading.Lock()
        self.finished = False
        self.fired = False
        self.timer = threading.Timer(seconds, self.interrupt)
        self.timer.daemon = True

    def interrupt(self) -> None:
        with self.lock:
            if not self.finished:
                self.fired = True
                _raise_in(self.thread_id, _Stop)

    def finish(self) -> bool:
        """Stop watching; return True if the interrupt was sent (a pending one is cancelled)."""
        with self.lock:
            self.finished = True
        self.timer.cancel()
        if self.fired:
            _raise_in(self.thread_id, None)
        return self.fired


def call_with_time_bound(fn, seconds: float, retry_after: float = 30):
    """Return fn(); raise TimeExceeded if it runs longer than `seconds` (0 or less: no bound)."""
    if not seconds or seconds <= 0:
        return fn()
    watchdog = Watchdog(threading.get_ident(), seconds)
    try:
        try:
            watchdog.timer.start()
            result = fn()
        finally:
            fired = watchdog.finish()
    except _Stop:
        raise TimeExceeded(retry_after) from None
    if fired:
        raise TimeExceeded(retry_after)
    return result
