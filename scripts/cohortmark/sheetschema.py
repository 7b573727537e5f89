"""A typed sheet checked against its JSON schema (config/schemas/*.schema.yaml) column by column.

``snakemake.utils.validate`` checks a DataFrame row by row, building a validator for every row:
at 100,000 patients that took most of the time Snakemake spent before the first job (minutes on
a busy machine). The sheet schemas constrain each column on its own (``properties`` plus
``required``), so checking every distinct value of a column once against the column's schema
accepts and rejects exactly what the row-wise check does, at a cost that grows with the number
of distinct values. A schema using anything beyond ``type``/``required``/``properties`` at its
top level is checked row by row, as before.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
import pandas as pd

from .errors import InputError

COLUMNWISE_KEYS = {"$schema", "$id", "title", "description", "type", "required", "properties"}


@lru_cache(maxsize=8)
def _load(path: str):
    import yaml

    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def validate_sheet(df: pd.DataFrame, schema_path: str | os.PathLike, *, kind: str,
                   sheet_path: str | None = None) -> None:
    """Check the typed sheet ``df`` (``cohortmark.sheets`` output, ``_line`` column optional)
    against the schema; missing values (None/NaN) are not checked, as in Snakemake's
    ``validate``. Raises InputError naming the sheet, line, patient, column and value."""
    import jsonschema

    schema = _load(str(schema_path))
    validator_class = jsonschema.validators.validator_for(schema)
    data = df.drop(columns="_line", errors="ignore")
    if set(schema) - COLUMNWISE_KEYS or schema.get("type", "object") != "object":
        validator = validator_class(schema)
        for k, record in enumerate(data.to_dict("records")):
            record = {c: v for c, v in record.items() if pd.notnull(v)}
            error = jsonschema.exceptions.best_match(validator.iter_errors(record))
            if error is not None:
                _fail(df, k, error.path[0] if error.path else None, error.message, kind,
                      sheet_path)
        return
    for column in schema.get("required", []):
        if column not in data.columns:
            raise InputError(f"{kind} sheet: required column {column!r} is missing",
                             path=sheet_path, field=column)
        missing = data[column].isna().to_numpy()
        if missing.any():
            _fail(df, int(missing.argmax()), column, f"{column!r} is empty", kind, sheet_path)
    for column, subschema in schema.get("properties", {}).items():
        if column not in data.columns:
            continue
        if subschema == {"type": "string"} and _all_text(data[column]):
            continue  # what a validator would conclude for each value, at once
        validator = validator_class(subschema)
        for k, plain in _distinct(data[column]):
            if not validator.is_valid(plain):
                error = jsonschema.exceptions.best_match(validator.iter_errors(plain))
                _fail(df, k, column, f"{plain!r} does not match the sheet schema: "
                      f"{error.message}", kind, sheet_path)


def _all_text(values: pd.Series) -> bool:
    """Whether every non-missing value is a str."""
    return values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in (
        "string", "empty")


def _distinct(values: pd.Series):
    """(first position, value as a Python object) of each distinct non-missing value. In an
    object column values are told apart by type too: True == 1, but only one is a boolean."""
    present = values.notna().to_numpy()
    if values.dtype != object or pd.api.types.infer_dtype(values, skipna=True) == "string":
        # one type: pandas finds the distinct values
        positions = present.nonzero()[0]
        kept = values.to_numpy()[present]
        codes, uniques = pd.factorize(kept)
        first = np.full(len(uniques), len(kept))
        np.minimum.at(first, codes, np.arange(len(kept)))
        return [(int(positions[f]), u.item() if hasattr(u, "item") else u)
                for f, u in zip(first, uniques)]
    out, seen = [], set()
    for k, value in enumerate(values.tolist()):
        if not present[k]:
            continue
        plain = value.item() if hasattr(value, "item") else value
        key = (type(plain), plain)
        if key not in seen:
            seen.add(key)
            out.append((k, plain))
    return out


def _fail(df: pd.DataFrame, k: int, column: str | None, message: str, kind: str,
          sheet_path: str | None):
    row = df.iloc[k]
    line = int(row["_line"]) if "_line" in df.columns else None
    patient = row.get("patient_id") if "patient_id" in df.columns else None
    raise InputError(f"{kind} sheet: {message}", patient=patient or None, path=sheet_path,
                     line=line, field=column)
