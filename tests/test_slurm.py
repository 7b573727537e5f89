"""Cluster execution on a real single-node SLURM (.ci/slurm.sh) with profiles/slurm.

Runs when CI=true or COHORTMARK_SLURM=1. The session fixture starts munged/slurmctld/slurmd
through .ci/slurm.sh unless they already run, and stops what it started. A SLURM that cannot
start skips the tests with the daemon's own error line; nothing passes without having run.
"""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLURM_SH = ROOT / ".ci" / "slurm.sh"
TINY = ROOT / "tests" / "data" / "slurm"
PROFILE = ROOT / "profiles" / "slurm"
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
# The shipped profile waits 20 s before the first status check of a wave of jobs, which suits a
# busy cluster; on the one-node test cluster 5 s keeps the run short. Everything else as shipped.
FAST_STATUS = ["--slurm-init-seconds-before-status-checks", "5"]
SUBMITTED = re.compile(r"Job (\d+) has been submitted with SLURM jobid (\d+)")

pytestmark = pytest.mark.slurm


def _wanted() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("COHORTMARK_SLURM") == "1"


def _sh(cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SLURM_SH), cmd], capture_output=True, text=True)


@pytest.fixture(scope="session")
def slurm():
    """A running single-node SLURM; started (and afterwards stopped) here when not yet up."""
    if not _wanted():
        pytest.skip("SLURM tests run only with CI=true or COHORTMARK_SLURM=1 "
                    "(needs `bash .ci/slurm.sh install` as root)")
    missing = [b for b in ("slurmctld", "slurmd", "sbatch", "squeue", "munged")
               if shutil.which(b) is None]
    if missing:
        pytest.skip(f"SLURM not installed ({', '.join(missing)} not on PATH): "
                    "run `bash .ci/slurm.sh install` as root")
    started = False
    if _sh("status").returncode != 0:
        if os.geteuid() != 0:
            pytest.skip("SLURM is not running and starting its daemons needs root: "
                        "run `sudo bash .ci/slurm.sh start`")
        result = _sh("start")
        if result.returncode != 0:
            # The last line of slurm.sh's stderr carries the daemon log's fatal/error line.
            reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
            pytest.skip(f"SLURM could not start on this machine: {reason}")
        started = True
    yield
    if started:
        stopped = _sh("stop")
        assert stopped.returncode == 0, stopped.stderr


def run(workdir: Path, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.monotonic()
    result = subprocess.run(SNAKEMAKE + list(args), capture_output=True, text=True, cwd=workdir)
    return result, time.monotonic() - t0


def tree(root: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Relative path -> content of every file under root (minus paths starting with skip)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not str(p.relative_to(root)).startswith(skip)}


def squeue(job_ids: list[str]) -> dict[str, dict[str, str]]:
    """State, memory and time limit of jobs, finished ones included (MinJobAge=300)."""
    out = subprocess.run(["squeue", "-h", "-t", "all", "-j", ",".join(job_ids),
                          "-o", "%i|%T|%m|%l|%P"], capture_output=True, text=True, check=True)
    rows = [line.split("|") for line in out.stdout.split()]
    return {r[0]: {"state": r[1], "mem": r[2], "time": r[3], "partition": r[4]} for r in rows}


def report_timing(capsys, what: str, t_slurm: float, t_local: float, n_jobs: int):
    with capsys.disabled():
        print(f"\nslurm timing ({what}): {n_jobs} jobs through sbatch in {t_slurm:.1f} s; "
              f"local run {t_local:.1f} s")


@pytest.fixture(scope="module")
def tiny(slurm, tmp_path_factory):
    """The tiny workflow run locally and through SLURM: (local dir, slurm dir, log, times)."""
    base = tmp_path_factory.mktemp("tiny")
    local, cluster = base / "local", base / "slurm"
    shutil.copytree(TINY, local)
    shutil.copytree(TINY, cluster)
    res_local, t_local = run(local, "--cores", "2")
    assert res_local.returncode == 0, res_local.stderr[-3000:]
    res, t_slurm = run(cluster, "--profile", str(PROFILE), *FAST_STATUS)
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-5000:]
    return local, cluster, log, t_slurm, t_local


def test_tiny_workflow_through_sbatch_equals_local_run(tiny, capsys):
    local, cluster, log, t_slurm, t_local = tiny
    # Every job but the local target rule `all` was submitted with sbatch...
    submitted = dict(SUBMITTED.findall(log))
    assert len(submitted) == 4, log[-5000:]  # 3 shards + cohort
    jobs = squeue(list(submitted.values()))
    # ...and SLURM ran it to completion, in the profile's partition, with the rule's resources.
    assert set(jobs) == set(submitted.values())
    assert {j["state"] for j in jobs.values()} == {"COMPLETED"}
    assert {j["partition"] for j in jobs.values()} == {"main"}
    assert sorted(j["mem"] for j in jobs.values()) == ["210M", "210M", "215M", "303M"]
    assert {j["time"] for j in jobs.values()} == {"2:00"}
    # Each job's log names the SLURM job it ran inside: the work ran on slurmd, not here.
    ran_in = {re.search(r"slurm_job_id=(\d*)", p.read_text()).group(1)
              for p in (cluster / "logs").glob("*.log")}
    assert ran_in == set(submitted.values())
    assert all("slurm_job_id= " in p.read_text() for p in (local / "logs").glob("*.log"))

    # Same results, byte for byte.
    assert tree(cluster / "results") == tree(local / "results")
    assert len(tree(local / "results")) == 4
    report_timing(capsys, "tiny workflow, 3 shards + cohort", t_slurm, t_local, len(submitted))


def test_failed_job_is_retried_with_more_memory(tiny):
    # Rerun the cohort job of the SLURM run above with fail_below_mb=500: it fails in its
    # 303 MB allocation; the profile's retries resubmit it with attempt=2, i.e. 606 MB.
    cluster = tiny[1]
    before = (cluster / "results" / "cohort.tsv").read_bytes()
    res, _ = run(cluster, "--profile", str(PROFILE), *FAST_STATUS, "--forcerun", "cohort",
                 "--config", "fail_below_mb=500")
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-5000:]
    cohort_jobs = [sid for _, sid in SUBMITTED.findall(log)]
    assert len(cohort_jobs) == 2, log[-5000:]  # the shards were not rerun
    jobs = squeue(cohort_jobs)
    assert [(jobs[i]["state"], jobs[i]["mem"], jobs[i]["time"]) for i in cohort_jobs] == [
        ("FAILED", "303M", "2:00"), ("COMPLETED", "606M", "4:00")]
    assert (cluster / "results" / "cohort.tsv").read_bytes() == before


def test_example_cohort_on_slurm_equals_local_run(slurm, example_run, tmp_path, capsys):
    """The example through sbatch gives the files of the session's local run."""
    from conftest import EXAMPLE_SECONDS

    runs = {"local": (example_run, "", EXAMPLE_SECONDS.get("example", float("nan")))}
    workdir = tmp_path / "slurm"
    shutil.copytree(ROOT / "example", workdir / "example")
    shutil.copytree(ROOT / "config", workdir / "config")
    args = ["--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir),
            "--configfile", str(workdir / "config" / "config.yaml"),
            "--profile", str(PROFILE), *FAST_STATUS]
    res, seconds = run(workdir, *args)
    assert res.returncode == 0, (res.stdout + res.stderr)[-5000:]
    runs["slurm"] = (workdir, res.stdout + res.stderr, seconds)

    log = runs["slurm"][1]
    submitted = dict(SUBMITTED.findall(log))
    assert submitted, log[-5000:]
    assert "ingest_shard" in log and "rule report:" in log
    jobs = squeue(list(submitted.values()))
    assert set(jobs) == set(submitted.values())
    assert {j["state"] for j in jobs.values()} == {"COMPLETED"}
    # The results (not the per-patient cache, which records file paths) equal the local run's.
    local_tree = tree(runs["local"][0] / "results", skip=("cache",))
    assert "cohort/alterations.tsv" in local_tree and "report.html" in local_tree
    slurm_tree = tree(runs["slurm"][0] / "results", skip=("cache",))
    assert sorted(slurm_tree) == sorted(local_tree)
    differ = [name for name in local_tree if slurm_tree[name] != local_tree[name]]
    assert not differ, differ
    report_timing(capsys, "example cohort", runs["slurm"][2], runs["local"][2], len(submitted))
