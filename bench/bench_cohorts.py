"""Benchmark of cohort rules at registry scale (not part of the tests).

Generates a cohort table of N patients x the 18 panel genes (about 10% without copy number,
15% without mutation data), then times ``evaluate`` of a few rules and prints seconds.

    python bench/bench_cohorts.py [--patients 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from cohortmark import schema  # noqa: E402
from cohortmark.cohorts import check_config, eligibility_summary, evaluate  # noqa: E402

RULES = {
    "mdm2_inhibitor": "MDM2: AMP & TP53: WT",
    "mantra2": "MDM2: CN >= 12 & TP53: WT & evaluable",
    "fold4": "MDM2: FOLD >= 4 | CDK4: AMP",
    "responders_no_cdkn2a_loss": "best_response in [PR, CR] & !(CDKN2A: HOMDEL LOSS)",
}


def make_cohort(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    genes = pd.read_csv(ROOT / "resources" / "panel.tsv", sep="\t")["gene"].to_numpy()
    pids = np.array([f"R{i:06d}" for i in range(n)], dtype=object)
    k = len(genes)
    patient = np.repeat(pids, k)
    gene = np.tile(genes, n)
    cn_prof = np.repeat(rng.random(n) > 0.10, k)
    mut_prof = np.repeat(rng.random(n) > 0.15, k)
    calls = np.array(schema.CN_CALLS, dtype=object)
    call = rng.choice(calls, size=n * k, p=[0.1, 0.15, 0.55, 0.15, 0.05])
    base = pd.Series(call).map({"AMP": 12, "GAIN": 3.5, "NEUTRAL": 2, "LOSS": 1, "HOMDEL": 0})
    value = base.to_numpy(dtype=float) * rng.uniform(0.6, 1.6, n * k)
    mutated = mut_prof & (rng.random(n * k) < 0.1)
    mclass = np.where(mutated, rng.choice(np.array(schema.MUTATION_CLASSES, dtype=object),
                                          n * k), None)
    alterations = pd.DataFrame({
        "patient_id": patient, "gene": gene,
        "cn_status": np.where(cn_prof, np.where(np.isin(call, ["AMP", "HOMDEL"]), "altered",
                                                "wildtype"), "not_profiled"),
        "cn_call": np.where(cn_prof, call, None),
        "cn_value": np.where(cn_prof, value, np.nan),
        "cn_fold": np.where(cn_prof, value / 2, np.nan),
        "mut_status": np.where(mut_prof, np.where(mutated, "altered", "wildtype"),
                               "not_profiled"),
        "mutation_class": mclass,
        "protein_change": np.where(mutated, "p.R248Q", None),
    }).reindex(columns=schema.ALTERATION_COLUMNS)
    sheet = pd.DataFrame({
        "patient_id": pids,
        "best_response": rng.choice(np.array(schema.BEST_RESPONSES + [None], dtype=object), n),
        "evaluable": rng.random(n) > 0.1,
    })
    return alterations, sheet


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    alterations, sheet = make_cohort(args.patients, args.seed)
    t1 = time.perf_counter()
    rules = check_config({"cohorts": RULES}, alterations["gene"].unique(), sheet.columns)
    table = evaluate(rules, alterations, sheet)
    t2 = time.perf_counter()
    summary = eligibility_summary(table, rules)
    t3 = time.perf_counter()
    print(f"patients: {args.patients}, genes: {alterations['gene'].nunique()}, "
          f"rules: {len(rules)}, eligibility rows: {len(table)}")
    print(f"generate cohort table: {t1 - t0:.2f} s")
    print(f"evaluate {len(rules)} rules: {t2 - t1:.2f} s")
    print(f"summary: {t3 - t2:.2f} s")
    print(summary.drop(columns="definition").to_string(index=False))


if __name__ == "__main__":
    main()
