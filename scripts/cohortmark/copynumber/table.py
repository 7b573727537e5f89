"""A copy-number file as a parsed text table: the one parser every format reader starts from.

Copy-number files are small delimited tables with caller-specific preambles: IGV ``#track``
lines, GATK's SAM-style ``@HD``/``@SQ``/``@RG`` header, VCF ``##`` meta lines, PURPLE's
``#chromosome`` header. ``parse_table`` keeps those preamble lines (``Table.meta``) for the
readers that need them (format detection, sample names) and returns the rest as rows of text
with their file line numbers, so that every reader can name the line of a bad value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..errors import InputError
from ..tsv import read_text

NA = {"", "NA", "NaN", "nan", "N/A", "NULL", "null", "."}


@dataclass
class Table:
    path: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # 1-based file line of each row
    header_line: int
    patient: str | None = None
    meta: list[str] = field(default_factory=list)  # preamble lines before the header

    @property
    def columns(self) -> set[str]:
        """Header names, lower case (what format detection looks at)."""
        return {h.strip().lower() for h in self.header}

    def err(self, message: str, *, line: int | None = None, field: str | None = None):
        return InputError(message, patient=self.patient, path=self.path, line=line, field=field)

    def find(self, *aliases: str) -> int | None:
        """Index of the first column whose name matches an alias (case-insensitive)."""
        low = [h.strip().lower() for h in self.header]
        for a in aliases:
            if a.lower() in low:
                return low.index(a.lower())
        return None

    def need(self, what: str, *aliases: str) -> int:
        i = self.find(*aliases)
        if i is None:
            raise self.err(f"missing column {what!r} (looked for {', '.join(aliases)}); "
                           f"header is: {', '.join(self.header)}", line=self.header_line)
        return i

    def strings(self, i: int, rows=None) -> list[str]:
        idx = range(len(self.rows)) if rows is None else rows
        return [self.rows[k][i] for k in idx]

    def numbers(self, i: int, *, allow_na: bool = False, rows=None) -> np.ndarray:
        """Column i as float64; InputError naming the line of a non-number."""
        idx = range(len(self.rows)) if rows is None else rows
        vals = [self.rows[k][i] for k in idx]
        try:
            arr = np.array(vals, dtype=np.float64)
        except ValueError:
            arr = np.empty(len(vals))
            for j, (k, v) in enumerate(zip(idx, vals)):
                v = v.strip()
                if v in NA:
                    arr[j] = np.nan
                    continue
                try:
                    arr[j] = float(v)
                except ValueError:
                    raise self.err(f"{v!r} is not a number", line=self.lines[k],
                                   field=self.header[i]) from None
        bad = np.isnan(arr)
        if not allow_na and bad.any():
            k = list(idx)[int(np.argmax(bad))]
            raise self.err(f"missing value ({self.rows[k][i]!r})", line=self.lines[k],
                           field=self.header[i])
        return arr

    def positions(self, i: int, rows=None) -> np.ndarray:
        arr = self.numbers(i, rows=rows)
        frac = (arr != np.floor(arr)) | (arr < 0) | ~np.isfinite(arr)
        if frac.any():
            j = int(np.argmax(frac))
            k = j if rows is None else list(rows)[j]
            raise self.err(f"{self.rows[k][i]!r} is not a whole non-negative position",
                           line=self.lines[k], field=self.header[i])
        return arr.astype(np.int64)

    def headerless(self, names: list[str]) -> Table:
        """The same file read as having no header line: the first line is data and the
        columns take ``names`` (extra columns are called ``field_<n>``)."""
        width = len(self.header)
        header = list(names[:width]) + [f"field_{n + 1}" for n in range(len(names), width)]
        return Table(self.path, header, [self.header] + self.rows,
                     [self.header_line] + self.lines, self.header_line, self.patient,
                     self.meta)


def _is_preamble(line: str) -> bool:
    """Lines before the column header: blank, SAM-style ``@`` lines (GATK), VCF ``##`` meta
    lines, and ``#`` comment lines without a tab (IGV ``#track``)."""
    return (not line.strip() or line.startswith("@") or line.startswith("##")
            or (line.startswith("#") and "\t" not in line))


def parse_table(path: str, *, patient: str | None = None) -> Table:
    """Read a delimited text file (gzip or not, any newline) into a Table.

    The preamble (see ``_is_preamble``) is kept in ``Table.meta``; a ``#`` before the header
    (``#chromosome``, VCF ``#CHROM``) is dropped. Tab-separated, else whitespace.
    """
    text = read_text(path, patient=patient)
    lines = text.split("\n")
    k = 0
    while k < len(lines) and _is_preamble(lines[k]):
        k += 1
    if k == len(lines):
        raise InputError("file has no header line", patient=patient, path=str(path))
    meta = [ln for ln in lines[:k] if ln.strip()]
    head = lines[k].lstrip("#")
    sep = "\t" if "\t" in head else None
    header = [h.strip().strip('"') for h in head.split(sep)]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    rows, nums = [], []
    for n in range(k + 1, len(lines)):
        line = lines[n]
        if not line.strip():
            continue
        fields = line.split(sep)
        if len(fields) != width:
            if len(fields) > width and all(not f.strip() for f in fields[width:]):
                fields = fields[:width]
            else:
                raise InputError(f"has {len(fields)} fields but the header has {width}",
                                 patient=patient, path=str(path), line=n + 1)
        rows.append([f.strip().strip('"') for f in fields] if '"' in line else fields)
        nums.append(n + 1)
    if not rows and not meta_allows_empty(meta):
        raise InputError("no data rows after the header", patient=patient, path=str(path),
                         line=k + 1)
    return Table(str(path), header, rows, nums, k + 1, patient, meta)


def meta_allows_empty(meta: list[str]) -> bool:
    """A VCF may have no records (a tumour without a copy-number event)."""
    return any(m.startswith("##fileformat=VCF") for m in meta)


@lru_cache(maxsize=2)
def _cached_table_key(path: str, stamp: tuple) -> Table:
    return parse_table(path)


def cached_table(path: str, patient: str | None) -> Table:
    """Parse a file once per process (a cohort-wide matrix is read by every patient)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError("file does not exist", patient=patient, path=str(path)) from None
    if st.st_size < 1 << 16:  # small per-patient files: no point caching
        return parse_table(path, patient=patient)
    try:
        t = _cached_table_key(str(path), (st.st_mtime_ns, st.st_size, st.st_ino))
    except InputError as err:
        raise err.with_context(patient=patient) from None
    return Table(t.path, t.header, t.rows, t.lines, t.header_line, patient, t.meta)
