"""A compact columnar copy of a table for the workflow's own steps: one ``.npz`` per table,
text columns as integer codes into their distinct values, numbers as float64. No pickle (the
arrays are plain numbers and fixed-width text), so a file reads the same after a numpy or
pandas upgrade.

At registry scale the cohort table is 2.5 million rows (5,000 patients x 500 genes): read as
text with pandas it takes ~10 s and 1.7 GB; from the ingest shards' ``.npz`` files the columns
a step needs take a few seconds and a few bytes a row. ``alterations.tsv`` stays the
contract's output; steps that only compute from it (eligibility, statistics, the export) read
the shards' stores instead (shard by shard: the export puts the rows back in sheet order).
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from .tsv import atomic_path


def positions(values: pd.Series, names) -> np.ndarray:
    """Position of each value in ``names`` (unique; -1: absent or missing). A categorical
    column (the cohort steps read identifiers and states as categoricals) is looked up once
    per category and spread by code, not value by value over millions of rows."""
    index = pd.Index(names)
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return index.get_indexer(values)
    per = np.r_[index.get_indexer(values.cat.categories), -1]  # code -1 (missing) -> -1
    return per[values.cat.codes.to_numpy()]


def is_in(values: pd.Series, allowed) -> np.ndarray:
    """Whether each value is one of ``allowed`` (a missing value is not), a categorical
    column by category."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values.isin(list(allowed)).to_numpy()
    allowed = set(allowed)
    hit = np.r_[[c in allowed for c in values.cat.categories], False].astype(bool)
    return hit[values.cat.codes.to_numpy()]


def write_store(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``df`` (numbers as float64, everything else as codes into its distinct values,
    missing = code -1) atomically."""
    arrays, kinds = {}, {}
    for i, col in enumerate(df.columns):
        s = df[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            arrays[f"v{i}"] = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
            kinds[col] = "float"
        else:
            values = s.astype(object).where(s.notna(), None)
            cat = pd.Categorical([None if v is None else str(v) for v in values])
            arrays[f"c{i}"] = cat.codes.astype(np.int32)
            cats = [str(c) for c in cat.categories]
            arrays[f"k{i}"] = np.array(cats, dtype=f"<U{max((len(c) for c in cats), default=1)}")
            kinds[col] = "text"
    arrays["meta"] = np.array(json.dumps({"columns": [str(c) for c in df.columns],
                                          "kinds": kinds}))
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)


def store_values(paths, column: str) -> list[str]:
    """The distinct values of text column ``column`` over the stores (read without the rows)."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    values: set[str] = set()
    for path in paths:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            values.update(str(v) for v in z[f"k{meta['columns'].index(column)}"])
    return sorted(values)


def _code_dtype(n: int):
    """The smallest signed integer type for codes 0..n-1 and -1 (as pandas keeps them)."""
    return next(t for t in (np.int8, np.int16, np.int32, np.int64) if n < np.iinfo(t).max)


def read_store(paths, columns=None, categorical=(), where: dict | None = None) -> pd.DataFrame:
    """The tables of one or more stores concatenated (in the given order); ``columns`` only
    those; ``categorical`` text columns as pandas categoricals (categories united across the
    files), the other text columns as object arrays (NaN where missing, as ``read_tsv``).
    ``where`` ({text column: values}) keeps only the rows with one of those values, chosen on
    the codes before any row is built: eligibility reads the rules' genes of a large panel in
    the memory of those genes alone.

    Built one column at a time (a member of the ``.npz`` is read only when its column is
    built), so the transient memory is about one column of all files, not the whole table."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    files = [np.load(path, allow_pickle=False) for path in paths]
    try:
        metas = [json.loads(str(z["meta"])) for z in files]
        if not metas:
            return pd.DataFrame(columns=list(columns or []))
        order = [c for c in metas[0]["columns"] if columns is None or c in set(columns)]
        masks = []
        for z, meta in zip(files, metas):
            keep = None
            for col, allowed in (where or {}).items():
                i = meta["columns"].index(col)
                allowed = {str(a) for a in allowed}
                hit = np.array([str(v) in allowed for v in z[f"k{i}"]] + [False], dtype=bool)
                mask = hit[z[f"c{i}"]]  # code -1 (missing) indexes the trailing False
                keep = mask if keep is None else keep & mask
            masks.append(keep)

        def member(z, key, keep):
            a = z[key]
            return a if keep is None else a[keep]

        out = {}
        for col in order:
            where_in = [(z, meta["columns"].index(col), keep)
                        for z, meta, keep in zip(files, metas, masks)]
            if metas[0]["kinds"][col] == "float":
                out[col] = np.concatenate([member(z, f"v{i}", keep) for z, i, keep in where_in])
                continue
            kept = [z[f"k{i}"] for z, i, _ in where_in]
            cats = sorted({str(c) for k in kept for c in k})
            index = {c: n for n, c in enumerate(cats)}
            dtype = _code_dtype(len(cats))
            codes = np.concatenate([
                np.array([index[str(x)] for x in k] + [-1], dtype=dtype)[member(z, f"c{i}", keep)]
                for (z, i, keep), k in zip(where_in, kept)])  # code -1 indexes the trailing -1
            values = pd.Categorical.from_codes(codes, categories=cats)
            if col in categorical:
                out[col] = values
            else:
                objects = np.array(cats + [np.nan], dtype=object)
                out[col] = objects[codes]  # -1 -> the trailing NaN
            del codes
    finally:
        for z in files:
            z.close()
    # copy=False: the columns are the frame's (no consolidated copy: the default constructor
    # doubled the peak memory of a registry's table)
    return pd.DataFrame(out, copy=False)


def cohort_rows(stores, sheet: pd.DataFrame, columns=None, categorical=(), genes=None,
                sheet_order: bool = False) -> pd.DataFrame:
    """The cohort table (alterations.tsv's rows) from the ingest shards' stores: the columns
    of alterations.tsv for this sheet (``cohort.alteration_columns``), only ``columns`` of
    them when given, only ``genes``' rows when given (chosen on the codes, before any row is
    built). ``sheet_order`` puts the patients back in sheet order - alterations.tsv's row
    order (a stable sort: each patient's genes stay in panel order). Text columns read as
    ``read_tsv`` reads them, ``categorical`` ones as categoricals."""
    from .cohort import alteration_columns

    keep = [c for c in alteration_columns(sheet) if columns is None or c in columns]
    need = keep if "patient_id" in keep or not sheet_order else ["patient_id", *keep]
    rows = read_store(list(stores), columns=need, categorical=categorical,
                      where=None if genes is None else {"gene": genes})
    if sheet_order and len(rows):
        rank = pd.Series(np.arange(len(sheet)), index=sheet["patient_id"].astype(str))
        ids = rows["patient_id"]
        if isinstance(ids.dtype, pd.CategoricalDtype):
            key = rank.reindex(ids.cat.categories).to_numpy()[ids.cat.codes.to_numpy()]
        else:
            key = rank.reindex(ids.astype(str)).to_numpy()
        if np.isnan(key).any():  # a store of another sheet: never sort it in silently
            stray = rows["patient_id"][np.isnan(key)].iloc[0]
            raise AssertionError(f"cohort store holds patient {stray}, who is not in the sheet")
        rows = rows.take(np.argsort(key, kind="stable"))
        rows.index = pd.RangeIndex(len(rows))  # (reset_index would copy every column again)
    return rows if list(rows.columns) == keep else rows[keep]  # (selecting copies every column)
