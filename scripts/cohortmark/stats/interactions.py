"""Pairwise co-occurrence and mutual exclusivity of alterations (as maftools somaticInteractions)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from .association import _matrices, settings
from .exact import benjamini_hochberg, fisher_tables


def interactions(alterations: pd.DataFrame, config: dict | None = None) -> pd.DataFrame:
    """One row per pair of genes (gene1 before gene2 in panel order): counts over patients
    assessed for both, Fisher's exact test (two-sided p, conditional MLE odds ratio as R's
    fisher.test), BH q over all pairs, relation ``co-occurrence`` (OR > 1) or
    ``exclusivity`` (OR < 1) as maftools, empty when untestable.

    ``statistics.interactions.alteration`` (default ``any``) chooses the alteration;
    ``statistics.interactions.top`` (default 200) keeps the most often altered genes.
    """
    cfg = settings(config)
    icfg = {"alteration": "any", "top": 200}
    icfg.update(cfg.get("interactions") or {})
    patients = list(pd.unique(alterations["patient_id"]))
    kinds, _, genes = _matrices(alterations, patients, cfg)
    altered, known = kinds[icfg["alteration"]]
    altered = altered & known
    if icfg["top"] and len(genes) > int(icfg["top"]):
        freq = altered.sum(axis=0)
        keep = np.sort(np.argsort(-freq, kind="stable")[: int(icfg["top"])])
        altered, known, genes = altered[:, keep], known[:, keep], [genes[i] for i in keep]
    a = altered.astype(np.float64)
    k = known.astype(np.float64)
    both = a.T @ a
    g1_known2 = a.T @ k  # gene1 altered, gene2 assessed
    assessed = k.T @ k
    i, j = np.triu_indices(len(genes), 1)
    n11 = both[i, j]
    n10 = g1_known2[i, j] - n11
    n01 = g1_known2[j, i] - n11
    n = assessed[i, j]
    n00 = n - n11 - n10 - n01
    o, _, _, p = fisher_tables(n11, n10, n01, n00)
    testable = (n11 + n10 > 0) & (n01 + n00 > 0) & (n11 + n01 > 0) & (n10 + n00 > 0)
    p = np.where(testable, p, np.nan)
    o = np.where(testable, o, np.nan)
    relation = np.where(~testable, "", np.where(o > 1, "co-occurrence",
                                                np.where(o < 1, "exclusivity", "")))
    table = pd.DataFrame({
        "gene1": [genes[x] for x in i], "gene2": [genes[x] for x in j],
        "n_both": n11.astype(int), "n_gene1_only": n10.astype(int),
        "n_gene2_only": n01.astype(int), "n_neither": n00.astype(int), "n_assessed": n.astype(int),
        "odds_ratio": o, "p_value": p, "q_value": benjamini_hochberg(p), "relation": relation})
    return table[schema.INTERACTION_COLUMNS]
