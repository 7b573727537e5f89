"""Every coding non-synonymous variant of a tumour, genome-wide: what tumour mutational burden
counts (the panel reader keeps panel genes only).

A variant counts when its class is an alteration class (the consequence of the chosen
transcript is not in ``variants.non_alterations``: missense, truncating, splice, inframe,
other - maftools' non-synonymous classes for a MAF), it passes the same FILTER values and
depth / alt-read / VAF thresholds as the panel variants and, in a tumour/normal VCF, the
matched normal does not carry it (``variants.germline_normal_min_*``: germline, as for the
panel variants). A record without consequence annotation is not counted.

VCFs are scanned as text: only the records whose line names an alteration-class Sequence
Ontology term are parsed, so that a file of thousands of intronic and UTR records costs
little more than its decompression. Without depth / alt-read / VAF thresholds and without a
matched normal a candidate's class comes from its annotation, read from the text with the
reader's own transcript choice; multi-allelic records (whose tumour read counts decide which
ALT is carried), and every candidate when thresholds are set or a normal column is there,
are parsed with cyvcf2. A BCF is read record by record. A VCF
without VEP/SnpEff annotation cannot be classified (None: TMB not measured).
"""

from __future__ import annotations

import gzip
import math
import os
import re
import tempfile
import warnings

import pandas as pd

from ..errors import InputError
from ..genome import canonical_chrom
from .consequences import SO_RANKED, so_class
from .core import apply_thresholds, finish, normalise, passes_filter, settings
from .maf import looks_like_maf, read_maf
from .vcf import (
    _Context,
    _entries_for,
    _pick,
    _record_rows,
    _vep_alleles,
    check_contigs,
    open_vcf,
    pick_sample,
)

# what TMB never counts: no class, or a class from position alone (no consequence annotation)
NOT_COUNTED = {"", "unannotated"}


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
    return variants[~variants["mutation_class"].fillna("").isin(NOT_COUNTED)].reset_index(
        drop=True)


def coding_keys(path, sample: str | None = None, *, build: str = "GRCh38",
                config: dict | None = None, patient: str | None = None) -> set | None:
    """The distinct (chrom, pos, ref, alt) of ``coding_variants`` (what TMB counts), without
    building a table when no read-count threshold is set (the common, fast case)."""
    path = str(path)
    cfg = settings(config)
    thresholds = any(cfg.get(k) for k in ("min_depth", "min_alt_reads", "min_vaf"))
    if thresholds or looks_like_maf(path):  # (a matched normal is handled in _scan_vcf)
        coding = coding_variants(path, sample, build=build, config=config, patient=patient)
        if coding is None:
            return None
        return set(zip(coding["chrom"], coding["pos"], coding["ref"], coding["alt"],
                       strict=True))
    if not os.path.exists(path):
        raise InputError("file does not exist", patient=patient, path=path)
    rows = _scan_vcf(path, sample, build, cfg, patient)
    if rows is None:
        return None
    return {(r["chrom"], int(r["pos"]), r["ref"], r["alt"]) for r in rows
            if r["mutation_class"] not in NOT_COUNTED}


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
    ctx = _Context(vcf, path, patient, s, None, build, cfg)
    ann = ctx.ann
    if ann.key is None:
        return None
    non_alt = set(cfg.get("non_alterations") or [])
    accepted = list(cfg.get("filter") or [])
    where = {"patient": patient, "path": path}
    data = _raw_bytes(path)
    rows: list[dict] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        if data is None:  # BCF: every record through cyvcf2
            return _rows(vcf, ctx, accepted, where)
        terms = [t.encode() for t in alteration_terms(non_alt)]
        lines = _candidate_lines(data, terms)
        if not lines:
            return rows
        thresholds = any(cfg.get(k) for k in ("min_depth", "min_alt_reads", "min_vaf"))
        # no read counts needed (no thresholds, no matched normal to tell germline variants):
        # the annotation decides, parsed as text
        if not thresholds and ctx.normal is None:
            rows, lines = _text_rows(lines, ann, non_alt, accepted)
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
            rows += _rows(open_vcf(tmp, patient), ctx, accepted, where)
        except InputError as e:
            raise InputError(e.detail, patient=patient, path=path) from None
        finally:
            os.unlink(tmp)
    return rows


_DNA = re.compile(rb"^[ACGTNacgtn]+$")


def _text_rows(lines: list[bytes], ann, non_alt, accepted) -> tuple[list[dict], list[bytes]]:
    """Rows of the candidate records read as text (the classes come from the annotation
    alone), and the lines this cannot judge (several ALT alleles, whose tumour read counts
    decide which are carried; odd alleles) for cyvcf2."""
    key = ann.key.encode() + b"="
    rows, rest = [], []
    for line in lines:
        cells = line.split(b"\t", 8)
        if len(cells) < 8 or b"," in cells[4] or not _DNA.match(cells[3]) \
                or not _DNA.match(cells[4]):
            rest.append(line)
            continue
        if not passes_filter(cells[6].decode(), accepted):
            continue
        info = cells[7]
        at = info.find(key)
        while at > 0 and info[at - 1:at] != b";":
            at = info.find(key, at + 1)
        if at < 0:
            continue
        end = info.find(b";", at)
        raw = info[at + len(key):end if end >= 0 else len(info)].decode("utf-8", "replace")
        entries = [e.split("|") for e in raw.split(",")]
        if any(len(e) != len(ann.fields) for e in entries):
            rest.append(line)  # let the reader report the malformed entry with its context
            continue
        ref, alt = cells[3].decode(), cells[4].decode()
        vep = _vep_alleles(ref, [alt])[0] if ann.key == "CSQ" else alt
        mine = _entries_for(entries, ann, 0, vep, alt, 1)
        gene, cons, prot, exon, intron = _pick(mine, ann, [], None)
        mclass = so_class(cons, non_alt)
        if not mclass:
            continue
        pos, r, a = normalise(int(cells[1]), ref, alt)
        rows.append({"chrom": canonical_chrom(cells[0].decode()), "pos": pos, "ref": r,
                     "alt": a, "gene": gene, "consequence": cons, "mutation_class": mclass,
                     "protein_change": prot, "vaf": math.nan, "depth": math.nan,
                     "alt_count": math.nan,
                     "filter": "PASS" if cells[6] in (b".", b"") else cells[6].decode(),
                     "origin": "", "exon": exon, "intron": intron})
    return rows, rest


def _rows(records, ctx, accepted, where) -> list[dict]:
    """Rows of cyvcf2 records (read counts, the matched normal: a variant it carries is
    germline, without a class)."""
    rows = []
    try:
        for record in records:
            if not passes_filter(record.FILTER, accepted):
                continue
            rows.extend(_record_rows(record, canonical_chrom(record.CHROM), [], ctx, where))
    except InputError:
        raise
    except Exception as e:  # htslib parse error
        if type(e) is not Exception:
            raise
        raise InputError(f"malformed or truncated record: {e}", **where) from None
    return rows
