"""Every coding non-synonymous variant of a tumour, genome-wide: what tumour mutational burden
counts (the panel reader keeps panel genes only).

A variant counts when its class is an alteration class (the consequence of the chosen
transcript is not in ``variants.non_alterations``: missense, truncating, splice, inframe,
other - maftools' non-synonymous classes for a MAF) and it passes the same FILTER values and
depth / alt-read / VAF thresholds as the panel variants.

VCFs are scanned as text: only the records whose line names an alteration-class Sequence
Ontology term are parsed (with cyvcf2, from the line), so that a file of thousands of
intronic and UTR records costs little more than its decompression. A BCF is read record by
record. A VCF without VEP/SnpEff annotation cannot be classified (None: TMB not measured).
"""

from __future__ import annotations

import gzip
import os
import tempfile
import warnings

import pandas as pd

from ..errors import InputError
from ..genome import canonical_chrom
from .consequences import SO_RANKED
from .core import apply_thresholds, finish, passes_filter, settings
from .maf import looks_like_maf, read_maf
from .vcf import _Annotation, _Counts, _record_rows, check_contigs, open_vcf, pick_sample


def alteration_terms(non_alterations) -> list[str]:
    """SO terms whose class is an alteration (VEP's ranked list minus the non-alterations)."""
    skip = set(non_alterations or [])
    return [t for t in SO_RANKED if t not in skip]


def coding_variants(path, sample: str | None = None, *, build: str = "GRCh38",
                    config: dict | None = None, patient: str | None = None
                    ) -> pd.DataFrame | None:
    """The alteration-class variants of one tumour anywhere in the file (VARIANT_COLUMNS),
    filtered as the panel variants are; None for a VCF without consequence annotation."""
    path = str(path)
    cfg = settings(config)
    if not os.path.exists(path):
        raise InputError("file does not exist", patient=patient, path=path)
    if looks_like_maf(path):
        rows = read_maf(path, sample, patient, None, cfg)
    else:
        rows = _scan_vcf(path, sample, build, cfg, patient)
        if rows is None:
            return None
    variants = apply_thresholds(finish(rows), cfg)
    return variants[variants["mutation_class"].fillna("") != ""].reset_index(drop=True)


def _raw_bytes(path: str) -> bytes | None:
    """The decompressed text of a VCF (plain, gzip or bgzip); None for BCF."""
    with open(path, "rb") as fh:
        head = fh.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError) as e:
        raise InputError(f"truncated or corrupt compressed file ({e})", path=path) from None
    return None if data[:3] == b"BCF" else data


def _candidate_lines(data: bytes, terms: list[bytes]) -> list[bytes]:
    """The record lines of ``data`` containing any of ``terms``, in file order."""
    starts = set()
    for term in terms:
        i = data.find(term)
        while i != -1:
            start = data.rfind(b"\n", 0, i) + 1
            starts.add(start)
            end = data.find(b"\n", i)
            if end == -1:
                break
            i = data.find(term, end)
    out = []
    for start in sorted(starts):
        end = data.find(b"\n", start)
        line = data[start:end if end != -1 else len(data)]
        if line and not line.startswith(b"#"):
            out.append(line.rstrip(b"\r"))
    return out


def _scan_vcf(path: str, sample: str | None, build: str, cfg: dict,
              patient: str | None) -> list[dict] | None:
    vcf = open_vcf(path, patient)
    s = pick_sample(vcf, sample, path, patient)
    if cfg.get("check_contigs", True):
        check_contigs(vcf, build, path, patient)
    ann = _Annotation(vcf, path, patient, cfg.get("annotation", "auto"))
    if ann.key is None:
        return None
    counts = _Counts(vcf, s)
    non_alt = set(cfg.get("non_alterations") or [])
    accepted = list(cfg.get("filter") or [])
    where = {"patient": patient, "path": path}
    data = _raw_bytes(path)
    rows: list[dict] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        if data is None:  # BCF: every record through cyvcf2
            return _rows(vcf, ann, counts, non_alt, accepted, where)
        terms = [t.encode() for t in alteration_terms(non_alt)]
        lines = _candidate_lines(data, terms)
        if not lines:
            return rows
        # the candidate records, with the file's header, parsed by cyvcf2 from a small file
        with tempfile.NamedTemporaryFile("wb", suffix=".vcf", delete=False) as fh:
            header = data[:data.find(b"\n#CHROM")] if data.startswith(b"##") else b""
            end = data.find(b"\n", data.find(b"#CHROM"))
            fh.write(data[:end + 1] if header else vcf.raw_header.encode())
            fh.write(b"\n".join(lines) + b"\n")
            tmp = fh.name
        try:
            rows = _rows(open_vcf(tmp, patient), ann, counts, non_alt, accepted, where)
        except InputError as e:
            raise InputError(e.detail, patient=patient, path=path) from None
        finally:
            os.unlink(tmp)
    return rows


def _rows(records, ann, counts, non_alt, accepted, where) -> list[dict]:
    rows = []
    try:
        for record in records:
            if not passes_filter(record.FILTER, accepted):
                continue
            rows.extend(_record_rows(record, canonical_chrom(record.CHROM), [], None, ann,
                                     counts, non_alt, where))
    except InputError:
        raise
    except Exception as e:  # htslib parse error
        if type(e) is not Exception:
            raise
        raise InputError(f"malformed or truncated record: {e}", **where) from None
    return rows
