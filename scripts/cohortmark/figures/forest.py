"""Forest plot of the primary associations: one row per gene x endpoint, one panel per endpoint,
each with an axis fitted to its intervals."""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..schema import ENDPOINTS
from . import OKABE_ITO, conf_label, save_figure
from .heatmap_data import ALTERATION_SHORT, TEST_NAMES, p_text, primary_rows

ENDPOINT_TITLES = {"response": "Response", "best_pct_change": "Best % change",
                   "pfs": "Progression-free survival", "os": "Overall survival"}
# effect of each primary test as drawn: (label, log scale, null value)
EFFECTS = {"fisher": ("odds ratio", True, 1.0), "cox": ("hazard ratio (Cox)", True, 1.0),
           "logrank": ("hazard ratio (Cox)", True, 1.0), "spearman": ("Spearman rho", False, 0.0),
           "pearson": ("Pearson r", False, 0.0),
           "mannwhitney": ("median difference", False, 0.0)}
LIMIT = (1e-3, 1e3)  # ratio axis never wider than this; intervals beyond end in an arrow


def forest_rows(associations: pd.DataFrame, max_rows: int) -> tuple[pd.DataFrame, str]:
    """One row per gene x endpoint: the primary association with the smallest q (then p),
    with an effect to draw. A log-rank row takes the hazard ratio and interval of the Cox
    row of the same gene, alteration and endpoint (the log-rank test has no effect size).
    Keeps the ``max_rows`` smallest q, ordered by endpoint then q. Returns (rows, source of
    the primary family)."""
    prim, source = primary_rows(associations)
    prim = prim[prim["p_value"].notna()].copy()
    if prim.empty:
        return prim.assign(effect_label=[], log=[]), source
    cox = associations[associations["test"] == "cox"].set_index(
        ["gene", "alteration", "endpoint"])[["effect", "ci_low", "ci_high"]]
    lr = prim["test"] == "logrank"
    if lr.any():
        key = pd.MultiIndex.from_frame(prim.loc[lr, ["gene", "alteration", "endpoint"]])
        hr = cox.reindex(key)
        for col in ("effect", "ci_low", "ci_high"):
            prim.loc[lr, col] = hr[col].to_numpy()
    prim = prim.sort_values(["gene", "endpoint", "q_value", "p_value", "alteration"],
                            kind="mergesort").drop_duplicates(["gene", "endpoint"])
    prim = prim.sort_values(["q_value", "p_value", "gene"], kind="mergesort").head(max_rows)
    prim["_e"] = prim["endpoint"].map({e: i for i, e in enumerate(ENDPOINTS)}).fillna(9)
    prim = prim.sort_values(["_e", "q_value", "p_value", "gene"], kind="mergesort")
    prim["effect_label"] = prim["test"].map(lambda t: EFFECTS.get(t, ("effect", False, 0))[0])
    prim["log"] = prim["test"].map(lambda t: EFFECTS.get(t, ("", False, 0))[1])
    return prim.drop(columns="_e").reset_index(drop=True), source


def axis_limits(lo, hi, log: bool, null: float, effect=()) -> tuple[float, float]:
    """Limits that hold every finite estimate and interval end and the null value, with a
    margin; ratio axes within LIMIT."""
    vals = np.r_[np.asarray(lo, float), np.asarray(hi, float), np.asarray(effect, float), null]
    vals = vals[np.isfinite(vals)]
    if log:
        vals = vals[vals > 0]
        a, b = max(vals.min(), LIMIT[0]), min(vals.max(), LIMIT[1])
        span = np.log10(b) - np.log10(a)
        pad = max(0.1 * span, 0.1)
        return 10 ** (np.log10(a) - pad), 10 ** (np.log10(b) + pad)
    a, b = vals.min(), vals.max()
    pad = max(0.08 * (b - a), 0.05)
    return a - pad, b + pad


def _fmt(v: float) -> str:
    if pd.isna(v):
        return ""
    if not np.isfinite(v):
        return "\u221e" if v > 0 else "\u2212\u221e"
    if v == 0:
        return "0"
    return f"{v:.2g}" if abs(v) < 10 else f"{v:.0f}"


def _panel(ax, rows: pd.DataFrame, conf: str):
    """One endpoint: intervals, estimates, labels left, numbers right."""
    log = bool(rows["log"].iloc[0])
    null = 1.0 if log else 0.0
    lo_lim, hi_lim = axis_limits(rows["ci_low"], rows["ci_high"], log, null, rows["effect"])
    if log:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlim(lo_lim, hi_lim)
    tr = ax.get_yaxis_transform()
    for y, row in enumerate(rows.itertuples(index=False)):
        colour = OKABE_ITO["vermillion"] if row.q_value < 0.1 else (
            OKABE_ITO["blue"] if row.p_value < 0.05 else "#333333")
        eff, lo, hi = row.effect, row.ci_low, row.ci_high
        if np.isfinite(lo) or np.isfinite(hi):
            lo_c = lo if np.isfinite(lo) and lo >= lo_lim else lo_lim
            hi_c = hi if np.isfinite(hi) and hi <= hi_lim else hi_lim
            ax.plot([lo_c, hi_c], [y, y], color=colour, linewidth=1.3)
            if hi_c == hi_lim and not (np.isfinite(hi) and hi <= hi_lim):
                ax.plot(hi_lim, y, marker=">", color=colour, markersize=5)
            if lo_c == lo_lim and not (np.isfinite(lo) and lo >= lo_lim):
                ax.plot(lo_lim, y, marker="<", color=colour, markersize=5)
        if np.isfinite(eff) and lo_lim <= eff <= hi_lim and (eff > 0 or not log):
            ax.plot(eff, y, marker="s", color=colour, markersize=6)
        elif pd.notna(eff):  # an estimate of 0 or infinity (a zero cell): open marker at the end
            ax.plot(lo_lim if eff < lo_lim else hi_lim, y, marker="o", markersize=6,
                    markerfacecolor="white", markeredgecolor=colour)
        n_txt = (f"n={int(row.n_assessed)}" if row.alteration == "copy_number" else
                 f"{int(row.n_altered)}/{int(row.n_assessed)}")
        ax.text(-0.02, y, f"{row.gene} {ALTERATION_SHORT.get(row.alteration, row.alteration)}"
                f"  ({n_txt})", transform=tr, ha="right", va="center", fontsize=8)
        est = _fmt(eff) or "\u2013"
        if pd.notna(lo) or pd.notna(hi):
            est += f" ({_fmt(lo)}\u2013{_fmt(hi)})"
        ax.text(1.03, y, est, transform=tr, ha="left", va="center", fontsize=8)
        ax.text(1.5, y, f"{p_text(row.p_value)}  {TEST_NAMES.get(row.test, row.test)}",
                transform=tr, ha="left", va="center", fontsize=8)
        q = p_text(row.q_value) if pd.notna(row.q_value) else "\u2013"
        ax.text(1.88, y, q, transform=tr, ha="left", va="center", fontsize=8)
    for x, text in ((1.03, f"{rows['effect_label'].iloc[0]} ({conf} CI)"), (1.5, "p  test"),
                    (1.88, "q")):
        ax.text(x, -0.9, text, transform=tr, ha="left", va="center", fontsize=7.5,
                fontweight="bold")
    ax.axvline(null, color="#666666", linestyle="--", linewidth=0.8)
    ax.set_ylim(len(rows) - 0.4, -1.4)
    ax.set_yticks([])
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.tick_params(labelsize=7.5)
    ax.set_title(ENDPOINT_TITLES.get(rows["endpoint"].iloc[0], rows["endpoint"].iloc[0]),
                 fontsize=9, loc="left", x=-0.55, fontweight="bold")


def plot_forest(associations: pd.DataFrame, out_prefix: str | os.PathLike, *, max_rows: int,
                conf_level: float, dpi: int):
    """One panel per endpoint of the primary associations (see ``forest_rows``)."""
    rows, source = forest_rows(associations, max_rows)
    conf = conf_label(conf_level)
    blocks = [g for _, g in rows.groupby("endpoint", sort=False)] if len(rows) else []
    heights = [0.28 * (len(b) + 1.5) + 0.45 for b in blocks] or [1.0]
    fig_h = sum(heights) + 1.0
    fig = plt.figure(figsize=(10.0, fig_h))
    top = 0.55
    title = "Primary associations: one row per gene and endpoint"
    if source not in ("family", "none"):
        title += f" ({source})"
    fig.text(0.01, 1 - 0.12 / fig_h, title, fontsize=10, va="top", ha="left")
    if not blocks:
        fig.text(0.5, 0.5, "no primary association could be tested", ha="center", va="center")
    for block, h in zip(blocks, heights):
        ax = fig.add_axes([0.27, 1 - (top + h - 0.45) / fig_h, 0.36, (h - 0.45) / fig_h])
        _panel(ax, block.reset_index(drop=True), conf)
        top += h
    fig.text(0.01, 0.1 / fig_h, "Square: estimate; open circle: estimate 0 or infinite (a zero "
             "cell); arrow: interval beyond the axis. Vermillion: q < 0.1; blue: p < 0.05. "
             "Log-rank rows show the Cox hazard ratio.", fontsize=7, va="bottom", ha="left")
    return save_figure(fig, out_prefix, dpi=dpi)
