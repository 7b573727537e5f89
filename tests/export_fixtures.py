"""Cohorts for the export tests, made the way the workflow makes its tables.

``example_cohort(tmp)``: the bundled example run through ingest (real CNVkit and VEP files) and
the cohort assembly, written and read back as results/cohort/*.tsv.

``edge_cohort(tmp)``: six patients built with the same pure functions from small inputs that
cover what the example does not: genes not profiled inside a profiled sample (segments that
miss them), a discrete-only copy-number source (calls without values), log2 segments with
purity and ploidy, every mutation class incl. indels, a DNP, two variants in one gene, a class
taken from a MAF, variants without read counts, an unannotated variant and SO terms the MAF
vocabulary cannot carry, a patient profiled with no variant, and fusions.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from cohortmark import schema  # noqa: E402
from cohortmark.cohort import (  # noqa: E402
    assemble_alterations,
    assemble_mutations,
    assemble_patients,
)
from cohortmark.config import default_config  # noqa: E402
from cohortmark.copynumber import gene_copy_number  # noqa: E402
from cohortmark.copynumber import not_profiled as cn_not_profiled  # noqa: E402
from cohortmark.genome import chrom_lengths, load_panel  # noqa: E402
from cohortmark.ingest import ingest_record, run_shard  # noqa: E402
from cohortmark.sheets import load_samples  # noqa: E402
from cohortmark.tsv import read_tsv, write_tsv  # noqa: E402
from cohortmark.variants import gene_mutations  # noqa: E402
from cohortmark.variants.core import finish  # noqa: E402
from cohortmark.variants.core import not_profiled as mut_not_profiled  # noqa: E402

PANEL = load_panel()
BUILD = "GRCh38"


def _as_files(tmp: Path, alterations, mutations, sheet):
    """Write the cohort tables as the workflow does and read them back the same way."""
    write_tsv(alterations, tmp / "alterations.tsv",
              list(alterations.columns) if "sv_status" in alterations else
              schema.ALTERATION_COLUMNS)
    write_tsv(mutations, tmp / "mutations.tsv", schema.MUTATION_COLUMNS)
    return read_tsv(tmp / "alterations.tsv"), read_tsv(tmp / "mutations.tsv"), sheet


def example_cohort(tmp: Path, config: dict | None = None):
    """(alterations, mutations, sheet, config) of the bundled example."""
    tmp.mkdir(parents=True, exist_ok=True)
    config = config or default_config(export={"study_id": "cohortmark_example",
                                              "cancer_type": "ints"})
    sheet = load_samples(ROOT / "config" / "samples.tsv", check_files=False)
    records = []
    for row in sheet.to_dict("records"):
        rec = ingest_record(row)
        for col in ("cn_file", "variant_file"):
            if rec.get(col):
                rec[col] = str(ROOT / rec[col])
        records.append(rec)
    alterations, mutations, patients = run_shard(records, PANEL, config, BUILD, tmp / "cache",
                                                 log=lambda m: None)
    alterations = assemble_alterations([alterations], sheet, PANEL)
    mutations = assemble_mutations([mutations], sheet)
    write_tsv(assemble_patients([patients], sheet), tmp / "patients.tsv", schema.PATIENT_COLUMNS)
    return (*_as_files(tmp, alterations, mutations, sheet), config)


def example_patients(tmp: Path) -> pd.DataFrame:
    """results/cohort/patients.tsv of ``example_cohort(tmp)`` (written by it)."""
    return read_tsv(tmp / "patients.tsv")


# --- the edge cohort ---------------------------------------------------------------------------
def _gene(g):
    return PANEL.set_index("gene").loc[g]


def _segments(rows, unit):
    """rows: (chrom, start, end, value) or, for gene-level sources, (gene, value)."""
    out = []
    for r in rows:
        if len(r) == 2:
            out.append({"chrom": None, "start": 0, "end": 0, "value": float(r[1]), "unit": unit,
                        "minor_cn": np.nan, "major_cn": np.nan, "gene": r[0],
                        "max_value": np.nan})
        else:
            out.append({"chrom": r[0], "start": r[1], "end": r[2], "value": float(r[3]),
                        "unit": unit, "minor_cn": np.nan, "major_cn": np.nan, "gene": None,
                        "max_value": np.nan})
    return pd.DataFrame(out, columns=schema.CN_SEGMENT_COLUMNS)


def _variant(gene, offset, ref, alt, consequence, mclass, protein, vaf, depth, alt_count):
    g = _gene(gene)
    return {"chrom": g["chrom"], "pos": int(g["start"]) + offset, "ref": ref, "alt": alt,
            "gene": gene, "consequence": consequence, "mutation_class": mclass,
            "protein_change": protein, "vaf": vaf, "depth": depth, "alt_count": alt_count,
            "filter": "PASS"}


NAN = float("nan")
EDGE_VARIANTS = {
    "E1": [_variant("TP53", 500, "C", "T", "missense_variant", "missense", "p.R175H",
                    0.42, 100, 42)],
    "E3": [_variant("CDKN2A", 300, "G", "A", "stop_gained", "truncating", "p.R80*",
                    0.3, 200, 61)],  # AF 0.3 reported, 61/200 read counts
    "E4": [
        _variant("TP53", 1000, "C", "T", "missense_variant", "missense", "p.R248Q",
                 0.25, 120, 30),
        _variant("TP53", 1200, "G", "A", "stop_gained", "truncating", "p.R213*", 0.2, 150, 30),
        _variant("ATM", 400, "AG", "A", "frameshift_variant", "truncating", "p.E1978Rfs*4",
                 0.33, 90, 30),
        _variant("CHEK2", 700, "ACAG", "A", "inframe_deletion", "inframe", "p.S422del",
                 0.1, 200, 20),
        _variant("EGFR", 900, "A", "AGGC", "inframe_insertion", "inframe", "p.A767_S768insG",
                 0.15, 100, 15),
        _variant("PDGFRA", 600, "AG", "CT", "missense_variant", "missense", "p.D842V",
                 0.4, 80, 32),
        _variant("AKT1", 200, "C", "G", "splice_acceptor_variant", "splice", "", 0.2, 50, 10),
        _variant("MDM4", 800, "T", "C", "synonymous_variant", "", "p.L20=", 0.5, 60, 30),
        _variant("BBC3", 100, "GCTTA", "G", "transcript_ablation", "truncating", "",
                 0.3, 70, 21),
        _variant("CDKN1C", 150, "T", "A", "stop_lost", "other", "p.*317Kext*?", 0.2, 50, 10),
        _variant("ERBB3", 250, "AGG", "-", "In_Frame_Del", "inframe", "p.Q281del",
                 0.35, NAN, NAN),  # read from a MAF (its class and alleles); VAF, no counts
        # the MAF vocabulary cannot carry these two classes:
        _variant("PPM1D", 500, "G", "T", "", "other", "", 0.12, 100, 12),  # unannotated VCF
        _variant("CDKN1A", 300, "C", "A", "coding_sequence_variant", "other", "", 0.3,
                 100, 30),
    ],
}
NOT_CARRIED = {("E4", "PPM1D"), ("E4", "CDKN1A")}
EDGE_SHEET = """patient_id\tpurity\tploidy\tbest_response\tbest_pct_change\tpfs_months\tpfs_event\tos_months\tos_event\tevaluable\tprimary_site\tAge
E1\t0.9\t2\tPR\t-45\t10.5\t1\t20.1\t0\ttrue\tuterus\t61
E2\t\t\tSD\t-5\t6\t1\t12\t1\ttrue\t\t55
E3\t0.5\t3\tPD\t30\t2.2\t1\t5.5\t1\ttrue\tretroperitoneum\t70
E4\t\t\tNE\t\t1.1\t0\t1.1\t0\tfalse\t\t
E5\t0.7\t2.4\tSD\t0\t4.0\t1\t9.9\t1\ttrue\tlimb\t48
E6\t\t\tCR\t-100\t15.2\t0\t15.2\t0\ttrue\tlimb\t39
"""
# E1 carries an MDM2-CPM fusion and an intergenic rearrangement into CDK4
EDGE_SV = pd.DataFrame([
    {"patient_id": "E1", "gene_a": "MDM2", "gene_b": "CPM", "chrom_a": "12",
     "pos_a": 68830000, "chrom_b": "12", "pos_b": 68950000, "sv_type": "deletion",
     "gene_order": "5'-3'", "frame": "in-frame", "split_reads": 12, "spanning_reads": 7,
     "support": 19, "confidence": "high", "filter": "PASS", "caller": "arriba",
     "call_id": "1"},
    {"patient_id": "E1", "gene_a": "", "gene_b": "CDK4", "chrom_a": "5",
     "pos_a": 1000000, "chrom_b": "12", "pos_b": 57750000, "sv_type": "translocation",
     "gene_order": "unknown", "frame": "", "split_reads": 4, "spanning_reads": 3,
     "support": 7, "confidence": "", "filter": "PASS", "caller": "manta", "call_id": "2"},
])


def edge_cohort(tmp: Path, config: dict | None = None, *, with_sv: bool = True):
    """(alterations, mutations, sheet, config, structural_variants) of the edge cohort."""
    tmp.mkdir(parents=True, exist_ok=True)
    config = config or default_config(export={"study_id": "cm_edge",
                                              "cancer_type": "soft_tissue"})
    cn_cfg = config["copy_number"]
    (tmp / "samples.tsv").write_text(EDGE_SHEET)
    sheet = load_samples(tmp / "samples.tsv", check_files=False)
    lengths = chrom_lengths(BUILD)
    whole = sorted(set(PANEL["chrom"]), key=lambda c: int(c))
    segments = {
        # only chr12, chr9 and chr17 are covered: the other genes are not profiled
        "E1": _segments([("9", 21_900_000, 22_100_000, 0.0), ("12", 57_000_000, 58_000_000, 20),
                         ("12", 68_000_000, 70_000_000, 30), ("17", 7_000_000, 8_000_000, 1)],
                        "cn"),
        # a discrete source (cBioPortal/GISTIC matrix): calls, no copy number
        "E2": _segments([("MDM2", 2), ("CDK4", 2), ("CDKN2A", -2), ("TP53", -1), ("EGFR", 1)],
                        "discrete"),
        # log2 ratios genome-wide, purity 0.5 and ploidy 3
        "E3": _segments([(c, 0, lengths[c], {"7": 1.2, "9": -1.5, "12": 0.7}.get(c, 0.0))
                         for c in whole], "log2"),
        "E5": _segments([(c, 0, lengths[c], {"12": 2.0, "17": -0.6}.get(c, 0.0))
                         for c in whole], "log2"),
    }
    variants = {pid: finish(EDGE_VARIANTS.get(pid, [])) for pid in ("E1", "E3", "E4", "E6")}
    frames, muts = [], []
    for row in sheet.to_dict("records"):
        pid = row["patient_id"]
        if pid in segments:
            cn = gene_copy_number(segments[pid], PANEL, purity=row["purity"],
                                  ploidy=row["ploidy"], config=cn_cfg, patient=pid)
        else:
            cn = cn_not_profiled(PANEL)
        if pid in variants:
            mut = gene_mutations(variants[pid], PANEL)
            muts.append(variants[pid].assign(patient_id=pid))
        else:
            mut = mut_not_profiled(PANEL)
        genes = cn.merge(mut, on="gene", how="outer", validate="one_to_one")
        frames.append(genes.assign(patient_id=pid,
                                   gene_group=genes["gene"].map(dict(zip(PANEL["gene"],
                                                                         PANEL["group"])))))
    alterations = assemble_alterations([pd.concat(frames, ignore_index=True)], sheet, PANEL)
    mutations = assemble_mutations(muts, sheet)
    sv = None
    if with_sv:
        sv = EDGE_SV.copy()
        status = {"E1": "wildtype", "E3": "wildtype"}
        alterations["sv_status"] = alterations["patient_id"].map(status).fillna("not_profiled")
        alterations["sv_partners"] = ""
        hit = (alterations["patient_id"] == "E1") & alterations["gene"].isin(["MDM2", "CDK4"])
        alterations.loc[hit, "sv_status"] = "altered"
        alterations.loc[hit & (alterations["gene"] == "MDM2"), "sv_partners"] = "CPM"
        alterations.loc[hit & (alterations["gene"] == "CDK4"), "sv_partners"] = "intergenic"
    alt, mut, sheet = _as_files(tmp, alterations, mutations, sheet)
    return alt, mut, sheet, config, sv
