"""Kaplan-Meier curves as survminer draws them: estimate and band, censored ticks, medians with
interval and units in the legend, the log-rank p and the Cox hazard ratio of a biomarker split on
the plot, landmark rates, and a risk table with censored counts. Every number comes from
``cohortmark.stats.survival`` (the same as outcomes.tsv and associations.tsv)."""

from __future__ import annotations

import os
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.transforms import blended_transform_factory

from ..stats.survival import (
    cox_hr,
    interval_settings,
    kaplan_meier_median,
    km_table,
    logrank,
    survival_at,
)
from . import OKABE_ITO, conf_label, save_figure
from .biomarker import biomarker_groups, label, parse_split

ENDPOINT_LABEL = {"pfs": "Progression-free survival", "os": "Overall survival"}
GROUP_COLOURS = [OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["green"],
                 OKABE_ITO["purple"]]


def at_risk(time, ticks) -> list[int]:
    """Patients still followed (time >= tick) at each tick."""
    t = np.asarray(time, dtype=float)
    return [int((t >= x).sum()) for x in ticks]


def censored_by(time, event, ticks) -> list[int]:
    """Patients censored at or before each tick (cumulative)."""
    t, e = np.asarray(time, dtype=float), np.asarray(event, dtype=float)
    return [int(((t <= x) & (e == 0)).sum()) for x in ticks]


def axis_end(time, min_fraction: float) -> float:
    """The last time at which at least ``min_fraction`` of the patients (and at least one) are
    still at risk; the last follow-up when ``min_fraction`` is 0."""
    t = np.sort(np.asarray(time, dtype=float))
    if not len(t):
        return 1.0
    if min_fraction <= 0:
        return float(t[-1])
    need = max(1, int(np.ceil(min_fraction * len(t))))
    return float(t[len(t) - need])  # the need-th longest follow-up: need patients at risk


def landmarks_of(outcomes: pd.DataFrame | None, endpoint: str) -> list[float]:
    """Landmark times (months) that outcomes.tsv reports for ``endpoint`` (PFS_3mo -> 3)."""
    if outcomes is None:
        return []
    out = []
    for m in outcomes["metric"].astype(str):
        hit = re.fullmatch(rf"{endpoint.upper()}_(\d+(?:\.\d+)?)mo", m)
        if hit:
            out.append(float(hit.group(1)))
    return sorted(set(out))


def split_statistics(d: pd.DataFrame, tcol: str, ecol: str, conf_level: float) -> dict:
    """Log-rank p and Cox hazard ratio (altered vs not altered) with interval."""
    g = (d["group"] == "altered").to_numpy(float)
    lr = logrank(d[tcol], d[ecol], g)
    cx = cox_hr(d[tcol], d[ecol], g, conf_level=conf_level)
    return {"p": float(lr["p_value"][0]), "hr": float(cx["hr"][0]),
            "lo": float(cx["ci_low"][0]), "hi": float(cx["ci_high"][0]),
            "estimable": bool(cx["estimable"][0])}


def _nice_step(tmax: float) -> float:
    for step in (1, 2, 3, 6, 12, 24, 48, 120):
        if tmax / step <= 8:
            return float(step)
    return float(10 ** np.ceil(np.log10(tmax / 8)))


def _months(v: float) -> str:
    return "NR" if not np.isfinite(v) else f"{v:.1f}"


def plot_km(sheet: pd.DataFrame, endpoint: str, out_prefix: str | os.PathLike, *,
            alterations: pd.DataFrame | None, outcomes: pd.DataFrame | None,
            split_by: str | None, statistics: dict, min_at_risk_fraction: float, dpi: int):
    """Kaplan-Meier curve of ``endpoint`` (pfs or os).

    ``statistics``: the config's statistics section (conf_level, km_conf_type,
    amplification_calls, deletion_calls). With ``split_by`` ("GENE" or "GENE:alteration") one
    curve per biomarker group, the log-rank p and the Cox HR on the plot; patients not
    profiled for the biomarker are left out and counted in the title. Landmark rates are those
    outcomes.tsv reports. The axis ends where fewer than ``min_at_risk_fraction`` of the
    patients remain at risk (the estimates use every patient).
    """
    interval = interval_settings(statistics)
    conf = conf_label(interval["conf_level"])
    tcol, ecol = f"{endpoint}_months", f"{endpoint}_event"
    df = sheet[["patient_id", tcol, ecol]].dropna()
    n_missing = len(sheet) - len(df)
    note = []
    stats_ = None
    if split_by:
        gene, kind = parse_split(split_by)
        grp = biomarker_groups(alterations, gene, kind, statistics["amplification_calls"],
                               statistics["deletion_calls"])
        df = df.assign(group=df["patient_id"].map(grp))
        n_np = int(df["group"].isna().sum())
        if n_np:
            note.append(f"{n_np} not profiled for {label(gene, kind)}")
        df = df[df["group"].notna()]
        name = label(gene, kind)
        groups = [(f"{name}: {g}", g, df[df["group"] == g]) for g in ("altered", "not altered")]
        groups = [x for x in groups if len(x[2])]
        if len(groups) == 2:
            stats_ = split_statistics(df, tcol, ecol, interval["conf_level"])
    else:
        groups = [("all patients", "all patients", df)]
    if n_missing:
        note.append(f"{n_missing} without {endpoint.upper()} data")
    end = axis_end(df[tcol], min_at_risk_fraction) if len(df) else 1.0
    step = _nice_step(max(end, 1e-9))
    ticks = np.arange(0, end + step * 0.001, step)
    xmax = max(end, ticks[-1]) * 1.02 if len(ticks) else 1.0
    landmarks = [t for t in landmarks_of(outcomes, endpoint) if t <= xmax]
    n_rows = len(groups)
    fig_h = 5.3 + 0.22 * n_rows
    fig = plt.figure(figsize=(7.5, fig_h))
    table_h = (0.35 + 0.22 * n_rows) / fig_h
    bottom = 0.1 / fig_h
    legend_h = (0.3 + 0.2 * n_rows + 0.17 * n_rows * bool(landmarks)) / fig_h
    ax_bottom = bottom + table_h + 0.75 / fig_h
    ax = fig.add_axes([0.19, ax_bottom, 0.76, 1 - ax_bottom - legend_h - 0.35 / fig_h])
    landmark_text = []
    for i, (lab, short, d) in enumerate(groups):
        colour = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        km = km_table(d[tcol], d[ecol], **interval)
        med, mlo, mhi = kaplan_meier_median(d[tcol], d[ecol], **interval)
        ax.step(km["time"], km["survival"], where="post", color=colour, linewidth=1.6,
                label=(f"{lab}: n={len(d)}, {int(d[ecol].sum())} events, median "
                       f"{_months(med)} months ({conf} CI {_months(mlo)}\u2013{_months(mhi)})"))
        many = len(d) > 300  # thousands of steps and ticks: an embedded image, not vectors
        ax.fill_between(km["time"], km["ci_low"], km["ci_high"],  # no band where R has none
                        step="post", color=colour, alpha=0.15 if n_rows == 1 else 0.08,
                        linewidth=0, rasterized=many)
        cens = d[d[ecol] == 0][tcol].to_numpy(float)
        if len(cens):
            idx = np.searchsorted(km["time"].to_numpy(), cens, side="right") - 1
            ax.plot(cens, km["survival"].to_numpy()[idx], linestyle="none", marker="|",
                    color=colour, markersize=8 if len(d) <= 200 else 3,
                    markeredgewidth=1 if len(d) <= 200 else 0.4, rasterized=many)
        if np.isfinite(med):
            ax.plot([0, med, med], [0.5, 0.5, 0], color=colour, linestyle=":", linewidth=0.8)
        if landmarks:
            at = survival_at(d[tcol], d[ecol], landmarks, **interval)
            parts = [f"{t:g} mo {100 * s:.0f}% ({100 * lo:.0f}\u2013{100 * hi:.0f})"
                     if np.isfinite(s) else f"{t:g} mo \u2013"
                     for t, s, lo, hi in zip(landmarks, at["surv"], at["lower"], at["upper"])]
            landmark_text.append((colour, f"{short}: " + "; ".join(parts)))
    for t in landmarks:
        ax.axvline(t, color="#999999", linestyle="--", linewidth=0.6, zorder=0)
    ax.set_xlim(0, xmax)
    ax.set_ylim(0, 1.03)
    ax.set_xticks(ticks)
    ax.set_ylabel(f"{ENDPOINT_LABEL.get(endpoint, endpoint)}\n(probability)")
    ax.set_xlabel("Months from start of treatment")
    ax.spines[["top", "right"]].set_visible(False)
    if len(df):
        ax.legend(fontsize=7.5, loc="lower left", bbox_to_anchor=(-0.2, 1.0), frameon=False,
                  borderaxespad=0.2, handlelength=1.5)
    else:
        ax.text(0.5, 0.5, f"no patient with {endpoint.upper()} time and event",
                transform=ax.transAxes, ha="center", va="center")
    if stats_ is not None:
        hr = (f"HR {stats_['hr']:.2f} ({conf} CI {stats_['lo']:.2f}\u2013{stats_['hi']:.2f})"
              if stats_["estimable"] else "HR not estimable")
        ax.text(0.98, 0.97, f"log-rank p = {stats_['p']:.2g}\n{hr}\n(Cox, altered vs not)",
                transform=ax.transAxes, ha="right", va="top", fontsize=8)
    for k, (colour, text) in enumerate(landmark_text):
        fig.text(0.02, 1 - (0.55 + 0.17 * k) / fig_h,
                 ("landmark rates (" + conf + " CI) " if k == 0 else "") + text, fontsize=7,
                 color=colour, va="top", ha="left")
    title = ENDPOINT_LABEL.get(endpoint, endpoint)
    if note:
        title += "  (" + "; ".join(note) + ")"
    if end < float(df[tcol].max() if len(df) else 0):
        title += (f"\naxis ends where fewer than {min_at_risk_fraction:.0%} of patients remain "
                  "at risk; estimates use every patient")
    fig.text(0.02, 1 - 0.1 / fig_h, title, fontsize=9.5, va="top", ha="left")
    tab = fig.add_axes([0.19, bottom, 0.76, table_h], sharex=ax)
    tab.set_ylim(-0.5, n_rows + 0.3)
    tab.axis("off")
    tab.text(0.02, n_rows, "Number at risk (censored)",
             transform=blended_transform_factory(fig.transFigure, tab.transData),
             ha="left", va="center", fontsize=8, fontweight="bold")
    for i, (_lab, short, d) in enumerate(groups):
        row_y = n_rows - 1 - i
        colour = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        tab.text(0.02, row_y, short,
                 transform=blended_transform_factory(fig.transFigure, tab.transData),
                 ha="left", va="center", fontsize=8, color=colour)
        for x, n, c in zip(ticks, at_risk(d[tcol], ticks), censored_by(d[tcol], d[ecol], ticks)):
            tab.text(x, row_y, f"{n} ({c})", ha="center", va="center", fontsize=7.5,
                     color=colour)
    return save_figure(fig, out_prefix, dpi=dpi)
