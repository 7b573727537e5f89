"""Patient and plasma sheets: read robustly, validate with clear messages, return typed tables.

Reading accepts what spreadsheets export: a byte-order mark, CRLF or CR line endings, trailing
blank lines, columns in any order, gzip with any extension. Every problem raises
``InputError`` naming the sheet, the line (as a spreadsheet user counts it: header = line 1),
the patient, the column and the value.
"""

from __future__ import annotations

import io
import math
import os
import re
from pathlib import Path

import pandas as pd

from .biomarkers import MSI_VALUES
from .errors import InputError
from .schema import BEST_RESPONSES, CN_FORMATS, CTDNA_COLUMNS, SAMPLE_COLUMNS, SV_FORMATS
from .tsv import read_text

PATIENT_ID = re.compile(r"^[A-Za-z0-9._-]+$")
NUMERIC_COLUMNS = ["purity", "ploidy", "best_pct_change", "pfs_months", "os_months",
                   "treatment_months"]
EVENT_COLUMNS = ["pfs_event", "os_event"]
BOOLEAN_COLUMNS = {"evaluable": True, "on_treatment": None}  # column -> value when empty
FILE_COLUMNS = ["cn_file", "variant_file", "sv_file", "msi_file"]
TRUE_WORDS = {"true", "yes", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "0", "n", "f"}


def read_sheet(path: str | os.PathLike, kind: str) -> pd.DataFrame:
    """Read a TSV sheet as strings (empty cell -> ""), with a ``_line`` column (1-based file line)."""
    text = read_text(path)
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise InputError(f"{kind} sheet is empty", path=str(path))
    header = [h.strip() for h in lines[0].split("\t")]
    dup = {h for h in header if header.count(h) > 1}
    if dup:
        raise InputError(f"{kind} sheet has the column {sorted(dup)[0]!r} twice", path=str(path),
                         line=1)
    for number, line in enumerate(lines[1:], start=2):
        n = len(line.split("\t"))
        if line.strip() and n > len(header):
            raise InputError(f"{n} fields but the header has {len(header)}", path=str(path),
                             line=number)
    df = pd.read_csv(io.StringIO("\n".join(lines) + "\n"), sep="\t", dtype=str,
                     keep_default_na=False, skip_blank_lines=False)
    df.columns = header
    df["_line"] = range(2, len(df) + 2)
    df = df[df.drop(columns="_line").apply(lambda r: any(v.strip() for v in r), axis=1)]
    return df.apply(lambda c: c.str.strip() if c.name != "_line" else c)


class _Sheet:
    """Helper giving every error the same 'sheet, line, patient, column' framing."""

    def __init__(self, df: pd.DataFrame, path, kind: str):
        self.df, self.path, self.kind = df, str(path), kind

    def fail(self, row, column: str | None, message: str):
        patient = row.get("patient_id") or None if row is not None else None
        raise InputError(f"{self.kind} sheet: {message}", patient=patient, path=self.path,
                         line=None if row is None else int(row["_line"]), field=column)

    def require_columns(self, required: list[str], known: list[str] | None = None):
        for col in required:
            if col not in self.df.columns:
                self.fail(None, col, f"required column {col!r} is missing")

    def check_ids(self, unique: bool):
        seen = {}
        for idx, pid, line in zip(self.df.index, self.df["patient_id"], self.df["_line"]):
            if pid == "":
                self.fail(self.df.loc[idx], "patient_id", "patient_id is empty")
            if not PATIENT_ID.match(pid) or pid in (".", ".."):
                self.fail(self.df.loc[idx], "patient_id", f"{pid!r} is not a valid id (use "
                          "letters, digits, '.', '_', '-'; no spaces or slashes)")
            if unique and pid in seen:
                self.fail(self.df.loc[idx], "patient_id",
                          f"{pid!r} is listed twice (also on line {seen[pid]})")
            seen.setdefault(pid, int(line))

    def _cells(self, column: str):
        """(index, text) of the column's cells: plain lists, not a Series per row (registry
        sheets have 100,000 rows); a failing cell's row is looked up only to name it."""
        return zip(self.df.index, self.df[column].tolist())

    def numbers(self, column: str, check=None, rule: str = "") -> pd.Series:
        values = [math.nan] * len(self.df)
        if column not in self.df.columns:
            return pd.Series(values, index=self.df.index, dtype=float)
        for k, (idx, text) in enumerate(self._cells(column)):
            if text == "" or text.upper() in ("NA", "NAN"):
                continue
            try:
                value = float(text)
            except ValueError:
                self.fail(self.df.loc[idx], column, f"{text!r} is not a number")
            if not math.isfinite(value):
                self.fail(self.df.loc[idx], column, f"{text!r} is not a finite number")
            if check is not None and not check(value):
                self.fail(self.df.loc[idx], column, f"{text!r} {rule}")
            values[k] = value
        return pd.Series(values, index=self.df.index, dtype=float)

    def booleans(self, column: str, default) -> pd.Series:
        values = [default] * len(self.df)
        if column in self.df.columns:
            for k, (idx, text) in enumerate(self._cells(column)):
                word = text.lower()
                if word == "":
                    continue
                if word not in TRUE_WORDS | FALSE_WORDS:
                    self.fail(self.df.loc[idx], column, f"{text!r} is not true or false")
                values[k] = word in TRUE_WORDS
        return pd.Series(values, index=self.df.index, dtype=object)

    def files(self, column: str, base: Path | None) -> pd.Series:
        values = [None] * len(self.df)
        if column in self.df.columns:
            for k, (idx, text) in enumerate(self._cells(column)):
                if text == "":
                    continue
                path = Path(text) if base is None or Path(text).is_absolute() else base / text
                if not path.is_file():
                    what = "is a directory" if path.is_dir() else "does not exist"
                    self.fail(self.df.loc[idx], column, f"file {text!r} {what}")
                if not os.access(path, os.R_OK):
                    self.fail(self.df.loc[idx], column, f"file {text!r} is not readable")
                values[k] = text
        return pd.Series(values, index=self.df.index, dtype=object)


def load_samples(path: str | os.PathLike, *, check_files: bool = True,
                 base: Path | None = None) -> pd.DataFrame:
    """Read and validate the patient sheet (CONTRACT.md), returning a typed table.

    Columns of the result: every CONTRACT column (missing optional ones added empty) with
    numbers as float (NaN = unknown), events as float 0/1, ``evaluable`` bool (default True),
    ``on_treatment`` bool or None, file and text columns as str or None; extra clinical
    columns kept as str; ``_line`` the sheet line. Row order is the sheet's.
    """
    sheet = _Sheet(read_sheet(path, "patient"), path, "patient")
    df = sheet.df
    sheet.require_columns(["patient_id"])
    sheet.check_ids(unique=True)
    out = pd.DataFrame({"patient_id": df["patient_id"]})
    for col in FILE_COLUMNS:
        out[col] = sheet.files(col, base) if check_files else (
            df[col].replace("", None) if col in df.columns else None)
    for col in ("cn_format", "tumor_sample", "cn_sample", "best_response", "sv_format",
                "sv_sample", "msi_status"):
        out[col] = df[col].replace("", None) if col in df.columns else None
    for row in df.to_dict("records"):
        fmt = row.get("cn_format", "")
        if fmt and fmt not in CN_FORMATS:
            sheet.fail(row, "cn_format", f"{fmt!r} is not a known format "
                       f"({', '.join(CN_FORMATS)})")
        fmt = row.get("sv_format", "")
        if fmt and fmt not in SV_FORMATS:
            sheet.fail(row, "sv_format", f"{fmt!r} is not a known fusion / structural-variant "
                       f"format ({', '.join(SV_FORMATS)})")
        msi = row.get("msi_status", "")
        if msi and msi.lower() not in MSI_VALUES:
            sheet.fail(row, "msi_status", f"{msi!r} is not an MSI status (MSI-H, MSS, MSI-L "
                       "or indeterminate)")
        resp = row.get("best_response", "")
        if resp and resp not in BEST_RESPONSES:
            hint = f"; did you mean {resp.upper()!r}?" if resp.upper() in BEST_RESPONSES else ""
            sheet.fail(row, "best_response", f"{resp!r} is not a RECIST 1.1 best response "
                       f"({', '.join(BEST_RESPONSES)}){hint}")
    for col in NUMERIC_COLUMNS:
        out[col] = sheet.numbers(col)
    out["purity"] = sheet.numbers("purity", lambda v: 0 < v <= 1, "is outside (0, 1]")
    out["ploidy"] = sheet.numbers("ploidy", lambda v: v > 0, "is not above 0")
    for col in ("pfs_months", "os_months", "treatment_months", "tmb"):
        out[col] = sheet.numbers(col, lambda v: v >= 0, "is negative")
    out["msi_score"] = sheet.numbers("msi_score", lambda v: 0 <= v <= 100,
                                     "is outside 0-100 (% unstable sites)")
    for col in EVENT_COLUMNS:
        out[col] = sheet.numbers(col, lambda v: v in (0, 1), "is not 0 or 1")
    for col, default in BOOLEAN_COLUMNS.items():
        out[col] = sheet.booleans(col, default)
    out["evaluable"] = out["evaluable"].astype(bool)
    for col in df.columns:
        if col not in SAMPLE_COLUMNS and col != "_line":
            out[col] = df[col].replace("", None)
    out["_line"] = df["_line"]
    return out.reset_index(drop=True)


def load_plasma(path: str | os.PathLike, patient_ids, *, check_files: bool = True,
                base: Path | None = None) -> pd.DataFrame:
    """Read and validate the plasma sheet: patient_id, timepoint, day, variant_file, tumor_sample.

    Every patient must be in the patient sheet (``patient_ids``); (patient, timepoint) unique.
    Returns day as float, file/text columns as str or None, in sheet order, with ``_line``.
    """
    sheet = _Sheet(read_sheet(path, "plasma"), path, "plasma")
    df = sheet.df
    sheet.require_columns(["patient_id", "timepoint", "day", "variant_file"])
    sheet.check_ids(unique=False)
    known = set(patient_ids)
    seen = {}
    for row in df.to_dict("records"):
        if row["patient_id"] not in known:
            sheet.fail(row, "patient_id", f"patient {row['patient_id']!r} is not in the "
                       "patient sheet")
        if row["timepoint"] == "":
            sheet.fail(row, "timepoint", "timepoint is empty")
        key = (row["patient_id"], row["timepoint"])
        if key in seen:
            sheet.fail(row, "timepoint", f"timepoint {row['timepoint']!r} is listed twice for "
                       f"this patient (also on line {seen[key]})")
        seen[key] = int(row["_line"])
        if row["day"] == "":
            sheet.fail(row, "day", "day is empty")
    out = pd.DataFrame({"patient_id": df["patient_id"], "timepoint": df["timepoint"]})
    out["day"] = sheet.numbers("day")
    out["variant_file"] = sheet.files("variant_file", base) if check_files else df["variant_file"]
    for row in df.to_dict("records"):
        if row["variant_file"] == "":
            sheet.fail(row, "variant_file", "variant_file is empty")
    out["tumor_sample"] = (df["tumor_sample"].replace("", None) if "tumor_sample" in df.columns
                           else None)
    extra = [c for c in df.columns if c not in CTDNA_COLUMNS and c != "_line"]
    for col in extra:
        out[col] = df[col].replace("", None)
    out["_line"] = df["_line"]
    return out.reset_index(drop=True)


def patient_record(row: pd.Series | dict) -> dict:
    """A patient's sheet row as a plain JSON-able dict (NaN -> None), for Snakemake params."""
    record = {}
    for key, value in dict(row).items():
        if key == "_line":
            continue
        if isinstance(value, float) and math.isnan(value):
            value = None
        elif hasattr(value, "item"):  # numpy scalar -> Python scalar
            value = value.item()
        record[key] = value
    return record
