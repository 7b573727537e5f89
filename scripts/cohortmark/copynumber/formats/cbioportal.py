"""cBioPortal ``data_CNA``: wide gene x sample matrix or DISCRETE_LONG (one row per gene x
sample); discrete -2..2 levels or continuous log2."""

from __future__ import annotations

import numpy as np

from .base import Reader, discrete_check, gene_rows, matrix_column, select_sample


def detect(t) -> bool:
    c = t.columns
    return "hugo_symbol" in c or "entrez_gene_id" in c


def read(t, want, cfg):
    gi = t.need("Hugo_Symbol", "Hugo_Symbol")
    sid, vi = t.find("Sample_Id"), t.find("Value")
    if sid is not None and vi is not None:  # DISCRETE_LONG: one row per gene x sample
        rows, chosen = select_sample(t, sid, want)
    else:
        first = max(i for i in (t.find("Hugo_Symbol"), t.find("Entrez_Gene_Id"),
                                t.find("Cytoband")) if i is not None) + 1
        rows, vi, chosen = matrix_column(t, want, first)
    value = t.numbers(vi, allow_na=True, rows=rows)
    keep = ~np.isnan(value)  # cBioPortal writes NA for a gene not profiled in a sample
    rows = [k for k, ok in zip(rows, keep) if ok]
    value = value[keep]
    mode = cfg["matrix_values"]
    if mode == "auto":
        mode = "discrete" if (value == np.round(value)).all() else "log2"  # whole -> levels
    if mode == "discrete":
        discrete_check(t, rows, vi, value)
    unit = {"discrete": "discrete", "copy_number": "cn"}.get(mode, "log2")
    return gene_rows(t, rows, gi, value, unit), chosen


READER = Reader(
    name="cbioportal", description="cBioPortal `data_CNA` (wide or DISCRETE_LONG)",
    units=("discrete", "log2"), cohort_wide=True, detect=detect, read=read,
    detected_by="a Hugo_Symbol or Entrez_Gene_Id column",
)
