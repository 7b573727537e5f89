"""The registry example end to end (config/registry/config.yaml): 300 patients, a 320-gene
panel, fusions from cBioPortal data_sv and Arriba, TMB from the registry MAF, MSI from
MSIsensor files and the sheet, 18 trial rules. Eligibility is checked against what the
generator planted (example/registry/truth.tsv), TMB against an independent count of the MAF,
MSI against the MSIsensor files."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.workflow
NONSYN = ["Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site", "Translation_Start_Site",
          "Nonsense_Mutation", "Nonstop_Mutation", "In_Frame_Del", "In_Frame_Ins",
          "Missense_Mutation"]


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
           "--directory", str(workdir), "--configfile",
           str(workdir / "config" / "registry" / "config.yaml"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=workdir)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("registry")
    shutil.copytree(ROOT / "example" / "registry", workdir / "example" / "registry")
    shutil.copytree(ROOT / "config" / "registry", workdir / "config" / "registry")
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir


def read(workdir, name):
    return pd.read_csv(workdir / name, sep="\t", dtype={"patient_id": str},
                       keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def inputs():
    sheet = read(ROOT, "config/registry/samples.tsv")
    truth = read(ROOT, "example/registry/truth.tsv")
    return sheet, truth


def test_regenerating_gives_the_committed_files(tmp_path):
    """example/registry/ and config/registry/samples.tsv are what
    scripts/make_registry_example.py writes; the example stays small."""
    import gzip

    sys.path.insert(0, str(ROOT / "scripts"))
    import make_registry_example

    make_registry_example.make_registry(tmp_path)
    data = ROOT / "example" / "registry"
    committed = sorted(p.relative_to(ROOT) for p in data.rglob("*")
                       if p.is_file() and p.name != "README.md")
    written = sorted(p.relative_to(tmp_path) for p in (tmp_path / "example").rglob("*")
                     if p.is_file())
    assert committed == written
    for rel in committed + [Path("config/registry/samples.tsv")]:
        if rel.suffix == ".gz":
            assert (gzip.decompress((ROOT / rel).read_bytes())
                    == gzip.decompress((tmp_path / rel).read_bytes())), rel
        else:
            assert (ROOT / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel
    assert sum(p.stat().st_size for p in data.rglob("*") if p.is_file()) < 400_000


def planted(truth, *details):
    return set(truth.loc[truth["detail"].isin(details), "patient_id"])


def test_eligibility_is_what_was_planted(run, inputs):
    sheet, truth = inputs
    elig = read(run, "results/cohort/eligibility.tsv")

    def eligible(rule):
        return set(elig.loc[(elig["rule"] == rule) & (elig["status"] == "eligible"),
                            "patient_id"])

    mut = set(sheet.loc[sheet["variant_file"].notna(), "patient_id"])
    sv = set(sheet.loc[sheet["sv_file"].notna(), "patient_id"])
    cn = set(sheet.loc[sheet["cn_file"].notna(), "patient_id"])
    lung = set(sheet.loc[sheet["tumour_type"] == "lung_adenocarcinoma", "patient_id"])
    expected = {
        "braf_v600e_basket": planted(truth, "BRAF_V600E") & mut,
        "kras_g12c": planted(truth, "KRAS_G12C") & mut,
        "egfr_sensitising": planted(truth, "EGFR_EX19DEL", "EGFR_L858R") & mut,
        "egfr_exon20_ins": planted(truth, "EGFR_EX20INS") & mut,
        "idh1_r132": planted(truth, "IDH1_R132C") & mut,
        "alk_rearranged": planted(truth, "EML4-ALK", "TPM3-ALK") & sv,
        "eml4_alk_nsclc": planted(truth, "EML4-ALK") & sv & lung,
        "ret_fusion": planted(truth, "KIF5B-RET", "CCDC6-RET") & sv,
        "fgfr2_fusion": planted(truth, "FGFR2-BICC1") & sv,
        "her2_amplified": planted(truth, "AMP:ERBB2") & cn,
        "met_exon14": (planted(truth, "MET_EX14") & mut) | (planted(truth, "AMP:MET") & cn),
    }
    for rule, patients in expected.items():
        assert eligible(rule) == patients, rule
    assert all(len(p) for p in expected.values())
    # not profiled -> unknown, never ineligible
    alk = elig[elig["rule"] == "alk_rearranged"].set_index("patient_id")["status"]
    no_sv = set(sheet["patient_id"]) - sv
    assert set(alk[list(no_sv)]) <= {"unknown", "eligible"}
    assert (alk[list(no_sv)] == "unknown").sum() == len(no_sv)


def test_structural_variants_table_and_gene_status(run, inputs):
    sheet, _ = inputs
    calls = read(run, "results/cohort/structural_variants.tsv")
    data_sv = read(ROOT, "example/registry/data_sv.txt")
    dna = set(sheet.loc[sheet["sv_file"] == "example/registry/data_sv.txt", "patient_id"])
    arriba = [pd.read_csv(ROOT / f, sep="\t") for f in
              sheet.loc[sheet["sv_file"].str.contains("arriba", na=False), "sv_file"]]
    n_rna = sum(len(a) for a in arriba)
    assert len(calls) == data_sv["Sample_Id"].isin(dna).sum() + n_rna
    assert set(calls["caller"]) == {"cbioportal", "arriba"}
    alterations = read(run, "results/cohort/alterations.tsv")
    assert {"sv_status", "sv_partners"} <= set(alterations.columns)
    per = alterations.groupby("patient_id")["sv_status"].agg(set)
    no_sv = sheet.loc[sheet["sv_file"].isna(), "patient_id"]
    assert all(per[p] == {"not_profiled"} for p in no_sv)
    alk = alterations[(alterations["gene"] == "ALK") & (alterations["sv_status"] == "altered")]
    assert set(alk["sv_partners"]) <= {"EML4", "TPM3"} and len(alk)
    # the export: every call in cBioPortal's data_sv.txt, the patients profiled for fusions in
    # the structural-variant profile; the study is what export_cohort makes of alterations.tsv
    # (the export step reads the shards' stores, put back in sheet order)
    from cohortmark.config import resolve
    from cohortmark.export import export_cohort
    from cohortmark.sheets import load_samples
    from cohortmark.tsv import read_tsv

    study = run / "results" / "export" / "cbioportal"
    exported = read(run, "results/export/cbioportal/data_sv.txt")
    assert len(exported) == len(calls)
    assert set(exported["Sample_Id"]) == set(calls["patient_id"])
    cfg = resolve(yaml.safe_load((run / "config" / "registry" / "config.yaml").read_text()))
    again = export_cohort(
        read_tsv(run / "results/cohort/alterations.tsv"),
        read_tsv(run / "results/cohort/mutations.tsv"),
        load_samples(run / "config/registry/samples.tsv", check_files=False), cfg["export"],
        "GRCh38", cfg["variants"]["non_alterations"],
        patients=read_tsv(run / "results/cohort/patients.tsv"),
        structural_variants=read_tsv(run / "results/cohort/structural_variants.tsv"))
    assert again.study.files
    for name, text in again.study.files.items():
        assert (study / name).read_text() == text, name


def test_tmb_and_msi(run, inputs):
    sheet, _ = inputs
    patients = read(run, "results/cohort/patients.tsv").set_index("patient_id")
    maf = pd.read_csv(ROOT / "example/registry/mutations.maf.gz", sep="\t", comment="#")
    counts = maf[maf["Variant_Classification"].isin(NONSYN)].groupby(
        "Tumor_Sample_Barcode").size()
    with_variants = sheet.loc[sheet["variant_file"].notna(), "patient_id"]
    expected = counts.reindex(with_variants).fillna(0) / 0.9
    assert np.allclose(patients.loc[with_variants, "tmb"], expected.to_numpy())
    assert patients.loc[sheet.loc[sheet["variant_file"].isna(), "patient_id"], "tmb"].isna().all()
    for row in sheet.itertuples():
        status = patients.loc[row.patient_id, "msi_status"]
        if isinstance(row.msi_file, str):
            total, k, pct = (ROOT / row.msi_file).read_text().splitlines()[1].split("\t")
            pct = float(pct)
            assert status == ("MSI-H" if pct >= 10 else "indeterminate" if pct >= 3 else "MSS")
            assert patients.loc[row.patient_id, "msi_source"] == "msisensor"
        elif isinstance(row.msi_status, str):
            assert status == row.msi_status
        else:
            assert pd.isna(status)


def test_trial_tables_figure_and_report(run, inputs):
    sheet, _ = inputs
    matches = read(run, "results/cohort/trial_matches.tsv")
    assert list(matches["patient_id"]) == list(sheet["patient_id"])
    elig = read(run, "results/cohort/eligibility.tsv")
    eligible = elig[elig["status"] == "eligible"].groupby("patient_id")["rule"].agg(";".join)
    assert (matches.set_index("patient_id")["eligible"].dropna() == eligible).all()
    summary = read(run, "results/cohort/trial_summary.tsv").set_index("rule")
    assert summary.loc["alk_rearranged", "top_unknown_reason"] == "ALK not profiled for fusions"
    assert summary.loc["alk_rearranged", "unknown"] == sheet["sv_file"].isna().sum()
    for ext in ("svg", "png"):
        assert (run / "results" / "figures" / f"trial_matches.{ext}").stat().st_size > 10_000
    assoc = read(run, "results/cohort/associations.tsv")
    assert "fusion" in set(assoc["alteration"])
    html = (run / "results" / "report.html").read_text()
    for anchor in ('id="trials"', 'id="biomarkers"', 'id="tmb-definition"',
                   'id="msi-definition"', 'id="fig-trial_matches"', 'id="trial-summary"'):
        assert anchor in html


def test_rerun_does_nothing(run):
    result = snakemake(run, "--cores", "2", "--dry-run")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def test_figures_and_report_read_the_cohort_table_from_the_stores_as_written(run):
    """Figures and the report take alterations.tsv's rows from the shards' columnar stores:
    the same rows, order, values and types as alterations.tsv read as text (with the fusion
    columns this sheet has)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from cohortmark.figures.registry import TABLE_COLUMNS
    from cohortmark.report import ALTERATION_COLUMNS
    from cohortmark.sheets import load_samples
    from cohortmark.store import cohort_rows
    from cohortmark.tsv import read_tsv

    sheet = load_samples(run / "config/registry/samples.tsv", check_files=False)
    stores = sorted((run / "results/ingest").glob("shard_*.alterations.npz"))
    assert len(stores) > 1
    for columns in (TABLE_COLUMNS["alterations"], ALTERATION_COLUMNS):
        text = read_tsv(run / "results/cohort/alterations.tsv", columns)
        assert "sv_status" in text.columns
        stored = cohort_rows(stores, sheet, columns, sheet_order=True)
        pd.testing.assert_frame_equal(stored, text)
