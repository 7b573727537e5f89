"""Kaplan-Meier curves with numbers at risk; the estimate, its band and the median come from
``cohortmark.stats.survival`` (the same numbers as outcomes.tsv)."""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.transforms import blended_transform_factory

from ..config import complete
from ..errors import InputError
from ..schema import ALTERATION_KINDS
from ..stats.survival import interval_settings, kaplan_meier_median, km_table
from . import OKABE_ITO, save_figure

ENDPOINT_LABEL = {"pfs": "Progression-free survival", "os": "Overall survival"}
GROUP_COLOURS = [OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["green"],
                 OKABE_ITO["purple"]]


def at_risk(time, ticks) -> list[int]:
    t = np.asarray(time, dtype=float)
    return [int((t >= x).sum()) for x in ticks]


def parse_split(spec: str) -> tuple[str, str]:
    """``"TWIST1"`` -> (TWIST1, any); ``"TWIST1:amplification"`` -> (TWIST1, amplification)."""
    gene, _, kind = spec.partition(":")
    kind = kind or "any"
    if kind not in ALTERATION_KINDS or kind == "copy_number":
        raise InputError(f"{spec!r}: alteration must be one of amplification, deletion, "
                         "mutation, any", field="figures.km_split_by")
    return gene.strip(), kind


def biomarker_groups(alterations: pd.DataFrame, gene: str, kind: str,
                     amplification_calls=("AMP",), deletion_calls=("HOMDEL",)) -> pd.Series:
    """Per patient: 'altered', 'not altered' or None (not profiled for that alteration).

    Alterations are defined as in the statistics (``statistics.amplification_calls`` and
    ``deletion_calls``), so a split curve shows the groups its log-rank row compares.
    """
    df = alterations[alterations["gene"] == gene]
    if df.empty:
        raise InputError(f"gene {gene!r} is not in the cohort's panel",
                         field="figures.km_split_by")
    cn_np = df["cn_status"] == "not_profiled"
    mut_np = df["mut_status"] == "not_profiled"
    amp = df["cn_call"].isin(list(amplification_calls))
    dele = df["cn_call"].isin(list(deletion_calls))
    mut = df["mut_status"] == "altered"
    if kind == "amplification":
        altered, unknown = amp, cn_np
    elif kind == "deletion":
        altered, unknown = dele, cn_np
    elif kind == "mutation":
        altered, unknown = mut, mut_np
    else:
        altered = amp | dele | mut
        unknown = ~altered & (cn_np | mut_np)
    out = pd.Series(np.where(altered, "altered", "not altered"), index=df["patient_id"].values,
                    dtype=object)
    out[unknown.values] = None
    return out


def plot_km(sheet: pd.DataFrame, endpoint: str, out_prefix: str | os.PathLike, *,
            alterations: pd.DataFrame | None = None, split_by: str | None = None,
            dpi: int = 150, amplification_calls=("AMP",), deletion_calls=("HOMDEL",),
            statistics: dict | None = None):
    """Kaplan-Meier curve of ``endpoint`` (pfs or os) with numbers at risk under the axis.

    ``statistics`` is the config's statistics section (None: the schema's defaults): its
    ``conf_level`` and ``km_conf_type`` make the band, exactly as the medians of outcomes.tsv.

    With ``split_by`` ("GENE" or "GENE:alteration") one curve per biomarker group; patients
    not profiled for it are left out and counted in the title.
    """
    interval = interval_settings(complete("statistics", statistics))
    tcol, ecol = f"{endpoint}_months", f"{endpoint}_event"
    df = sheet[["patient_id", tcol, ecol]].dropna()
    n_missing = len(sheet) - len(df)
    groups: list[tuple[str, pd.DataFrame]]
    note = []
    if split_by:
        gene, kind = parse_split(split_by)
        grp = biomarker_groups(alterations, gene, kind, amplification_calls, deletion_calls)
        df = df.assign(group=df["patient_id"].map(grp))
        n_np = int(df["group"].isna().sum())
        if n_np:
            note.append(f"{n_np} not profiled for {gene}"
                        + ("" if kind == "any" else f" {kind}"))
        df = df[df["group"].notna()]
        label = f"{gene} {'alteration' if kind == 'any' else kind}"
        groups = [(f"{label}: {g}", df[df["group"] == g]) for g in ("altered", "not altered")]
        groups = [(lab, d) for lab, d in groups if len(d)]
    else:
        groups = [("all patients", df)]
    if n_missing:
        note.append(f"{n_missing} without {endpoint.upper()} data")
    tmax = float(df[tcol].max()) if len(df) else 1.0
    step = _nice_step(tmax)
    ticks = np.arange(0, tmax + step * 0.999, step)
    n_rows = len(groups)
    fig_h = 4.9 + 0.2 * n_rows
    fig = plt.figure(figsize=(7.0, fig_h))
    table_h = (0.3 + 0.2 * n_rows) / fig_h
    bottom = 0.1 / fig_h
    legend_h = (0.25 + 0.2 * n_rows) / fig_h
    ax_bottom = bottom + table_h + 0.75 / fig_h
    ax = fig.add_axes([0.17, ax_bottom, 0.78, 1 - ax_bottom - legend_h - 0.35 / fig_h])
    for i, (label, d) in enumerate(groups):
        colour = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        km = km_table(d[tcol], d[ecol], **interval)
        med = kaplan_meier_median(d[tcol], d[ecol], **interval)[0]
        med_txt = f"{med:.1f}" if np.isfinite(med) else "not reached"
        ax.step(km["time"], km["survival"], where="post", color=colour, linewidth=1.6,
                label=f"{label} (n={len(d)}, events={int(d[ecol].sum())}, median {med_txt})")
        if len(groups) == 1:
            ax.fill_between(km["time"], km["ci_low"], km["ci_high"], step="post", color=colour,
                            alpha=0.15, linewidth=0,
                            label=f"{interval['conf_level'] * 100:g}% CI")
        cens = d[d[ecol] == 0][tcol]
        s_at = []
        if len(cens):
            idx = np.searchsorted(km["time"].to_numpy(), cens.to_numpy(), side="right") - 1
            s_at = km["survival"].to_numpy()[idx]
        ax.plot(cens, s_at, linestyle="none", marker="|", color=colour,
                markersize=8 if len(d) <= 200 else 3, markeredgewidth=1 if len(d) <= 200 else 0.4)
        if np.isfinite(med):
            ax.plot([0, med, med], [0.5, 0.5, 0], color=colour, linestyle=":", linewidth=0.8)
    ax.set_xlim(0, ticks[-1] * 1.02 if len(ticks) > 1 else tmax * 1.05 + 0.1)
    ax.set_ylim(0, 1.03)
    ax.set_xticks(ticks)
    ax.set_ylabel(f"{ENDPOINT_LABEL.get(endpoint, endpoint)} (probability)")
    ax.set_xlabel("Months")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False,
              borderaxespad=0.2)
    title = ENDPOINT_LABEL.get(endpoint, endpoint)
    if note:
        title += "  (" + "; ".join(note) + ")"
    fig.text(0.02, 1 - 0.12 / fig_h, title, fontsize=10, va="top", ha="left")
    tab = fig.add_axes([0.17, bottom, 0.78, table_h], sharex=ax)
    tab.set_ylim(-0.5, n_rows + 0.2)
    tab.axis("off")
    tab.text(0.02, n_rows - 0.1, "Number at risk",
             transform=blended_transform_factory(fig.transFigure, tab.transData),
             ha="left", va="center", fontsize=8, fontweight="bold")
    for i, (label, d) in enumerate(groups):
        row_y = n_rows - 1 - i
        colour = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        short = label.rsplit(": ", 1)[-1]
        tab.text(-0.05, row_y, short, transform=tab.get_yaxis_transform(), ha="right",
                 va="center", fontsize=8, color=colour)
        for x, n in zip(ticks, at_risk(d[tcol], ticks)):
            tab.text(x, row_y, str(n), ha="center", va="center", fontsize=8, color=colour)
    return save_figure(fig, out_prefix, dpi=dpi)


def _nice_step(tmax: float) -> float:
    for step in (1, 2, 3, 6, 12, 24, 48, 120):
        if tmax / step <= 8:
            return float(step)
    return float(10 ** np.ceil(np.log10(tmax / 8)))
