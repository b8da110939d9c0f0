"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time


def median_ms(fn, repeat: int = 5) -> float:
    """Run `fn` `repeat` times; return the median wall time in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)
