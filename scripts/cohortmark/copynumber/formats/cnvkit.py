"""CNVkit segments: ``.cns`` (log2) and ``.call.cns`` (integer ``cn``, allele-specific cn1/cn2)."""

from __future__ import annotations

import numpy as np

from .base import Reader, coords, frame, has


def detect(t) -> bool:
    return has(t.columns, "chromosome", "start", "end", "log2")


def read(t, want, cfg):
    rows = list(range(len(t.rows)))
    pi = t.find("probes")
    if pi is not None:  # CNVkit writes empty (probes = 0) segments, even with end < start:
        rows = [k for k, v in zip(rows, t.numbers(pi)) if v > 0]  # they hold no measurement
        if not rows:
            raise t.err("no segment with probes > 0", line=t.header_line)
    ci, si, ei = t.need("chromosome", "chromosome"), t.need("start", "start"), t.need("end", "end")
    chrom, start, end = coords(t, rows, ci, si, ei, one_based=False)
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
    return frame(t, rows, chrom, start, end, value, unit, **extra), None


READER = Reader(
    name="cnvkit", description="CNVkit `.cns` / `.call.cns` segments",
    units=("log2", "cn"), cohort_wide=False, detect=detect, read=read,
    detected_by="columns chromosome, start, end, log2",
)
