"""The cohort's panel variants as a MAF (what cBioPortal's importer and maftools' read.maf read).

Conventions (GDC/TCGA MAF 2.4 as written by vcf2maf, github.com/mskcc/vcf2maf):

- Coordinates: our variant table keeps VCF positions (1-based, a shared anchor base for
  indels). The MAF drops the shared leading bases as vcf2maf does and writes ``-`` for an
  empty allele: a deletion starts at its first deleted base (End = Start + length - 1), an
  insertion spans the two reference bases around it (Start = base before, End = base after);
  substitutions are SNP/DNP/TNP/ONP by length, the rest INS or DEL (``Variant_Type``).
- ``Variant_Classification``: a MAF class read from a MAF input is kept; an SO term is mapped
  with vcf2maf's table (``GetVariantClassification``), unless that class would read back as a
  different alteration class than the one cohortmark assigned (schema.MUTATION_CLASSES), in
  which case the class is written from ours (e.g. ``transcript_ablation`` of a deletion is
  truncating here, ``Frame_Shift_Del``, where vcf2maf writes ``Splice_Site``). What the MAF
  vocabulary cannot carry (an "other" alteration that is not ``stop_lost``, e.g. a variant of
  an unannotated VCF, ``Targeted_Region``) is reported by ``maf_table`` so the user knows.
- ``Tumor_Seq_Allele1`` is the reference allele (vcf2maf's convention without a genotype:
  heterozygous); ``t_ref_count`` = depth - alt reads; ``i_TumorVAF_WU`` carries the caller's
  VAF in percent (the TCGA column maftools' examples plot with ``plotVaf``), so a VAF without
  read counts survives the trip.
"""

from __future__ import annotations

import math

import pandas as pd

from .. import schema
from ..variants.consequences import MAF_CLASS, MAF_KNOWN, most_severe

# vcf2maf.pl GetVariantClassification (mskcc/vcf2maf, commit bf53e52, Apache-2.0), as a table.
_SO_TO_MAF = {
    "splice_acceptor_variant": "Splice_Site", "splice_donor_variant": "Splice_Site",
    "transcript_ablation": "Splice_Site", "exon_loss_variant": "Splice_Site",
    "stop_gained": "Nonsense_Mutation",
    "stop_lost": "Nonstop_Mutation",
    "initiator_codon_variant": "Translation_Start_Site", "start_lost": "Translation_Start_Site",
    "missense_variant": "Missense_Mutation", "coding_sequence_variant": "Missense_Mutation",
    "conservative_missense_variant": "Missense_Mutation",
    "rare_amino_acid_variant": "Missense_Mutation",
    "transcript_amplification": "Intron", "intron_variant": "Intron",
    "INTRAGENIC": "Intron", "intragenic_variant": "Intron",
    "splice_region_variant": "Splice_Region",
    "incomplete_terminal_codon_variant": "Silent", "synonymous_variant": "Silent",
    "stop_retained_variant": "Silent", "NMD_transcript_variant": "Silent",
    "mature_miRNA_variant": "RNA", "exon_variant": "RNA", "non_coding_exon_variant": "RNA",
    "non_coding_transcript_exon_variant": "RNA", "non_coding_transcript_variant": "RNA",
    "nc_transcript_variant": "RNA",
    "5_prime_UTR_variant": "5'UTR", "5_prime_UTR_premature_start_codon_gain_variant": "5'UTR",
    "3_prime_UTR_variant": "3'UTR",
    "TF_binding_site_variant": "IGR", "regulatory_region_variant": "IGR",
    "regulatory_region": "IGR", "intergenic_variant": "IGR", "intergenic_region": "IGR",
    "upstream_gene_variant": "5'Flank", "downstream_gene_variant": "3'Flank",
}

NCBI_BUILD = {"GRCh37": "GRCh37", "GRCh38": "GRCh38"}


def maf_alleles(pos: int, ref: str, alt: str) -> tuple[int, int, str, str, str, bool]:
    """VCF-style (pos, ref, alt) -> (Start, End, Reference_Allele, Tumor_Seq_Allele2,
    Variant_Type, inframe) as vcf2maf computes them. ``inframe`` is meaningful for indels:
    the length change is a multiple of 3. MAF-style alleles (a ``-``, as variants read from a
    MAF keep them, with ``pos`` = Start_Position) are returned as they are."""
    if ref == "-" or alt == "-":  # already MAF-style (a variant read from a MAF input)
        if ref == "-":
            return pos, pos + 1, ref, alt, "INS", len(alt) % 3 == 0
        return pos, pos + len(ref) - 1, ref, alt, "DEL", len(ref) % 3 == 0
    ref_len, alt_len = len(ref), len(alt)
    while ref and alt and ref[0] == alt[0] and ref != alt:  # drop the shared prefix
        ref, alt = ref[1:] or "-", alt[1:] or "-"
        ref_len, alt_len, pos = ref_len - 1, alt_len - 1, pos + 1
    if ref_len == alt_len:
        vtype = {1: "SNP", 2: "DNP", 3: "TNP"}.get(alt_len, "ONP")
        return pos, pos + alt_len - 1, ref, alt, vtype, False
    inframe = abs(ref_len - alt_len) % 3 == 0
    if ref_len < alt_len:  # insertion (or a complex insertion-substitution)
        start = pos - 1 if ref == "-" else pos
        end = pos if ref == "-" else pos + ref_len - 1
        return start, end, ref, alt, "INS", inframe
    return pos, pos + ref_len - 1, ref, alt, "DEL", inframe


def vcf2maf_classification(term: str, var_type: str, inframe: bool) -> str:
    """vcf2maf's Variant_Classification of one SO term (its most severe consequence)."""
    if not term:
        return "Targeted_Region"  # vcf2maf: "In case VEP was skipped"
    if term in ("frameshift_variant",) or (term == "protein_altering_variant" and not inframe):
        if var_type == "DEL":
            return "Frame_Shift_Del"
        if var_type == "INS":
            return "Frame_Shift_Ins"
    if term.endswith("inframe_insertion") or (term == "protein_altering_variant" and inframe
                                              and var_type == "INS"):
        return "In_Frame_Ins"
    if term.endswith("inframe_deletion") or (term == "protein_altering_variant" and inframe
                                             and var_type == "DEL"):
        return "In_Frame_Del"
    return _SO_TO_MAF.get(term, "Targeted_Region")


def read_back_class(vc: str, non_alterations) -> str:
    """The mutation class cohortmark's MAF reader gives a Variant_Classification (the same
    rule as ``cohortmark.variants.maf``): '' for a non-alteration."""
    return "" if vc in non_alterations else MAF_CLASS.get(vc, "")


def _class_vc(mutation_class: str, var_type: str) -> str | None:
    """A Variant_Classification that reads back as ``mutation_class``, or None if none does."""
    if mutation_class == "truncating":
        return {"DEL": "Frame_Shift_Del", "INS": "Frame_Shift_Ins"}.get(var_type,
                                                                       "Nonsense_Mutation")
    if mutation_class == "inframe":  # a substitution has no in-frame class: closest is missense
        return {"DEL": "In_Frame_Del", "INS": "In_Frame_Ins"}.get(var_type, "Missense_Mutation")
    return {"splice": "Splice_Site", "missense": "Missense_Mutation"}.get(mutation_class)


def variant_classification(consequence: str, mutation_class: str, var_type: str,
                           inframe: bool, non_alterations) -> str:
    """The Variant_Classification written for one variant (see the module doc)."""
    consequence = consequence or ""
    if consequence in MAF_KNOWN:  # the variant came from a MAF: keep its class
        return consequence
    term = most_severe([consequence]) if consequence else ""
    vc = vcf2maf_classification(term, var_type, inframe)
    if read_back_class(vc, non_alterations) != (mutation_class or ""):
        own = _class_vc(mutation_class or "", var_type)
        if own is not None and own not in non_alterations:
            return own
    return vc


def _count(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return str(int(round(float(x))))


def _number(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{float(x):.10g}"


def maf_table(mutations: pd.DataFrame, sample_of: dict, build: str,
              non_alterations) -> tuple[pd.DataFrame, list[str]]:
    """``mutations`` (schema.MUTATION_COLUMNS) -> (MAF rows as text, schema.MAF_COLUMNS; notes).

    ``sample_of`` maps patient_id -> Tumor_Sample_Barcode (rows of patients not in it are
    dropped: they are not exported; so are germline variants, ``origin`` = germline).
    ``non_alterations`` is ``variants.non_alterations``: the
    notes name every variant whose class the MAF vocabulary cannot carry (its
    Variant_Classification reads back as another class, or as no alteration).
    """
    rows, notes = [], []
    germline = 0
    for r in mutations.to_dict("records"):
        pid = str(r["patient_id"])
        if pid not in sample_of:
            continue
        if r.get("origin") == "germline":  # in the matched normal: not a somatic mutation
            germline += 1
            continue
        start, end, ref, alt, vtype, inframe = maf_alleles(int(r["pos"]), str(r["ref"]),
                                                           str(r["alt"]))
        cons = "" if _missing(r.get("consequence")) else str(r["consequence"])
        mclass = "" if _missing(r.get("mutation_class")) else str(r["mutation_class"])
        vc = variant_classification(cons, mclass, vtype, inframe, non_alterations)
        back = read_back_class(vc, non_alterations)
        if back != mclass:
            notes.append(f"patient {pid}, {r['gene']} {r['chrom']}:{r['pos']} "
                         f"{r['ref']}>{r['alt']} ({cons or 'no annotation'}): class "
                         f"{mclass or 'none'} is written as {vc}, which reads back as "
                         f"{back or 'not an alteration'}")
        depth, alt_n, vaf = r.get("depth"), r.get("alt_count"), r.get("vaf")
        ref_n = (float(depth) - float(alt_n)
                 if not _missing(depth) and not _missing(alt_n) else math.nan)
        rows.append({
            "Hugo_Symbol": r["gene"] if not _missing(r["gene"]) else "Unknown",
            "NCBI_Build": NCBI_BUILD[build], "Chromosome": str(r["chrom"]),
            "Start_Position": str(start), "End_Position": str(end), "Strand": "+",
            "Variant_Classification": vc, "Variant_Type": vtype,
            "Reference_Allele": ref, "Tumor_Seq_Allele1": ref, "Tumor_Seq_Allele2": alt,
            "Tumor_Sample_Barcode": sample_of[pid],
            "HGVSp_Short": "" if _missing(r.get("protein_change")) else str(r["protein_change"]),
            "t_depth": _count(depth), "t_ref_count": _count(ref_n), "t_alt_count": _count(alt_n),
            "i_TumorVAF_WU": _number(float(vaf) * 100 if not _missing(vaf) else math.nan),
            "Consequence": cons, "FILTER": "" if _missing(r.get("filter")) else str(r["filter"]),
            "vcf_pos": str(int(r["pos"])),
        })
    if germline:
        notes.append(f"{germline} germline variant(s) (present in the matched normal) are not "
                     "exported: the MAF and the study's mutations are somatic")
    return pd.DataFrame(rows, columns=schema.MAF_COLUMNS), notes


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA or x == ""


def maf_text(table: pd.DataFrame) -> str:
    """The MAF file: ``#version 2.4``, the header, one line per variant (tab-separated)."""
    lines = ["#version 2.4", "\t".join(schema.MAF_COLUMNS)]
    lines += ["\t".join(row) for row in table[schema.MAF_COLUMNS].itertuples(index=False)]
    return "\n".join(lines) + "\n"
