"""Readers for copy-number files, one per format, in one registry (``READERS``).

Every reader turns one sample of a file into segments (schema.CN_SEGMENT_COLUMNS):
0-based half-open coordinates, canonical chromosome names, ``value`` in ``unit``
(``log2``, ``cn`` absolute total copy number, or ``discrete`` -2..2). Gene-level formats
(PURPLE gene table, gene tables, cBioPortal/GISTIC matrices) give one row per gene with the
``gene`` column set and no coordinates. All problems raise InputError naming file and line.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import schema
from ..errors import InputError
from ..genome import canonical_chrom, chrom_lengths
from ..tsv import read_text

NA = {"", "NA", "NaN", "nan", "N/A", "NULL", "null", "."}


# --- a parsed text table -------------------------------------------------------------------
@dataclass
class Table:
    path: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # 1-based file line of each row
    header_line: int
    patient: str | None = None

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

    def strings(self, i: int) -> list[str]:
        return [r[i] for r in self.rows]

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


def parse_table(path: str, *, patient: str | None = None) -> Table:
    """Read a delimited text file (gzip or not, any newline) into a Table.

    Leading blank lines and ``#`` lines without a tab (e.g. IGV ``#track``) are skipped; a
    ``#`` before the header (``#chromosome``) is dropped. Tab-separated, else whitespace.
    """
    text = read_text(path, patient=patient)
    lines = text.split("\n")
    k = 0
    while k < len(lines) and (not lines[k].strip() or
                              (lines[k].startswith("#") and "\t" not in lines[k])):
        k += 1
    if k == len(lines):
        raise InputError("file has no header line", patient=patient, path=str(path))
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
    if not rows:
        raise InputError("no data rows after the header", patient=patient, path=str(path),
                         line=k + 1)
    return Table(str(path), header, rows, nums, k + 1, patient)


# --- format detection ------------------------------------------------------------------------
def _has(cols: set[str], *names: str) -> bool:
    return all(n.lower() in cols for n in names)


def _is_purple_gene(c):
    return _has(c, "chromosome", "start", "end", "gene", "mincopynumber", "maxcopynumber")


def _is_purple(c):
    return _is_purple_gene(c) or _has(c, "chromosome", "start", "end", "copynumber")


def _is_cnvkit(c):
    return _has(c, "chromosome", "start", "end", "log2")


def _is_facets(c):
    return _has(c, "chrom", "start", "end", "tcn.em")


def _is_ascat(c):
    return _has(c, "nmajor", "nminor") and bool(c & {"startpos", "start"})


def _is_gistic(c):
    return _has(c, "gene symbol") and bool(c & {"locus id", "gene id"}) and "cytoband" in c


def _is_cbioportal(c):
    return "hugo_symbol" in c or "entrez_gene_id" in c


GENE_ALIASES = ("gene", "gene_symbol", "symbol", "hugo_symbol", "gene symbol", "gene_name")
GENE_CN_ALIASES = ("copy_number", "copynumber", "cn", "total_cn", "tcn", "absolute_cn")
GENE_LOG2_ALIASES = ("log2", "log2_ratio", "log2ratio", "log2r", "lrr")


def _is_gene_table(c):
    return bool(c & set(GENE_ALIASES)) and bool(c & set(GENE_CN_ALIASES + GENE_LOG2_ALIASES))


SEG_SAMPLE = ("id", "sample", "sample_id", "samplename", "sample_name", "name")
SEG_CHROM = ("chrom", "chromosome", "chr")
SEG_START = ("loc.start", "start", "start.bp", "startpos", "start_position")
SEG_END = ("loc.end", "end", "end.bp", "endpos", "end_position")
SEG_VALUE = ("seg.mean", "segment_mean", "seg.cn", "segmean", "log2", "mean", "value")


def _is_seg(c):
    return all(bool(c & set(a)) for a in (SEG_CHROM, SEG_START, SEG_END, SEG_VALUE))


# --- reading segments ------------------------------------------------------------------------
@dataclass
class Reader:
    name: str
    detect: Callable[[set], bool]
    read: Callable  # (table, sample, cfg) -> (DataFrame with _line, chosen sample)
    description: str


def _empty(n: int) -> dict:
    return {"minor_cn": np.full(n, np.nan), "major_cn": np.full(n, np.nan),
            "gene": [None] * n, "max_value": np.full(n, np.nan)}


def _frame(t: Table, rows, chrom, start, end, value, unit, **extra) -> dict:
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


def _take(cols: dict, keep: np.ndarray) -> dict:
    return {k: (v[keep] if isinstance(v, np.ndarray) else v) for k, v in cols.items()}


def _coords(t: Table, rows, ci, si, ei, *, one_based: bool):
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


def _select_sample(t: Table, si: int | None, sample: str | None, fallback: str | None):
    """Row indices of one sample in a file with a sample column (or all rows)."""
    allrows = list(range(len(t.rows)))
    if si is None:
        return allrows, None
    names = t.strings(si)
    samples = list(dict.fromkeys(names))
    chosen = _choose_sample(t, samples, sample, fallback, field=t.header[si])
    return [k for k, n in enumerate(names) if n == chosen], chosen


def _choose_sample(t: Table, samples: list, sample, fallback, **where) -> str:
    """The sheet's tumor_sample, else the patient id, else the file's only sample."""
    if sample is not None:
        chosen = sample
    elif fallback is not None and fallback in samples:
        chosen = fallback
    elif len(samples) == 1:
        chosen = samples[0]
    else:
        chosen = fallback
    if chosen not in samples:
        shown = ", ".join(samples[:5]) + (", ..." if len(samples) > 5 else "")
        raise t.err(f"sample {chosen!r} not found ({len(samples)} samples in the file: "
                    f"{shown}); set tumor_sample in the sheet", **where)
    return chosen


def _read_cnvkit(t: Table, sample, cfg, fallback):
    rows = list(range(len(t.rows)))
    pi = t.find("probes")
    if pi is not None:  # CNVkit writes empty (probes = 0) segments, even with end < start:
        rows = [k for k, v in zip(rows, t.numbers(pi)) if v > 0]  # they hold no measurement
        if not rows:
            raise t.err("no segment with probes > 0", line=t.header_line)
    ci, si, ei = t.need("chromosome", "chromosome"), t.need("start", "start"), t.need("end", "end")
    chrom, start, end = _coords(t, rows, ci, si, ei, one_based=False)
    cn_i = t.find("cn")
    extra = {}
    if cn_i is not None and cfg["cnvkit_use_cn"]:
        value, unit = t.numbers(cn_i, rows=rows), "cn"
        c1, c2 = t.find("cn1"), t.find("cn2")
        if c1 is not None and c2 is not None:
            a, b = t.numbers(c1, allow_na=True, rows=rows), t.numbers(c2, allow_na=True, rows=rows)
            extra = {"minor_cn": np.fmin(a, b), "major_cn": np.fmax(a, b)}
    else:
        value, unit = t.numbers(t.need("log2", "log2"), rows=rows), "log2"
    return _frame(t, rows, chrom, start, end, value, unit, **extra), None


def _read_seg(t: Table, sample, cfg, fallback):
    si = t.find(*SEG_SAMPLE)
    rows, chosen = _select_sample(t, si, sample, fallback)
    ci, s, e = t.need("chrom", *SEG_CHROM), t.need("start", *SEG_START), t.need("end", *SEG_END)
    chrom, start, end = _coords(t, rows, ci, s, e, one_based=True)
    value = t.numbers(t.need("seg.mean", *SEG_VALUE), rows=rows)
    if cfg["seg_values"] == "copy_number":
        unit = "cn"
    else:
        value = value * math.log2(cfg["seg_log_base"])  # log_b r -> log2 r
        unit = "log2"
    return _frame(t, rows, chrom, start, end, value, unit), chosen


def _read_purple(t: Table, sample, cfg, fallback):
    rows = list(range(len(t.rows)))
    cols = {h.strip().lower() for h in t.header}
    if _is_purple_gene(cols):
        gi = t.need("gene", "gene")
        lo = t.numbers(t.need("minCopyNumber", "minCopyNumber"))
        hi = t.numbers(t.need("maxCopyNumber", "maxCopyNumber"))
        genes = t.strings(gi)
        cols = _frame(t, rows, [None] * len(rows), np.zeros(len(rows), np.int64),
                      np.zeros(len(rows), np.int64), lo, "cn", gene=genes, max_value=hi)
        return _dedupe_genes(t, cols), None
    ci, si, ei = (t.need("chromosome", "chromosome"), t.need("start", "start"),
                  t.need("end", "end"))
    chrom, start, end = _coords(t, rows, ci, si, ei, one_based=True)
    value = t.numbers(t.need("copyNumber", "copyNumber"))
    extra = {}
    mi, ma = t.find("minorAlleleCopyNumber", "minorAllelePloidy"), t.find(
        "majorAlleleCopyNumber", "majorAllelePloidy")
    if mi is not None and ma is not None:
        extra = {"minor_cn": t.numbers(mi, allow_na=True), "major_cn": t.numbers(ma, allow_na=True)}
    return _frame(t, rows, chrom, start, end, value, "cn", **extra), None


def _read_facets(t: Table, sample, cfg, fallback):
    rows = list(range(len(t.rows)))
    ci, si, ei = t.need("chrom", "chrom"), t.need("start", "start"), t.need("end", "end")
    chrom, start, end = _coords(t, rows, ci, si, ei, one_based=True)
    tcn = t.numbers(t.need("tcn.em", "tcn.em"))
    lcn_i = t.find("lcn.em")
    lcn = t.numbers(lcn_i, allow_na=True) if lcn_i is not None else np.full(len(rows), np.nan)
    return _frame(t, rows, chrom, start, end, tcn, "cn", minor_cn=lcn, major_cn=tcn - lcn), None


def _read_ascat(t: Table, sample, cfg, fallback):
    si = t.find("sample")
    rows, chosen = _select_sample(t, si, sample, fallback)
    ci = t.need("chr", "chr", "chrom", "chromosome")
    s, e = t.need("startpos", "startpos", "start"), t.need("endpos", "endpos", "end")
    chrom, start, end = _coords(t, rows, ci, s, e, one_based=True)
    major = t.numbers(t.need("nMajor", "nMajor"), rows=rows)
    minor = t.numbers(t.need("nMinor", "nMinor"), rows=rows)
    return _frame(t, rows, chrom, start, end, major + minor, "cn", minor_cn=minor,
                  major_cn=major), chosen


def _dedupe_genes(t: Table, cols: dict) -> dict:
    genes, lines = cols["gene"], cols["_line"]
    seen: dict = {}
    for g, ln in zip(genes, lines):
        if g in ("", "NA"):
            raise t.err("empty gene name", line=int(ln), field="gene")
        if g in seen:
            raise t.err(f"gene {g!r} is listed twice (also on line {seen[g]})", line=int(ln),
                        field="gene")
        seen[g] = int(ln)
    return cols


def _gene_rows(t: Table, rows, gi, value, unit) -> pd.DataFrame:
    n = len(rows)
    genes = [t.rows[k][gi].strip() for k in rows]
    cols = _frame(t, rows, [None] * n, np.zeros(n, np.int64), np.zeros(n, np.int64), value,
                  unit, gene=genes)
    return _dedupe_genes(t, cols)


def _read_gene_table(t: Table, sample, cfg, fallback):
    rows = list(range(len(t.rows)))
    gi = t.need("gene", *GENE_ALIASES)
    cn_i, l2_i = t.find(*GENE_CN_ALIASES), t.find(*GENE_LOG2_ALIASES)
    mode = cfg["gene_table_values"]
    if mode == "auto":
        mode = "copy_number" if cn_i is not None else "log2"
    if mode == "copy_number":
        vi = cn_i if cn_i is not None else t.need("copy_number", *GENE_CN_ALIASES)
        unit = "cn"
    else:
        vi = l2_i if l2_i is not None else t.need("log2", *GENE_LOG2_ALIASES)
        unit = "log2"
    return _gene_rows(t, rows, gi, t.numbers(vi), unit), None


def _discrete_check(t: Table, rows, vi, value):
    bad = ~np.isin(value, [-2, -1, 0, 1, 2])
    if bad.any():
        j = int(np.argmax(bad))
        raise t.err(f"{t.rows[rows[j]][vi]!r} is not a discrete copy-number level "
                    f"(-2, -1, 0, 1, 2)", line=t.lines[rows[j]], field=t.header[vi])


def _matrix(t: Table, sample, fallback, gene_i, first_sample_col):
    """One sample column of a gene x sample matrix -> (rows, column index, sample)."""
    samples = t.header[first_sample_col:]
    if not samples:
        raise t.err("no sample columns", line=t.header_line)
    chosen = _choose_sample(t, samples, sample, fallback, line=t.header_line)
    return list(range(len(t.rows))), first_sample_col + samples.index(chosen), chosen


def _read_cbioportal(t: Table, sample, cfg, fallback):
    gi = t.need("Hugo_Symbol", "Hugo_Symbol")
    sid, vi = t.find("Sample_Id"), t.find("Value")
    if sid is not None and vi is not None:  # DISCRETE_LONG: one row per gene x sample
        rows, chosen = _select_sample(t, sid, sample, fallback)
    else:
        first = max(i for i in (t.find("Hugo_Symbol"), t.find("Entrez_Gene_Id"),
                                t.find("Cytoband")) if i is not None) + 1
        rows, vi, chosen = _matrix(t, sample, fallback, gi, first)
    value = t.numbers(vi, allow_na=True, rows=rows)
    keep = ~np.isnan(value)  # cBioPortal writes NA for a gene not profiled in a sample
    rows = [k for k, ok in zip(rows, keep) if ok]
    value = value[keep]
    mode = cfg["matrix_values"]
    if mode == "auto":
        mode = "discrete" if (value == np.round(value)).all() else "log2"  # whole -> levels
    if mode == "discrete":
        _discrete_check(t, rows, vi, value)
    unit = {"discrete": "discrete", "copy_number": "cn"}.get(mode, "log2")
    return _gene_rows(t, rows, gi, value, unit), chosen


def _read_gistic(t: Table, sample, cfg, fallback):
    gi = t.need("Gene Symbol", "Gene Symbol")
    first = t.need("Cytoband", "Cytoband") + 1
    rows, vi, chosen = _matrix(t, sample, fallback, gi, first)
    value = t.numbers(vi, rows=rows)
    _discrete_check(t, rows, vi, value)
    return _gene_rows(t, rows, gi, value, "discrete"), chosen


READERS: dict[str, Reader] = {
    r.name: r for r in [
        Reader("purple", _is_purple, _read_purple,
               "PURPLE *.purple.cnv.gene.tsv (min/max copy number) or *.purple.cnv.somatic.tsv"),
        Reader("cnvkit", _is_cnvkit, _read_cnvkit, "CNVkit .cns/.call.cns (log2; cn when present)"),
        Reader("facets", _is_facets, _read_facets, "FACETS cncf segments (tcn.em, lcn.em)"),
        Reader("ascat", _is_ascat, _read_ascat, "ASCAT segments (nMajor, nMinor)"),
        Reader("gistic", _is_gistic, _read_gistic, "GISTIC all_thresholded.by_genes.txt"),
        Reader("gene_table", _is_gene_table, _read_gene_table,
               "gene table: gene + copy_number or log2"),
        Reader("cbioportal", _is_cbioportal, _read_cbioportal,
               "cBioPortal data_CNA (wide or DISCRETE_LONG)"),
        Reader("seg", _is_seg, _read_seg, "IGV/DNAcopy SEG, one or many samples"),
    ]
}
assert set(READERS) == set(schema.CN_FORMATS)


@lru_cache(maxsize=2)
def _cached_table_key(path: str, patient: str | None, stamp: tuple) -> Table:
    return parse_table(path, patient=patient)


def _cached_table(path: str, patient: str | None) -> Table:
    """Parse a file once per process (a cohort-wide matrix is read by every patient)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError("file does not exist", patient=patient, path=str(path)) from None
    if st.st_size < 1 << 16:  # small per-patient files: no point caching
        return parse_table(path, patient=patient)
    try:
        t = _cached_table_key(str(path), None, (st.st_mtime_ns, st.st_size))
    except InputError as err:
        raise err.with_context(patient=patient) from None
    return Table(t.path, t.header, t.rows, t.lines, t.header_line, patient)


def detect_format(path: str | os.PathLike, *, patient: str | None = None) -> str:
    """The format name of a copy-number file, judged from its header line."""
    return _detect(_cached_table(str(path), patient))


def _detect(t: Table) -> str:
    cols = {h.strip().lower() for h in t.header}
    for r in READERS.values():
        if r.detect(cols):
            return r.name
    raise t.err("cannot tell the copy-number format from the header "
                f"({', '.join(t.header[:8])}); set cn_format to one of "
                f"{', '.join(READERS)}", line=t.header_line)


def read_segments(path, fmt: str | None = None, sample: str | None = None, *,
                  patient: str | None = None, config: dict | None = None,
                  build: str | None = None) -> pd.DataFrame:
    """One sample's segments (schema.CN_SEGMENT_COLUMNS) from a copy-number file.

    ``sample`` picks a sample of a multi-sample file; without it the patient id is tried,
    then a file holding a single sample is taken as is. With ``build`` the chromosomes and
    segment ends are checked against that genome build.
    """
    from .config import resolve

    cfg = resolve(config)
    path = str(path)
    t = _cached_table(path, patient)
    if fmt is None:
        fmt = _detect(t)
    if fmt not in READERS:
        raise InputError(f"unknown copy-number format {fmt!r}; expected one of "
                         f"{', '.join(READERS)}", patient=patient, path=path, field="cn_format")
    cols, _ = READERS[fmt].read(t, sample, cfg, patient)
    if all(g is None for g in cols["gene"]):
        cols = _check_segments(t, cols, build, cfg)
    n = len(cols["_line"])
    return pd.DataFrame({c: (np.full(n, cols[c], dtype=object) if c == "unit" else cols[c])
                         for c in schema.CN_SEGMENT_COLUMNS})


def _check_segments(t: Table, cols: dict, build: str | None, cfg: dict) -> dict:
    """Canonical chromosomes; end > start; within the build; sorted, non-overlapping."""
    names = cols["chrom"]
    canon = {c: canonical_chrom(c) for c in set(names.tolist())}
    chrom = np.array([canon[c] for c in names], dtype=object)
    lines, start, end = cols["_line"], cols["start"], cols["end"]
    bad = end <= start
    if bad.any():
        j = int(np.argmax(bad))
        raise t.err(f"segment end {end[j]} is not after its start "
                    f"(0-based start {start[j]})", line=int(lines[j]))
    if build is not None:
        sizes = chrom_lengths(build)
        known = np.array([c in sizes for c in chrom], dtype=bool)
        if not known.all():
            if cfg["unknown_chrom"] != "ignore":
                j = int(np.argmax(~known))
                raise t.err(f"chromosome {names[j]!r} is not in {build} (set copy_number."
                            "unknown_chrom: ignore to skip such contigs)", line=int(lines[j]))
            cols = _take(cols, known)
            chrom, lines, start, end = chrom[known], cols["_line"], cols["start"], cols["end"]
        limit = np.array([sizes[c] for c in chrom], dtype=np.int64)
        over = end > limit
        if over.any():
            j = int(np.argmax(over))
            raise t.err(f"segment end {end[j]} is beyond the end of chromosome "
                        f"{chrom[j]} in {build} ({int(limit[j])} bp); "
                        "wrong genome build?", line=int(lines[j]))
    if not len(chrom):
        raise t.err("no segments on the chromosomes of the genome build")
    cols = {**cols, "chrom": chrom}
    # within each chromosome, file order must be sorted and non-overlapping
    order = np.argsort(pd.factorize(chrom)[0], kind="stable")
    c, s, e, ln = chrom[order], start[order], end[order], lines[order]
    same = c[1:] == c[:-1]
    unsorted = same & (s[1:] < s[:-1])
    if unsorted.any():
        j = int(np.argmax(unsorted)) + 1
        raise t.err(f"segments are not sorted: start {s[j]} on chromosome {c[j]} comes after "
                    f"a segment starting at {s[j - 1]} (line {ln[j - 1]})", line=int(ln[j]))
    # DNAcopy on array data writes segments that share their boundary probe (a segment
    # starts on the base where the previous one ends): that one base goes to the later one.
    # (If the earlier segment is that one base, the later one starts a base later.)
    one = same & (s[1:] == e[:-1] - 1)
    if one.any():
        s, e = s.copy(), e.copy()
        trim_prev = one & (e[:-1] - s[:-1] > 1)
        trim_next = one & ~trim_prev & (e[1:] - s[1:] > 1)
        e[:-1][trim_prev] = s[1:][trim_prev]
        s[1:][trim_next] = e[:-1][trim_next]
        new_s, new_e = start.copy(), end.copy()
        new_s[order], new_e[order] = s, e
        cols = {**cols, "start": new_s, "end": new_e}
    overlap = same & (s[1:] < e[:-1])
    if overlap.any():
        j = int(np.argmax(overlap)) + 1
        raise t.err(f"segment overlaps the previous one on chromosome {c[j]} "
                    f"(the segment on line {ln[j - 1]} ends after this one starts)",
                    line=int(ln[j]))
    return cols
