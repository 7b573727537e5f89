"""Running the workflow from tests: the bundled example in a temporary directory, dry-run
summaries, and clones of a finished run (so that tests which change inputs or settings start
from one shared, finished run instead of running the example again)."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
# Logs and caches are the workflow's own bookkeeping; everything else under results/ is output.
VOLATILE = ("logs", "results/cache")


def snakemake(workdir: Path, *args: str, configfile: Path | None = None
              ) -> subprocess.CompletedProcess:
    """Snakemake on ``workdir`` with its config/config.yaml (or ``configfile``)."""
    cmd = SNAKEMAKE + ["--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir),
                       "--configfile", str(configfile or workdir / "config" / "config.yaml"),
                       *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=workdir)


def copy_example(dest: Path) -> Path:
    shutil.copytree(ROOT / "example", dest / "example")
    shutil.copytree(ROOT / "config", dest / "config")
    return dest


def run_example(dest: Path, cores: str = "2") -> Path:
    """Copy the example into dest, run the whole workflow there, and return dest."""
    workdir = copy_example(dest)
    result = snakemake(workdir, "--cores", cores)
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir


def clone_run(finished: Path, dest: Path) -> Path:
    """A copy of a finished run (inputs, results, Snakemake's records) with every file time
    kept, as ``cp -a`` would: Snakemake finds nothing to do in it."""
    shutil.copytree(finished, dest, symlinks=True, copy_function=shutil.copy2,
                    dirs_exist_ok=True)
    shutil.rmtree(dest / ".snakemake" / "locks", ignore_errors=True)
    return dest


def planned_jobs(result: subprocess.CompletedProcess) -> dict[str, int]:
    """Rule -> job count from the 'Job stats' table of a dry run ({} when nothing to do)."""
    jobs, in_table = {}, False
    for line in result.stdout.splitlines():
        if line.startswith("job") and "count" in line:
            in_table = True
            continue
        if in_table:
            m = re.match(r"^(\w+)\s+(\d+)$", line.strip())
            if m and m.group(1) != "total":
                jobs[m.group(1)] = int(m.group(2))
            elif line.strip().startswith("total"):
                break
    return jobs


def table(workdir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(workdir / "results" / name, sep="\t", keep_default_na=False,
                       na_values=[""])


def outputs(workdir: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file the run produced under results/."""
    found = {}
    for path in sorted((workdir / "results").rglob("*")):
        rel = path.relative_to(workdir).as_posix()
        if path.is_file() and not rel.startswith(VOLATILE):
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found
