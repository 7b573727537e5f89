"""From a copy-number file to one sample's segments, through the format registry.

``read_segments`` parses the file once (``table.cached_table``), names its format (the
sheet's ``cn_format`` or ``detect_format``), lets that format's reader (``formats/``) pick
the patient's sample and return its segments, then checks them: canonical chromosome names,
0-based half-open coordinates inside the genome build, sorted and non-overlapping. For
events-only formats (Control-FREEC ``_CNVs``, CNV VCFs) the regions between the listed
events are filled with baseline segments (value NaN = the sample's ploidy) when
``copy_number.unlisted_regions`` is ``baseline``. All problems raise InputError naming the
patient, file, line and column.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from .. import schema
from ..errors import InputError
from ..genome import canonical_chrom, chrom_lengths
from .formats import FORMATS, READERS, Reader, SampleRequest
from .table import Table, cached_table

__all__ = ["READERS", "Reader", "SampleRequest", "detect_format", "read_segments",
           "read_sample"]


def detect_format(path: str | os.PathLike, *, patient: str | None = None) -> str:
    """The format name of a copy-number file, judged from its content."""
    return _detect(cached_table(str(path), patient)).name


def _detect(t: Table) -> Reader:
    for r in FORMATS:
        if r.detect(t):
            return r
    raise t.err("cannot tell the copy-number format from the header "
                f"({', '.join(t.header[:8])}); set cn_format to one of "
                f"{', '.join(READERS)}", line=t.header_line)


def _reader(fmt: str | None, t: Table, patient, path) -> tuple[Reader, Table]:
    if fmt is None:
        reader = _detect(t)
    elif fmt in READERS:
        reader = READERS[fmt]
    else:
        raise InputError(f"unknown copy-number format {fmt!r}; expected one of "
                         f"{', '.join(READERS)}", patient=patient, path=path, field="cn_format")
    if reader.columns is not None:
        t = t.headerless(list(reader.columns))
    return reader, t


def read_sample(path, fmt: str | None = None, want: SampleRequest | None = None, *,
                patient: str | None = None, config: dict | None = None,
                build: str | None = None):
    """``read_segments`` plus what it found out: (segments, reader, chosen sample, table)."""
    from .config import resolve

    cfg = resolve(config)
    path = str(path)
    t = cached_table(path, patient)
    reader, t = _reader(fmt, t, patient, path)
    want = want or SampleRequest(patient_id=patient)
    cols, chosen = reader.read(t, want, cfg)
    if all(g is None for g in cols["gene"]):
        cols = _check_segments(t, cols, build, cfg)
        if reader.events_only and cfg["unlisted_regions"] == "baseline":
            if build is None:
                raise InputError(f"{reader.name} lists altered regions only: the genome build "
                                 "is needed to fill the rest", patient=patient, path=path)
            cols = _fill_baseline(cols, build)
    n = len(cols["_line"])
    segments = pd.DataFrame({c: (np.full(n, cols[c], dtype=object) if c == "unit" else cols[c])
                             for c in schema.CN_SEGMENT_COLUMNS})
    return segments, reader, chosen, t


def read_segments(path, fmt: str | None = None, sample: str | None = None, *,
                  patient: str | None = None, config: dict | None = None,
                  build: str | None = None, tumor_sample: str | None = None) -> pd.DataFrame:
    """One sample's segments (schema.CN_SEGMENT_COLUMNS) from a copy-number file.

    In a multi-sample file ``sample`` (the sheet's cn_sample) must exist; without it
    ``tumor_sample``, then ``patient`` are tried, then a file holding a single sample is taken
    as it is. With ``build`` the chromosomes and segment ends are checked against that genome
    build. ``config`` is the copy_number section.
    """
    want = SampleRequest(cn_sample=sample, tumor_sample=tumor_sample, patient_id=patient)
    return read_sample(path, fmt, want, patient=patient, config=config, build=build)[0]


def _fill_baseline(cols: dict, build: str) -> dict:
    """Add segments of value NaN (= baseline ploidy, unit cn) over every stretch of the
    build's chromosomes (MT excepted) that no listed region covers."""
    sizes = {c: n for c, n in chrom_lengths(build).items() if c != "MT"}
    chrom, start, end = cols["chrom"], cols["start"], cols["end"]
    add_c, add_s, add_e = [], [], []
    for c, length in sizes.items():
        mask = chrom == c
        s, e = np.sort(start[mask]), np.sort(end[mask])
        pos = 0
        for a, b in zip(s, e):
            if a > pos:
                add_c.append(c), add_s.append(pos), add_e.append(int(a))
            pos = max(pos, int(b))
        if pos < length:
            add_c.append(c), add_s.append(pos), add_e.append(length)
    m = len(add_c)
    filled = {
        "chrom": np.concatenate([chrom, np.array(add_c, dtype=object)]),
        "start": np.concatenate([start, np.array(add_s, dtype=np.int64)]),
        "end": np.concatenate([end, np.array(add_e, dtype=np.int64)]),
        "value": np.concatenate([cols["value"], np.full(m, np.nan)]),
        "unit": cols["unit"],
        "gene": np.concatenate([cols["gene"], np.full(m, None, dtype=object)]),
        "_line": np.concatenate([cols["_line"], np.zeros(m, np.int64)]),
    }
    for k in ("minor_cn", "major_cn", "max_value"):
        filled[k] = np.concatenate([cols[k], np.full(m, np.nan)])
    code = {c: i for i, c in enumerate(sizes)}
    order = np.lexsort((filled["start"], [code.get(c, len(code)) for c in filled["chrom"]]))
    return {k: (v[order] if isinstance(v, np.ndarray) else v) for k, v in filled.items()}


def _check_segments(t: Table, cols: dict, build: str | None, cfg: dict) -> dict:
    """Canonical chromosomes; end > start; within the build; sorted, non-overlapping."""
    from .formats.base import take

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
            cols = take(cols, known)
            chrom, lines, start, end = chrom[known], cols["_line"], cols["start"], cols["end"]
        limit = np.array([sizes[c] for c in chrom], dtype=np.int64)
        over = end > limit
        if over.any():
            j = int(np.argmax(over))
            raise t.err(f"segment end {end[j]} is beyond the end of chromosome "
                        f"{chrom[j]} in {build} ({int(limit[j])} bp); "
                        "wrong genome build?", line=int(lines[j]))
    if not len(chrom) and not _may_be_empty(t):
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


def _may_be_empty(t: Table) -> bool:
    """An events-only file (a VCF) without any event is a profiled, unaltered sample."""
    return any(m.startswith("##fileformat=VCF") for m in t.meta)
