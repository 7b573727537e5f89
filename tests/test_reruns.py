"""Settings and inputs are inputs: change one thing, and exactly the rules that depend on it
rerun (Snakemake's dry-run plan), and their outputs change; the same config twice does
nothing; a file replaced by an older-dated copy, or a replaced index, is noticed.

Every case starts from a clone of the session's finished example run.
"""

import os
import shutil
import subprocess

import pandas as pd
import pytest
import yaml
from cohortmark.config import resolve
from cohortmark.figures import registry
from cohortmark.ingest import shard_of
from runs import ROOT, SNAKEMAKE, clone_run, outputs, planned_jobs, snakemake, table

pytestmark = pytest.mark.workflow

FIGURE = {f.name: f"figure_{f.name}" for f in registry.FIGURES if not f.own_rule}
ALL_FIGURES = set(FIGURE.values())
# figures drawn from statistics' tables (associations, outcomes, interactions)
STATS_FIGURES = {FIGURE[n] for n in ("biomarker_heatmap", "km_pfs", "km_os", "forest",
                                     "interactions")}
# figures that draw the sheet only (with the example's config): copy number does not redraw them
_EXAMPLE = resolve(yaml.safe_load((ROOT / "config" / "config.yaml").read_text()))
SHEET_FIGURES = {FIGURE[f.name] for f in registry.FIGURES if not f.own_rule
                 and registry.tables_of(f, _EXAMPLE) == ["sheet"]}
DOWNSTREAM_OF_COHORT = {"cohort_alterations", "cohort_tables", "eligibility", "statistics", "ctdna",
                        "ctdna_check", "ctdna_figures", "report", "export", "all"} | ALL_FIGURES
EVERYTHING = ({"ingest_shard"} | DOWNSTREAM_OF_COHORT) - SHEET_FIGURES
# Tests that execute a change run only up to the table they check (the rest of the plan is
# asserted by dry runs), to keep the suite fast.
ALTERATIONS = "results/cohort/alterations.tsv"


@pytest.fixture(scope="module")
def base(example_run, tmp_path_factory):
    """A clone for the config cases: they only write config files and dry-run."""
    return clone_run(example_run, tmp_path_factory.mktemp("matrix"))


def changed_config(workdir, name, change):
    """config/<name>.yaml: the example's config with ``change(cfg)`` applied."""
    cfg = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    change(cfg)
    path = workdir / "config" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def set_key(section, key, value):
    def change(cfg):
        cfg.setdefault(section, {})[key] = value
    return change


def set_top(key, value):
    def change(cfg):
        cfg[key] = value
    return change


# (case, change, the rules that must rerun; {} = nothing to do)
MATRIX = [
    ("same_config", lambda cfg: None, set()),
    ("copy_number_amp_min_fold", set_key("copy_number", "amp_min_fold", 4.0), EVERYTHING),
    ("copy_number_gene_thresholds",
     set_key("copy_number", "gene_thresholds", {"MDM2": {"amp_min_cn": 12}}), EVERYTHING),
    ("variants_min_vaf", set_key("variants", "min_vaf", 0.05), EVERYTHING),
    ("ingest_shards", set_key("ingest", "shards", 4), EVERYTHING),
    ("response_responders", set_key("response", "responders", ["CR", "PR", "SD"]),
     {"statistics", "ctdna", "ctdna_check", "ctdna_figures", "report", "all"} | STATS_FIGURES),
    ("statistics_conf_level", set_key("statistics", "conf_level", 0.9),
     {"statistics", "report", "all"} | STATS_FIGURES),
    ("statistics_min_altered", set_key("statistics", "min_altered", 2),
     {"statistics", "report", "all"} | STATS_FIGURES),
    ("cohorts_new_rule",
     lambda cfg: cfg["cohorts"].update({"cdk4": "CDK4: AMP"}),
     {"eligibility", FIGURE["trial_matches"], "report", "all"}),
    ("analysis_population_named", set_top("analysis_population", "mdm2_inhibitor"),
     {"statistics", "report", "all"} | STATS_FIGURES),
    ("analysis_population_inline", set_top("analysis_population", "TWIST1: AMP | evaluable"),
     {"eligibility", FIGURE["trial_matches"], "statistics", "report", "all"} | STATS_FIGURES),
    ("ctdna_analysis_response_drop", set_key("ctdna_analysis", "response_drop", 0.3),
     {"ctdna", "ctdna_check", "ctdna_figures", "report", "all"}),
    ("figures_dpi", set_key("figures", "dpi", 200),
     {"ctdna_figures", "report", "all"} | ALL_FIGURES),
    ("figures_heatmap_tracks", set_key("figures", "heatmap_tracks", ["best_response"]),
     {FIGURE["biomarker_heatmap"], "report", "all"}),
    ("figures_swimmer_max_patients", set_key("figures", "swimmer_max_patients", 5),
     {FIGURE["swimmer"], "report", "all"}),
    ("figures_report_title", set_key("figures", "report_title", "Milademetan"),
     {"report", "all"}),
    ("export_study_id", set_key("export", "study_id", "other_study"), {"export", "report", "all"}),
    ("export_disabled", set_key("export", "enabled", False), {"report", "all"}),
]


@pytest.mark.parametrize("name,change,expected", MATRIX, ids=[m[0] for m in MATRIX])
def test_a_changed_setting_reruns_exactly_what_depends_on_it(base, name, change, expected):
    config = changed_config(base, name, change)
    dry = snakemake(base, "-n", configfile=config)
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert set(planned_jobs(dry)) == expected, dry.stdout[-3000:]


def test_a_changed_panel_reruns_everything(base):
    src = pd.read_csv(ROOT / "resources" / "panel.tsv", sep="\t", dtype=str)
    src[src["gene"] != "PMAIP1"].to_csv(base / "config" / "panel17.tsv", sep="\t", index=False)
    config = changed_config(base, "panel17", set_top("panel", "config/panel17.tsv"))
    assert set(planned_jobs(snakemake(base, "-n", configfile=config))) == EVERYTHING


def test_threshold_change_runs_and_changes_the_calls_then_nothing_to_do(example_run, tmp_path):
    """amp_min_fold 3 -> 5: amplifications between 3- and 5-fold (P07's TWIST1, 4.6-fold) are
    no longer AMP, copy number is re-called from cached segments (no file is read), and the
    same config again does nothing."""
    workdir = clone_run(example_run, tmp_path / "run")
    before = table(workdir, "cohort/alterations.tsv")
    config = changed_config(workdir, "fold5", set_key("copy_number", "amp_min_fold", 5.0))
    result = snakemake(workdir, "--cores", "2", ALTERATIONS, configfile=config)
    assert result.returncode == 0, result.stderr[-3000:]
    after = table(workdir, "cohort/alterations.tsv")
    was_amp = (before["cn_call"] == "AMP") & (before["cn_fold"] < 5)
    assert was_amp.any()
    assert (after.loc[was_amp, "cn_call"] != "AMP").all()
    assert (after.loc[~was_amp, "cn_call"].fillna("") == before.loc[~was_amp, "cn_call"]
            .fillna("")).all()
    for log in (workdir / "logs" / "ingest_shard").glob("*.log"):
        text = log.read_text()
        n = int(text.split(" patients")[0].split()[-1])
        assert f"{n} patients, {n} from cache" in text, text  # segments came from the cache
    assert planned_jobs(snakemake(workdir, "-n", ALTERATIONS, configfile=config)) == {}


def test_dpi_redraws_figures_and_keeps_every_table(example_run, tmp_path):
    workdir = clone_run(example_run, tmp_path / "run")
    before = outputs(workdir)
    config = changed_config(workdir, "dpi", set_key("figures", "dpi", 100))
    result = snakemake(workdir, "--cores", "2", configfile=config)
    assert result.returncode == 0, result.stderr[-3000:]
    after = outputs(workdir)
    changed = {p for p in before if before[p] != after[p]}
    assert changed and all(p.endswith(".png") or p.endswith("report.html") for p in changed)
    assert not any(p.endswith(".tsv") for p in changed)


def _patient_files(workdir):
    sheet = pd.read_csv(workdir / "config" / "samples.tsv", sep="\t", dtype=str,
                        keep_default_na=False)
    return sheet.set_index("patient_id")


def test_vcf_replaced_by_an_older_copy_is_recomputed(example_run, tmp_path):
    """cp -p of another (re-called) VCF over a patient's VCF: older date, other content."""
    workdir = clone_run(example_run, tmp_path / "run")
    files = _patient_files(workdir)
    target, source = workdir / files.loc["P01", "variant_file"], workdir / files.loc[
        "P02", "variant_file"]
    for ext in ("", ".tbi"):  # a re-called file from elsewhere, dated 2001
        shutil.copy(f"{source}{ext}", tmp_path / f"recalled{ext}")
        os.utime(tmp_path / f"recalled{ext}", (1e9, 1e9))
        shutil.copy2(tmp_path / f"recalled{ext}", f"{target}{ext}")
    dry = snakemake(workdir, "-n")
    assert planned_jobs(dry).get("ingest_shard") == 1, dry.stdout[-3000:]
    result = snakemake(workdir, "--cores", "2", "results/cohort/mutations.tsv")
    assert result.returncode == 0, result.stderr[-3000:]
    muts = table(workdir, "cohort/mutations.tsv")
    p01 = muts[muts["patient_id"] == "P01"][["chrom", "pos", "ref", "alt"]]
    p02 = muts[muts["patient_id"] == "P02"][["chrom", "pos", "ref", "alt"]]
    assert p01.reset_index(drop=True).equals(p02.reset_index(drop=True))


def test_replaced_index_is_recomputed(example_run, tmp_path):
    workdir = clone_run(example_run, tmp_path / "run")
    vcf = workdir / _patient_files(workdir).loc["P03", "variant_file"]
    subprocess.run(["tabix", "-f", "-C", "-p", "vcf", str(vcf)], check=True)  # a CSI beside
    dry = snakemake(workdir, "-n")
    assert planned_jobs(dry).get("ingest_shard") == 1, dry.stdout[-3000:]


def test_touched_file_reruns_its_shard_from_the_cache_with_identical_results(
        example_run, tmp_path):
    workdir = clone_run(example_run, tmp_path / "run")
    before = outputs(workdir)
    cns = workdir / _patient_files(workdir).loc["P04", "cn_file"]
    os.utime(cns)  # same content, new date
    assert planned_jobs(snakemake(workdir, "-n")).get("ingest_shard") == 1
    shard = f"results/ingest/shard_{shard_of('P04', 16)}.alterations.tsv"
    result = snakemake(workdir, "--cores", "2", shard)
    assert result.returncode == 0, result.stderr[-3000:]
    log = (workdir / "logs" / "ingest_shard" / f"{shard_of('P04', 16)}.log").read_text()
    n = int(log.split(" patients")[0].split()[-1])
    assert f"{n} patients, {n} from cache" in log
    after = outputs(workdir)
    assert {p: after[p] for p in after if "ingest" in p} == {
        p: before[p] for p in before if "ingest" in p}


def test_plasma_file_replaced_by_an_older_copy_reruns_the_ctdna_stage(example_run, tmp_path):
    workdir = clone_run(example_run, tmp_path / "run")
    plasma = pd.read_csv(workdir / "config" / "ctdna.tsv", sep="\t", dtype=str)
    a, b = (workdir / plasma["variant_file"].iloc[i] for i in (0, 1))
    shutil.copy(b, tmp_path / "recalled.vcf.gz")
    os.utime(tmp_path / "recalled.vcf.gz", (1e9, 1e9))
    shutil.copy2(tmp_path / "recalled.vcf.gz", a)
    assert set(planned_jobs(snakemake(workdir, "-n"))) == {"ctdna", "ctdna_check",
                                                           "ctdna_figures", "report", "all"}


def test_a_clinical_column_does_not_rerun_ingest(example_run, tmp_path):
    workdir = clone_run(example_run, tmp_path / "run")
    sheet_path = workdir / "config" / "samples.tsv"
    sheet = pd.read_csv(sheet_path, sep="\t", dtype=str, keep_default_na=False)
    sheet.loc[sheet["patient_id"] == "P05", "best_pct_change"] = "-31"
    sheet.to_csv(sheet_path, sep="\t", index=False)
    assert set(planned_jobs(snakemake(workdir, "-n"))) == DOWNSTREAM_OF_COHORT


def test_a_failed_job_log_names_the_problem_and_snakemake_shows_it(example_run, tmp_path):
    """A broken file fails its shard job; the job's log under logs/ holds the message, and
    the shipped profile's --show-failed-logs prints it with Snakemake's error."""
    workdir = clone_run(example_run, tmp_path / "run")
    cns = workdir / _patient_files(workdir).loc["P05", "cn_file"]
    lines = cns.read_text().splitlines()
    fields = lines[3].split("\t")
    fields[4] = "abc"
    lines[3] = "\t".join(fields)
    cns.write_text("\n".join(lines) + "\n")
    result = snakemake(workdir, "--cores", "2", ALTERATIONS)
    assert result.returncode != 0
    shard = shard_of("P05", 16)
    log = (workdir / "logs" / "ingest_shard" / f"{shard}.log").read_text()
    message = f"patient P05: file {cns.relative_to(workdir)}: line 4: column 'log2': 'abc'"
    assert f"cohortmark: error: {message}" in log, log
    assert message in result.stdout + result.stderr
    assert not (workdir / "results" / "ingest" / f"shard_{shard}.alterations.tsv").exists() \
        or (workdir / "results" / "ingest" / f"shard_{shard}.alterations.tsv").stat().st_mtime \
        < cns.stat().st_mtime


def test_a_change_to_the_package_code_reruns_everything(example_run, tmp_path):
    """After an upgrade (any change to scripts/cohortmark/) every result is made again by the
    new code; an unchanged package reruns nothing (the other tests)."""
    workdir = clone_run(example_run, tmp_path / "run")
    snakefile = tmp_path / "workflow"
    shutil.copytree(ROOT, snakefile, ignore=shutil.ignore_patterns(
        ".git", ".venv", "results", "logs", ".snakemake", "bench", "tests", "example"))
    (snakefile / "scripts" / "cohortmark" / "upgrade.py").write_text("VERSION = 2\n")
    cmd = [*SNAKEMAKE, "--snakefile", str(snakefile / "Snakefile"), "--directory", str(workdir),
           "--configfile", str(workdir / "config" / "config.yaml"), "-n"]
    dry = subprocess.run(cmd, capture_output=True, text=True, cwd=workdir)
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert set(planned_jobs(dry)) == EVERYTHING | SHEET_FIGURES, dry.stdout[-3000:]
