"""Faults: a run killed mid-way and rerun ends byte-identical to an uninterrupted run, and two
runs on the same inputs give byte-identical tables, figures and report."""

import os
import signal
import subprocess
import time

import pytest
from runs import ROOT, SNAKEMAKE, copy_example, outputs, snakemake

pytestmark = pytest.mark.workflow


def test_killed_run_reruns_to_identical_files(example_run, tmp_path):
    """Killed mid-way on 1 core, rerun on 2: byte-identical to the session's uninterrupted
    2-core run (so also two runs, and 1 vs 2 cores, give the same files)."""
    reference = outputs(example_run)
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
    assert "results/report.html" in after and any(p.endswith(".svg") for p in after)
    differ = [p for p in reference if reference[p] != after.get(p)]
    assert sorted(after) == sorted(reference)
    assert differ == [], f"differ after kill and rerun: {differ}"
