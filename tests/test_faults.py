"""Faults: a run killed mid-way and rerun ends byte-identical to an uninterrupted run, and two
runs on the same inputs give byte-identical tables, figures and report."""

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from test_workflow import ROOT, SNAKEMAKE, copy_example, run_example, snakemake

pytestmark = pytest.mark.workflow

# Logs and caches are the workflow's own bookkeeping; everything else is an output.
VOLATILE = ("logs", "results/cache")


def outputs(workdir: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file the run produced under results/."""
    found = {}
    for path in sorted((workdir / "results").rglob("*")):
        rel = path.relative_to(workdir).as_posix()
        if path.is_file() and not rel.startswith(VOLATILE):
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return outputs(run_example(tmp_path_factory.mktemp("reference")))


def test_two_runs_give_identical_files(reference, tmp_path):
    again = outputs(run_example(tmp_path, cores="1"))
    assert "results/report.html" in again and any(p.endswith(".svg") for p in again)
    differ = [p for p in reference if reference[p] != again.get(p)]
    assert sorted(again) == sorted(reference)
    assert differ == [], f"differ between two runs: {differ}"


def test_killed_run_reruns_to_identical_files(reference, tmp_path):
    workdir = copy_example(tmp_path)
    cmd = SNAKEMAKE + ["--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir),
                       "--configfile", str(workdir / "config" / "config.yaml"), "--cores", "1"]
    proc = subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    ingest = workdir / "results" / "ingest"
    deadline = time.monotonic() + 300
    # Kill the whole process group (Snakemake and its job) once some but not all work is done.
    while time.monotonic() < deadline and proc.poll() is None:
        if ingest.is_dir() and any(ingest.glob("*.tsv")):
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (workdir / "results" / "report.html").exists()

    # What the README tells a user after a crash: release the lock, rerun what was incomplete.
    assert snakemake(workdir, "--unlock").returncode == 0
    result = snakemake(workdir, "--cores", "2", "--rerun-incomplete")
    assert result.returncode == 0, result.stderr[-5000:]
    after = outputs(workdir)
    differ = [p for p in reference if reference[p] != after.get(p)]
    assert sorted(after) == sorted(reference)
    assert differ == [], f"differ after kill and rerun: {differ}"
