"""Per-patient (and per-sample) result cache: tables stored as plain JSON under a content key.

A cached entry is a dict of named tables (and JSON-able values) stored as one JSON file:
columns, a portable dtype name per column, and the cell values. Unlike a pickle it reads the
same after a pandas or numpy upgrade, and it can be inspected by hand. Keys come from
``cohortmark.fingerprint.digest`` over everything the result depends on (file contents,
companion files such as a VCF index, the settings, the sheet values, the code).
Writes are atomic, so a killed job never leaves a half-written entry.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd

from .tsv import atomic_write

FORMAT = 2
_DTYPES = {"float64": "float", "int64": "int", "Int64": "Int64", "bool": "bool",
           "boolean": "boolean", "object": "object", "string": "object"}


def _encode_table(df: pd.DataFrame) -> dict:
    dtypes = [_DTYPES.get(str(t), "object") for t in df.dtypes]
    columns = []
    for name, kind in zip(df.columns, dtypes):
        values = df[name].tolist()
        if kind in ("float", "Int64", "boolean", "object"):
            values = [None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
                      else v for v in values]
        columns.append(values)
    return {"columns": [str(c) for c in df.columns], "dtypes": dtypes, "data": columns}


def _decode_table(obj: dict) -> pd.DataFrame:
    data = {}
    for name, kind, values in zip(obj["columns"], obj["dtypes"], obj["data"]):
        if kind == "float":
            data[name] = pd.Series([math.nan if v is None else v for v in values], dtype=float)
        elif kind == "object":
            data[name] = pd.Series(values, dtype=object)
        else:
            data[name] = pd.Series(values, dtype={"int": "int64", "Int64": "Int64",
                                                  "bool": "bool", "boolean": "boolean"}[kind])
    return pd.DataFrame(data, columns=obj["columns"])


class ResultCache:
    """A directory of cached results, ``<root>/<key[:2]>/<key>.json``."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        """The entry stored under ``key`` (tables as DataFrames), or None when absent or
        written by another cache format."""
        path = self.path(key)
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        if obj.get("format") != FORMAT:
            return None
        out = dict(obj.get("values", {}))
        out.update({name: _decode_table(t) for name, t in obj["tables"].items()})
        return out

    def put(self, key: str, entry: dict) -> None:
        """Store ``entry``: DataFrame values as tables, everything else as JSON values."""
        tables = {k: _encode_table(v) for k, v in entry.items() if isinstance(v, pd.DataFrame)}
        values = {k: v for k, v in entry.items() if not isinstance(v, pd.DataFrame)}
        text = json.dumps({"format": FORMAT, "tables": tables, "values": values},
                          separators=(",", ":"), allow_nan=False, default=_json_scalar)
        atomic_write(self.path(key), text)


def _json_scalar(value):
    """numpy scalars -> Python scalars (NaN -> None) for JSON."""
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
        return value
    raise TypeError(f"not JSON-able: {value!r}")
