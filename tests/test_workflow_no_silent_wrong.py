"""Whole runs on broken inputs: the run says what is wrong and where, and leaves no wrong table.

Two real runs of the example (one with damaged files, run with --keep-going) and three start-up
refusals (a sheet, a config key given twice, an unquoted date that must work).
"""

import shutil

import pandas as pd
import pytest
from runs import ROOT, copy_example, snakemake

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def damaged_run(tmp_path_factory):
    """The example with P03's index replaced by P05's, and P05's C2D1 plasma file broken."""
    import os
    import time

    work = copy_example(tmp_path_factory.mktemp("damaged"))
    now = time.time()
    for idx in (work / "example").rglob("*.tbi"):  # as in a fresh clone: indexes written last
        os.utime(idx, (now, now))
    vcf = work / "example" / "vcf"
    shutil.copyfile(vcf / "P05.vcf.gz.tbi", vcf / "P03.vcf.gz.tbi")  # an index of another file
    (work / "example" / "plasma" / "P05.C2D1.vcf.gz").write_bytes(b"\x1f\x8b\x08\x04broken")
    for idx in (work / "example" / "plasma").glob("P05.C2D1.vcf.gz.*"):
        idx.unlink()
    result = snakemake(work, "--cores", "2", "--keep-going")
    return work, result


def test_untrustworthy_index_is_read_around_and_said(damaged_run):
    work, result = damaged_run
    patients = pd.read_csv(work / "results" / "cohort" / "patients.tsv", sep="\t",
                           keep_default_na=False).set_index("patient_id")
    assert patients.loc["P03", "variant_read"] == "full"
    assert "P05.vcf.gz.tbi" not in patients.loc["P03", "variant_warnings"]
    assert "its index P03.vcf.gz.tbi" in patients.loc["P03", "variant_warnings"]
    assert patients.loc["P01", "variant_read"] == "index"
    alt = pd.read_csv(work / "results" / "cohort" / "alterations.tsv", sep="\t",
                      keep_default_na=False).set_index(["patient_id", "gene"])
    # P03's ATM R2443* (example truth) is found although its index belongs to P05
    assert alt.loc[("P03", "ATM"), "mut_status"] == "altered"
    assert alt.loc[("P03", "ATM"), "mutation_class"] == "truncating"
    report = (work / "results" / "report.html").read_text()
    assert "Data warnings" in report and "its index P03.vcf.gz.tbi" in report
    assert "read the whole file instead of the panel regions" in report


def test_unreadable_plasma_file_keeps_the_rest_and_fails_the_run(damaged_run):
    work, result = damaged_run
    assert result.returncode != 0
    log = (work / "logs" / "ctdna_check.log").read_text()
    assert "patient P05" in log and "plasma sample 'C2D1'" in log
    assert "config/ctdna.tsv, line" in log
    traj = pd.read_csv(work / "results" / "ctdna" / "trajectories.tsv", sep="\t")
    assert "P05" not in set(traj["patient_id"]) and "P01" in set(traj["patient_id"])
    resp = pd.read_csv(work / "results" / "ctdna" / "molecular_response.tsv", sep="\t",
                       keep_default_na=False).set_index("patient_id")
    assert resp.loc["P05", "status"] == "not_evaluable"
    assert "could not be read" in resp.loc["P05", "reason"]
    assert (work / "results" / "report.html").exists()  # --keep-going: everything else made
    assert "Not read, patient left out of the ctDNA results" in \
        (work / "results" / "report.html").read_text()
    assert not (work / "results" / "ctdna" / "all_plasma_samples_read.txt").exists()


def test_comma_separated_sheet_stops_before_any_job(tmp_path):
    work = copy_example(tmp_path)
    sheet = work / "config" / "samples.tsv"
    sheet.write_text(sheet.read_text().replace("\t", ","))
    result = snakemake(work, "--cores", "1", "--dry-run")
    assert result.returncode != 0
    said = result.stdout + result.stderr
    assert "patient sheet is not tab-separated" in said
    assert "config/samples.tsv" in said and "line 1" in said
    assert not (work / "results").exists()


def test_config_key_given_twice_stops_naming_both_lines(tmp_path):
    work = copy_example(tmp_path)
    config = work / "config" / "config.yaml"
    config.write_text(config.read_text() + "genome: GRCh37\n")
    result = snakemake(work, "--cores", "1", "--dry-run")
    assert result.returncode != 0
    said = result.stdout + result.stderr
    assert "config key 'genome' is given twice" in said
    assert str(config) in said and "line" in said


def test_unquoted_report_date_is_kept_as_written(tmp_path):
    work = copy_example(tmp_path)
    config = work / "config" / "config.yaml"
    config.write_text(config.read_text().replace("report_date: null", "report_date: 2026-03-01"))
    result = snakemake(work, "--cores", "1", "--dry-run")
    assert result.returncode == 0, result.stderr[-3000:]


def test_check_config_script_names_the_line(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "config.yaml"
    bad.write_text("samples: s.tsv\nvariants:\n\tmin_vaf: 0.1\n")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_config.py"),
                             str(bad)], capture_output=True, text=True)
    assert result.returncode == 1
    assert f"file {bad}: line 3: indented with a tab" in result.stderr
