"""Co-occurrence and mutual exclusivity as a triangle of gene pairs (as maftools'
somaticInteractions): colour = -log10 p signed by the direction (odds ratio above or below 1),
a star where q < 0.05 and a dot where p < 0.05."""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap

from . import save_figure

# ColorBrewer PuOr (colour-blind safe): purple = co-occurrence, orange = exclusivity.
LEVELS = ["#B35806", "#E08214", "#FDB863", "#FEE0B6", "#F7F7F7", "#D8DAEB", "#B2ABD2",
          "#8073AC", "#542788"]
BOUNDS = [-10, -3, -2, -1.3, -0.5, 0.5, 1.3, 2, 3, 10]


def interaction_matrix(interactions: pd.DataFrame, max_genes: int) -> tuple[list[str],
                                                                            np.ndarray,
                                                                            np.ndarray,
                                                                            np.ndarray]:
    """Genes (those in a tested pair; above ``max_genes``, the genes of the pairs with the
    smallest p; in first appearance order), and gene x gene matrices of signed -log10 p, p and q (NaN: untested)."""
    df = interactions[interactions["p_value"].notna()]
    best = pd.concat([df[["gene1", "p_value"]].rename(columns={"gene1": "gene"}),
                      df[["gene2", "p_value"]].rename(columns={"gene2": "gene"})])
    order = list(dict.fromkeys(pd.concat([df["gene1"], df["gene2"]])))  # genes with a test
    if len(order) > max_genes:
        score = best.groupby("gene")["p_value"].min().reindex(order).fillna(1.0)
        keep = set(score.sort_values(kind="mergesort").index[:max_genes])
        order = [g for g in order if g in keep]
    idx = {g: i for i, g in enumerate(order)}
    n = len(order)
    signed, p, q = (np.full((n, n), np.nan) for _ in range(3))
    for r in df.itertuples(index=False):
        if r.gene1 in idx and r.gene2 in idx:
            i, j = sorted((idx[r.gene1], idx[r.gene2]), reverse=True)  # lower triangle
            sign = 1.0 if r.odds_ratio > 1 else -1.0
            signed[i, j] = sign * min(-np.log10(max(r.p_value, 1e-300)), 9.99)
            p[i, j], q[i, j] = r.p_value, r.q_value
    return order, signed, p, q


def plot_interactions(interactions: pd.DataFrame, out_prefix: str | os.PathLike, *,
                      max_genes: int, dpi: int):
    """Lower triangle of gene pairs (see the module docstring)."""
    genes, signed, p, q = interaction_matrix(interactions, max_genes)
    n = len(genes)
    size = min(11.0, max(4.5, 1.8 + 0.26 * n))
    fig, ax = plt.subplots(figsize=(size + 1.6, size))
    cmap = ListedColormap(LEVELS).with_extremes(bad="white")
    norm = BoundaryNorm(BOUNDS, cmap.N)
    if n:
        im = ax.imshow(np.ma.masked_invalid(signed), cmap=cmap, norm=norm,
                       interpolation="none")
        ii, jj = np.nonzero(np.isfinite(signed))
        for i, j in zip(ii, jj):
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#DDDDDD",
                                       linewidth=0.4))
        star = np.nan_to_num(q, nan=1) < 0.05
        dot = (np.nan_to_num(p, nan=1) < 0.05) & ~star
        ax.plot(np.nonzero(star)[1], np.nonzero(star)[0], linestyle="none", marker="*",
                color="black", markersize=7)
        ax.plot(np.nonzero(dot)[1], np.nonzero(dot)[0], linestyle="none", marker="o",
                color="black", markersize=2.5)
        ax.set_xticks(range(n))
        ax.set_xticklabels(genes, rotation=90, fontsize=7 if n > 30 else 8, fontstyle="italic")
        ax.set_yticks(range(n))
        ax.set_yticklabels(genes, fontsize=7 if n > 30 else 8, fontstyle="italic")
        cb = fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02, ticks=[-3, -2, -1.3, 0, 1.3, 2, 3])
        cb.ax.set_yticklabels(["p 0.001", "0.01", "0.05", "", "0.05", "0.01", "p 0.001"],
                              fontsize=7)
        cb.ax.text(0.5, 1.02, "co-occurrence", transform=cb.ax.transAxes, ha="center",
                   va="bottom", fontsize=7)
        cb.ax.text(0.5, -0.02, "exclusivity", transform=cb.ax.transAxes, ha="center",
                   va="top", fontsize=7)
    else:
        ax.text(0.5, 0.5, "no pair of genes could be tested", ha="center", va="center",
                transform=ax.transAxes)
    for s in ax.spines.values():
        s.set_visible(False)
    ax.tick_params(length=0)
    total = len(set(interactions["gene1"]) | set(interactions["gene2"]))
    title = "Co-occurrence and mutual exclusivity (Fisher's exact test per pair)"
    if n < total:
        title += f"\n{n} of {total} genes (those in the pairs with the smallest p)"
    ax.set_title(title + "\n\u2605 q < 0.05   \u2022 p < 0.05", fontsize=9, loc="left")
    fig.tight_layout()
    return save_figure(fig, out_prefix, dpi=dpi)
