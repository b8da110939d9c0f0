"""Column helpers that do their work once per distinct value (uploads repeat codes, years and ids)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def once_per_value(values: pd.Series, function) -> pd.Series:
    """Apply `function` once per distinct value of a column (uploads repeat years, ids and statuses)."""
    codes, distinct = pd.factorize(values.astype(object), use_na_sentinel=False)
    results = np.empty(len(distinct), dtype=object)
    results[:] = [function(v) for v in distinct]
    return pd.Series(results[codes], index=values.index, dtype=object)
