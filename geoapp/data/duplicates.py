"""Duplicate rows of a joined table: which row was kept, and whether the duplicates disagree."""

from __future__ import annotations

import pandas as pd


def _same(a, b) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    return str(a).strip() == str(b).strip()


def describe_duplicates(table: pd.DataFrame, matched: pd.DataFrame, key: list[str]) -> list[dict]:
    """Return one entry per dropped duplicate of `matched` (rows of `table` by index): its row, the kept row,
    and the columns whose values differ from the kept row (`disagree` is True when there are any).

    Row numbers are spreadsheet rows (the header is row 1); columns named "_..." are bookkeeping, not compared.
    """
    dup = matched.duplicated(subset=key, keep="first")
    if not dup.any():
        return []
    first = matched[~dup]
    kept = {tuple(values): idx for idx, values in zip(first.index, first[key].itertuples(index=False, name=None))}
    out = []
    for idx, values in zip(matched.index[dup], matched.loc[dup, key].itertuples(index=False, name=None)):
        kept_idx = kept[tuple(values)]
        differ = [str(c) for c in table.columns
                  if not str(c).startswith("_") and not _same(table.at[idx, c], table.at[kept_idx, c])]
        out.append({"row": table.index.get_loc(idx) + 2, "code": matched.at[idx, "commune_code"],
                    "kept_row": table.index.get_loc(kept_idx) + 2, "disagree": bool(differ), "differing": differ})
    return out
