"""Column names and vocabularies of every table, defined once.

Coordinates inside the package are 0-based half-open ``[start, end)`` (BED convention);
readers convert from their file's convention. Chromosome names are canonical without a
``chr`` prefix (``1``..``22``, ``X``, ``Y``, ``MT``); see ``cohortmark.genome.canonical_chrom``.
"""

# --- sheets (CONTRACT.md) ----------------------------------------------------------------
# the optional registry-biomarker columns: fusion calls, MSI (file or value) and a TMB value
BIOMARKER_SHEET_COLUMNS = ["sv_file", "sv_format", "sv_sample", "msi_file", "msi_status",
                           "msi_score", "tmb"]
SAMPLE_COLUMNS = [
    "patient_id", "cn_file", "cn_format", "variant_file", "tumor_sample", "cn_sample", "purity",
    "ploidy",
    "best_response", "best_pct_change", "pfs_months", "pfs_event", "os_months", "os_event",
    "treatment_months", "on_treatment", "evaluable", *BIOMARKER_SHEET_COLUMNS,
]
CTDNA_COLUMNS = ["patient_id", "timepoint", "day", "variant_file", "tumor_sample"]
# The sheet columns a patient's ingest depends on (its shard reruns when one changes; clinical
# columns do not rerun ingest).
INGEST_COLUMNS = ["patient_id", "cn_file", "cn_format", "variant_file", "tumor_sample",
                  "cn_sample", "purity", "ploidy", "sv_file", "sv_format", "sv_sample",
                  "msi_file", "msi_status", "msi_score", "tmb"]
BEST_RESPONSES = ["CR", "PR", "SD", "PD", "NE"]
# CN_FORMATS (the sheet's cn_format values) is the copy-number format registry's list of
# names, cohortmark.copynumber.formats.FORMATS: see __getattr__ at the end of this module.

# --- reader outputs ----------------------------------------------------------------------
# Segments: one row per segment of one sample. ``value`` is in ``unit``:
#   "log2" (log2 ratio vs. normal), "cn" (absolute total copy number), "discrete" (-2..2).
SEGMENT_COLUMNS = ["chrom", "start", "end", "value", "unit", "minor_cn", "major_cn"]
# Copy-number readers add ``gene`` (set, with no coordinates, by gene-level formats such as
# PURPLE gene tables and cBioPortal matrices) and ``max_value`` (PURPLE maxCopyNumber).
CN_SEGMENT_COLUMNS = SEGMENT_COLUMNS + ["gene", "max_value"]
# Variants: one row per (sample, chrom, pos, ref, alt) after filtering; pos is 1-based (VCF).
# ``origin``: ``germline`` (also in the matched normal of a tumour/normal VCF; never an
# alteration), ``somatic`` (absent from it) or empty (no normal to judge, e.g. a MAF).
# exon / intron: the annotated transcript's exon or intron the variant lies in, as VEP (CSQ
# EXON/INTRON), SnpEff (ANN Rank) and vcf2maf (Exon_Number/INTRON) write it: '19/28'.
VARIANT_COLUMNS = [
    "chrom", "pos", "ref", "alt", "gene", "consequence", "mutation_class", "protein_change",
    "vaf", "depth", "alt_count", "filter", "origin", "exon", "intron",
]

# --- per-patient gene-level results ------------------------------------------------------
STATUS = ["altered", "wildtype", "not_profiled"]
CN_CALLS = ["AMP", "GAIN", "NEUTRAL", "LOSS", "HOMDEL"]
# Most severe first. ``unannotated``: a record of a VCF without consequence annotation in a
# coding exon or splice site (by position; its effect on the protein is unknown).
MUTATION_CLASSES = ["truncating", "splice", "missense", "inframe", "other", "unannotated"]

GENE_CN_COLUMNS = [
    "gene", "cn_status", "cn_call", "cn_value", "cn_min", "cn_max", "cn_fold", "cn_coverage",
    "cn_segment_length", "cn_focal", "cn_coamplified",
]
GENE_MUT_COLUMNS = ["gene", "mut_status", "mutation_class", "protein_change", "vaf", "n_mutations"]

# --- cohort outputs (CONTRACT.md) --------------------------------------------------------
ALTERATION_COLUMNS = (["patient_id", "gene", "gene_group", "cn_status", "cn_call", "cn_value",
                       "cn_min", "cn_max", "cn_fold", "cn_coverage", "cn_segment_length",
                       "cn_focal", "cn_coamplified", "mut_status", "mutation_class",
                       "protein_change", "vaf", "n_mutations"])
MUTATION_COLUMNS = ["patient_id"] + VARIANT_COLUMNS
# results/cohort/patients.tsv: one row per patient, patient-level results of ingest. cn_format
# and cn_sample: the copy-number format and the sample of the file used; purity and ploidy are
# those the copy-number calls used, *_source says where they came from (sheet, caller = the
# caller's own file caller_fit_file, default); cn_note flags a default ploidy with absolute
# copy numbers. Empty when the patient has no copy-number file.
# n_unannotated: panel variants counted without consequence annotation (by position in a
# coding exon or splice site); n_germline: panel variants also in the matched normal (never
# alterations); variant_read: index | full | maf; variant_warnings: what the log said about
# reading the variant file (e.g. an untrustworthy index: read in full).
# tmb: coding non-synonymous somatic variants per Mb of the configured territory; msi_status:
# MSI-H, MSS or indeterminate (MSIsensor score between the two configured cut-offs); *_source
# says where the value came from (computed, msisensor file, sheet column), empty when absent.
BIOMARKER_COLUMNS = ["tmb", "tmb_variants", "tmb_territory_mb", "tmb_source", "msi_status",
                     "msi_score", "msi_sites", "msi_source"]
PATIENT_COLUMNS = (["patient_id", "cn_format", "cn_sample", "purity", "purity_source", "ploidy",
                    "ploidy_source", "caller_fit_file", "cn_note", "n_panel_variants",
                    "n_unannotated", "n_germline", "variant_read", "variant_warnings",
                    "n_structural_variants"] + BIOMARKER_COLUMNS)
# family: ``primary`` (the configured primary tests, BH-adjusted together) or ``exploratory``
# (BH-adjusted test by test); q_value is adjusted within the family.
ASSOCIATION_COLUMNS = [
    "gene", "alteration", "endpoint", "test", "n_assessed", "n_altered", "effect", "ci_low",
    "ci_high", "p_value", "q_value", "family", "note",
]
FAMILIES = ["primary", "exploratory"]
ALTERATION_KINDS = ["amplification", "deletion", "mutation", "fusion", "any", "copy_number"]
ENDPOINTS = ["response", "best_pct_change", "pfs", "os"]
TESTS = ["fisher", "mannwhitney", "spearman", "pearson", "logrank", "cox"]
# relation: co-occurrence / exclusivity only when the test says so (statistics.interactions),
# "no evidence" otherwise, empty when untestable; co_located: the genes are neighbours on the
# genome or share an amplicon/deletion in the data (physical linkage, not biology).
INTERACTION_COLUMNS = [
    "gene1", "gene2", "n_both", "n_gene1_only", "n_gene2_only", "n_neither", "n_assessed",
    "odds_ratio", "p_value", "q_value", "relation", "co_located", "distance_mb", "note",
]
OUTCOME_COLUMNS = ["metric", "n", "count", "estimate", "ci_low", "ci_high", "method"]
# reason: the facts that decided; undecided: for status unknown, the facts that were missing
ELIGIBILITY_COLUMNS = ["patient_id", "rule", "status", "reason", "undecided"]
ELIGIBILITY_SUMMARY_COLUMNS = ["rule", "definition", "n", "eligible", "ineligible", "unknown",
                               "undecided_because"]
TRAJECTORY_COLUMNS = [
    "patient_id", "gene", "variant", "protein_change", "timepoint", "day", "vaf", "detected",
    "emergent", "in_tissue", "baseline",
]
# --- ctdna outputs (cohortmark.ctdna) -------------------------------------------------------
MOLECULAR_RESPONSE_COLUMNS = [
    "patient_id", "status", "reason", "metric", "threshold", "baseline_timepoint",
    "baseline_day", "on_treatment_timepoint", "on_treatment_day", "n_tracked",
    "baseline_max_vaf", "on_treatment_max_vaf", "max_vaf_change", "baseline_mean_vaf",
    "on_treatment_mean_vaf", "mean_vaf_change", "cleared",
]
# plasma samples whose variant file could not be read (results/ctdna/unreadable_samples.tsv):
# their patient is left out of the ctDNA tables (molecular response not_evaluable, reason
# given) and the run ends with an error after everything else is made
CTDNA_FAILURE_COLUMNS = ["patient_id", "timepoint", "line", "variant_file", "message"]
MOLECULAR_RESPONSE_STATUS = ["responder", "non_responder", "not_evaluable"]
EMERGENT_COLUMNS = [
    "patient_id", "gene", "variant", "protein_change", "baseline_timepoint", "first_timepoint",
    "first_day", "first_vaf", "max_vaf", "progression_timepoint", "progression_source",
    "progression_vaf", "at_progression", "in_tissue", "resistance_gene", "flag",
]
CLINICAL_LINK_COLUMNS = [
    "patient_id", "molecular_status", "max_vaf_change", "mean_vaf_change", "best_response",
    "clinical_response", "evaluable", "best_pct_change", "pfs_months", "pfs_event",
    "progression_day",
]
PFS_BY_RESPONSE_COLUMNS = ["molecular_status", "n", "n_missing_pfs", "events",
                           "median_pfs_months", "logrank_p"]

# --- structural variants and fusions (cohortmark.fusions) ------------------------------------
# One row per call (a fusion transcript or a DNA rearrangement) of one tumour. gene_a/gene_b:
# the 5' and 3' partner when the caller knows the transcript's direction (gene_order
# "5'-3'": Arriba, STAR-Fusion, cBioPortal Site1/Site2), else the two breakpoints' genes in
# genomic order (gene_order "unknown": SV VCFs). An empty gene: the breakpoint is intergenic.
# pos_a/pos_b are 1-based, as the callers write them. frame: in-frame, out-of-frame or empty.
SV_COLUMNS = [
    "gene_a", "gene_b", "chrom_a", "pos_a", "chrom_b", "pos_b", "sv_type", "gene_order",
    "frame", "split_reads", "spanning_reads", "support", "confidence", "filter", "caller",
    "call_id",
]
SV_TYPES = ["translocation", "deletion", "duplication", "inversion", "insertion",
            "rearrangement", "fusion"]
SV_CALLERS = ["arriba", "star-fusion", "cbioportal", "manta", "gridss", "delly", "vcf"]
SV_FORMATS = ["arriba", "star-fusion", "cbioportal", "vcf"]  # sheet column sv_format
STRUCTURAL_VARIANT_COLUMNS = ["patient_id"] + SV_COLUMNS
# Gene-level: altered when a kept call has a breakpoint in the gene; sv_partners lists the
# other genes of those calls (";"-joined, "intergenic" for a partner without a gene).
GENE_SV_COLUMNS = ["gene", "sv_status", "sv_partners"]
ALTERATION_SV_COLUMNS = ["sv_status", "sv_partners"]
INTERGENIC = "intergenic"

# --- patient-level biomarkers (cohortmark.biomarkers): BIOMARKER_COLUMNS above -----------------
MSI_STATUSES = ["MSI-H", "MSS", "indeterminate"]

# --- trial matching (cohortmark.cohorts) ------------------------------------------------------
# One row per patient: the rules it is eligible for, and those it may be eligible for (unknown)
# with what is missing.
TRIAL_MATCH_COLUMNS = ["patient_id", "n_eligible", "eligible", "n_unknown", "unknown",
                       "unknown_because"]
TRIAL_SUMMARY_COLUMNS = ["rule", "definition", "n", "eligible", "unknown", "ineligible",
                         "top_unknown_reason", "top_unknown_count", "undecided_because"]

# --- reading our own tables (cohortmark.tsv.read_tsv) -----------------------------------------
# Identifier and label columns stay text (a patient "001" stays "001"; a gene is never a number).
TEXT_COLUMNS = [
    "patient_id", "gene", "gene1", "gene2", "gene_group", "rule", "variant", "timepoint",
    "protein_change", "ref", "alt", "chrom", "first_timepoint", "progression_timepoint",
    "baseline_timepoint", "on_treatment_timepoint", "status", "reason", "undecided",
    "cn_status", "cn_call", "mut_status", "mutation_class", "consequence", "filter",
    "cn_coamplified", "note", "method", "purity_source", "ploidy_source", "cn_format",
    "cn_sample", "caller_fit_file", "cn_note", "metric", "alteration", "endpoint", "test",
    "relation", "family", "gene_a", "gene_b", "chrom_a", "chrom_b", "sv_type", "gene_order",
    "frame", "confidence", "caller", "call_id", "sv_status", "sv_partners", "exon", "intron",
    "tmb_source", "msi_status", "msi_source", "unknown_because", "definition",
    "top_unknown_reason", "undecided_because",
]
# True/False columns: read as Python bools, None where empty.
BOOL_COLUMNS = ["detected", "emergent", "in_tissue", "baseline", "cleared", "at_progression",
                "resistance_gene", "flag", "co_located"]

def __getattr__(name: str):
    """``CN_FORMATS``: the names of the copy-number format registry, in detection order
    (derived, so that adding a reader module is all it takes to accept a new cn_format)."""
    if name == "CN_FORMATS":
        from .copynumber.formats import FORMATS

        return [r.name for r in FORMATS]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

# --- export (cohortmark.export) ------------------------------------------------------------
# MAF columns of results/export/cohort.maf and the cBioPortal study's data_mutations.txt: the
# columns cBioPortal's validator and maftools' read.maf require, then vcf2maf's read counts,
# the caller's VAF in percent (TCGA's i_TumorVAF_WU), the SO consequence, FILTER and vcf_pos.
MAF_COLUMNS = [
    "Hugo_Symbol", "NCBI_Build", "Chromosome", "Start_Position", "End_Position", "Strand",
    "Variant_Classification", "Variant_Type", "Reference_Allele", "Tumor_Seq_Allele1",
    "Tumor_Seq_Allele2", "Tumor_Sample_Barcode", "HGVSp_Short", "t_depth", "t_ref_count",
    "t_alt_count", "i_TumorVAF_WU", "Consequence", "FILTER", "vcf_pos",
]
