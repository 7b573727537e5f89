"""What a copy-number format reader declares, and the pieces readers share.

A reader module defines one ``READER = Reader(...)``: its name (the sheet's ``cn_format``),
how it is recognised from the file's content, what its values are (``log2`` ratios,
absolute copy number ``cn``, or ``discrete`` -2..2 levels), whether one file may hold a whole
cohort (many samples: the sheet's ``cn_sample`` picks one), and the function that turns one
sample of the parsed table into segment columns. Optional: the names of a headerless
format's columns, and where the caller writes its purity and ploidy.

Segment columns (what ``read`` returns, a dict of equal-length arrays plus ``unit``):
``chrom``, 0-based half-open ``start``/``end``, ``value`` in ``unit``, ``minor_cn``,
``major_cn``, ``gene`` (set, without coordinates, by gene-level formats), ``max_value`` and
``_line`` (file line of each row). A ``cn`` value of NaN means "the sample's baseline
ploidy": events-only formats list altered regions only (see ``events_only``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..table import Table

UNITS = {"log2": "log2 ratio", "cn": "absolute copy number", "discrete": "discrete level -2..2"}


@dataclass(frozen=True)
class SampleRequest:
    """Which sample of a multi-sample file is the patient's, in lookup order.

    ``cn_sample`` (the sheet's column) must exist when given; otherwise ``tumor_sample``,
    then ``patient_id`` are tried, then a file holding a single sample is taken as it is.
    """
    cn_sample: str | None = None
    tumor_sample: str | None = None
    patient_id: str | None = None


@dataclass(frozen=True)
class CallerFit:
    """Purity and ploidy as a caller wrote them beside its copy-number file."""
    purity: float | None
    ploidy: float | None
    path: str  # the file they were read from


@dataclass(frozen=True)
class Reader:
    name: str
    description: str  # one line for the docs: the caller and the file names it writes
    units: tuple[str, ...]  # value kinds the reader can return (UNITS keys), first = usual
    cohort_wide: bool  # one file may hold many samples (chosen by cn_sample)
    detect: Callable[[Table], bool]  # True when the parsed file is of this format
    read: Callable  # (table, SampleRequest, cfg) -> (segment columns, chosen sample or None)
    detected_by: str  # the content that identifies the format, for the docs
    events_only: bool = False  # lists altered regions only: the rest is the baseline ploidy
    columns: tuple[str, ...] | None = None  # column names of a file without a header line
    caller_fit: Callable[[str, Table], CallerFit | None] | None = None  # purity/ploidy files
    # (name suffix of the copy-number file, suffix of a side file the caller writes beside it)
    side_files: tuple[tuple[str, str], ...] = ()

    @property
    def values(self) -> str:
        """'log2 ratio', 'absolute copy number', ... joined with ' or '."""
        return " or ".join(UNITS[u] for u in self.units)


# --- shared pieces ------------------------------------------------------------------------
def has(cols: set[str], *names: str) -> bool:
    return all(n.lower() in cols for n in names)


def frame(t: Table, rows, chrom, start, end, value, unit, **extra) -> dict:
    """Columns of one sample's segments as arrays (a DataFrame is built once, at the end)."""
    n = len(rows)
    cols = {"chrom": np.asarray(chrom, dtype=object), "start": np.asarray(start, np.int64),
            "end": np.asarray(end, np.int64), "value": np.asarray(value, float),
            "unit": unit, "minor_cn": np.full(n, np.nan), "major_cn": np.full(n, np.nan),
            "gene": np.full(n, None, dtype=object), "max_value": np.full(n, np.nan)}
    for k, v in extra.items():
        cols[k] = np.asarray(v, dtype=object if k == "gene" else float)
    cols["_line"] = np.array([t.lines[k] for k in rows], dtype=np.int64)
    return cols


def take(cols: dict, keep: np.ndarray) -> dict:
    return {k: (v[keep] if isinstance(v, np.ndarray) else v) for k, v in cols.items()}


def coords(t: Table, rows, ci, si, ei, *, one_based: bool):
    """Chromosome names and 0-based half-open start/end of ``rows``."""
    chrom = [t.rows[k][ci] for k in rows]
    start = t.positions(si, rows=rows)
    end = t.positions(ei, rows=rows)
    if one_based:
        start = start - 1  # 1-based inclusive -> 0-based half-open
        if (start < 0).any():
            j = int(np.argmax(start < 0))
            raise t.err("start position 0 in a 1-based file", line=t.lines[rows[j]],
                        field=t.header[si])
    return chrom, start, end


def choose_sample(t: Table, samples: list, want: SampleRequest, **where) -> str:
    """The patient's sample among ``samples`` (see SampleRequest for the lookup order)."""
    if want.cn_sample is not None:
        if want.cn_sample in samples:
            return want.cn_sample
        tried = f"{want.cn_sample!r} (cn_sample)"
    else:
        defaults = [(s, label) for s, label in ((want.tumor_sample, "tumor_sample"),
                                                (want.patient_id, "patient_id"))
                    if s is not None]
        for s, _ in defaults:
            if s in samples:
                return s
        if len(samples) == 1:
            return samples[0]
        if len(defaults) == 2 and defaults[0][0] != defaults[1][0]:
            tried = " or ".join(f"{s!r} ({label})" for s, label in defaults)
        elif defaults:
            tried = repr(defaults[0][0])
        else:
            tried = "(none named)"
    shown = ", ".join(samples[:5]) + (", ..." if len(samples) > 5 else "")
    raise t.err(f"sample {tried} not found ({len(samples)} samples in the file: {shown}); "
                "set cn_sample in the sheet", **where)


def select_sample(t: Table, si: int | None, want: SampleRequest):
    """Row indices of one sample in a file with a sample column (or all rows)."""
    allrows = list(range(len(t.rows)))
    if si is None:
        return allrows, None
    names = t.strings(si)
    samples = list(dict.fromkeys(names))
    chosen = choose_sample(t, samples, want, field=t.header[si])
    return [k for k, n in enumerate(names) if n == chosen], chosen


def dedupe_genes(t: Table, cols: dict) -> dict:
    seen: dict = {}
    for g, ln in zip(cols["gene"], cols["_line"]):
        if g in ("", "NA"):
            raise t.err("empty gene name", line=int(ln), field="gene")
        if g in seen:
            raise t.err(f"gene {g!r} is listed twice (also on line {seen[g]})", line=int(ln),
                        field="gene")
        seen[g] = int(ln)
    return cols


def gene_rows(t: Table, rows, gi, value, unit, **extra) -> dict:
    n = len(rows)
    genes = [t.rows[k][gi].strip() for k in rows]
    cols = frame(t, rows, [None] * n, np.zeros(n, np.int64), np.zeros(n, np.int64), value,
                 unit, gene=genes, **extra)
    return dedupe_genes(t, cols)


def discrete_check(t: Table, rows, vi, value):
    bad = ~np.isin(value, [-2, -1, 0, 1, 2])
    if bad.any():
        j = int(np.argmax(bad))
        raise t.err(f"{t.rows[rows[j]][vi]!r} is not a discrete copy-number level "
                    f"(-2, -1, 0, 1, 2)", line=t.lines[rows[j]], field=t.header[vi])


def matrix_column(t: Table, want: SampleRequest, first_sample_col: int):
    """One sample column of a gene x sample matrix -> (rows, column index, sample)."""
    samples = t.header[first_sample_col:]
    if not samples:
        raise t.err("no sample columns", line=t.header_line)
    chosen = choose_sample(t, samples, want, line=t.header_line)
    return list(range(len(t.rows))), first_sample_col + samples.index(chosen), chosen


def sibling(path: str, suffix: str, replacement: str) -> str | None:
    """``path`` with its name ending ``suffix`` replaced by ``replacement`` (same folder), or
    None when the name does not end so. Callers write purity/ploidy files named after the
    copy-number file (PURPLE ``x.purple.cnv.somatic.tsv`` -> ``x.purple.purity.tsv``)."""
    import os

    folder, name = os.path.split(path)
    if not name.endswith(suffix):
        return None
    return os.path.join(folder, name[: len(name) - len(suffix)] + replacement)


def read_sibling(path: str | None, patient: str | None):
    """The parsed table of a caller's side file, or None when there is no such file (a side
    file that exists but is broken raises InputError naming it)."""
    import os

    from ..table import parse_table

    if path is None or not os.path.isfile(path):
        return None
    return parse_table(path, patient=patient)


def number_or_none(text) -> float | None:
    try:
        v = float(str(text).strip())
    except ValueError:
        return None
    return v if np.isfinite(v) else None
