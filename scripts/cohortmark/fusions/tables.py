"""Fusion tables of RNA callers and cBioPortal: Arriba ``fusions.tsv``, STAR-Fusion
``*.abridged.tsv`` (with or without ``--examine_coding_effect``) and cBioPortal ``data_sv.txt``
(many samples per file, chosen like a MAF)."""

from __future__ import annotations

import math
import os
import re
from functools import lru_cache

import numpy as np
import pandas as pd

from ..errors import InputError
from ..genome import canonical_chrom
from ..tsv import read_text
from .core import total

ARRIBA_REQUIRED = ["gene1", "gene2", "breakpoint1", "breakpoint2", "site1", "site2", "type",
                   "split_reads1", "split_reads2", "discordant_mates", "confidence",
                   "reading_frame"]
STAR_REQUIRED = ["FusionName", "JunctionReadCount", "SpanningFragCount", "LeftGene",
                 "LeftBreakpoint", "RightGene", "RightBreakpoint"]
CBIO_REQUIRED = ["Site1_Hugo_Symbol", "Site2_Hugo_Symbol"]
CBIO_SAMPLE = ["Sample_Id", "Sample_ID", "SAMPLE_ID", "Tumor_Sample_Barcode"]
NA = {"", "NA", "N/A", "na", ".", "nan", "NaN", "-"}
SV_TYPE_WORDS = {
    "translocation": "translocation", "deletion": "deletion", "duplication": "duplication",
    "inversion": "inversion", "insertion": "insertion", "fusion": "fusion",
    "tra": "translocation", "del": "deletion", "dup": "duplication", "inv": "inversion",
    "ins": "insertion", "bnd": "rearrangement", "tandem_duplication": "duplication",
}
FRAME_WORDS = {"in-frame": "in-frame", "inframe": "in-frame", "in_frame": "in-frame",
               "out-of-frame": "out-of-frame", "frameshift": "out-of-frame",
               "out_of_frame": "out-of-frame", "stop-codon": "stop-codon"}


def header_of(path: str) -> list[str]:
    """The column names of a tab-separated file: its first line that is not a ``##`` comment,
    a leading ``#`` removed."""
    text = _head_text(path)
    for line in text.replace("\r", "\n").split("\n"):
        if not line.strip() or line.startswith("##"):
            continue
        return [c.strip() for c in line.lstrip("\ufeff").lstrip("#").split("\t")]
    return []


def _head_text(path: str, size: int = 65536) -> str:
    import gzip

    with open(path, "rb") as fh:
        magic = fh.read(2)
    try:
        opener = gzip.open if magic == b"\x1f\x8b" else open
        with opener(path, "rb") as fh:
            return fh.read(size).decode("utf-8", "replace")
    except (OSError, EOFError):
        return ""


def _rows(path: str, patient: str | None, required: list[str], what: str):
    """(header, rows) of a small tab-separated table (``#``-prefixed header allowed, ``##``
    comments and blank lines skipped): each row its cells cut to the header's width, then its
    1-based line number. A missing required column or a short row is an InputError."""
    text = read_text(path, patient=patient)
    lines = text.split("\n")
    skip = 0
    while skip < len(lines) and (lines[skip].startswith("##") or not lines[skip].strip()):
        skip += 1
    if skip == len(lines):
        raise InputError(f"{what} has no header line", patient=patient, path=path)
    header = [c.strip() for c in lines[skip].lstrip("#").split("\t")]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{what} header lacks column(s) {', '.join(missing)}", patient=patient,
                         path=path, line=skip + 1)
    rows = []
    for i, line in enumerate(lines[skip + 1:]):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) < len(header):
            raise InputError(f"row has {len(cells)} fields, the header {len(header)}",
                             patient=patient, path=path, line=skip + 2 + i)
        rows.append(cells[:len(header)] + [skip + 2 + i])
    return header, rows


def _records(path: str, patient: str | None, required: list[str], what: str) -> list[dict]:
    """The rows of a small tab-separated table as dicts of text cells with ``_line``."""
    header, rows = _rows(path, patient, required, what)
    return [dict(zip(header + ["_line"], row)) for row in rows]


def _table(path: str, patient: str | None, required: list[str], what: str) -> pd.DataFrame:
    """A tab-separated table (``#``-prefixed header allowed, ``##`` comments skipped) as text
    cells, with ``_line`` the 1-based line of each row."""
    header, rows = _rows(path, patient, required, what)
    return pd.DataFrame(rows, columns=header + ["_line"])


def _count(value, where: dict, column: str) -> float:
    text = str(value).strip()
    if text in NA:
        return math.nan
    try:
        v = float(text)
    except ValueError:
        raise InputError(f"{text!r} is not a number", **where, field=column) from None
    if v < 0:
        raise InputError(f"{text!r} is negative", **where, field=column)
    return v


def _breakpoint(text: str, where: dict, column: str) -> tuple[str, int | None]:
    """``chr7:55087058`` / ``7:55087058:+`` -> ('7', 55087058)."""
    text = str(text).strip()
    m = re.match(r"^([^:]+):(\d+)(?::[+-.])?$", text)
    if not m:
        raise InputError(f"breakpoint {text!r} is not chromosome:position", **where,
                         field=column)
    return canonical_chrom(m.group(1)), int(m.group(2))


def _sv_type(text: str) -> str:
    word = str(text).strip().lower().split("/")[0]
    return SV_TYPE_WORDS.get(word, "fusion")


def _frame(text: str) -> str:
    return FRAME_WORDS.get(str(text).strip().lower(), "")


# --- Arriba -------------------------------------------------------------------------------

def looks_like_arriba(columns: list[str]) -> bool:
    return {"gene1", "gene2", "breakpoint1", "breakpoint2", "reading_frame"} <= set(columns)


def _arriba_gene(name: str, site: str) -> str:
    """Arriba names the closest genes of an intergenic breakpoint, ``A(1234),B(567)``."""
    name = name.strip()
    if site.strip() == "intergenic" or "(" in name or name in NA:
        return ""
    return name


def read_arriba(path: str, patient: str | None = None) -> list[dict]:
    """Calls of an Arriba ``fusions.tsv`` (or ``fusions.discarded.tsv``): gene1 is the 5'
    partner and gene2 the 3' partner (Arriba's convention)."""
    out = []
    for r in _records(path, patient, ARRIBA_REQUIRED, "Arriba fusions table"):
        where = {"patient": patient, "path": path, "line": r["_line"]}
        chrom_a, pos_a = _breakpoint(r["breakpoint1"], where, "breakpoint1")
        chrom_b, pos_b = _breakpoint(r["breakpoint2"], where, "breakpoint2")
        split = total(_count(r["split_reads1"], where, "split_reads1"),
                      _count(r["split_reads2"], where, "split_reads2"))
        span = _count(r["discordant_mates"], where, "discordant_mates")
        kind = str(r["type"])
        order = "5'-5'" if "5'-5'" in kind else "3'-3'" if "3'-3'" in kind else "5'-3'"
        out.append({
            "gene_a": _arriba_gene(r["gene1"], r["site1"]),
            "gene_b": _arriba_gene(r["gene2"], r["site2"]),
            "chrom_a": chrom_a, "pos_a": pos_a, "chrom_b": chrom_b, "pos_b": pos_b,
            "sv_type": _sv_type(kind), "gene_order": order,
            "frame": _frame(r["reading_frame"]), "split_reads": split, "spanning_reads": span,
            "support": total(split, span), "confidence": str(r["confidence"]).strip(),
            "filter": "PASS", "caller": "arriba",
            "call_id": f"{r['gene1']}--{r['gene2']}@{r['breakpoint1']}-{r['breakpoint2']}",
        })
    return out


# --- STAR-Fusion --------------------------------------------------------------------------

def looks_like_star_fusion(columns: list[str]) -> bool:
    return {"FusionName", "LeftBreakpoint", "RightBreakpoint"} <= set(columns)


def _star_gene(text: str) -> str:
    """``EIF3K^ENSG00000178982.10`` -> ``EIF3K``."""
    return str(text).split("^")[0].strip()


def read_star_fusion(path: str, patient: str | None = None) -> list[dict]:
    """Calls of a STAR-Fusion ``star-fusion.fusion_predictions.abridged.tsv`` (any version;
    with ``--examine_coding_effect`` the frame comes from PROT_FUSION_TYPE). LeftGene is the
    5' partner, RightGene the 3' partner."""
    out = []
    for r in _records(path, patient, STAR_REQUIRED, "STAR-Fusion table"):
        has_frame = "PROT_FUSION_TYPE" in r
        where = {"patient": patient, "path": path, "line": r["_line"]}
        chrom_a, pos_a = _breakpoint(r["LeftBreakpoint"], where, "LeftBreakpoint")
        chrom_b, pos_b = _breakpoint(r["RightBreakpoint"], where, "RightBreakpoint")
        split = _count(r["JunctionReadCount"], where, "JunctionReadCount")
        span = _count(r["SpanningFragCount"], where, "SpanningFragCount")
        frame = ""
        if has_frame:
            frame = {"INFRAME": "in-frame", "FRAMESHIFT": "out-of-frame"}.get(
                str(r["PROT_FUSION_TYPE"]).strip().upper(), "")
        out.append({
            "gene_a": _star_gene(r["LeftGene"]), "gene_b": _star_gene(r["RightGene"]),
            "chrom_a": chrom_a, "pos_a": pos_a, "chrom_b": chrom_b, "pos_b": pos_b,
            "sv_type": "fusion", "gene_order": "5'-3'", "frame": frame, "split_reads": split,
            "spanning_reads": span, "support": total(split, span), "confidence": "",
            "filter": "PASS", "caller": "star-fusion",
            "call_id": f"{r['FusionName']}@{r['LeftBreakpoint']}-{r['RightBreakpoint']}",
        })
    return out


# --- cBioPortal data_sv ---------------------------------------------------------------------

def looks_like_cbioportal(columns: list[str]) -> bool:
    return {"Site1_Hugo_Symbol", "Site2_Hugo_Symbol"} <= set(columns)


@lru_cache(maxsize=4)
def _load_cbioportal(path: str, mtime: float, size: int) -> tuple[pd.DataFrame, dict, str]:
    """The whole data_sv file (cached: one file serves many patients) and its rows by sample."""
    df = _table(path, None, CBIO_REQUIRED, "cBioPortal structural-variant table")
    col = next((c for c in CBIO_SAMPLE if c in df.columns), None)
    if col is None:
        raise InputError(f"cBioPortal structural-variant table has no sample column "
                         f"({' or '.join(CBIO_SAMPLE)})", path=path, line=1)
    groups = dict(df.groupby(df[col].str.strip()).indices.items())
    return df, groups, col


def cbioportal_samples(path: str) -> list[str]:
    st = os.stat(path)
    return sorted(_load_cbioportal(path, st.st_mtime, st.st_size)[1])


def read_cbioportal(path: str, sample: str | None, patient: str | None = None) -> list[dict]:
    """Calls of one sample (``sample``, else ``patient``) of a cBioPortal ``data_sv.txt``.
    Site1 is written first in the event name (Site1-Site2, e.g. EML4-ALK) and taken as the 5'
    partner. A sample without rows was profiled and has no structural variants."""
    st = os.stat(path)
    try:
        df, groups, _ = _load_cbioportal(path, st.st_mtime, st.st_size)
    except InputError as e:
        raise e.with_context(patient=patient, path=path) from None
    rows = df.iloc[groups.get(sample or patient, [])]
    out = []
    for r in rows.to_dict("records"):
        where = {"patient": patient, "path": path, "line": r["_line"]}
        genes, sites = [], []
        for site in ("Site1", "Site2"):
            gene = str(r.get(f"{site}_Hugo_Symbol", "")).strip()
            chrom = str(r.get(f"{site}_Chromosome", "")).strip()
            pos = str(r.get(f"{site}_Position", "")).strip()
            genes.append("" if gene in NA else gene)
            if chrom in NA:
                sites.append(("", None))
                continue
            try:
                sites.append((canonical_chrom(chrom), None if pos in NA else int(float(pos))))
            except ValueError:
                raise InputError(f"{pos!r} is not a position", **where,
                                 field=f"{site}_Position") from None
        split = _count(r.get("Tumor_Split_Read_Count", ""), where, "Tumor_Split_Read_Count")
        span = _count(r.get("Tumor_Paired_End_Read_Count", ""), where,
                      "Tumor_Paired_End_Read_Count")
        support = total(split, span)
        if np.isnan(support):
            support = _count(r.get("Tumor_Variant_Count", ""), where, "Tumor_Variant_Count")
        status = str(r.get("SV_Status", "")).strip()
        out.append({
            "gene_a": genes[0], "gene_b": genes[1],
            "chrom_a": sites[0][0], "pos_a": sites[0][1],
            "chrom_b": sites[1][0], "pos_b": sites[1][1],
            "sv_type": _sv_type(r.get("Class", "") if str(r.get("Class", "")).strip() not in NA
                                 else r.get("Event_Info", "")), "gene_order": "5'-3'",
            "frame": _frame(r.get("Site2_Effect_On_Frame", "")), "split_reads": split,
            "spanning_reads": span, "support": support, "confidence": "",
            "filter": "PASS" if status in NA or status.upper() == "SOMATIC" else status,
            "caller": "cbioportal",
            "call_id": f"line {r['_line']}",
        })
    return out

