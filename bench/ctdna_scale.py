"""Time cohortmark.ctdna on a synthetic registry: N patients x 3 plasma samples (default 1,000).

Usage: .venv/bin/python bench/ctdna_scale.py [N]
"""

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from cohortmark import ctdna  # noqa: E402
from cohortmark.schema import VARIANT_COLUMNS  # noqa: E402


def main(n: int = 1000) -> None:
    rng = np.random.default_rng(0)
    rows, calls = [], {}
    for i in range(n):
        pid = f"P{i:04d}"
        for tp, day in (("baseline", 0), ("C2D1", 28), ("progression", 120)):
            rows.append((pid, tp, day))
            k = int(rng.integers(0, 8))
            calls[(pid, tp)] = pd.DataFrame({
                "chrom": ["17"] * k, "pos": rng.integers(7660000, 7690000, k),
                "ref": ["C"] * k, "alt": ["T"] * k, "gene": ["TP53"] * k,
                "vaf": rng.uniform(0.001, 0.3, k)}).reindex(columns=VARIANT_COLUMNS)
    sheet = pd.DataFrame(rows, columns=["patient_id", "timepoint", "day"]).astype({"day": float})
    t0 = time.perf_counter()
    traj = ctdna.trajectories(sheet, calls, None, {})
    t1 = time.perf_counter()
    ctdna.molecular_response(traj, {}, patients=sheet["patient_id"])
    emergent = ctdna.emergent(traj, {})
    t2 = time.perf_counter()
    print(f"{n} patients, {len(traj)} trajectory rows, {len(emergent)} emergent: "
          f"trajectories {t1 - t0:.1f} s, molecular_response + emergent {t2 - t1:.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
