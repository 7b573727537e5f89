"""The whole workflow on the bundled example cohort, in a temporary directory.

One finished run is shared by the whole session (conftest.example_run); tests that add
patients or change files work on a clone of it.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from cohortmark.ingest import shard_of
from runs import ROOT, SNAKEMAKE, clone_run, planned_jobs, snakemake, table

pytestmark = pytest.mark.workflow


@pytest.fixture
def clone(example_run, tmp_path) -> Path:
    """A copy of the finished example run that a test may change."""
    return clone_run(example_run, tmp_path / "run")


def test_outcomes_match_the_published_trial(example_run):
    out = table(example_run, "cohort/outcomes.tsv").set_index("metric")
    # Milademetan trial: ORR 2/10 = 20% (exact 95% CI 2.5-55.6%); DCR 6/10.
    assert out.loc["ORR", ["n", "count"]].tolist() == [10, 2]
    assert out.loc["ORR", "estimate"] == pytest.approx(0.2)
    assert out.loc["ORR", "ci_low"] == pytest.approx(0.0252, abs=5e-5)
    assert out.loc["ORR", "ci_high"] == pytest.approx(0.5561, abs=5e-5)
    assert out.loc["DCR", ["n", "count"]].tolist() == [10, 6]
    assert out.loc["DCR", "ci_low"] == pytest.approx(0.2624, abs=5e-5)
    assert out.loc["DCR", "ci_high"] == pytest.approx(0.8784, abs=5e-5)


def test_alterations_cover_every_patient_and_gene(example_run):
    alt = table(example_run, "cohort/alterations.tsv")
    sheet = pd.read_csv(example_run / "config" / "samples.tsv", sep="\t", dtype=str,
                        keep_default_na=False)
    panel = pd.read_csv(ROOT / "resources" / "panel.tsv", sep="\t")
    assert len(alt) == len(sheet) * len(panel) == 11 * 18
    assert not alt.duplicated(["patient_id", "gene"]).any()
    assert list(alt["patient_id"].unique()) == list(sheet["patient_id"])
    no_cn = sheet.loc[sheet["cn_file"] == "", "patient_id"]
    no_var = sheet.loc[sheet["variant_file"] == "", "patient_id"]
    assert len(no_cn) == 1 and len(no_var) == 1
    rows = alt[alt["patient_id"].isin(no_cn)]
    assert (rows["cn_status"] == "not_profiled").all() and rows["cn_call"].isna().all()
    rows = alt[alt["patient_id"].isin(no_var)]
    assert (rows["mut_status"] == "not_profiled").all()
    profiled = alt[~alt["patient_id"].isin(no_cn)]
    assert set(profiled["cn_status"]) <= {"altered", "wildtype"}


def test_outputs_of_the_contract_exist(example_run):
    res = example_run / "results"
    for name in ("cohort/associations.tsv", "ctdna/trajectories.tsv", "report.html"):
        assert (res / name).stat().st_size > 0, name
    for fig in ("biomarker_heatmap", "waterfall", "swimmer", "ctdna_vaf", "km_pfs", "km_os",
                "forest", "interactions"):
        for ext in ("svg", "png"):
            assert (res / "figures" / f"{fig}.{ext}").stat().st_size > 1000, (fig, ext)
    assoc = table(example_run, "cohort/associations.tsv")
    assert set(assoc["gene"]) == set(pd.read_csv(ROOT / "resources" / "panel.tsv",
                                                 sep="\t")["gene"])


def test_second_run_does_nothing(example_run):
    result = snakemake(example_run, "--cores", "2", "-n")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def test_eligibility_of_the_trial_rule_follows_the_alterations(example_run):
    """'MDM2: AMP & TP53: WT' recomputed from alterations.tsv with Kleene logic by hand."""
    elig = table(example_run, "cohort/eligibility.tsv")
    rule = elig[elig["rule"] == "mdm2_inhibitor"].set_index("patient_id")["status"]
    alt = table(example_run, "cohort/alterations.tsv").set_index(["patient_id", "gene"])
    expected = {}
    for pid in rule.index:
        mdm2, tp53 = alt.loc[(pid, "MDM2")], alt.loc[(pid, "TP53")]
        amp = None if mdm2["cn_status"] == "not_profiled" else mdm2["cn_call"] == "AMP"
        wt = None if tp53["mut_status"] == "not_profiled" else tp53["mut_status"] == "wildtype"
        if amp is False or wt is False:
            expected[pid] = "ineligible"
        elif amp is None or wt is None:
            expected[pid] = "unknown"
        else:
            expected[pid] = "eligible"
    assert rule.to_dict() == expected
    # The example: P08 (TP53-mutant, excluded from the trial) ineligible, P06/P09 undecidable.
    assert (rule == "eligible").sum() == 8
    assert rule["P08"] == "ineligible" and rule["P06"] == rule["P09"] == "unknown"


def test_emergent_plasma_variants_are_exactly_the_planted_ones(example_run):
    truth = pd.read_csv(ROOT / "example" / "truth.tsv", sep="\t", dtype=str,
                        keep_default_na=False)
    planted = truth[(truth["kind"] == "plasma") & (truth["emergent"] == "true")
                    & (truth["in_panel"] == "true")]
    expected = set(zip(planted["patient_id"], planted["gene"], planted["protein_change"]))
    emergent = table(example_run, "ctdna/emergent.tsv")
    found = set(zip(emergent["patient_id"], emergent["gene"], emergent["protein_change"]))
    assert found == expected
    assert {g for _, g, _ in found} == {"TP53"}
    traj = table(example_run, "ctdna/trajectories.tsv")
    assert list(traj.columns[:8]) == ["patient_id", "gene", "variant", "protein_change",
                                      "timepoint", "day", "vaf", "detected"]
    assert (traj.loc[~traj["detected"].astype(bool), "vaf"] == 0).all()


def test_twist1_association_agrees_with_scipy(example_run):
    """The published TWIST1 result (p = 0.028): Fisher on amplification vs response."""
    from scipy.stats import fisher_exact

    alt = table(example_run, "cohort/alterations.tsv")
    sheet = pd.read_csv(example_run / "config" / "samples.tsv", sep="\t", dtype=str,
                        keep_default_na=False).set_index("patient_id")
    tw = alt[(alt["gene"] == "TWIST1") & (alt["cn_status"] != "not_profiled")]
    tw = tw[tw["patient_id"].map(sheet["evaluable"]).str.lower() != "false"]
    amp = tw["cn_call"].eq("AMP").to_numpy()
    resp = tw["patient_id"].map(sheet["best_response"]).isin(["CR", "PR"]).to_numpy()
    tab = [[(amp & resp).sum(), (amp & ~resp).sum()], [(~amp & resp).sum(), (~amp & ~resp).sum()]]
    p = fisher_exact(tab).pvalue
    assoc = table(example_run, "cohort/associations.tsv")
    row = assoc[(assoc["gene"] == "TWIST1") & (assoc["alteration"] == "amplification")
                & (assoc["endpoint"] == "response") & (assoc["test"] == "fisher")].iloc[0]
    assert row["n_assessed"] == len(tw) and row["n_altered"] == amp.sum()
    assert row["p_value"] == pytest.approx(p, rel=1e-9)
    assert round(row["p_value"], 3) == 0.028


def test_export_reads_back_as_the_cohort_table(example_run):
    """results/export/cbioportal read back with cohortmark's own readers (gene panel matrix
    applied) gives the run's alterations table for every patient x gene."""
    import yaml
    from cohortmark.config import resolve
    from cohortmark.export import read_study
    from cohortmark.genome import load_panel

    config = resolve(yaml.safe_load((example_run / "config" / "config.yaml").read_text()))
    back = read_study(example_run / "results" / "export" / "cbioportal", load_panel(), config,
                      "GRCh38").set_index(["patient_id", "gene"])
    alt = table(example_run, "cohort/alterations.tsv").set_index(["patient_id", "gene"])
    assert list(back.index) == list(alt.index)
    for col in ("cn_status", "cn_call", "mut_status", "mutation_class"):
        assert back[col].fillna("").equals(alt[col].fillna("")), col
    n = pd.to_numeric(back["n_mutations"]).fillna(-1)
    assert n.equals(pd.to_numeric(alt["n_mutations"]).fillna(-1).astype(n.dtype))
    assert ((back["cn_value"] - alt["cn_value"]).abs().fillna(0) < 1e-9).all()
    log = (example_run / "logs" / "export.log").read_text()
    assert "export: study cohortmark_example, 11 samples, profiles mutations, cna" in log
    maf = (example_run / "results" / "export" / "cohort.maf").read_text()
    assert maf == (example_run / "results" / "export" / "cbioportal" / "data_mutations.txt"
                   ).read_text()


def test_new_patient_runs_only_its_shard_and_the_cohort_steps(clone):
    example_run = clone
    sheet_path = example_run / "config" / "samples.tsv"
    sheet = pd.read_csv(sheet_path, sep="\t", dtype=str, keep_default_na=False)
    new = sheet.iloc[0].copy()
    new["patient_id"] = "P12"
    # its own files (one tumour's calls given to two patients is refused)
    for col in ("cn_file", "variant_file"):
        src = example_run / new[col]
        dest = src.with_name(src.name.replace("P01", "P12"))
        for ext in ("", ".tbi"):
            if Path(str(src) + ext).exists():
                shutil.copy2(str(src) + ext, str(dest) + ext)
        new[col] = str(Path(new[col]).with_name(dest.name))
    pd.concat([sheet, new.to_frame().T]).to_csv(sheet_path, sep="\t", index=False)
    dry = snakemake(example_run, "--cores", "2", "-n")
    jobs = planned_jobs(dry)
    assert jobs.get("ingest_shard") == 1, dry.stdout
    assert f"shard_{shard_of('P12', 16)}.alterations.tsv" in dry.stdout
    from cohortmark.figures import registry

    assert set(jobs) - {"ingest_shard", "all"} <= {
        "cohort_alterations", "cohort_tables", "statistics", "ctdna", "ctdna_check", "ctdna_figures",
        "eligibility", "report", "export"} | {f"figure_{f.name}" for f in registry.FIGURES}
    real = snakemake(example_run, "--cores", "2", "results/cohort/alterations.tsv")
    assert real.returncode == 0, real.stderr[-3000:]
    log = (example_run / "logs" / "ingest_shard" / f"{shard_of('P12', 16)}.log").read_text()
    n_in_shard = sum(shard_of(p, 16) == shard_of("P12", 16) for p in sheet["patient_id"])
    # Only the new patient was computed; its shard-mates' rows are the previous run's.
    assert "ingest: 1 patients, 0 from cache" in log
    assert f"{n_in_shard} of {n_in_shard + 1} patients' rows reused" in log
    assert len(table(example_run, "cohort/alterations.tsv")) == 12 * 18


def test_changed_file_recomputes_only_that_patient(clone):
    example_run = clone
    sheet = pd.read_csv(example_run / "config" / "samples.tsv", sep="\t", dtype=str,
                        keep_default_na=False)
    row = sheet[sheet["cn_file"] != ""].iloc[1]
    cns = example_run / row["cn_file"]
    cns.write_text(cns.read_text().replace("\n", "\n", 1))  # same content, new mtime
    lines = cns.read_text().splitlines()
    # Change one segment's log2 value (last column but three in CNVkit's layout).
    fields = lines[1].split("\t")
    fields[4] = str(float(fields[4]) + 0.01)
    lines[1] = "\t".join(fields)
    cns.write_text("\n".join(lines) + "\n")
    shard = shard_of(row["patient_id"], 16)
    dry = snakemake(example_run, "--cores", "2", "-n")
    assert planned_jobs(dry).get("ingest_shard") == 1
    assert f"shard_{shard}.alterations.tsv" in dry.stdout
    real = snakemake(example_run, "--cores", "2", "results/cohort/alterations.tsv")
    assert real.returncode == 0, real.stderr[-3000:]
    log = (example_run / "logs" / "ingest_shard" / f"{shard}.log").read_text()
    m = re.search(r"(\d+) patients, (\d+) from cache", log)
    assert int(m.group(1)) - int(m.group(2)) == 1


def test_lint_is_clean():
    """`snakemake --lint` has nothing to say (every rule names its conda environment, logs,
    params instead of config in steps); `make lint` adds snakefmt and ruff, run by CI."""
    result = subprocess.run(SNAKEMAKE + ["--lint", "--snakefile", str(ROOT / "Snakefile")],
                            capture_output=True, text=True, cwd=ROOT)
    text = result.stdout + result.stderr
    assert result.returncode == 0 and "Congratulations" in text, text


def test_analysis_population_changes_the_outcomes_and_the_report_says_so(clone):
    """The trial's enrolment rule as the analysis population: 'MDM2: AMP & TP53: WT'."""
    workdir = clone
    config = workdir / "config" / "config.yaml"
    config.write_text(config.read_text().replace("# analysis_population: mdm2_inhibitor",
                                                 "analysis_population: mdm2_inhibitor"))
    dry = snakemake(workdir, "--cores", "2", "-n")
    jobs = set(planned_jobs(dry))  # the statistics and what shows them (test_reruns: exactly)
    assert {"statistics", "report"} <= jobs and not jobs & {
        "ingest_shard", "eligibility", "cohort_alterations", "cohort_tables"}, dry.stdout
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-5000:]
    elig = table(workdir, "cohort/eligibility.tsv")
    eligible = set(elig[(elig["rule"] == "mdm2_inhibitor")
                        & (elig["status"] == "eligible")]["patient_id"])
    sheet = pd.read_csv(workdir / "config" / "samples.tsv", sep="\t", dtype=str,
                        keep_default_na=False)
    chosen = sheet[sheet["patient_id"].isin(eligible) & (sheet["evaluable"].str.lower()
                                                         != "false")]
    responders = chosen["best_response"].isin(["CR", "PR"]).sum()
    out = table(workdir, "cohort/outcomes.tsv").set_index("metric")
    assert out.loc["ORR", ["n", "count"]].tolist() == [len(chosen), responders] == [8, 2]
    assert out.loc["ORR", "ci_high"] == pytest.approx(0.6509, abs=5e-5)  # binom.test(2, 8)
    html = (workdir / "results" / "report.html").read_text()
    assert "Statistics use the analysis population" in html and "mdm2_inhibitor" in html
