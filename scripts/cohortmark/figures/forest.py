"""Forest plot of the biomarker associations: ratio effects (odds / hazard ratio) with intervals."""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import OKABE_ITO, save_figure

RATIO_TESTS = {"fisher": "odds ratio", "cox": "hazard ratio"}
CLIP = (1e-2, 1e2)


def forest_rows(associations: pd.DataFrame, max_rows: int = 30) -> pd.DataFrame:
    """Rows with a ratio effect (Fisher OR, Cox HR), the ``max_rows`` smallest p-values,
    ordered by endpoint then p-value."""
    df = associations[associations["test"].isin(RATIO_TESTS) & associations["effect"].notna()
                      & associations["p_value"].notna()].copy()
    df = df.sort_values(["p_value", "gene", "alteration", "endpoint", "test"], kind="mergesort")
    df = df.head(max_rows)
    df["_endpoint_order"] = df["endpoint"].map({"response": 0, "pfs": 1, "os": 2}).fillna(3)
    df = df.sort_values(["_endpoint_order", "test", "p_value", "gene", "alteration"],
                        kind="mergesort")
    return df.drop(columns="_endpoint_order").reset_index(drop=True)


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return "\u221e" if v > 0 else "\u2212\u221e"
    if v == 0:
        return "0"
    return f"{v:.2g}" if v < 10 else f"{v:.0f}"


def plot_forest(associations: pd.DataFrame, out_prefix: str | os.PathLike, *,
                max_rows: int = 30, dpi: int = 150):
    """Forest plot on a log scale; intervals beyond 1/100..100 end in an arrow."""
    df = forest_rows(associations, max_rows)
    headers = []
    y_rows = []
    y = 0
    for (endpoint, test), grp in df.groupby(["endpoint", "test"], sort=False):
        headers.append((y, f"{endpoint} \u2014 {RATIO_TESTS[test]} ({test})"))
        y += 1
        for i in grp.index:
            y_rows.append((y, i))
            y += 1
        y += 0.4
    height = max(2.5, 1.2 + 0.27 * y)
    fig, ax = plt.subplots(figsize=(9.0, height))
    fig.subplots_adjust(left=0.3, right=0.68, top=1 - 0.15 / height, bottom=0.75 / height)
    if df.empty:
        ax.text(0.5, 0.5, "no association with an estimable odds or hazard ratio",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return save_figure(fig, out_prefix, dpi=dpi)
    lo_clip, hi_clip = CLIP
    for yy, i in y_rows:
        row = df.loc[i]
        eff, lo, hi = row["effect"], row["ci_low"], row["ci_high"]
        colour = OKABE_ITO["vermillion"] if row["q_value"] < 0.1 else (
            OKABE_ITO["blue"] if row["p_value"] < 0.05 else "#333333")
        lo_c = lo_clip if not np.isfinite(lo) or lo < lo_clip else lo
        hi_c = hi_clip if not np.isfinite(hi) or hi > hi_clip else hi
        ax.plot([lo_c, hi_c], [yy, yy], color=colour, linewidth=1.3)
        if not (np.isfinite(hi) and hi <= hi_clip):
            ax.plot(hi_clip, yy, marker=">", color=colour, markersize=5)
        if not (np.isfinite(lo) and lo >= lo_clip):
            ax.plot(lo_clip, yy, marker="<", color=colour, markersize=5)
        if np.isfinite(eff) and lo_clip <= eff <= hi_clip:
            ax.plot(eff, yy, marker="s", color=colour, markersize=6)
        else:  # estimate 0 or infinite (a zero cell): an open marker at the axis end
            ax.plot(lo_clip if eff < lo_clip else hi_clip, yy, marker="o", markersize=6,
                    markerfacecolor="white", markeredgecolor=colour)
        label = f"{row['gene']} {row['alteration']}"
        n_txt = f"{int(row['n_altered'])}/{int(row['n_assessed'])}" if np.isfinite(
            row["n_assessed"]) else ""
        ax.text(-0.02, yy, f"{label}  ({n_txt})", transform=ax.get_yaxis_transform(),
                ha="right", va="center", fontsize=8)
        q_txt = f"{row['q_value']:.2g}" if np.isfinite(row["q_value"]) else "NA"
        ax.text(1.03, yy, f"{_fmt(eff)} ({_fmt(lo)}\u2013{_fmt(hi)})",
                transform=ax.get_yaxis_transform(), ha="left", va="center", fontsize=8)
        ax.text(1.36, yy, f"{row['p_value']:.2g}", transform=ax.get_yaxis_transform(),
                ha="left", va="center", fontsize=8)
        ax.text(1.5, yy, q_txt, transform=ax.get_yaxis_transform(), ha="left", va="center",
                fontsize=8)
    for yy, text in headers:
        ax.text(-0.02, yy, text, transform=ax.get_yaxis_transform(), ha="right", va="center",
                fontsize=8.5, fontweight="bold")
    top = -1
    for x, text in ((1.03, "effect (95% CI)"), (1.36, "p"), (1.5, "q")):
        ax.text(x, top, text, transform=ax.get_yaxis_transform(), ha="left", va="center",
                fontsize=8, fontweight="bold")
    ax.text(-0.02, top, "gene alteration (altered/assessed)", transform=ax.get_yaxis_transform(),
            ha="right", va="center", fontsize=8, fontweight="bold")
    ax.axvline(1, color="#666666", linestyle="--", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlim(lo_clip / 1.5, hi_clip * 1.5)
    ax.set_ylim(y - 0.4, -1.6)
    ax.set_yticks([])
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.set_xticks([0.01, 0.1, 1, 10, 100], ["0.01", "0.1", "1", "10", "100"])
    ax.minorticks_off()
    ax.set_xlabel("ratio (log scale). Square: estimate; open circle: estimate 0 or infinite;\n"
                  "arrow: interval beyond the axis. Vermillion: q < 0.1; blue: p < 0.05",
                  fontsize=7.5)
    return save_figure(fig, out_prefix, dpi=dpi)
