"""Patients x trials: which patients each biomarker rule (trial) matches, for ten patients or
for a registry of thousands.

Left, the matrix: one row per rule (config order), one column per patient - or, above
``max_columns`` patients, per bin of patients - ordered by how many trials they match. A cell
is blue when eligible, orange when undecided (unknown: something was not measured), pale
grey when ineligible; a binned cell is a small stacked bar of the shares of its patients.
Right, per rule: how many patients are eligible / unknown / ineligible, and the most common
reason a patient was left undecided. Below: how many trials each patient matches (eligible
only, and counting unknown ones too), the registry's answer to "how many patients have a
trial to go to".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib import pyplot as plt
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from . import OKABE_ITO, save_figure

STATUS_COLOURS = {"eligible": OKABE_ITO["blue"], "unknown": OKABE_ITO["orange"],
                  "ineligible": "#E8E8E8"}
STATUSES = ["eligible", "unknown", "ineligible"]


def _rule_order(eligibility: pd.DataFrame, rules) -> list[str]:
    named = list(rules) if rules is not None else []
    return list(dict.fromkeys(named + list(pd.unique(eligibility["rule"]))))


def match_layout(eligibility: pd.DataFrame, rules=None, max_columns: int = 150,
                 bins: int = 60) -> pd.DataFrame:
    """One row per patient: patient_id, n_eligible, n_unknown, column, binned.

    Patients are ordered by the number of rules they are eligible for (most first), then the
    number unknown, then their pattern over the rules (so that patients matching the same
    trials sit together), then id. Above ``max_columns`` patients, consecutive patients share
    one of about ``bins`` equal columns."""
    order = _rule_order(eligibility, rules)
    wide = eligibility.pivot(index="patient_id", columns="rule", values="status")
    wide = wide.reindex(index=pd.unique(eligibility["patient_id"]), columns=order)
    code = wide.replace({"eligible": "0", "unknown": "1", "ineligible": "2"}).fillna("2")
    df = pd.DataFrame({
        "patient_id": wide.index,
        "n_eligible": (wide == "eligible").sum(axis=1).to_numpy(),
        "n_unknown": (wide == "unknown").sum(axis=1).to_numpy(),
        "pattern": code.astype(str).agg("".join, axis=1).to_numpy(),
    })
    df = df.sort_values(["n_eligible", "n_unknown", "pattern", "patient_id"],
                        ascending=[False, False, True, True], kind="mergesort")
    df = df.reset_index(drop=True)
    n = len(df)
    if n <= max_columns:
        df["column"] = np.arange(n)
        df["binned"] = False
    else:
        k = max(1, min(bins, n))
        df["column"] = (np.arange(n) * k // n).astype(int)
        df["binned"] = True
    return df.drop(columns="pattern")


def cell_shares(eligibility: pd.DataFrame, layout: pd.DataFrame, rules=None) -> pd.DataFrame:
    """Per (rule, column): n and the share of patients eligible / unknown / ineligible."""
    df = eligibility[["patient_id", "rule", "status"]].merge(
        layout[["patient_id", "column"]], on="patient_id")
    counts = pd.crosstab([df["rule"], df["column"]], df["status"]).reindex(
        columns=STATUSES, fill_value=0)
    shares = counts.div(counts.sum(axis=1), axis=0)
    shares["n"] = counts.sum(axis=1)
    return shares.reset_index()


def _mix(shares: pd.DataFrame) -> np.ndarray:
    rgb = {s: np.array(mcolors.to_rgb(STATUS_COLOURS[s])) for s in STATUSES}
    return sum(shares[s].to_numpy()[:, None] * rgb[s] for s in STATUSES)


def _bar_cells(shares: pd.DataFrame, row_of: dict, n_rules: int, n_cols: int,
               px: int = 24) -> np.ndarray:
    """An RGB image of n_rules x n_cols cells, each ``px`` pixels high: a stacked bar of the
    shares eligible (bottom), unknown and ineligible, under a white separator. One image
    rather than thousands of patches: drawing 36 rules x 60 bins stays instant."""
    rgb = {s: np.array(mcolors.to_rgb(STATUS_COLOURS[s])) for s in STATUSES}
    elig = np.zeros((n_rules, n_cols))
    unk = np.zeros((n_rules, n_cols))
    if len(shares):
        rows = shares["rule"].map(row_of).to_numpy()
        cols = shares["column"].to_numpy()
        elig[rows, cols] = shares["eligible"].to_numpy()
        unk[rows, cols] = shares["unknown"].to_numpy()
    gap = 2
    height = px - gap
    he = np.rint(elig * height)[:, None, :]
    hu = np.rint((elig + unk) * height)[:, None, :]
    from_bottom = (px - 1 - np.arange(px))[None, :, None]  # 0 at a cell's bottom pixel row
    img = np.empty((n_rules, px, n_cols, 3))
    img[:] = rgb["ineligible"]
    img[np.broadcast_to(from_bottom < hu, (n_rules, px, n_cols))] = rgb["unknown"]
    img[np.broadcast_to(from_bottom < he, (n_rules, px, n_cols))] = rgb["eligible"]
    img[:, :gap] = 1.0
    return img.reshape(n_rules * px, n_cols, 3)


def plot_trial_matches(eligibility: pd.DataFrame, rules, out_prefix, *,
                       summary: pd.DataFrame | None = None, max_columns: int = 150,
                       bins: int = 60, dpi: int = 150, title: str | None = None):
    """Write ``<out_prefix>.svg`` and ``.png``. ``rules``: the rule names (or {name: text}) in
    the order to draw; ``summary``: cohorts.trial_summary (computed when not given)."""
    from ..cohorts import trial_summary

    order = _rule_order(eligibility, rules)
    if summary is None:
        summary = trial_summary(eligibility, rules if isinstance(rules, dict) else None)
    summary = summary.set_index("rule").reindex(order)
    layout = match_layout(eligibility, order, max_columns, bins)
    shares = cell_shares(eligibility, layout)
    n_patients, n_rules = len(layout), len(order)
    n_cols = int(layout["column"].max()) + 1 if n_patients else 1
    binned = bool(layout["binned"].any())

    image = np.ones((n_rules, n_cols, 3))
    row_of = {r: i for i, r in enumerate(order)}
    if len(shares) and not binned:
        rgb = _mix(shares)
        rows = shares["rule"].map(row_of).to_numpy()
        image[rows, shares["column"].to_numpy()] = rgb

    # layout in inches: title + legend, matrix | bars | text, x label, histogram
    row_h, label_w = 0.34, 0.15 + 0.075 * max((len(r) for r in order), default=4)
    label_w = min(max(label_w, 0.9), 2.6)
    matrix_w, gap, bar_w, text_w = 5.4, 0.12, 1.3, 3.4
    ids = not binned and n_cols <= 60
    x_lab = 0.75 if ids else 0.4
    head, hist_h, hist_gap, foot = 0.75, 1.25, 0.55, 0.45
    width = label_w + matrix_w + gap + bar_w + text_w + 0.2
    height = head + row_h * n_rules + x_lab + hist_gap + hist_h + foot

    def box(x, y, w, h):  # inches from the bottom-left corner -> figure fractions
        return [x / width, y / height, w / width, h / height]

    fig = plt.figure(figsize=(width, height))
    m_y = foot + hist_h + hist_gap + x_lab
    ax = fig.add_axes(box(label_w, m_y, matrix_w, row_h * n_rules))
    if binned:  # each cell a stacked bar: share eligible (bottom), unknown, ineligible
        ax.imshow(_bar_cells(shares, row_of, n_rules, n_cols), aspect="auto",
                  interpolation="none", extent=(-0.5, n_cols - 0.5, n_rules - 0.5, -0.5))
    else:
        ax.imshow(image, aspect="auto", interpolation="none")
    ax.set_yticks(range(n_rules))
    ax.set_yticklabels(order, fontsize=8)
    ax.set_xticks([])
    unit = (f"{n_patients} in {n_cols} columns of ~{n_patients / n_cols:.0f}: a cell is the "
            "share of its patients" if binned else f"{n_patients}")
    ax.set_xlabel(f"patients, most trials first ({unit})", fontsize=7.5)
    if ids:
        ax.set_xticks(range(n_cols))
        ax.set_xticklabels(layout["patient_id"], rotation=90, fontsize=6)
    for y in np.arange(n_rules + 1) - 0.5:
        ax.axhline(y, color="white", lw=0.8)

    bar = fig.add_axes(box(label_w + matrix_w + gap, m_y, bar_w, row_h * n_rules), sharey=ax)
    left = np.zeros(n_rules)
    for status in STATUSES:
        values = summary[status].fillna(0).to_numpy(dtype=float)
        bar.barh(range(n_rules), values, left=left, color=STATUS_COLOURS[status],
                 edgecolor="#BBBBBB" if status == "ineligible" else "none", lw=0.4, height=0.72)
        left += values
    bar.set_xlim(0, max(n_patients, 1))
    bar.tick_params(axis="y", left=False, labelleft=False)
    bar.tick_params(axis="x", labelsize=6.5)
    bar.set_xlabel("patients", fontsize=7.5)
    for side in ("top", "right"):
        bar.spines[side].set_visible(False)
    for i, rule in enumerate(order):
        e, u = summary.loc[rule, "eligible"], summary.loc[rule, "unknown"]
        first = f"{int(e)} eligible, {int(u)} unknown"
        reason = summary.loc[rule, "top_unknown_reason"]
        second = ""
        if isinstance(reason, str) and reason:
            reason = reason if len(reason) <= 48 else reason[:47] + "..."
            second = f"unknown most often: {reason} ({int(summary.loc[rule, 'top_unknown_count'])})"
        bar.annotate(first, (1, i), xycoords=("axes fraction", "data"), xytext=(6, 2),
                     textcoords="offset points", va="bottom", fontsize=7)
        if second:
            bar.annotate(second, (1, i), xycoords=("axes fraction", "data"), xytext=(6, -1),
                         textcoords="offset points", va="top", fontsize=6.2, color="#555555")

    hist = fig.add_axes(box(label_w, foot, matrix_w, hist_h))
    n_max = int(max(layout["n_eligible"].max(), (layout["n_eligible"]
                                                 + layout["n_unknown"]).max(), 0))
    xs = np.arange(n_max + 1)
    elig = np.bincount(layout["n_eligible"], minlength=n_max + 1)
    maybe = np.bincount(layout["n_eligible"] + layout["n_unknown"], minlength=n_max + 1)
    hist.bar(xs - 0.2, elig, width=0.4, color=STATUS_COLOURS["eligible"], label="eligible")
    hist.bar(xs + 0.2, maybe, width=0.4, color=STATUS_COLOURS["unknown"],
             label="eligible or unknown")
    step = max(1, int(np.ceil((n_max + 1) / 20)))
    hist.set_xticks(xs[::step])
    hist.tick_params(labelsize=7)
    hist.yaxis.set_major_locator(MaxNLocator(integer=True))
    hist.set_xlabel("number of trials a patient matches", fontsize=7.5)
    hist.set_ylabel("patients", fontsize=7.5)
    at_least = int((layout["n_eligible"] > 0).sum())
    maybe_one = int(((layout["n_eligible"] + layout["n_unknown"]) > 0).sum())
    hist.set_title(f"{at_least} of {n_patients} patients are eligible for at least one trial; "
                   f"{maybe_one} counting unknown ones", fontsize=8, loc="left")
    hist.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    for side in ("top", "right"):
        hist.spines[side].set_visible(False)

    handles = [Patch(facecolor=STATUS_COLOURS[s], edgecolor="#BBBBBB", label=s)
               for s in STATUSES]
    fig.legend(handles=handles, loc="lower left", ncol=3, fontsize=8, frameon=False,
               bbox_to_anchor=box(label_w - 0.1, height - head + 0.02, 4, 0.3)[:2])
    fig.text(box(0.15, 0, 0, 0)[0], 1 - 0.28 / height,
             title or f"Trial matching: {n_rules} biomarker rules x {n_patients} patients",
             fontsize=10.5, weight="bold", va="center")
    return save_figure(fig, out_prefix, dpi=dpi)
