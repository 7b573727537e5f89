"""Copy-number VCFs: DRAGEN CNV, GATK gCNV ``PostprocessGermlineCNVCalls`` segments, CNVkit
``export vcf``, Canvas: records with ``END`` (and ``SVTYPE`` DEL/DUP/CNV, or none) and a
``CN`` FORMAT field per sample. A deletion record without CN (CNVkit writes heterozygous and
homozygous deletions as GT ``0/1`` / ``1/1`` only) has the copy number its genotype states:
the number of reference alleles (1 or 0).

A record covers ``POS+1..END`` (1-based; POS is the padding base of a symbolic allele, VCF
4.x), i.e. 0-based ``[POS, END)``. Records whose FILTER is not accepted
(``copy_number.vcf_filter``) and records without a CN value are not used. Most callers list
altered regions only (DRAGEN, CNVkit), so the regions between records are taken as the
sample's baseline ploidy (``copy_number.unlisted_regions``).
"""

from __future__ import annotations

import numpy as np

from .base import Reader, choose_sample, frame

FIXED = ["chrom", "pos", "id", "ref", "alt", "qual", "filter", "info", "format"]


def detect(t) -> bool:
    return (any(m.startswith("##fileformat=VCF") for m in t.meta)
            and [h.lower() for h in t.header[:2]] == ["chrom", "pos"])


def _info(text: str) -> dict:
    out = {}
    for item in text.split(";"):
        key, _, value = item.partition("=")
        out[key] = value
    return out


def _copy_number(t, fmt: list, fields: list, svtype: str, line: int, sample: str):
    """CN of one record for the sample (None when it has no call)."""
    def get(key):
        i = fmt.index(key) if key in fmt else None
        return fields[i] if i is not None and i < len(fields) else "."

    text = get("CN")
    if text in (".", "") and svtype == "DEL":
        gt = get("GT").replace("|", "/").split("/")
        if "." in gt or gt == [""]:
            return None
        return float(sum(a == "0" for a in gt))  # reference alleles left
    if text in (".", ""):
        return None
    try:
        return float(text)
    except ValueError:
        raise t.err(f"CN {text!r} is not a number", line=line, field=sample) from None


def read(t, want, cfg):
    if [h.lower() for h in t.header[:9]] != FIXED or len(t.header) < 10:
        raise t.err("a copy-number VCF needs the columns CHROM ... FORMAT and a sample column",
                    line=t.header_line)
    samples = t.header[9:]
    chosen = choose_sample(t, samples, want, line=t.header_line)
    si = 9 + samples.index(chosen)
    accepted = set(cfg["vcf_filter"])
    keep, starts, ends, values, chroms = [], [], [], [], []
    seen_cn = False
    for k, row in enumerate(t.rows):
        line = t.lines[k]
        fmt = row[8].split(":")
        info = _info(row[7])
        svtype = info.get("SVTYPE", "")
        if "CN" not in fmt and not (svtype == "DEL" and "GT" in fmt):
            continue
        seen_cn = True
        filters = set(row[6].split(";")) - {".", ""}
        if accepted and not filters <= accepted | {"PASS"}:
            continue
        if svtype not in ("", "DEL", "DUP", "CNV"):
            continue  # other structural variants (BND, INV, INS) are not copy-number calls
        fields = row[si].split(":")
        cn = _copy_number(t, fmt, fields, svtype, line, chosen)
        if cn is None:
            continue
        if "END" not in info:
            raise t.err("record has no INFO END: a copy-number record needs its end",
                        line=line, field="INFO")
        try:
            pos, end = int(row[1]), int(info["END"])
        except ValueError:
            raise t.err(f"POS {row[1]!r} or END {info['END']!r} is not a whole number",
                        line=line) from None
        keep.append(k)
        chroms.append(row[0])
        starts.append(pos)
        ends.append(end)
        values.append(cn)
    if t.rows and not seen_cn:
        raise t.err("no record has a CN FORMAT field: is this a copy-number VCF?",
                    line=t.lines[0], field="FORMAT")
    return frame(t, keep, chroms, np.asarray(starts, np.int64), np.asarray(ends, np.int64),
                 values, "cn"), chosen


READER = Reader(
    name="cnv_vcf", description="copy-number VCF (DRAGEN CNV, GATK gCNV segments, CNVkit "
                                "`export vcf`, Canvas): END + CN FORMAT field",
    units=("cn",), cohort_wide=True, detect=detect, read=read,
    detected_by="a `##fileformat=VCF` header",
    events_only=True,
)
