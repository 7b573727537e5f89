"""Fit cohortmark.resources to the benchmark's measurements (bench/jobs.tsv of
``bench/bench_workflow.py``) and show every job's request against its measured need.

For each rule, memory and wall time are lines in the rule's work size (cohort-table rows,
plasma samples or plasma patients; an ingest shard's patients) through the largest
measurement at the smallest and at the largest size. The script prints the lines as
``cohortmark.resources`` holds them and, per job, requested / measured - which must lie in
[1, 2] for memory (``HEADROOM`` 1.5 leaves room for noise) and at most 2 for time except
where the floor (5 minutes) applies.

    python bench/calibrate_resources.py [bench/jobs.tsv]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from cohortmark import resources  # noqa: E402

SIZE_OF = {"ctdna": "plasma", "ctdna_figures": "plasma_patients", "ctdna_check": None}
PER = {"rows": "per_k_rows", "plasma": "per_k_plasma", "plasma_patients": "per_k_plasma_patients"}


def line(points: pd.DataFrame, x: str | None, y: str) -> tuple[float, float]:
    """(base, slope per unit of x) through the largest y at the smallest and largest x."""
    if x is None or points[x].nunique() < 2:
        return float(points[y].max()), 0.0
    lo, hi = points[x].min(), points[x].max()
    y_lo, y_hi = points.loc[points[x] == lo, y].max(), points.loc[points[x] == hi, y].max()
    slope = max(0.0, (y_hi - y_lo) / (hi - lo))
    return float(y_lo - slope * lo), slope


def main(path: Path) -> None:
    jobs = pd.read_csv(path, sep="\t")
    print("Fitted lines (MB, seconds) for cohortmark.resources.MEASURED:")
    for rule, points in jobs[jobs["rule"] != "ingest_shard"].groupby("rule"):
        name = rule if rule != "figures" else None
        for job, pts in (points.groupby("job") if name is None else [(rule, points)]):
            key = job.replace("figures:", "figure_")
            x = SIZE_OF.get(key.split(":")[0], "rows")
            (mb, mb_slope), (s, s_slope) = line(pts, x, "peak_mb"), line(pts, x, "wall_s")
            per = PER.get(x)
            mem = f"Line({mb:.0f}" + (f", {per}={1000 * mb_slope:.3g})" if per else ")")
            sec = f"Line({s:.0f}" + (f", {per}={1000 * s_slope:.3g})" if per else ")")
            print(f'    "{key}": ({mem}, {sec}),')
    shards = jobs[jobs["rule"] == "ingest_shard"]
    if len(shards):
        (mb, mb_slope), (s, s_slope) = (line(shards, "shard_patients", "peak_mb"),
                                        line(shards, "shard_patients", "wall_s"))
        print(f"INGEST_MB = ({mb:.0f}, {mb_slope:.3g}, per MB of the largest file)")
        print(f"INGEST_SECONDS = ({s:.0f}, {s_slope:.3g}, per MB read in full)")
    print("\nRequested / measured per job (attempt 1):")
    rows = []
    for r in jobs.itertuples():
        if r.rule == "ingest_shard":
            req = resources.shard_request(int(r.shard_patients), r.shard_read_mb,
                                          r.shard_largest_mb)
        else:
            rule = r.job.replace("figures:", "figure_")
            req = resources.request(rule, {"rows": r.rows, "plasma": r.plasma,
                                           "plasma_patients": r.plasma_patients})
        rows.append({"n_patients": r.n_patients, "run": r.run, "job": r.job,
                     "peak_mb": r.peak_mb, "mem_mb": req["mem_mb"],
                     "mem_ratio": round(req["mem_mb"] / r.peak_mb, 2),
                     "wall_s": r.wall_s, "runtime_min": req["runtime"],
                     "time_ratio": round(req["runtime"] * 60 / max(r.wall_s, 1), 1),
                     "floor": req["runtime"] == resources.FLOOR_MINUTES})
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    bad_mem = table[(table["mem_ratio"] < 1) | ((table["mem_ratio"] > 2)
                                                & (table["mem_mb"] > resources.FLOOR_MB))]
    bad_time = table[(table["time_ratio"] < 1) | ((table["time_ratio"] > 2) & ~table["floor"])]
    print(f"\nmemory outside [1, 2] (above the floor): {len(bad_mem)} jobs; "
          f"time outside [1, 2] (above the floor): {len(bad_time)} jobs")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "jobs.tsv")
