"""Patient and plasma sheets: read robustly, validate with clear messages, return typed tables.

Reading accepts what spreadsheets export: a byte-order mark, CRLF or CR line endings, trailing
blank lines, columns in any order, gzip with any extension. Every problem raises
``InputError`` naming the sheet, the line (as a spreadsheet user counts it: header = line 1),
the patient, the column and the value.
"""

from __future__ import annotations

import csv
import math
import os
import re
import stat
from pathlib import Path

import numpy as np
import pandas as pd

from .biomarkers import MSI_VALUES
from .errors import InputError
from .schema import BEST_RESPONSES, CN_FORMATS, CTDNA_COLUMNS, SAMPLE_COLUMNS, SV_FORMATS
from .tsv import read_text

PATIENT_ID = re.compile(r"^[A-Za-z0-9._-]+$")
_VALID_IDS = re.compile(r"(?:[A-Za-z0-9._-]+\n)*")  # PATIENT_ID, one per line
# A patient id becomes part of file names (results/figures/ctdna/ctdna_<id>.png, temporary
# files beside them): 100 characters leaves room under the usual 255-byte name limit.
MAX_ID_LENGTH = 100
NUMERIC_COLUMNS = ["purity", "ploidy", "best_pct_change", "pfs_months", "os_months",
                   "treatment_months"]
EVENT_COLUMNS = ["pfs_event", "os_event"]
BOOLEAN_COLUMNS = {"evaluable": True, "on_treatment": None}  # column -> value when empty
FILE_COLUMNS = ["cn_file", "variant_file", "sv_file", "msi_file"]
TRUE_WORDS = {"true", "yes", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "0", "n", "f"}


def read_sheet(path: str | os.PathLike, kind: str) -> pd.DataFrame:
    """Read a TSV sheet as strings (empty cell -> ""), with a ``_line`` column (1-based file line).

    Quoted fields (a spreadsheet's "export with quotes": header and data) are unquoted; a
    comma- or semicolon-separated sheet is refused with a hint; a sheet with a header but no
    rows is refused (an empty cohort is never what was meant).
    """
    text = read_text(path)
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise InputError(f"{kind} sheet is empty", path=str(path))
    rows = list(csv.reader(lines, delimiter="\t", quotechar='"', strict=False))
    header = [h.strip() for h in rows[0]]
    _check_separator(header, lines[0], path, kind)
    dup = {h for h in header if header.count(h) > 1}
    if dup:
        raise InputError(f"{kind} sheet has the column {sorted(dup)[0]!r} twice", path=str(path),
                         line=1)
    for number, fields in enumerate(rows[1:], start=2):
        if len(fields) > len(header) and any(f.strip() for f in fields):
            raise InputError(f"{len(fields)} fields but the header has {len(header)}",
                             path=str(path), line=number)
    # a row counts when any field has text (the first usually has: its id)
    data = [(number, fields) for number, fields in enumerate(rows[1:], start=2)
            if (fields and fields[0].strip()) or any(f.strip() for f in fields)]
    width = len(header)
    df = pd.DataFrame([f if len(f) == width else (f + [""] * width)[:width] for _, f in data],
                      columns=header, dtype=str)
    df["_line"] = [number for number, _ in data]
    df.index = range(len(df))
    if '"' not in text and not _padded(text):
        return df  # no field to strip (the common case; stripping is a second of 100,000 rows)
    return df.apply(lambda c: c.str.strip() if c.name != "_line" else c)


# Characters str.strip() removes that are neither a space nor a line or field separator
# (str.splitlines() already split the text at \x0b, \x0c, \x1c-\x1e, \x85, \u2028-9).
_ODD_SPACE = re.compile("[\x1f\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]")


def _padded(text: str) -> bool:
    """Whether some field of the sheet text may start or end with whitespace."""
    return (any(pair in text for pair in ("\t ", " \t", "\n ", " \n"))
            or text[:1] == " " or text.rstrip("\n")[-1:] == " "
            or _ODD_SPACE.search(text) is not None)


def _check_separator(header: list[str], first: str, path, kind: str) -> None:
    """A header of one field holding commas or semicolons: the sheet is not tab-separated."""
    if len(header) != 1:
        return
    for sep, name in ((",", "commas"), (";", "semicolons")):
        if first.count(sep) >= 1:
            raise InputError(f"{kind} sheet is not tab-separated: its header line has no tab but "
                             f"{first.count(sep)} {name} ({first[:60]!r}); save it as "
                             "tab-separated text (TSV, 'Text (Tab delimited)' in a spreadsheet)",
                             path=str(path), line=1)


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

    def require_rows(self):
        if self.df.empty:
            what = "patients" if self.kind == "patient" else "samples"
            raise InputError(f"{self.kind} sheet has a header line but no {what}",
                             path=self.path, line=1)

    def check_ids(self, unique: bool):
        ids = self.df["patient_id"].tolist()
        if (all(ids) and _VALID_IDS.fullmatch("\n".join(ids) + "\n")
                and not {".", ".."} & set(ids)
                and max(map(len, ids), default=0) <= MAX_ID_LENGTH
                and (not unique or len(set(ids)) == len(ids))):
            return  # every id fine (the loop below names the first that is not)
        seen = {}
        for idx, pid, line in zip(self.df.index, self.df["patient_id"], self.df["_line"]):
            if pid == "":
                self.fail(self.df.loc[idx], "patient_id", "patient_id is empty")
            if not PATIENT_ID.match(pid) or pid in (".", ".."):
                self.fail(self.df.loc[idx], "patient_id", f"{pid!r} is not a valid id (use "
                          "letters, digits, '.', '_', '-'; no spaces or slashes)")
            if len(pid) > MAX_ID_LENGTH:
                self.fail(self.df.loc[idx], "patient_id", f"{pid[:20]!r}... is {len(pid)} "
                          f"characters long; a patient id has at most {MAX_ID_LENGTH} (it "
                          "becomes part of file names)")
            if unique and pid in seen:
                self.fail(self.df.loc[idx], "patient_id",
                          f"{pid!r} is listed twice (also on line {seen[pid]})")
            seen.setdefault(pid, int(line))

    def _cells(self, column: str):
        """(index, text) of the column's cells: plain lists, not a Series per row (registry
        sheets have 100,000 rows); a failing cell's row is looked up only to name it."""
        return zip(self.df.index, self.df[column].tolist())

    def numbers(self, column: str, check=None, rule: str = "") -> pd.Series:
        if column not in self.df.columns:
            return pd.Series(math.nan, index=self.df.index, dtype=float)
        fast = self._numbers_fast(column, check)
        if fast is not None:
            return fast
        values = [math.nan] * len(self.df)
        for k, (idx, text) in enumerate(self._cells(column)):
            if text == "" or text.upper() == "NA":
                continue
            try:
                value = float(text)
            except ValueError:
                self.fail(self.df.loc[idx], column, f"{text!r} is not a number")
            if math.isnan(value):
                self.fail(self.df.loc[idx], column, f"{text!r} is not a number (a failed "
                          "computation?); leave the cell empty when the value is unknown")
            if not math.isfinite(value):
                self.fail(self.df.loc[idx], column, f"{text!r} is not a finite number")
            if check is not None and not check(value):
                self.fail(self.df.loc[idx], column, f"{text!r} {rule}")
            values[k] = value
        return pd.Series(values, index=self.df.index, dtype=float)

    def _numbers_fast(self, column: str, check) -> pd.Series | None:
        """``numbers`` in one conversion when every cell is fine; None when one is not (the
        cell loop then names it). float() semantics: numpy converts each text with it."""
        import numpy as np

        cells = self.df[column].to_numpy(dtype=object)
        empty = (cells == "") | (cells == "NA") | (cells == "na") | (cells == "Na") | (
            cells == "nA")
        try:
            values = np.where(empty, "nan", cells).astype(float)
        except (ValueError, TypeError):
            return None
        given = values[~empty]
        if not np.isfinite(given).all():
            return None
        if check is not None and not all(check(v) for v in given.tolist()):
            return None
        return pd.Series(values, index=self.df.index, dtype=float)

    def booleans(self, column: str, default) -> pd.Series:
        values = [default] * len(self.df)
        if column in self.df.columns:
            lower = self.df[column].str.lower()
            if lower.isin(TRUE_WORDS | FALSE_WORDS | {""}).all():  # every cell fine
                values = [default if w == "" else w in TRUE_WORDS for w in lower.tolist()]
                return pd.Series(values, index=self.df.index, dtype=object)
            for k, (idx, text) in enumerate(self._cells(column)):
                word = text.lower()
                if word == "":
                    continue
                if word not in TRUE_WORDS | FALSE_WORDS:
                    self.fail(self.df.loc[idx], column, f"{text!r} is not true or false")
                values[k] = word in TRUE_WORDS
        return pd.Series(values, index=self.df.index, dtype=object)

    def files(self, column: str, base: Path | None) -> pd.Series:
        """The column's file paths (None where empty), each an existing readable regular file;
        their (device, inode, path) are kept in ``self.identities[column]``."""
        values = [None] * len(self.df)
        idents = [None] * len(self.df)
        if column in self.df.columns:
            for k, (idx, text) in enumerate(self._cells(column)):
                if text == "":
                    continue
                path = text if base is None or os.path.isabs(text) else os.path.join(base, text)
                try:
                    st = os.stat(path)
                except OSError:
                    st = None
                if st is None or not stat.S_ISREG(st.st_mode):
                    if not Path(path).is_file():  # (pathlib drops a trailing '/', '.' parts)
                        self.fail(self.df.loc[idx], column,
                                  f"file {text!r} {_not_a_file(Path(path))}")
                    st = os.stat(Path(path))
                if not os.access(path, os.R_OK):
                    self.fail(self.df.loc[idx], column, f"file {text!r} is not readable")
                values[k] = text
                idents[k] = (st.st_dev, st.st_ino, path)
        self.identities = {**getattr(self, "identities", {}), column: idents}
        return pd.Series(values, index=self.df.index, dtype=object)


def _not_a_file(path: Path) -> str:
    """Why ``path`` is not a regular file, in words."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "does not exist"
    except OSError as e:
        return f"cannot be read ({e.strerror})"
    if stat.S_ISDIR(mode):
        return "is a directory"
    if stat.S_ISFIFO(mode):
        return ("is a named pipe (FIFO), not a regular file; the workflow reads a file more "
                "than once - give the path of a regular file")
    return "is not a regular file (a device or socket)"


def _first_not_in(df: pd.DataFrame, column: str, allowed, *, lower: bool = False
                  ) -> int | None:
    """Position of the first non-empty cell of ``column`` outside ``allowed`` (compared in
    lower case with ``lower``; None: none)."""
    if column not in df.columns:
        return None
    cells = df[column]
    bad = ((cells != "") & ~(cells.str.lower() if lower else cells).isin(list(allowed)))
    bad = bad.to_numpy()
    return int(bad.argmax()) if bad.any() else None


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
    sheet.require_rows()
    sheet.check_ids(unique=True)
    out = pd.DataFrame({"patient_id": df["patient_id"]})
    for col in FILE_COLUMNS:
        out[col] = sheet.files(col, base) if check_files else (
            df[col].replace("", None) if col in df.columns else None)
    for col in ("cn_format", "tumor_sample", "cn_sample", "best_response", "sv_format",
                "sv_sample", "msi_status"):
        out[col] = df[col].replace("", None) if col in df.columns else None
    checks = (("cn_format", CN_FORMATS), ("sv_format", SV_FORMATS),
              ("msi_status", MSI_VALUES), ("best_response", BEST_RESPONSES))
    bad = {col: _first_not_in(df, col, allowed, lower=col == "msi_status")
           for col, allowed in checks}
    bad = {col: k for col, k in bad.items() if k is not None}
    if bad:  # the first bad row; within a row, in the order of ``checks``
        order = [c for c, _ in checks]
        col = min(bad, key=lambda c: (bad[c], order.index(c)))
        row = df.iloc[bad[col]]
        if col == "cn_format":
            sheet.fail(row, "cn_format", f"{row['cn_format']!r} is not a known format "
                       f"({', '.join(CN_FORMATS)})")
        if col == "sv_format":
            sheet.fail(row, "sv_format", f"{row['sv_format']!r} is not a known fusion / "
                       f"structural-variant format ({', '.join(SV_FORMATS)})")
        if col == "msi_status":
            sheet.fail(row, "msi_status", f"{row['msi_status']!r} is not an MSI status (MSI-H, "
                       "MSS, MSI-L or indeterminate)")
        resp = row["best_response"]
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
    check_clinical(sheet, out)
    if check_files:
        check_shared_variant_files(sheet, out, base)
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
    sheet.require_rows()
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


# --- cross-field checks: values that cannot be true together -----------------------------------

def check_clinical(sheet: _Sheet, typed: pd.DataFrame) -> None:
    """Clinically impossible values, each an error naming the sheet line, patient and values:
    a tumour shrinking by more than 100% (``best_pct_change`` < -100) and overall survival
    shorter than progression-free survival (PFS ends at progression or death, so it can never
    outlast OS; equal when a patient dies without progression)."""
    rows = sheet.df
    for k, (pct, pfs, os_) in enumerate(zip(typed["best_pct_change"], typed["pfs_months"],
                                            typed["os_months"])):
        if pct < -100:
            sheet.fail(rows.iloc[k], "best_pct_change",
                       f"best_pct_change {rows.iloc[k]['best_pct_change']!r} is below -100 (the "
                       "sum of target lesions cannot shrink by more than 100%)")
        if os_ < pfs:
            sheet.fail(rows.iloc[k], "os_months",
                       f"os_months {rows.iloc[k]['os_months']!r} is shorter than pfs_months "
                       f"{rows.iloc[k]['pfs_months']!r} (progression-free survival cannot "
                       "outlast overall survival)")


def check_shared_variant_files(sheet: _Sheet, typed: pd.DataFrame, base: Path | None) -> None:
    """Two patients given the same tumour's calls: the same VCF with the same (or no)
    ``tumor_sample``, or the same MAF barcode. Each would silently get the other's mutations.
    A multi-sample VCF or a cohort MAF shared with distinct samples is fine. Files are compared
    by identity (device and inode), so ``./x.vcf``, ``x.vcf``, a symlink and a hard link match.
    """
    from .variants.maf import looks_like_maf

    idents: list = getattr(sheet, "identities", {}).get("variant_file")
    if idents is None:
        idents = []
        for text in typed["variant_file"]:
            if not text:
                idents.append(None)
                continue
            path = Path(text) if base is None or Path(text).is_absolute() else base / text
            st = os.stat(path)
            idents.append((st.st_dev, st.st_ino, str(path)))
    counts: dict[tuple, int] = {}
    for ident in idents:
        if ident is not None:
            counts[ident[:2]] = counts.get(ident[:2], 0) + 1
    seen: dict[tuple, int] = {}
    kinds: dict[tuple, bool] = {}
    for k, (text, sample, pid) in enumerate(zip(typed["variant_file"], typed["tumor_sample"],
                                                typed["patient_id"])):
        if not text or counts[idents[k][:2]] < 2:  # a file of one patient only: nothing to check
            continue
        ident = idents[k][:2]
        if ident not in kinds:  # the format is read only for files shared by several rows
            kinds[ident] = looks_like_maf(idents[k][2])
        # a MAF without tumor_sample is read at Tumor_Sample_Barcode = patient_id
        key = (ident, sample or (pid if kinds[ident] else ""))
        if key in seen:
            first = seen[key]
            other = sheet.df.iloc[first]
            what = (f"Tumor_Sample_Barcode {key[1]!r}" if kinds[ident] else
                    f"tumour sample {sample!r}" if sample else "no tumor_sample (the same column)")
            sheet.fail(sheet.df.iloc[k], "variant_file",
                       f"variant_file {text!r} with {what} is also the variant file of patient "
                       f"{other['patient_id']} (line {int(other['_line'])}): two patients would "
                       "get the same tumour's mutations; set tumor_sample to the right column "
                       "of a multi-sample VCF")
        seen[key] = k


def check_plasma_timepoints(plasma: pd.DataFrame, path, baseline_label: str | None,
                            progression_label: str | None) -> None:
    """A sample labelled ``progression_label`` dated on or before the one labelled
    ``baseline_label`` (labels case-insensitive, as ``cohortmark.ctdna`` reads them): an
    error naming the plasma sheet, line, patient and both days."""
    if not baseline_label or not progression_label:
        return
    base_l, prog_l = str(baseline_label).lower(), str(progression_label).lower()
    # each patient's first sample of each label, compared at once (a registry's plasma sheet
    # has tens of thousands of rows); the first patient of the sheet with a problem is named
    labels = plasma["timepoint"].astype(str).str.lower().to_numpy()
    first = plasma.reset_index(drop=True)
    base = first[labels == base_l].drop_duplicates("patient_id")
    prog = first[labels == prog_l].drop_duplicates("patient_id")
    pairs = base.merge(prog, on="patient_id", suffixes=("_b", "_p"))
    bad = pairs[(pairs["day_p"] <= pairs["day_b"]).to_numpy(dtype=bool)]
    if len(bad):
        order = {pid: k for k, pid in enumerate(dict.fromkeys(plasma["patient_id"]))}
        row = bad.iloc[int(np.argmin([order[pid] for pid in bad["patient_id"]]))]
        raise InputError(
            f"plasma sheet: timepoint {row['timepoint_p']!r} is on day {_num(row['day_p'])}, not "
            f"after {row['timepoint_b']!r} on day {_num(row['day_b'])} (line "
            f"{int(row['_line_b'])}); progression cannot come before baseline",
            patient=row["patient_id"], path=str(path), line=int(row["_line_p"]), field="day")


def _num(x) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
