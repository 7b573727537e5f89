"""Pairwise co-occurrence and mutual exclusivity of alterations (as maftools somaticInteractions),
with co-located pairs (neighbours on the genome, or one amplicon/deletion) flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from ..config import load_schema
from ..genome import load_genes
from .association import _matrices, settings
from .exact import benjamini_hochberg, fisher_tables


def _coordinates(genes: list[str], config: dict | None, coordinates: pd.DataFrame | None):
    """(chrom, start, end) arrays of the genes: from ``coordinates`` (e.g. the panel), else the
    shipped annotation of the config's ``genome`` (the schema's default build when the config
    has none). Unknown genes get no coordinates."""
    if coordinates is None:
        config = config or {}
        build = config["genome"] if "genome" in config else load_schema()["properties"][
            "genome"]["default"]
        coordinates = load_genes(build)
    coords = coordinates.drop_duplicates("gene").set_index("gene").reindex(genes)
    return (coords["chrom"].astype(object).to_numpy(), coords["start"].to_numpy(float),
            coords["end"].to_numpy(float))


def _same_run(alterations: pd.DataFrame, genes: list[str], chrom) -> dict:
    """Pairs of genes (i, j) -> number of patients in whom both sit on one altered copy-number
    run: listed in each other's ``cn_coamplified``, or the same non-neutral call with the same
    run length (``cn_segment_length``) on one chromosome."""
    index = {g: i for i, g in enumerate(genes)}
    df = alterations[alterations["gene"].isin(index) & (alterations["cn_status"] == "altered")]
    pairs: dict[tuple[int, int], set] = {}
    if "cn_coamplified" in df.columns:
        for pid, gene, others in df[["patient_id", "gene", "cn_coamplified"]].itertuples(
                index=False):
            if isinstance(others, str) and others:
                for other in others.split(";"):
                    if other in index and other != gene:
                        i, j = sorted((index[gene], index[other]))
                        pairs.setdefault((i, j), set()).add(pid)
    if "cn_segment_length" in df.columns:
        d = df[["patient_id", "gene", "cn_call", "cn_segment_length"]].dropna()
        d = d.assign(chrom=[chrom[index[g]] for g in d["gene"]])
        # observed: patient_id and cn_call may be categoricals (the cohort steps read them so)
        for _, grp in d.groupby(["patient_id", "cn_call", "cn_segment_length", "chrom"],
                                sort=False, observed=True):
            idx = sorted(index[g] for g in grp["gene"])
            pid = grp["patient_id"].iloc[0]
            for a in range(len(idx)):
                for b in range(a + 1, len(idx)):
                    pairs.setdefault((idx[a], idx[b]), set()).add(pid)
    return {k: len(v) for k, v in pairs.items()}


def interactions(alterations: pd.DataFrame, config: dict | None = None,
                 coordinates: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per pair of genes (gene1 before gene2 in panel order): counts over patients
    assessed for both, Fisher's exact test (two-sided p, conditional maximum-likelihood odds
    ratio as R's fisher.test), BH q over all pairs.

    ``relation`` is ``co-occurrence`` (OR > 1) or ``exclusivity`` (OR < 1) only when the pair's
    q (or p, ``statistics.interactions.label_by``) is below ``statistics.interactions.alpha``,
    ``no evidence`` otherwise, empty when untestable. ``co_located`` flags pairs whose genes
    are at most ``colocated_max_distance`` apart on one chromosome or share an amplicon or
    deletion in at least one patient (physical linkage, not biology); ``distance_mb`` is the
    gap between the genes (empty on different chromosomes or without coordinates).
    ``coordinates`` (gene, chrom, start, end; e.g. the panel) default to the shipped
    annotation of ``config["genome"]``.

    ``statistics.interactions.alteration`` chooses the alteration; ``top`` keeps the most
    often altered genes.
    """
    cfg = settings(config)
    icfg = cfg["interactions"]
    patients = list(pd.unique(alterations["patient_id"]))
    kinds, _, _, genes = _matrices(alterations, patients, cfg)
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
    q = benjamini_hochberg(p)
    alpha = float(icfg["alpha"])
    decide = q if icfg["label_by"] == "q" else p
    evidence = testable & (decide < alpha)
    relation = np.where(~testable, "", np.where(
        evidence & (o > 1), "co-occurrence", np.where(evidence & (o < 1), "exclusivity",
                                                      "no evidence")))
    chrom, start, end = _coordinates(genes, config, coordinates)
    same_chrom = np.array([isinstance(chrom[x], str) and chrom[x] == chrom[y]
                           for x, y in zip(i, j)], dtype=bool)
    gap = np.maximum(0.0, np.maximum(start[i], start[j]) - np.minimum(end[i], end[j]))
    distance = np.where(same_chrom, gap, np.nan)
    shared = _same_run(alterations, genes, chrom)
    n_shared = np.array([shared.get((x, y), 0) for x, y in zip(i, j)])
    near = same_chrom & (distance <= float(icfg["colocated_max_distance"]))
    co_located = near | (n_shared > 0)
    notes = []
    for x in range(len(i)):
        why = []
        if near[x]:
            why.append(f"neighbours, {distance[x] / 1e6:.2g} Mb apart")
        if n_shared[x]:
            why.append(f"one copy-number run in {n_shared[x]} patient"
                       + ("s" if n_shared[x] > 1 else ""))
        text = ("co-located (" + "; ".join(why) + "): linkage, not necessarily biology"
                if why else "")
        if testable[x] and relation[x] == "no evidence":
            text = (f"{icfg['label_by']} = {decide[x]:.2g} >= {alpha:g}"
                    + (f"; {text}" if text else ""))
        notes.append(text)
    table = pd.DataFrame({
        "gene1": [genes[x] for x in i], "gene2": [genes[x] for x in j],
        "n_both": n11.astype(int), "n_gene1_only": n10.astype(int),
        "n_gene2_only": n01.astype(int), "n_neither": n00.astype(int), "n_assessed": n.astype(int),
        "odds_ratio": o, "p_value": p, "q_value": q, "relation": relation,
        "co_located": co_located, "distance_mb": np.round(distance / 1e6, 3), "note": notes})
    return table[schema.INTERACTION_COLUMNS]
