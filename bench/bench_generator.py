"""Time the synthetic cohort generator (not part of the tests).

For each N it writes a registry cohort with ``cohortmark_synthetic.make_cohort`` (CNVkit .cns,
bgzipped + tabix-indexed tumour/normal VEP VCFs of ``--background`` records, plasma VCFs for a
tenth of the patients) and reports wall time, time per patient and size on disk; then it adds
one patient with ``add_patient``. Results: printed and written to bench/generator_results.tsv.

    python bench/bench_generator.py [--sizes 10,100,1000] [--background 3000] [--workers 2]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from cohortmark_synthetic import add_patient, background_pool, make_cohort  # noqa: E402

WORK = ROOT / "bench" / "work"


def disk_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10,100,1000")
    ap.add_argument("--background", type=int, default=3000)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the generated cohorts")
    args = ap.parse_args()
    background_pool()  # load the gene annotation once, outside the timings
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        workdir = WORK / f"gen_n{n}"
        shutil.rmtree(workdir, ignore_errors=True)
        start = time.perf_counter()
        make_cohort(workdir, n_patients=n, seed=n, n_background=args.background,
                    workers=args.workers)
        wall = time.perf_counter() - start
        start = time.perf_counter()
        add_patient(workdir, seed=n + 1, n_background=args.background)
        added = time.perf_counter() - start
        size = disk_bytes(workdir)
        rows.append({"n_patients": n, "background_records": args.background,
                     "workers": args.workers or "auto", "wall_s": round(wall, 1),
                     "s_per_patient": round(wall / n, 3), "add_patient_s": round(added, 2),
                     "disk_mb": round(size / 2**20, 1),
                     "mb_per_patient": round(size / 2**20 / (n + 1), 3)})
        print(rows[-1], flush=True)
        if not args.keep:
            shutil.rmtree(workdir)
    table = pd.DataFrame(rows)
    out = ROOT / "bench" / "generator_results.tsv"
    table.to_csv(out, sep="\t", index=False)
    print(table.to_string(index=False))
    print(f"written {out}")


if __name__ == "__main__":
    main()
