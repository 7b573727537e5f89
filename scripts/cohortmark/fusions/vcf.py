"""Structural-variant VCFs (Manta, GRIDSS, DELLY and any VCF 4.x SV caller): breakends and
symbolic DEL/DUP/INV/TRA alleles, each call's two breakpoints given to the genes whose bodies
contain them.

- A breakend pair (``MATEID``) is one call, written once (at its first record in file order).
- ``SVTYPE=BND`` on one chromosome is typed from the breakend orientation (VCF 4.3, 5.4):
  ``t[p[`` with p after t joins the two outer pieces (deletion), ``]p]t`` duplication,
  ``t]p]``/``[p[t`` inversion; on two chromosomes it is a translocation.
- A single breakend (``G.``, ``.G``; GRIDSS) has no partner position: partner ``unknown``.
- Insertions (``<INS>``, ``SVTYPE=INS``), copy-number records (``<CNV>``) and events on one
  chromosome shorter than 50 bp (small indels written as breakends, e.g. by GRIDSS; the usual
  lower bound of a structural variant) join no genes and are not read.
- Reads: Manta FORMAT PR/SR (alt counts), GRIDSS SR/RP/VF, DELLY DV/RV (INFO PE/SR): of the
  tumour column when it can be told, else summed over the samples (a somatic caller's normal
  column carries ~0 variant reads).
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np

from ..errors import InputError
from ..genome import canonical_chrom
from ..variants.vcf import check_contigs, header_meta, open_vcf, pick_sample
from .core import GeneIndex, total

_BREAKEND = re.compile(r"^([A-Za-z.]*)([\[\]])([^\[\]:]+):(\d+)([\[\]])([A-Za-z.]*)$")
_SYMBOLIC = re.compile(r"^<([A-Z]+)(?::[A-Z:]+)?>$")
MIN_LENGTH = 50  # bp: shorter events on one chromosome are indels, not structural variants


def looks_like_vcf(path: str) -> bool:
    """A VCF/BCF by content: ``##fileformat=VCF`` (plain or gzipped) or BCF magic."""
    import gzip

    with open(path, "rb") as fh:
        head = fh.read(16)
    try:
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as fh:
                head = fh.read(16)
    except (OSError, EOFError):
        return False
    return head.startswith(b"##fileformat=VCF") or head.startswith(b"BCF")


def detect_caller(vcf) -> str:
    """manta, gridss, delly or vcf, from the header."""
    raw = vcf.raw_header
    if "GenerateSVCandidates" in raw or "configManta" in raw:
        return "manta"
    if re.search(r"gridss", raw, re.IGNORECASE):
        return "gridss"
    if "DELLY" in raw.upper() or ("ID=CT," in raw and "ID=CHR2," in raw and "ID=DV," in raw):
        return "delly"
    return "vcf"


def breakend_partner(alt: str) -> tuple[str, int, str] | None:
    """(chrom, pos, form) of a mate breakend ALT such as ``G]11:94975749]``; form is one of
    ``t[p[``, ``t]p]``, ``]p]t``, ``[p[t``. None for other alleles."""
    m = _BREAKEND.match(alt)
    if not m:
        return None
    before, b1, chrom, pos, b2, after = m.groups()
    if b1 != b2:
        return None
    form = (f"t{b1}p{b1}" if before else f"{b1}p{b1}t")
    return canonical_chrom(chrom), int(pos), form


def bnd_type(chrom: str, pos: int, mate_chrom: str, mate_pos: int, form: str) -> str:
    """SV type of a breakend joining (chrom, pos) to its mate, by orientation."""
    if chrom != mate_chrom:
        return "translocation"
    if form in ("t]p]", "[p[t"):
        return "inversion"
    after = mate_pos > pos
    if form == "t[p[":
        return "deletion" if after else "duplication"
    return "duplication" if after else "deletion"  # ]p]t


class _Reads:
    """Split / spanning / total supporting reads of a record, per caller."""

    def __init__(self, vcf, caller: str, sample_index: int | None):
        self.caller, self.s = caller, sample_index
        self.fmt = {h["ID"] for h in vcf.header_iter() if h.type == "FORMAT"}
        self.n = len(vcf.samples)

    def _format(self, record, key: str, index: int) -> float:
        """Allele ``index`` of FORMAT/key in the tumour column (or summed over samples)."""
        if key not in self.fmt:
            return math.nan
        try:
            arr = record.format(key)
        except KeyError:
            return math.nan
        if arr is None:
            return math.nan
        arr = np.asarray(arr, dtype=float)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.shape[1] <= index:
            return math.nan
        col = arr[:, index]
        col = np.where(col <= -2147483640, np.nan, col)  # htslib missing values
        if self.s is not None:
            return float(col[self.s])
        return float(np.nansum(col)) if not np.isnan(col).all() else math.nan

    @staticmethod
    def _info(record, key: str) -> float:
        v = record.INFO.get(key)
        if v is None or isinstance(v, str | bool):
            return math.nan
        v = v[0] if isinstance(v, tuple) else v
        return float(v)

    def get(self, record) -> tuple[float, float, float]:
        if self.caller == "manta" or {"PR", "SR"} <= self.fmt and self.caller == "vcf":
            split, span = self._format(record, "SR", 1), self._format(record, "PR", 1)
            return split, span, total(split, span)
        if self.caller == "gridss":
            if self.s is not None:
                split, span = self._format(record, "SR", 0), self._format(record, "RP", 0)
                vf = self._format(record, "VF", 0)
            else:
                split, span, vf = (self._info(record, k) for k in ("SR", "RP", "VF"))
            return split, span, vf if not math.isnan(vf) else total(split, span)
        if self.caller == "delly":
            if self.s is not None:
                split, span = self._format(record, "RV", 0), self._format(record, "DV", 0)
            else:
                split, span = self._info(record, "SR"), self._info(record, "PE")
            return split, span, total(split, span)
        split, span = self._info(record, "SR"), self._info(record, "PE")
        return split, span, total(split, span)


def _sample_index(vcf, sample: str | None, strict: bool, path: str, patient: str | None):
    samples = list(vcf.samples)
    if sample and sample in samples:
        return samples.index(sample)
    if sample and strict:
        raise InputError(f"sample {sample!r} is not a column of the VCF (columns: "
                         f"{', '.join(samples) or 'none'})", patient=patient, path=path,
                         field="sv_sample")
    try:
        return pick_sample(vcf, None, path, patient)
    except InputError:
        return None  # cannot tell the tumour: reads summed over the samples


def _first(value):
    if isinstance(value, tuple):
        return value[0] if value else None
    return value


def read_sv_vcf(path: str, sample: str | None, genes: GeneIndex, build: str,
                patient: str | None = None, strict_sample: bool = False) -> list[dict]:
    """Calls (schema.SV_COLUMNS dicts) of a structural-variant VCF/BCF."""
    vcf = open_vcf(path, patient)
    check_contigs(vcf, build, path, patient)
    caller = detect_caller(vcf)
    s = _sample_index(vcf, sample, strict_sample, path, patient)
    reads = _Reads(vcf, caller, s)
    header_meta(vcf)  # parse errors surface here rather than mid-file
    done: set[str] = set()
    out = []
    n = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            for record in vcf:
                n += 1
                row = _record_call(record, caller, genes, reads, done, path, patient, n)
                if row is not None:
                    out.append(row)
        except InputError:
            raise
        except Exception as e:  # cyvcf2/htslib parse errors
            if type(e) is not Exception:
                raise
            raise InputError(f"malformed or truncated record (record {n + 1}): {e}",
                             patient=patient, path=path) from None
    return out


def _record_call(record, caller, genes, reads, done, path, patient, n) -> dict | None:
    rid = record.ID or f"record{n}"
    if rid in done:
        return None
    alts = list(record.ALT)
    if not alts:
        return None
    alt = alts[0]
    chrom, pos = canonical_chrom(record.CHROM), int(record.POS)
    svtype = str(_first(record.INFO.get("SVTYPE")) or "").upper()
    mate = breakend_partner(alt)
    where = {"patient": patient, "path": path}
    if mate is not None:
        mate_chrom, mate_pos, form = mate
        kind = bnd_type(chrom, pos, mate_chrom, mate_pos, form)
    elif alt.startswith(".") or alt.endswith("."):  # single breakend
        mate_chrom, mate_pos, kind = "", None, "rearrangement"
    else:
        m = _SYMBOLIC.match(alt)
        word = m.group(1) if m else svtype
        if word in ("INS", "CNV", "") or svtype in ("INS", "CNV"):
            return None
        kind = {"DEL": "deletion", "DUP": "duplication", "INV": "inversion",
                "TRA": "translocation", "BND": "translocation"}.get(word)
        if kind is None:
            return None
        end = _first(record.INFO.get("POS2") if word in ("TRA", "BND") else None) or \
            _first(record.INFO.get("END"))
        if end is None:
            raise InputError(f"record {rid} ({alt}) has no INFO/END", **where, field="INFO/END")
        mate_chrom = canonical_chrom(str(_first(record.INFO.get("CHR2")) or record.CHROM))
        mate_pos = int(end)
        if kind == "translocation" and mate_chrom == chrom:
            kind = "rearrangement"
    mates = record.INFO.get("MATEID")
    if mates:
        done.update(mates if isinstance(mates, tuple) else str(mates).split(","))
    done.add(rid)
    if mate_chrom == chrom and mate_pos is not None and abs(mate_pos - pos) < MIN_LENGTH:
        return None
    split, span, support = reads.get(record)
    return {
        "gene_a": genes.gene_at(chrom, pos),
        "gene_b": genes.gene_at(mate_chrom, mate_pos) if mate_chrom else "",
        "chrom_a": chrom, "pos_a": pos, "chrom_b": mate_chrom, "pos_b": mate_pos,
        "sv_type": kind, "gene_order": "unknown", "frame": "", "split_reads": split,
        "spanning_reads": span, "support": support, "confidence": "",
        "filter": record.FILTER or "PASS", "caller": caller, "call_id": rid,
    }
