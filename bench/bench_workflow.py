"""Registry-scale benchmark of the whole workflow (``make bench``; not part of the tests).

For each cohort size N it generates a synthetic cohort in real formats (CNVkit .cns of ~100
segments, bgzipped and indexed tumour/normal VEP VCFs of a few thousand records), runs the
workflow from scratch, then adds one patient and reruns. It measures wall time, CPU time of
all processes, peak memory (summed RSS of the whole process tree, sampled every 0.1 s) and
the number of jobs. Once, at a small N, it also runs the naive layout - one job per patient
(``ingest.shards = N``) - and reports the ratio. Results: printed and written to
bench/results.tsv. A projection to 100,000 patients is fitted from the measured sizes.

    python bench/bench_workflow.py [--sizes 100,1000,5000] [--naive-size 100] [--cores 2]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from cohortmark.synthetic import add_patient, make_cohort  # noqa: E402

WORK = ROOT / "bench" / "work"


class TreeMonitor:
    """Samples CPU time and summed RSS of a process and all its descendants."""

    def __init__(self, pid: int, interval: float = 0.1):
        self.root = psutil.Process(pid)
        self.interval, self.peak_rss, self.cpu = interval, 0, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                procs = [self.root] + self.root.children(recursive=True)
            except psutil.NoSuchProcess:
                break
            rss = 0
            for p in procs:
                try:
                    with p.oneshot():
                        rss += p.memory_info().rss
                        t = p.cpu_times()
                        self.cpu[p.pid] = t.user + t.system + t.children_user + t.children_system
                except psutil.NoSuchProcess:
                    continue
            self.peak_rss = max(self.peak_rss, rss)
            self._stop.wait(self.interval)

    def stop(self):
        self._stop.set()
        self._thread.join()


def run_workflow(workdir: Path, cores: int, extra: list[str] = ()) -> dict:
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
           "--directory", str(workdir), "--configfile", str(workdir / "config.yaml"),
           "--cores", str(cores), *extra]
    start = time.perf_counter()
    with open(workdir / "snakemake.log", "a") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
        mon = TreeMonitor(proc.pid)
        rc = proc.wait()
        mon.stop()
    wall = time.perf_counter() - start
    if rc != 0:
        raise SystemExit(f"snakemake failed in {workdir}; see {workdir / 'snakemake.log'}")
    text = (workdir / "snakemake.log").read_text()
    done = re.findall(r"(\d+) of (\d+) steps \(100%\) done", text)
    return {"wall_s": round(wall, 1), "cpu_s": round(sum(mon.cpu.values()), 1),
            "peak_mem_mb": round(mon.peak_rss / 2**20), "jobs": int(done[-1][1]) if done else 0}


def prepare(n: int, shards: int | None = None, tag: str = "") -> Path:
    workdir = WORK / f"n{n}{tag}"
    if workdir.exists():
        shutil.rmtree(workdir)
    start = time.perf_counter()
    make_cohort(workdir, n_patients=n, seed=n)
    config = (workdir / "config.yaml").read_text()
    if shards is not None:
        config += f"ingest:\n  shards: {shards}\n"
    (workdir / "config.yaml").write_text(config)
    print(f"generated N={n} in {time.perf_counter() - start:.1f} s", flush=True)
    return workdir


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1000,5000")
    ap.add_argument("--naive-size", type=int, default=100)
    ap.add_argument("--cores", type=int, default=2)
    args = ap.parse_args()
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        workdir = prepare(n)
        rows.append({"layout": "sharded", "n_patients": n, "run": "from scratch",
                     **run_workflow(workdir, args.cores)})
        print(rows[-1], flush=True)
        add_patient(workdir, seed=n + 1)
        rows.append({"layout": "sharded", "n_patients": n + 1, "run": "one patient added",
                     **run_workflow(workdir, args.cores)})
        print(rows[-1], flush=True)
    n = args.naive_size
    workdir = prepare(n, shards=n, tag="_naive")
    naive = {"layout": "naive: one job per patient", "n_patients": n, "run": "from scratch",
             **run_workflow(workdir, args.cores)}
    rows.append(naive)
    print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    sharded = table[(table["layout"] == "sharded") & (table["n_patients"] == n)]
    if len(sharded):
        ratio = naive["wall_s"] / sharded["wall_s"].iloc[0]
        print(f"naive / sharded wall time at N={n}: {ratio:.1f}x")
        table.loc[table.index[-1], "ratio_to_sharded"] = round(ratio, 1)
    scratch = table[(table["layout"] == "sharded") & (table["run"] == "from scratch")]
    if len(scratch) >= 2:
        # Linear fit of wall time and memory in N: the workflow has nothing quadratic in N.
        fit_t = pd.Series(scratch["wall_s"].values, index=scratch["n_patients"].values)
        fit_m = pd.Series(scratch["peak_mem_mb"].values, index=scratch["n_patients"].values)
        (n1, t1), (n2, t2) = list(fit_t.items())[-2:]
        m1, m2 = fit_m.iloc[-2], fit_m.iloc[-1]
        slope_t, slope_m = (t2 - t1) / (n2 - n1), (m2 - m1) / (n2 - n1)
        proj = {"layout": "sharded (projected)", "n_patients": 100_000, "run": "from scratch",
                "wall_s": round(t2 + slope_t * (100_000 - n2)),
                "peak_mem_mb": round(m2 + max(slope_m, 0) * (100_000 - n2))}
        table = pd.concat([table, pd.DataFrame([proj])], ignore_index=True)
        print(proj)
    out = ROOT / "bench" / "results.tsv"
    table.to_csv(out, sep="\t", index=False)
    print(table.to_string(index=False))
    print(f"written {out}")


if __name__ == "__main__":
    main()
