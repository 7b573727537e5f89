"""Registry-scale benchmark of the whole workflow (``make bench``; not part of the tests).

For each cohort size N it runs the workflow from scratch on the first N patients of one
synthetic registry cohort in real formats (CNVkit .cns of ~100 segments, bgzipped and indexed
tumour/normal VEP VCFs of ~3,000 records, plasma VCFs for 10% of the patients; generated once
by ``bench/registry_cohort.py`` and reused), then adds one patient and reruns. Per run it
measures:

- wall time, and how long Snakemake planned before the first job started;
- the CPU time of the Snakemake controller (the main process itself: parsing, the DAG, the
  scheduler) against the CPU time of the jobs (every process below it; from the kernel's
  accounting of the whole tree when it exits, minus the controller's own);
- per job: wall, CPU and peak resident memory (``ru_maxrss``) as the job logged them
  (``cohortmark.steps.resource_line``), beside the ``mem_mb`` and ``runtime`` the rule
  requested - ``bench/jobs.tsv``;
- the summed memory of all processes (sampled), the size of report.html, and whether every
  patient x gene call agrees with the generator's truth.

Results: bench/results.tsv, bench/jobs.tsv, and the table in README.md's Performance section
(``--readme``).

    python bench/bench_workflow.py [--sizes 1000,20000,100000] [--data DIR] [--cores 2]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))
from cohortmark_synthetic import add_patient  # noqa: E402
from registry_cohort import run_dir  # noqa: E402

RESOURCE_LINE = re.compile(
    r"cohortmark: resources: wall (?P<wall_s>[\d.]+) s, CPU (?P<cpu_s>[\d.]+) s, peak memory "
    r"(?P<peak_mb>\d+) MB; requested mem_mb (?P<mem_mb>\S+), runtime (?P<runtime_min>\S+) min")


class RunMonitor:
    """Samples the Snakemake controller's own CPU time, when the first job process appears,
    and the summed RSS of the whole process tree."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.root = psutil.Process(pid)
        self.interval = interval
        self.start = time.perf_counter()
        self.controller_cpu = 0.0
        self.first_child_s = None
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                with self.root.oneshot():
                    t = self.root.cpu_times()
                    rss = self.root.memory_info().rss
                self.controller_cpu = t.user + t.system
                children = self.root.children(recursive=True)
            except psutil.NoSuchProcess:
                break
            jobs = [p for p in children if _is_job(p)]
            if jobs and self.first_child_s is None:
                self.first_child_s = time.perf_counter() - self.start
            for p in children:
                try:
                    rss += p.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
            self.peak_rss = max(self.peak_rss, rss)
            self._stop.wait(self.interval)

    def stop(self):
        self._stop.set()
        self._thread.join()


def _is_job(proc: psutil.Process) -> bool:
    try:
        return any(".snakemake/scripts/" in part for part in proc.cmdline())
    except psutil.Error:
        return False


def run_workflow(workdir: Path, cores: int, extra: list[str] = ()) -> dict:
    """Run Snakemake in ``workdir``; return the run's measurements and its jobs."""
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
           "--directory", str(workdir), "--configfile", str(workdir / "config.yaml"),
           "--cores", str(cores), *extra]
    started = time.time()
    start = time.perf_counter()
    with open(workdir / "snakemake.log", "a") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
        mon = RunMonitor(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        mon.stop()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"snakemake failed in {workdir}; see {workdir / 'snakemake.log'}")
    total_cpu = usage.ru_utime + usage.ru_stime  # the controller and every job below it
    controller = min(mon.controller_cpu, total_cpu)
    text = (workdir / "snakemake.log").read_text()
    done = re.findall(r"(\d+) of (\d+) steps \(100%\) done", text)
    jobs = job_resources(workdir, since=started)
    report = workdir / "results" / "report.html"
    row = {
        "wall_s": round(wall, 1),
        "planning_s": round(mon.first_child_s if mon.first_child_s is not None else wall, 1),
        "controller_cpu_s": round(controller, 1),
        "jobs_cpu_s": round(total_cpu - controller, 1),
        "controller_share": round(controller / total_cpu, 3) if total_cpu else None,
        "jobs": int(done[-1][1]) if done else 0,
        "peak_tree_mem_mb": round(mon.peak_rss / 2**20),
        "largest_job_mem_mb": int(jobs["peak_mb"].max()) if len(jobs) else None,
        "largest_job": (jobs.loc[jobs["peak_mb"].idxmax(), "job"] if len(jobs) else ""),
        "max_mem_used_of_requested": (round((jobs["peak_mb"] / jobs["mem_mb"]).max(), 2)
                                      if len(jobs) else None),
        "report_mb": round(report.stat().st_size / 1e6, 2) if report.exists() else None,
    }
    return {"row": row, "jobs": jobs}


def job_resources(workdir: Path, since: float) -> pd.DataFrame:
    """The resource line of every job log written since ``since`` (the jobs of one run)."""
    rows = []
    logs = workdir / "logs"
    for path in sorted(logs.rglob("*.log")) if logs.is_dir() else ():
        if path.stat().st_mtime < since:
            continue
        match = None
        for line in path.read_text(errors="replace").splitlines():
            match = RESOURCE_LINE.search(line) or match
        if match is None:
            continue
        rel = path.relative_to(logs)
        rule = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        job = str(rel.with_suffix("")).replace(os.sep, ":")
        values = match.groupdict()
        rows.append({"job": job, "rule": rule,
                     **{k: float(v) if v not in ("None",) else None for k, v in values.items()}})
    return pd.DataFrame(rows, columns=["job", "rule", "wall_s", "cpu_s", "peak_mb", "mem_mb",
                                       "runtime_min"])


def jobs_path(results: Path) -> Path:
    """The per-job table beside a results table: ``results`` in the name becomes ``jobs``
    (bench/results.tsv -> bench/jobs.tsv), else ``.jobs`` goes before the suffix."""
    if "results" in results.name:
        return results.with_name(results.name.replace("results", "jobs", 1))
    return results.with_name(f"{results.stem}.jobs{results.suffix}")


def work_sizes(workdir: Path, jobs: pd.DataFrame) -> pd.DataFrame:
    """The work sizes cohortmark.resources charges by, beside each job: cohort-table rows,
    plasma samples and patients; for an ingest shard its patients and the MB of files it
    reads in full (and the largest of them)."""
    from cohortmark import resources
    from cohortmark.genome import load_panel
    from cohortmark.ingest import ingest_records, shard_files, shard_of
    from cohortmark.sheets import load_samples

    sheet = load_samples(workdir / "samples.tsv", check_files=False)
    plasma = (pd.read_csv(workdir / "ctdna.tsv", sep="\t", dtype=str)
              if (workdir / "ctdna.tsv").exists() else pd.DataFrame(columns=["patient_id"]))
    out = jobs.assign(rows=len(sheet) * len(load_panel(None, "GRCh38")), plasma=len(plasma),
                      plasma_patients=plasma["patient_id"].nunique())
    shard_jobs = out["rule"] == "ingest_shard"
    if shard_jobs.any():
        import yaml
        from cohortmark.config import default_config

        given = yaml.safe_load((workdir / "config.yaml").read_text()) or {}
        shards = (given.get("ingest") or {}).get("shards") or default_config()["ingest"]["shards"]
        records = ingest_records(sheet)
        cwd = os.getcwd()
        os.chdir(workdir)  # sheet paths are relative to the run directory
        try:
            for i in out.index[shard_jobs]:
                k = int(out.at[i, "job"].split(":")[1])
                mine = [r for r in records if shard_of(r["patient_id"], shards) == k]
                total, largest = resources.read_in_full(shard_files(mine))
                out.loc[i, ["shard_patients", "shard_read_mb", "shard_largest_mb"]] = (
                    len(mine), round(total, 1), round(largest, 2))
        finally:
            os.chdir(cwd)
    return out


def check_truth(workdir: Path) -> str:
    """Agreement of alterations.tsv with the generator's truth (every patient x gene)."""
    read = dict(sep="\t", dtype=str, keep_default_na=False)
    truth = pd.read_csv(workdir / "truth.tsv", usecols=lambda c: c != "cn", **read)
    truth = truth[truth["kind"] == "gene"]
    columns = ["patient_id", "gene", "cn_status", "cn_call", "mut_status", "mutation_class",
               "protein_change"]
    calls = pd.read_csv(workdir / "results" / "cohort" / "alterations.tsv",
                        usecols=columns, **read)
    merged = truth[columns].merge(calls, on=["patient_id", "gene"], how="outer",
                                  suffixes=("_truth", "_run"), indicator=True)
    missing = int((merged["_merge"] != "both").sum())
    wrong = {c: int((merged[f"{c}_truth"] != merged[f"{c}_run"]).sum()) for c in columns[2:]}
    if missing or any(wrong.values()):
        return f"{missing} rows missing, wrong: {wrong}"
    return f"all {len(truth)} patient x gene calls agree"


def summarise_jobs(jobs: pd.DataFrame) -> pd.DataFrame:
    """Per rule: jobs, the largest measured wall/peak memory, and the requests beside them."""
    if not len(jobs):
        return jobs
    g = jobs.groupby("rule", sort=False)
    out = g.agg(jobs=("job", "size"), max_wall_s=("wall_s", "max"), max_cpu_s=("cpu_s", "max"),
                max_peak_mb=("peak_mb", "max"), mem_mb=("mem_mb", "max"),
                runtime_min=("runtime_min", "max")).reset_index()
    out["mem_requested_per_used"] = (out["mem_mb"] / out["max_peak_mb"]).round(1)
    out["runtime_requested_per_used"] = (out["runtime_min"] * 60 / out["max_wall_s"]).round(1)
    return out


README_START = "<!-- bench_workflow: start -->"
README_END = "<!-- bench_workflow: end -->"


def readme_table(results: pd.DataFrame, jobs: pd.DataFrame, cores: int) -> str:
    """The Performance table written into README.md (between the two markers)."""
    lines = [README_START,
             "| patients | run | wall | planning | controller CPU | jobs CPU | controller share"
             " | largest job: peak / requested memory | report.html |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results.itertuples():
        largest = (f"{r.largest_job}: {r.largest_job_mem_mb:,.0f} / "
                   f"{_requested(jobs, r, r.largest_job):,.0f} MB") if r.largest_job else ""
        lines.append(
            f"| {r.n_patients:,} | {r.run} | {_duration(r.wall_s)} | {r.planning_s:.0f} s "
            f"| {_duration(r.controller_cpu_s)} | {_duration(r.jobs_cpu_s)} "
            f"| {100 * r.controller_share:.1f}% | {largest} | {r.report_mb:.1f} MB |")
    lines.append("")
    lines.append(f"Per rule at the largest size, from scratch ({cores} cores; `bench/jobs.tsv` "
                 "has every job):")
    lines.append("")
    top = jobs[(jobs["n_patients"] == results.loc[results["run"] == "from scratch", "n_patients"].max())
               & (jobs["run"] == "from scratch")]
    lines.append("| rule | jobs | longest wall | largest peak memory | requested mem_mb "
                 "| requested runtime |")
    lines.append("| --- | --- | --- | --- | --- | --- |")
    for r in summarise_jobs(top).itertuples():
        lines.append(f"| {r.rule} | {r.jobs} | {_duration(r.max_wall_s)} "
                     f"| {r.max_peak_mb:,.0f} MB | {r.mem_mb:,.0f} MB "
                     f"| {r.runtime_min:,.0f} min |")
    lines.append(README_END)
    return "\n".join(lines)


def _requested(jobs, row, job) -> float:
    sel = jobs[(jobs["n_patients"] == row.n_patients) & (jobs["run"] == row.run)
               & (jobs["job"] == job)]
    return float(sel["mem_mb"].iloc[0]) if len(sel) else float("nan")


def _duration(seconds: float) -> str:
    if seconds >= 600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"


def write_readme(block: str, path: Path = ROOT / "README.md") -> None:
    text = path.read_text()
    if README_START not in text:
        raise SystemExit(f"{path}: no {README_START} marker to write the table at")
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    path.write_text(head + block + tail)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,20000,100000")
    ap.add_argument("--source", type=int, default=100_000,
                    help="patients in the generated source cohort; smaller sizes are its first "
                         "N patients, and only the part a run needs is generated")
    ap.add_argument("--data", type=Path, default=Path(os.environ.get(
        "COHORTMARK_BENCH_DATA", ROOT / "bench" / "work")),
        help="where the generated cohort and the runs live (default bench/work, or "
             "$COHORTMARK_BENCH_DATA)")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--no-added", action="store_true", help="skip the one-patient-added runs")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results.tsv")
    ap.add_argument("--readme", action="store_true",
                    help="write the table into README.md's Performance section")
    ap.add_argument("--combine", type=Path, nargs="+", metavar="RESULTS_TSV",
                    help="measure nothing: join earlier results files (each with its jobs "
                         "file beside it) into --results and the README table")
    args = ap.parse_args()
    if args.combine:
        results = pd.concat([pd.read_csv(p, sep="\t") for p in args.combine], ignore_index=True)
        jobs = pd.concat([pd.read_csv(jobs_path(p),
                                      sep="\t") for p in args.combine], ignore_index=True)
        results = results.sort_values("n_patients", kind="stable").reset_index(drop=True)
        results.to_csv(args.results, sep="\t", index=False)
        jobs.to_csv(jobs_path(args.results),
                    sep="\t", index=False)
        block = readme_table(results, jobs, args.cores)
        print(block)
        if args.readme:
            write_readme(block)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    source = max(args.source, *sizes)
    rows, job_tables = [], []

    def record(n, run, workdir, measured):
        row = {"n_patients": n, "run": run, **measured["row"], "truth": check_truth(workdir)}
        rows.append(row)
        job_tables.append(work_sizes(workdir, measured["jobs"]).assign(n_patients=n, run=run))
        print(row, flush=True)
        print(summarise_jobs(measured["jobs"]).to_string(index=False), flush=True)

    for n in sizes:
        workdir = run_dir(args.data, n, source)
        record(n, "from scratch", workdir, run_workflow(workdir, args.cores))
        if not args.no_added:
            add_patient(workdir, seed=n + 1)
            record(n + 1, "one patient added", workdir, run_workflow(workdir, args.cores))
    results = pd.DataFrame(rows)
    jobs = pd.concat(job_tables, ignore_index=True)
    jobs = jobs[["n_patients", "run", *[c for c in jobs.columns if c not in ("n_patients", "run")]]]
    results.to_csv(args.results, sep="\t", index=False)
    jobs.to_csv(jobs_path(args.results), sep="\t", index=False)
    print(results.to_string(index=False))
    block = readme_table(results, jobs, args.cores)
    print(block)
    if args.readme:
        write_readme(block)
    print(f"written {args.results} and {jobs_path(args.results)}")


if __name__ == "__main__":
    main()
