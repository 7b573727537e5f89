"""Calibration of the association statistics under the null (a benchmark command, not a test).

Generates null cohorts - genomic alterations drawn independently of every clinical outcome -
of 10-300 patients (log-uniform, so that small trials are well represented), runs
``cohortmark.stats.associations`` with the schema's default settings on each, and reports

- the fraction of cohorts with any primary q < 0.05 (the family-wise false discovery the
  report's top findings would show; at most 5% plus Monte Carlo error when calibrated), and the
  fraction with any q < 0.05 among all rows;
- the observed type I error at 0.05 of every test family (endpoint x test): the fraction of
  tested rows with p < 0.05, overall and among rows whose smaller group has < 10 patients.

Each cohort is generated from its own seed, so a run is reproducible and a code version can be
compared with another on identical cohorts:

    python bench/calibration.py --cohorts 200 --out bench/calibration_after.tsv
    PYTHONPATH=/path/to/other/checkout/scripts python bench/calibration.py --cohorts 200 \\
        --out bench/calibration_before.tsv

Versions without a ``family`` column (before issue 16) are scored on the rows of the tests that
are primary now (Fisher/response, Spearman/% change, log-rank/PFS) with their own q-values.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(ROOT / "scripts"))
from cohortmark import schema  # noqa: E402
from cohortmark.stats import associations  # noqa: E402

PRIMARY = {("response", "fisher"), ("best_pct_change", "spearman"), ("pfs", "logrank")}
CONFIG = {"response": {"responders": ["CR", "PR"], "disease_control": ["CR", "PR", "SD"]},
          "statistics": {}}


def null_cohort(seed: int):
    """One cohort: sheet and alterations, outcomes independent of the alterations."""
    rng = np.random.default_rng(seed)
    n = int(round(math.exp(rng.uniform(math.log(10), math.log(300)))))
    n_genes = int(rng.integers(10, 19))
    pids = [f"N{seed}_{i:03d}" for i in range(n)]
    resp = rng.choice(["CR", "PR", "SD", "PD", "NE"], n, p=[.03, .17, .4, .35, .05])
    shift = {"CR": -100, "PR": -45, "SD": -5, "PD": 35, "NE": 10}
    pct = np.array([shift[r] for r in resp]) + np.round(rng.normal(0, 15, n))
    evaluable = rng.random(n) > .08
    resp = resp.astype(object)
    resp[rng.random(n) < .03] = None  # evaluable patients without an assessment
    pct = np.where(rng.random(n) < .1, np.nan, np.clip(pct, -100, 300))
    pfs = np.round(rng.exponential(rng.uniform(3, 10), n), 1) + 0.1
    follow = rng.uniform(2, 30, n)
    pfs_event = (pfs <= follow).astype(float)
    pfs = np.minimum(pfs, np.round(follow, 1) + 0.1)
    os_ = np.round(pfs + rng.exponential(rng.uniform(5, 20), n), 1)
    os_event = (os_ <= follow + 6).astype(float)
    os_ = np.minimum(os_, np.round(follow + 6, 1))
    sheet = pd.DataFrame({"patient_id": pids, "best_response": resp, "best_pct_change": pct,
                          "pfs_months": pfs, "pfs_event": pfs_event, "os_months": os_,
                          "os_event": os_event, "evaluable": evaluable})
    if rng.random() < .3:  # heavy censoring in some cohorts
        sheet["os_event"] = np.where(rng.random(n) < .6, 0.0, sheet["os_event"])
    ploidy = np.round(rng.uniform(1.8, 3.6, n), 2)
    cn_file = rng.random(n) > rng.uniform(0, .15)
    mut_file = rng.random(n) > rng.uniform(0, .15)
    rows = []
    for g in range(n_genes):
        # alteration frequencies: many rare ones (1-3 carriers), some common
        p_amp, p_del, p_mut = np.exp(rng.uniform(np.log(.005), np.log(.3), 3))
        u = rng.random(n)
        call = np.where(u < p_amp, "AMP", np.where(u < p_amp + p_del, "HOMDEL", np.where(
            u < p_amp + p_del + .1, "GAIN", np.where(u < p_amp + p_del + .2, "LOSS", "NEUTRAL"))))
        rel = {"AMP": rng.lognormal(np.log(4), .4, n), "HOMDEL": rng.uniform(0, .1, n),
               "GAIN": rng.uniform(1.25, 2, n), "LOSS": rng.uniform(.3, .75, n),
               "NEUTRAL": rng.uniform(.85, 1.15, n)}
        fold = np.select([call == k for k in rel], [rel[k] for k in rel])
        value = np.round(fold * ploidy, 2)
        mut = rng.random(n) < p_mut
        for i in range(n):
            cn_known, mut_known = bool(cn_file[i]), bool(mut_file[i])
            row = dict.fromkeys(schema.ALTERATION_COLUMNS)
            row.update(patient_id=pids[i], gene=f"G{g}",
                       cn_status=("not_profiled" if not cn_known else
                                  "altered" if call[i] in ("AMP", "HOMDEL") else "wildtype"),
                       cn_call=call[i] if cn_known else None,
                       cn_value=value[i] if cn_known else None,
                       cn_fold=value[i] / ploidy[i] if cn_known else None,
                       mut_status=("not_profiled" if not mut_known else
                                   "altered" if mut[i] else "wildtype"))
            rows.append(row)
    return sheet, pd.DataFrame(rows)


def score(table: pd.DataFrame) -> pd.DataFrame:
    tested = table[table["p_value"].notna()].copy()
    if "family" in tested.columns:
        tested["primary"] = tested["family"] == "primary"
    else:
        tested["primary"] = [(e, t) in PRIMARY for e, t in zip(tested.endpoint, tested.test)]
    tested["small"] = np.minimum(tested["n_altered"], tested["n_assessed"] - tested["n_altered"]) < 10
    return tested


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cohorts", type=int, default=200)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--out", type=Path, help="per-family table (TSV)")
    args = ap.parse_args(argv)
    per_cohort, rows = [], []
    cpu0 = time.process_time()
    for seed in range(args.first_seed, args.first_seed + args.cohorts):
        sheet, alt = null_cohort(seed)
        tested = score(associations(alt, sheet, CONFIG))
        prim = tested[tested.primary]
        per_cohort.append({"seed": seed, "n": len(sheet),
                           "any_primary_q": bool((prim.q_value < .05).any()),
                           "any_q": bool((tested.q_value < .05).any()),
                           "any_primary_p": bool((prim.p_value < .05).any())})
        rows.append(tested[["endpoint", "test", "primary", "small", "p_value", "q_value"]])
    cpu = time.process_time() - cpu0
    pc = pd.DataFrame(per_cohort)
    allrows = pd.concat(rows, ignore_index=True)
    k = len(pc)

    def frac(x):
        p = float(np.mean(x))
        return p, math.sqrt(max(p * (1 - p), 1e-12) / len(x))

    print(f"{k} null cohorts, {pc.n.min()}-{pc.n.max()} patients (median {int(pc.n.median())}); "
          f"{len(allrows)} tested rows; {cpu:.0f} s CPU")
    for key, label in (("any_primary_q", "any primary q < 0.05"),
                       ("any_q", "any q < 0.05 (all rows)")):
        p, se = frac(pc[key])
        print(f"  cohorts with {label}: {int(pc[key].sum())}/{k} = {p:.3f} (MC SE {se:.3f})")
    fam = []
    for (ep, test), d in allrows.groupby(["endpoint", "test"], sort=False):
        small = d[d.small]
        p, se = frac(d.p_value < .05)
        fam.append({"endpoint": ep, "test": test, "primary": bool(d.primary.iloc[0]),
                    "rows": len(d), "type1_at_0.05": round(p, 4), "mc_se": round(se, 4),
                    "rows_small_group": len(small),
                    "type1_small_group": round(float(np.mean(small.p_value < .05)), 4)
                    if len(small) else math.nan})
    fam = pd.DataFrame(fam)
    order = {e: i for i, e in enumerate(schema.ENDPOINTS)}
    fam = fam.sort_values(["endpoint", "test"], key=lambda s: s.map(order).fillna(
        s.map({t: i for i, t in enumerate(schema.TESTS)})), kind="stable")
    print(fam.to_string(index=False))
    if args.out:
        summary = pd.DataFrame([{"endpoint": "ALL", "test": f"cohorts_with_{key}",
                                 "primary": "", "rows": k, "type1_at_0.05": round(frac(pc[key])[0], 4),
                                 "mc_se": round(frac(pc[key])[1], 4), "rows_small_group": "",
                                 "type1_small_group": ""}
                                for key in ("any_primary_q", "any_q")])
        pd.concat([summary, fam]).to_csv(args.out, sep="\t", index=False)
        print(f"wrote {args.out}")
    return pc, fam


if __name__ == "__main__":
    main()
