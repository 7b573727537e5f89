"""IGV / DNAcopy SEG: one or many samples per file (GISTIC input, cBioPortal ``_seg``, FACETS
and GATK ``.igv.seg``), columns in any order."""

from __future__ import annotations

import math

from .base import Reader, coords, frame, select_sample

SEG_SAMPLE = ("id", "sample", "sample_id", "samplename", "sample_name", "name")
SEG_CHROM = ("chrom", "chromosome", "chr")
SEG_START = ("loc.start", "start", "start.bp", "startpos", "start_position")
SEG_END = ("loc.end", "end", "end.bp", "endpos", "end_position")
SEG_VALUE = ("seg.mean", "segment_mean", "seg.cn", "segmean", "log2", "mean", "value")


def detect(t) -> bool:
    c = t.columns
    return all(bool(c & set(a)) for a in (SEG_CHROM, SEG_START, SEG_END, SEG_VALUE))


def read(t, want, cfg):
    rows, chosen = select_sample(t, t.find(*SEG_SAMPLE), want)
    ci, s, e = t.need("chrom", *SEG_CHROM), t.need("start", *SEG_START), t.need("end", *SEG_END)
    chrom, start, end = coords(t, rows, ci, s, e, one_based=True)
    value = t.numbers(t.need("seg.mean", *SEG_VALUE), rows=rows)
    if cfg["seg_values"] == "copy_number":
        unit = "cn"
    else:
        value = value * math.log2(cfg["seg_log_base"])  # log_b r -> log2 r
        unit = "log2"
    return frame(t, rows, chrom, start, end, value, unit), chosen


READER = Reader(
    name="seg", description="IGV/DNAcopy SEG (`.seg`), one or many samples per file",
    units=("log2", "cn"), cohort_wide=True, detect=detect, read=read,
    detected_by="a sample, chromosome, start, end and mean column (ID/chrom/loc.start/"
                "loc.end/seg.mean and their usual variants, any order)",
)
