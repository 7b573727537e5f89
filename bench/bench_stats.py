"""Benchmark of cohortmark.stats.associations at registry scale (not part of the tests).

Generates a synthetic cohort table (N patients x G genes; ~15% of patient x gene cells not profiled for
copy number, 10% of patients not profiled for mutations; alteration frequencies log-uniform
0.2-20%), times
``associations`` over every gene x alteration x endpoint x test, and times a naive per-row
loop (scipy.stats.fisher_exact, scipy.stats.mannwhitneyu, lifelines logrank_test and
CoxPHFitter, one call per row) on a sample of genes, extrapolated to all genes.

    python bench/bench_stats.py [--patients 5000] [--genes 500] [--naive-genes 5]

Each run appends a line to bench/stats_results.tsv.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from cohortmark import schema  # noqa: E402
from cohortmark.stats import associations, interactions  # noqa: E402

CONFIG = {"response": {"responders": ["CR", "PR"]}, "statistics": {}}


def synthetic(n_patients: int, n_genes: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    pids = np.array([f"R{i:06d}" for i in range(n_patients)])
    sheet = pd.DataFrame({
        "patient_id": pids,
        "best_response": rng.choice(["CR", "PR", "SD", "PD", "NE"], n_patients,
                                    p=[.05, .2, .35, .35, .05]),
        "best_pct_change": np.round(rng.uniform(-100, 100, n_patients), 1),
        "pfs_months": np.round(rng.exponential(8, n_patients), 1) + 0.1,
        "pfs_event": (rng.random(n_patients) < .7).astype(float),
        "os_months": np.round(rng.exponential(20, n_patients), 1) + 0.1,
        "os_event": (rng.random(n_patients) < .5).astype(float),
        "evaluable": rng.random(n_patients) > .05,
    })
    # alteration frequencies log-uniform between 0.2% and 20% (most genes rarely altered)
    freq_amp, freq_del, freq_mut = (np.exp(rng.uniform(np.log(.002), np.log(.2), n_genes))
                                    for _ in range(3))
    u = rng.random((n_patients, n_genes))
    call = np.where(u < freq_amp, "AMP", np.where(u < freq_amp + freq_del, "HOMDEL", "NEUTRAL"))
    value = np.where(call == "AMP", 8.0, np.where(call == "HOMDEL", 0.0, 2.0)) + np.round(
        rng.normal(0, .3, (n_patients, n_genes)), 2)
    cn_known = rng.random((n_patients, n_genes)) > .15
    mut = rng.random((n_patients, n_genes)) < freq_mut
    mut_known = (rng.random(n_patients) > .1)[:, None] & np.ones((1, n_genes), bool)
    alt = pd.DataFrame({
        "patient_id": np.repeat(pids, n_genes),
        "gene": np.tile([f"G{g:05d}" for g in range(n_genes)], n_patients),
        "cn_status": np.where(cn_known, np.where(call == "NEUTRAL", "wildtype", "altered"),
                              "not_profiled").ravel(),
        "cn_call": np.where(cn_known, call, None).ravel(),
        "cn_value": np.where(cn_known, value, np.nan).ravel(),
        "mut_status": np.where(mut_known, np.where(mut, "altered", "wildtype"),
                               "not_profiled").ravel(),
    })
    return sheet, alt.reindex(columns=schema.ALTERATION_COLUMNS)


def naive(sheet, alt, genes):
    """One scipy/lifelines call per row, as a straightforward implementation would do."""
    from lifelines import CoxPHFitter
    from lifelines.statistics import logrank_test
    from scipy import stats

    rows = 0
    for gene in genes:
        d = alt[alt.gene == gene].merge(sheet, on="patient_id")
        cn_known, mut_known = d.cn_status != "not_profiled", d.mut_status != "not_profiled"
        kinds = {"amplification": (cn_known & (d.cn_call == "AMP"), cn_known),
                 "deletion": (cn_known & (d.cn_call == "HOMDEL"), cn_known),
                 "mutation": (d.mut_status == "altered", mut_known)}
        kinds["any"] = (kinds["amplification"][0] | kinds["deletion"][0] | kinds["mutation"][0],
                        cn_known & mut_known)
        for altered, known in kinds.values():
            e = d[known & d.evaluable]
            a = altered[known & d.evaluable]
            y = e.best_response.isin(["CR", "PR"])
            stats.fisher_exact([[(a & y).sum(), (a & ~y).sum()], [(~a & y).sum(),
                                                                  (~a & ~y).sum()]])
            stats.mannwhitneyu(e.best_pct_change[a], e.best_pct_change[~a])
            rows += 2
            s = d[known]
            g = altered[known]
            for ep in ("pfs", "os"):
                t, ev = s[f"{ep}_months"], s[f"{ep}_event"]
                logrank_test(t[g], t[~g], ev[g], ev[~g])
                CoxPHFitter().fit(pd.DataFrame({"T": t, "E": ev, "g": g.astype(float)}), "T", "E")
                rows += 2
        e = d[cn_known & d.evaluable]
        stats.spearmanr(e.cn_value, e.best_pct_change)
        stats.pearsonr(e.cn_value, e.best_pct_change)
        stats.mannwhitneyu(e.cn_value[e.best_response.isin(["CR", "PR"])],
                           e.cn_value[~e.best_response.isin(["CR", "PR"])])
        rows += 3
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patients", type=int, default=5000)
    ap.add_argument("--genes", type=int, default=500)
    ap.add_argument("--naive-genes", type=int, default=5)
    args = ap.parse_args()
    t0 = time.perf_counter()
    sheet, alt = synthetic(args.patients, args.genes)
    print(f"synthetic cohort {args.patients} patients x {args.genes} genes "
          f"({len(alt):,} rows) in {time.perf_counter() - t0:.1f} s", flush=True)
    t0, c0 = time.perf_counter(), time.process_time()
    table = associations(alt, sheet, CONFIG)
    t_vec, c_vec = time.perf_counter() - t0, time.process_time() - c0
    print(f"associations: {len(table):,} rows in {t_vec:.2f} s wall, {c_vec:.2f} s CPU "
          f"({c_vec / args.genes * 1000:.1f} ms CPU per gene)", flush=True)
    t0, c0 = time.perf_counter(), time.process_time()
    inter = interactions(alt, CONFIG)
    print(f"interactions: {len(inter):,} pairs in {time.perf_counter() - t0:.2f} s wall, "
          f"{time.process_time() - c0:.2f} s CPU", flush=True)
    genes = list(dict.fromkeys(alt.gene))[: args.naive_genes]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c0 = time.process_time()
        n_rows = naive(sheet, alt, genes)
        c_naive = (time.process_time() - c0) / len(genes) * args.genes
    print(f"naive per-row loop (scipy + lifelines): {n_rows} rows for {len(genes)} genes; "
          f"extrapolated to {args.genes} genes: {c_naive:.0f} s CPU")
    print(f"ratio naive / vectorised (CPU): {c_naive / c_vec:.0f}x")
    result = pd.DataFrame([{
        "n_patients": args.patients, "n_genes": args.genes, "association_rows": len(table),
        "associations_wall_s": round(t_vec, 2), "associations_cpu_s": round(c_vec, 2),
        "interaction_pairs": len(inter), "naive_cpu_s_extrapolated": round(c_naive),
        "naive_genes_timed": len(genes), "ratio_naive_to_vectorised": round(c_naive / c_vec)}])
    out = ROOT / "bench" / "stats_results.tsv"
    if out.exists():
        result = pd.concat([pd.read_csv(out, sep="\t"), result], ignore_index=True)
    result.to_csv(out, sep="\t", index=False)
    print(f"appended to {out}")


if __name__ == "__main__":
    main()
