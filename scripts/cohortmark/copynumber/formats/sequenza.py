"""Sequenza ``<id>_segments.txt`` (chromosome, start.pos, end.pos, ..., CNt, A, B); purity
(cellularity) and ploidy from ``<id>_confints_CP.txt`` (its middle row is the maximum-
likelihood solution) or else the first row of ``<id>_alternative_solutions.txt``."""

from __future__ import annotations

import numpy as np

from .base import CallerFit, Reader, coords, frame, has, number_or_none, read_sibling, sibling


def detect(t) -> bool:
    return has(t.columns, "chromosome", "start.pos", "end.pos", "cnt")


def read(t, want, cfg):
    cnt_i = t.need("CNt", "CNt")
    cnt = t.numbers(cnt_i, allow_na=True)
    rows = [k for k in range(len(t.rows)) if not np.isnan(cnt[k])]  # no fit: not measured
    if not rows:
        raise t.err("no segment with a copy number", line=t.header_line, field="CNt")
    ci, si, ei = (t.need("chromosome", "chromosome"), t.need("start.pos", "start.pos"),
                  t.need("end.pos", "end.pos"))
    chrom, start, end = coords(t, rows, ci, si, ei, one_based=True)
    extra = {}
    ai, bi = t.find("A"), t.find("B")
    if ai is not None and bi is not None:
        a, b = t.numbers(ai, allow_na=True, rows=rows), t.numbers(bi, allow_na=True, rows=rows)
        extra = {"minor_cn": np.fmin(a, b), "major_cn": np.fmax(a, b)}
    return frame(t, rows, chrom, start, end, cnt[rows], "cn", **extra), None


def caller_fit(path: str, t) -> CallerFit | None:
    ci = read_sibling(sibling(path, "_segments.txt", "_confints_CP.txt"), t.patient)
    if ci is not None and ci.rows:
        pi, qi = ci.find("cellularity"), ci.find("ploidy.estimate", "ploidy")
        if pi is not None and qi is not None:
            row = ci.rows[len(ci.rows) // 2]  # rows: lower bound, estimate, upper bound
            return CallerFit(number_or_none(row[pi]), number_or_none(row[qi]), ci.path)
    alt = read_sibling(sibling(path, "_segments.txt", "_alternative_solutions.txt"), t.patient)
    if alt is not None and alt.rows:
        pi, qi = alt.find("cellularity"), alt.find("ploidy")
        if pi is not None and qi is not None:
            return CallerFit(number_or_none(alt.rows[0][pi]), number_or_none(alt.rows[0][qi]),
                             alt.path)
    return None


READER = Reader(
    name="sequenza", description="Sequenza `*_segments.txt`",
    units=("cn",), cohort_wide=False, detect=detect, read=read,
    detected_by="columns chromosome, start.pos, end.pos, CNt",
    caller_fit=caller_fit,
    side_files=(("_segments.txt", "_confints_CP.txt"),
                ("_segments.txt", "_alternative_solutions.txt")),
)
