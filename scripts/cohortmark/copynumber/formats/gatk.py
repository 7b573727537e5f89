"""GATK4 somatic CNV: ``ModelSegments`` ``*.modelFinal.seg`` / ``*.cr.seg`` and
``CallCopyRatioSegments`` ``*.called.seg``, after their SAM-style ``@HD/@SQ/@RG`` header.

Coordinates are 1-based inclusive (GATK intervals); values are log2 copy ratios, not
purity-adjusted: ``MEAN_LOG2_COPY_RATIO`` (cr/called.seg) or the posterior median
``LOG2_COPY_RATIO_POSTERIOR_50`` (modelFinal.seg). A segment without copy-ratio points (NaN)
is not a measurement and is skipped; ``CALL`` (+/-/0) is not used: the calls are ours.
"""

from __future__ import annotations

import numpy as np

from .base import Reader, coords, frame, has

VALUES = ("MEAN_LOG2_COPY_RATIO", "LOG2_COPY_RATIO_POSTERIOR_50")


def detect(t) -> bool:
    c = t.columns
    return has(c, "contig", "start", "end") and bool(c & {v.lower() for v in VALUES})


def read(t, want, cfg):
    vi = t.need("log2 copy ratio", *VALUES)
    value = t.numbers(vi, allow_na=True)
    rows = [k for k in range(len(t.rows)) if not np.isnan(value[k])]
    if not rows:
        raise t.err("no segment with a copy ratio", line=t.header_line, field=t.header[vi])
    ci, si, ei = t.need("CONTIG", "CONTIG"), t.need("START", "START"), t.need("END", "END")
    chrom, start, end = coords(t, rows, ci, si, ei, one_based=True)
    return frame(t, rows, chrom, start, end, value[rows], "log2"), None


READER = Reader(
    name="gatk", description="GATK4 somatic CNV segments (`*.modelFinal.seg`, `*.cr.seg`, "
                             "`*.called.seg`)",
    units=("log2",), cohort_wide=False, detect=detect, read=read,
    detected_by="columns CONTIG, START, END and MEAN_LOG2_COPY_RATIO or "
                "LOG2_COPY_RATIO_POSTERIOR_50 (after an @HD/@SQ/@RG header)",
)
