"""FACETS segments: the R ``fit$cncf`` table and facets-suite's ``*.cncf.txt`` (ID, chrom,
loc.start, loc.end, ..., tcn.em, lcn.em); purity and ploidy from the ``*.out`` file that
facets-suite writes beside it (``# Purity = ...``, ``# Ploidy = ...``)."""

from __future__ import annotations

import numpy as np

from .base import CallerFit, Reader, coords, frame, number_or_none, sibling

STARTS = ("start", "loc.start")
ENDS = ("end", "loc.end")


def detect(t) -> bool:
    c = t.columns
    return ("chrom" in c and "tcn.em" in c and bool(c & set(STARTS))
            and bool(c & set(ENDS)))


def read(t, want, cfg):
    rows = list(range(len(t.rows)))
    ci, si, ei = t.need("chrom", "chrom"), t.need("start", *STARTS), t.need("end", *ENDS)
    chrom, start, end = coords(t, rows, ci, si, ei, one_based=True)
    tcn = t.numbers(t.need("tcn.em", "tcn.em"))
    lcn_i = t.find("lcn.em")
    lcn = t.numbers(lcn_i, allow_na=True) if lcn_i is not None else np.full(len(rows), np.nan)
    return frame(t, rows, chrom, start, end, tcn, "cn", minor_cn=lcn, major_cn=tcn - lcn), None


def caller_fit(path: str, t) -> CallerFit | None:
    """``<prefix>.out`` beside ``<prefix>.cncf.txt``: lines ``# Purity = x``, ``# Ploidy = y``."""
    import os

    other = sibling(path, ".cncf.txt", ".out")
    if other is None or not os.path.isfile(other):
        return None
    from ...tsv import read_text

    values = {}
    for line in read_text(other, patient=t.patient).splitlines():
        key, eq, value = line.lstrip("#").partition("=")
        if eq and key.strip().lower() in ("purity", "ploidy"):
            values[key.strip().lower()] = number_or_none(value)
    if not values:
        return None
    return CallerFit(values.get("purity"), values.get("ploidy"), other)


READER = Reader(
    name="facets", description="FACETS / facets-suite segments (`fit$cncf`, `*.cncf.txt`)",
    units=("cn",), cohort_wide=False, detect=detect, read=read,
    detected_by="columns chrom, start or loc.start, end or loc.end, tcn.em",
    caller_fit=caller_fit, side_files=((".cncf.txt", ".out"),),
)
