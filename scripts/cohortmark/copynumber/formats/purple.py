"""PURPLE (hmftools): gene table ``*.purple.cnv.gene.tsv`` or segments
``*.purple.cnv.somatic.tsv``; purity and ploidy from ``*.purple.purity.tsv`` beside them."""

from __future__ import annotations

import numpy as np

from .base import (
    CallerFit,
    Reader,
    coords,
    dedupe_genes,
    frame,
    has,
    number_or_none,
    read_sibling,
    sibling,
)


def _is_gene_table(c) -> bool:
    return has(c, "chromosome", "start", "end", "gene", "mincopynumber", "maxcopynumber")


def detect(t) -> bool:
    c = t.columns
    return _is_gene_table(c) or has(c, "chromosome", "start", "end", "copynumber")


def read(t, want, cfg):
    rows = list(range(len(t.rows)))
    if _is_gene_table(t.columns):
        lo = t.numbers(t.need("minCopyNumber", "minCopyNumber"))
        hi = t.numbers(t.need("maxCopyNumber", "maxCopyNumber"))
        genes = t.strings(t.need("gene", "gene"))
        n = len(rows)
        cols = frame(t, rows, [None] * n, np.zeros(n, np.int64), np.zeros(n, np.int64), lo,
                     "cn", gene=genes, max_value=hi)
        return dedupe_genes(t, cols), None
    ci, si, ei = (t.need("chromosome", "chromosome"), t.need("start", "start"),
                  t.need("end", "end"))
    chrom, start, end = coords(t, rows, ci, si, ei, one_based=True)
    value = t.numbers(t.need("copyNumber", "copyNumber"))
    extra = {}
    mi = t.find("minorAlleleCopyNumber", "minorAllelePloidy")
    ma = t.find("majorAlleleCopyNumber", "majorAllelePloidy")
    if mi is not None and ma is not None:
        extra = {"minor_cn": t.numbers(mi, allow_na=True), "major_cn": t.numbers(ma, allow_na=True)}
    return frame(t, rows, chrom, start, end, value, "cn", **extra), None


def caller_fit(path: str, t) -> CallerFit | None:
    """``<sample>.purple.purity.tsv`` (columns purity, ploidy) beside the copy-number file."""
    for suffix in (".purple.cnv.somatic.tsv", ".purple.cnv.gene.tsv"):
        other = sibling(path, suffix, ".purple.purity.tsv")
        if other is None:
            continue
        p = read_sibling(other, t.patient)
        if p is None or not p.rows:
            return None
        pi, qi = p.find("purity"), p.find("ploidy")
        if pi is None or qi is None:
            return None
        return CallerFit(number_or_none(p.rows[0][pi]), number_or_none(p.rows[0][qi]), other)
    return None


READER = Reader(
    name="purple", description="PURPLE gene table (`*.purple.cnv.gene.tsv`) or segments "
                               "(`*.purple.cnv.somatic.tsv`)",
    units=("cn",), cohort_wide=False, detect=detect, read=read,
    detected_by="columns chromosome, start, end and copyNumber (segments) or gene, "
                "minCopyNumber, maxCopyNumber (gene table)",
    caller_fit=caller_fit,
    side_files=((".purple.cnv.somatic.tsv", ".purple.purity.tsv"),
                (".purple.cnv.gene.tsv", ".purple.purity.tsv")),
)
