"""Sequence Ontology terms and MAF Variant_Classification values -> the contract's classes."""

from __future__ import annotations

import re
from urllib.parse import unquote

from ..protein import AA3

# Ensembl VEP's consequence ranking, most severe first (ensembl.org/info/genome/variation/
# prediction/predicted_data.html), with SnpEff-only terms slotted next to their VEP equivalent.
SO_RANKED = [
    "transcript_ablation", "exon_loss_variant", "splice_acceptor_variant",
    "splice_donor_variant", "stop_gained", "frameshift_variant", "stop_lost", "start_lost",
    "transcript_amplification", "feature_elongation", "feature_truncation",
    "inframe_insertion", "disruptive_inframe_insertion", "conservative_inframe_insertion",
    "inframe_deletion", "disruptive_inframe_deletion", "conservative_inframe_deletion",
    "missense_variant", "protein_altering_variant", "initiator_codon_variant",
    "splice_donor_5th_base_variant", "splice_region_variant", "splice_donor_region_variant",
    "splice_polypyrimidine_tract_variant", "incomplete_terminal_codon_variant",
    "start_retained_variant", "stop_retained_variant", "synonymous_variant",
    "coding_sequence_variant", "mature_miRNA_variant", "5_prime_UTR_premature_start_codon_gain_variant",
    "5_prime_UTR_variant", "3_prime_UTR_variant", "non_coding_transcript_exon_variant",
    "non_coding_exon_variant", "intron_variant", "NMD_transcript_variant",
    "non_coding_transcript_variant", "coding_transcript_variant", "upstream_gene_variant",
    "downstream_gene_variant", "TFBS_ablation", "TFBS_amplification", "TF_binding_site_variant",
    "regulatory_region_ablation", "regulatory_region_amplification", "regulatory_region_variant",
    "intragenic_variant", "intergenic_variant", "intergenic_region", "sequence_feature",
]
SO_RANK = {term: i for i, term in enumerate(SO_RANKED)}

SO_CLASS = {
    "transcript_ablation": "truncating", "exon_loss_variant": "truncating",
    "stop_gained": "truncating", "frameshift_variant": "truncating",
    "start_lost": "truncating", "initiator_codon_variant": "truncating",
    "splice_acceptor_variant": "splice", "splice_donor_variant": "splice",
    "missense_variant": "missense",
    "inframe_insertion": "inframe", "inframe_deletion": "inframe",
    "disruptive_inframe_insertion": "inframe", "conservative_inframe_insertion": "inframe",
    "disruptive_inframe_deletion": "inframe", "conservative_inframe_deletion": "inframe",
    "protein_altering_variant": "inframe",
}

# maftools' default vc_nonSyn, mapped to the contract's classes.
MAF_CLASS = {
    "Missense_Mutation": "missense", "Nonsense_Mutation": "truncating",
    "Frame_Shift_Del": "truncating", "Frame_Shift_Ins": "truncating",
    "Translation_Start_Site": "truncating", "Splice_Site": "splice",
    "In_Frame_Del": "inframe", "In_Frame_Ins": "inframe", "Nonstop_Mutation": "other",
}
MAF_KNOWN = set(MAF_CLASS) | {
    "Silent", "Intron", "3'UTR", "5'UTR", "3'Flank", "5'Flank", "IGR", "RNA", "lincRNA",
    "Splice_Region", "Targeted_Region", "De_novo_Start_InFrame", "De_novo_Start_OutOfFrame",
    "Unknown",
}

_AA3_RE = re.compile("|".join(AA3))


def term_rank(term: str) -> int:
    """Severity rank of an SO term (lower = more severe); unknown terms rank after coding ones."""
    return SO_RANK.get(term, SO_RANK["coding_sequence_variant"])


def most_severe(terms: list[str]) -> str:
    """The most severe of SO terms (``&``-joined lists allowed)."""
    flat = [t for term in terms for t in term.split("&") if t]
    return min(flat, key=term_rank) if flat else ""


def so_class(term: str, non_alterations: set[str]) -> str:
    """Class of one SO term; '' when the term is not an alteration."""
    if not term or term in non_alterations:
        return ""
    return SO_CLASS.get(term, "other")


def short_protein(hgvsp: str) -> str:
    """``ENSP..:p.Arg248Gln`` / ``p.Arg248Gln`` / ``R248Q`` -> ``p.R248Q`` (maftools style)."""
    p = unquote(str(hgvsp or "")).strip()
    if not p or p in (".", "-", "NA"):
        return ""
    if ":" in p:
        p = p.split(":", 1)[1]
    p = _AA3_RE.sub(lambda m: AA3[m.group(0)], p)
    return p if p.startswith("p.") else "p." + p
