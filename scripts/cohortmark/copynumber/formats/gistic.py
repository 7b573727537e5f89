"""GISTIC 2.0 ``all_thresholded.by_genes.txt``: gene x sample matrix of -2..2 levels."""

from __future__ import annotations

from .base import Reader, discrete_check, gene_rows, has, matrix_column


def detect(t) -> bool:
    c = t.columns
    return has(c, "gene symbol") and bool(c & {"locus id", "gene id"}) and "cytoband" in c


def read(t, want, cfg):
    gi = t.need("Gene Symbol", "Gene Symbol")
    first = t.need("Cytoband", "Cytoband") + 1
    rows, vi, chosen = matrix_column(t, want, first)
    value = t.numbers(vi, rows=rows)
    discrete_check(t, rows, vi, value)
    return gene_rows(t, rows, gi, value, "discrete"), chosen


READER = Reader(
    name="gistic", description="GISTIC 2.0 `all_thresholded.by_genes.txt` (cohort matrix)",
    units=("discrete",), cohort_wide=True, detect=detect, read=read,
    detected_by="columns Gene Symbol, Locus ID, Cytoband",
)
