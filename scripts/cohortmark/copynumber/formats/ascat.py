"""ASCAT segments (sample, chr, startpos, endpos, nMajor, nMinor), one or many samples per
file; purity and ploidy from ``*.purityploidy.txt`` (nf-core/sarek: AberrantCellFraction,
Ploidy) or ``*.samplestatistics.txt`` (ascatNgs: rho, Ploidy) beside ``*.segments.txt``."""

from __future__ import annotations

from ...tsv import read_text
from .base import (
    CallerFit,
    Reader,
    coords,
    frame,
    has,
    number_or_none,
    read_sibling,
    select_sample,
    sibling,
)


def detect(t) -> bool:
    c = t.columns
    return has(c, "nmajor", "nminor") and bool(c & {"startpos", "start"})


def read(t, want, cfg):
    rows, chosen = select_sample(t, t.find("sample"), want)
    ci = t.need("chr", "chr", "chrom", "chromosome")
    s, e = t.need("startpos", "startpos", "start"), t.need("endpos", "endpos", "end")
    chrom, start, end = coords(t, rows, ci, s, e, one_based=True)
    major = t.numbers(t.need("nMajor", "nMajor"), rows=rows)
    minor = t.numbers(t.need("nMinor", "nMinor"), rows=rows)
    return frame(t, rows, chrom, start, end, major + minor, "cn", minor_cn=minor,
                 major_cn=major), chosen


def samplestatistics(path: str, patient: str | None) -> CallerFit | None:
    """ascatNgs ``*.samplestatistics.txt``: ``key value`` lines; rho = purity (aberrant cell
    fraction), Ploidy = tumour ploidy."""
    values = {}
    for line in read_text(path, patient=patient).splitlines():
        parts = line.split()
        if len(parts) == 2:
            values[parts[0].lower()] = number_or_none(parts[1])
    if "rho" not in values and "ploidy" not in values:
        return None
    return CallerFit(values.get("rho"), values.get("ploidy"), path)


def caller_fit(path: str, t) -> CallerFit | None:
    import os

    pp = read_sibling(sibling(path, ".segments.txt", ".purityploidy.txt"), t.patient)
    if pp is not None and pp.rows:
        pi, qi = pp.find("AberrantCellFraction", "purity"), pp.find("Ploidy")
        if pi is not None or qi is not None:
            row = pp.rows[0]
            return CallerFit(number_or_none(row[pi]) if pi is not None else None,
                             number_or_none(row[qi]) if qi is not None else None, pp.path)
    stats = sibling(path, ".segments.txt", ".samplestatistics.txt")
    if stats is not None and os.path.isfile(stats):
        return samplestatistics(stats, t.patient)
    return None


READER = Reader(
    name="ascat", description="ASCAT segments (`*.segments.txt`)",
    units=("cn",), cohort_wide=True, detect=detect, read=read,
    detected_by="columns nMajor, nMinor and startpos (or start)",
    caller_fit=caller_fit,
    side_files=((".segments.txt", ".purityploidy.txt"),
                (".segments.txt", ".samplestatistics.txt")),
)
