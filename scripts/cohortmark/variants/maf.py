"""MAF reader: one file may hold many patients, selected by Tumor_Sample_Barcode."""

from __future__ import annotations

import difflib
import io
import os
import re
from functools import lru_cache

import numpy as np
import pandas as pd

from ..errors import InputError
from ..genome import canonical_chrom
from ..tsv import read_text
from .consequences import MAF_CLASS, MAF_KNOWN, short_protein
from .core import passes_filter

REQUIRED = ["Hugo_Symbol", "Chromosome", "Start_Position", "Reference_Allele",
            "Tumor_Seq_Allele2", "Variant_Classification", "Tumor_Sample_Barcode"]
PROTEIN = ["HGVSp_Short", "Protein_Change", "Amino_Acid_Change", "HGVSp"]


def looks_like_maf(path: str) -> bool:
    """True for a ``.maf``/``.maf.gz``/``.maf.txt`` name or a first non-comment line starting
    with Hugo_Symbol."""
    name = os.path.basename(path).lower()
    if re.search(r"\.maf(\.txt)?(\.gz)?$", name):
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(2)
        if head == b"\x1f\x8b":
            import gzip
            with gzip.open(path, "rb") as fh:
                text = fh.read(65536)
        else:
            with open(path, "rb") as fh:
                text = fh.read(65536)
    except (OSError, EOFError):
        return False
    for line in text.decode("utf-8", "replace").replace("\r", "\n").split("\n"):
        if line.startswith("#") or not line.strip():
            continue
        return line.lstrip("\ufeff").startswith("Hugo_Symbol")
    return False


@lru_cache(maxsize=8)
def _load(path: str, mtime: float, size: int) -> tuple[pd.DataFrame, dict]:
    """The whole MAF (cached: one file often serves many patients) and row indices by barcode."""
    text = read_text(path)
    lines = text.split("\n")
    skip = 0
    while skip < len(lines) and (lines[skip].startswith("#") or not lines[skip].strip()):
        skip += 1
    if skip == len(lines):
        raise InputError("MAF has no header line", path=path)
    header = lines[skip].split("\t")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(f"MAF header lacks column(s) {', '.join(missing)}", path=path,
                         line=skip + 1)
    tabs = len(header) - 1
    for i in range(skip + 1, len(lines)):
        line = lines[i]
        if line.count("\t") < tabs and line.strip():
            raise InputError(f"MAF row has {line.count(chr(9)) + 1} fields, the header "
                             f"{len(header)}", path=path, line=i + 1)
    try:
        df = pd.read_csv(io.StringIO("\n".join(lines[skip:])), sep="\t", dtype=str,
                         keep_default_na=False, quoting=3, skip_blank_lines=False)
    except pd.errors.ParserError as e:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(e))
        if m:
            raise InputError(f"MAF table is malformed: row has {m.group(3)} fields, the header "
                             f"{m.group(1)}", path=path, line=skip + int(m.group(2))) from None
        raise InputError(f"MAF table is malformed ({' '.join(str(e).split())})",
                         path=path) from None
    df["_line"] = np.arange(len(df)) + skip + 2
    df = df[df[REQUIRED].apply(lambda c: c.str.strip() != "").any(axis=1)].copy()
    # previous/alias symbols (TCGA's MLL2, MLL3) -> current HGNC symbols, by Entrez_Gene_Id
    # first when the MAF has it; df.attrs["symbols"] keeps the renamed and ambiguous names
    from ..symbols import current_symbols

    entrez = df["Entrez_Gene_Id"] if "Entrez_Gene_Id" in df.columns else None
    df["Hugo_Symbol"], df.attrs["symbols"] = current_symbols(df["Hugo_Symbol"], entrez)
    groups = {k: v for k, v in df.groupby(df["Tumor_Sample_Barcode"].str.strip()).indices.items()}
    return df, groups


def read_maf(path: str, sample: str | None, patient: str | None, panel: pd.DataFrame | None,
             cfg: dict) -> list[dict]:
    """Variant rows of one tumour (``sample`` else ``patient``) from a MAF."""
    if not os.path.exists(path):
        raise InputError("file does not exist", patient=patient, path=path)
    st = os.stat(path)
    try:
        df, groups = _load(path, st.st_mtime, st.st_size)
    except InputError as e:
        raise e.with_context(patient=patient, path=path) from None
    barcode = sample or patient
    if barcode not in groups:
        if cfg["maf_missing_sample"] == "error":
            raise InputError(missing_barcode_message(barcode, list(groups), sample is not None),
                             patient=patient, path=path,
                             field="tumor_sample" if sample else "patient_id")
        rows = df.iloc[[]]
    else:
        rows = df.iloc[groups[barcode]]
    genes = set(panel["gene"]) if panel is not None else None
    non_alt = set(cfg.get("non_alterations") or [])
    accepted = list(cfg.get("filter") or [])
    excluded_status = set(cfg.get("exclude_mutation_status") or [])
    prot_col = next((c for c in PROTEIN if c in df.columns), None)
    out = []
    for r in rows.to_dict("records"):
        where = {"patient": patient, "path": path, "line": int(r["_line"])}
        vc = r["Variant_Classification"].strip() or "Unknown"  # empty: as maftools, not nonSyn
        if vc not in MAF_KNOWN:
            raise InputError(f"unknown Variant_Classification {vc!r}", **where,
                             field="Variant_Classification")
        gene = r["Hugo_Symbol"].strip()
        if genes is not None and gene not in genes:
            _stop_if_ambiguous(df, r, gene, genes, where)
            continue
        if "FILTER" in r and not passes_filter(r["FILTER"], accepted):
            continue
        if r.get("Mutation_Status", "").strip() in excluded_status:
            continue
        try:
            pos = int(r["Start_Position"])
        except ValueError:
            raise InputError(f"Start_Position {r['Start_Position']!r} is not an integer",
                             **where, field="Start_Position") from None
        ref = r["Reference_Allele"].strip()
        alt = r["Tumor_Seq_Allele2"].strip()
        if alt == ref and r.get("Tumor_Seq_Allele1", "").strip() not in ("", ref):
            alt = r["Tumor_Seq_Allele1"].strip()
        alt_n = _count(r, "t_alt_count", where)
        ref_n = _count(r, "t_ref_count", where)
        depth = _count(r, "t_depth", where)
        if depth == 0 and np.isnan(alt_n):  # cBioPortal writes 0 for "no read counts"
            depth = np.nan
        total = alt_n + ref_n if not np.isnan(ref_n) else depth  # no ref count: alt/t_depth
        vaf = alt_n / total if total > 0 else np.nan
        if vaf > 1:
            raise InputError(f"t_alt_count {_int(alt_n)} exceeds t_depth {_int(total)} (VAF "
                             f"{vaf:.3g} is outside [0, 1])", **where, field="t_alt_count")
        if np.isnan(vaf) and "i_TumorVAF_WU" in r:  # TCGA/WashU MAFs: VAF in percent
            v = _count(r, "i_TumorVAF_WU", where)
            if v > 100:
                raise InputError(f"{r['i_TumorVAF_WU'].strip()!r} is above 100 (a VAF in "
                                 "percent)", **where, field="i_TumorVAF_WU")
            # 0 is what TCGA MAFs write when the VAF was not measured (a called variant has
            # reads): unknown, so that a read-support filter cannot drop the mutation
            vaf = v / 100 if not np.isnan(v) and v > 0 else np.nan
        if np.isnan(depth) and total > 0:
            depth = total
        cls = "" if vc in non_alt else MAF_CLASS.get(vc, "")
        out.append({"chrom": canonical_chrom(r["Chromosome"]), "pos": pos, "ref": ref,
                    "alt": alt, "gene": gene, "consequence": vc, "mutation_class": cls,
                    "protein_change": short_protein(r.get(prot_col, "")) if prot_col else "",
                    "vaf": vaf, "depth": depth, "alt_count": alt_n,
                    "filter": r.get("FILTER", "") or "PASS",
                    "exon": _rank(r.get("Exon_Number", "")),
                    "intron": _rank(r.get("INTRON", r.get("Intron_Number", "")))})
    return out


def _rank(text) -> str:
    """vcf2maf's Exon_Number / INTRON ('19/28'); '' for an empty or NA cell."""
    text = str(text or "").strip()
    return "" if text in ("", ".", "NA", "-") else text


def missing_barcode_message(barcode: str, barcodes: list[str], from_sheet: bool) -> str:
    """'Tumor_Sample_Barcode X has no row in the MAF; closest barcodes in the file: ...'."""
    close = closest(barcode, barcodes)
    sought = "the sheet's tumor_sample" if from_sheet else \
        "the patient_id; the sheet gives no tumor_sample"
    found = (f"closest barcodes in the file: {', '.join(close)}" if close else
             f"the file has {len(barcodes)} other barcode(s), none similar")
    return (f"Tumor_Sample_Barcode {barcode!r} ({sought}) has no row in the MAF; {found}. "
            "Fix the sheet's tumor_sample, or set variants.maf_missing_sample: wildtype if this "
            "sample was sequenced and has no mutation at all")


def closest(word: str, candidates: list[str], n: int = 3) -> list[str]:
    """Up to ``n`` candidates nearest to ``word``: fewest character edits (case ignored), then
    difflib similarity; only those within a third of the word's length of edits."""
    low = word.lower()
    scored = []
    for c in candidates:
        d = _edits(low, c.lower())
        if d <= max(2, len(word) // 3) or low in c.lower() or c.lower() in low:
            scored.append((d, -difflib.SequenceMatcher(None, low, c.lower()).ratio(), c))
    return [c for _, _, c in sorted(scored)[:n]]


def _edits(a: str, b: str) -> int:
    """Levenshtein distance."""
    if abs(len(a) - len(b)) > 8:
        return abs(len(a) - len(b))
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _int(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _stop_if_ambiguous(df, r: dict, gene: str, panel_genes: set, where: dict) -> None:
    """A symbol HGNC gives to several genes, one of them on the panel, cannot be guessed."""
    key = gene if str(r.get("Entrez_Gene_Id", "")).strip() in ("", "0") else \
        f"{gene}|{str(r.get('Entrez_Gene_Id')).strip()}"
    res = df.attrs.get("symbols", {}).get(key)
    if res is not None and res.how == "ambiguous" and panel_genes.intersection(res.candidates):
        raise InputError(f"gene symbol {gene!r} is ambiguous (a previous symbol or alias of "
                         f"{', '.join(res.candidates)}) and the MAF gives no Entrez_Gene_Id",
                         **where, field="Hugo_Symbol")


def gene_renamings(path: str, genes=None) -> list[str]:
    """The MAF's gene symbols renamed to current HGNC symbols (``MLL2 -> KMT2D (previous
    symbol)``), only those renamed to ``genes`` when given, for the log and the report."""
    from ..symbols import describe

    st = os.stat(path)
    df, _ = _load(path, st.st_mtime, st.st_size)
    return sorted({describe(r) for r in df.attrs.get("symbols", {}).values()
                   if r.renamed and (genes is None or r.symbol in genes)})


def _count(r: dict, col: str, where: dict) -> float:
    text = str(r.get(col, "")).strip()
    if text in ("", ".", "NA", "NaN"):
        return np.nan
    try:
        v = float(text)
    except ValueError:
        raise InputError(f"{text!r} is not a number", **where, field=col) from None
    if v < 0:
        raise InputError(f"{text!r} is negative", **where, field=col)
    return v
