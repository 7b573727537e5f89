"""Clinical figures from the patient sheet: waterfall of best % change and swimmer plot."""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..schema import BEST_RESPONSES
from . import NP_EDGE, NP_FACE, NP_HATCH, RESPONSE_COLOURS, save_figure
from .biomarker import biomarker_groups, label, parse_split
from .heatmap_data import UNKNOWN_RESPONSE, response_of

LABEL_LIMIT = 60  # label each patient on the axis up to this many patients
STRIP_COLOURS = {"altered": "#000000", "not altered": "#FFFFFF"}


def response_colour(response: str) -> str:
    return RESPONSE_COLOURS.get(response, "#FFFFFF")


def response_handles(present) -> list:
    """Legend handles for the responses present (RECIST order, unknown last)."""
    order = [r for r in BEST_RESPONSES + [UNKNOWN_RESPONSE] if r in set(present)]
    return [Patch(facecolor=response_colour(r), edgecolor="#444444", linewidth=0.5, label=r)
            for r in order]


def _flag(values) -> np.ndarray:
    """True/1/'true'/'yes' -> True; anything else (missing included) -> False."""
    return np.array([v is True or v == 1 or (isinstance(v, str) and v.strip().lower() in
                                             ("true", "yes", "1")) for v in values], bool)


def _listed(ids: list[str], limit: int = 10) -> str:
    return ", ".join(ids[:limit]) + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


# --- waterfall ------------------------------------------------------------------------------

def waterfall_order(sheet: pd.DataFrame) -> pd.DataFrame:
    """Patients with a measured best % change, largest growth first (the usual waterfall order)."""
    df = sheet[sheet["best_pct_change"].notna()].copy()
    return df.sort_values(["best_pct_change", "patient_id"], ascending=[False, True],
                          kind="mergesort").reset_index(drop=True)


def plot_waterfall(sheet: pd.DataFrame, out_prefix: str | os.PathLike, *, new_lesions_column: str,
                   biomarker: str | None, alterations: pd.DataFrame | None,
                   amplification_calls, deletion_calls, dpi: int):
    """Bars of best % change coloured by best response, RECIST +20% and -30% lines.

    Non-evaluable patients hatched (faded above 200 patients); progression by new lesions
    (``new_lesions_column`` true) marked with an asterisk; with ``biomarker`` ("GENE" or
    "GENE:alteration") a strip under the bars: altered black, not altered white, not profiled
    grey. Patients without a measurement are listed in the title.
    """
    df = waterfall_order(sheet)
    missing = sheet.loc[sheet["best_pct_change"].isna(), "patient_id"].tolist()
    n = len(df)
    many = n > 200
    width = min(12.0, max(6.5, 2.2 + 0.32 * n))
    strip_h = 0.3 if biomarker else 0.0
    fig_h = 4.4 + strip_h
    left, axw = 1.3 / width, 1 - 2.55 / width
    fig = plt.figure(figsize=(width, fig_h))
    ax = fig.add_axes([left, (0.75 + strip_h) / fig_h, axw, 3.0 / fig_h])
    x = np.arange(n)
    resp = response_of(df)
    colours = np.array([response_colour(r) for r in resp], dtype=object)
    values = df["best_pct_change"].to_numpy(dtype=float)
    ev = df["evaluable"].astype(bool).to_numpy()
    if many:
        # Registry scale: one line collection per evaluability, drawn as an embedded image
        # (5,000 vector bars are megabytes of SVG); non-evaluable patients faded.
        lw = max(0.3, 0.78 * width * 72 / n)
        for mask, alpha in ((ev, 1.0), (~ev, 0.35)):
            if mask.any():
                ax.vlines(x[mask], 0, values[mask], colors=colours[mask], linewidth=lw,
                          alpha=alpha, rasterized=True)
    else:
        bars = ax.bar(x, values, width=0.8, color=colours, edgecolor="#333333", linewidth=0.4)
        for bar, e in zip(bars, ev):
            if not e:
                bar.set_hatch(NP_HATCH)
    new = _flag(df[new_lesions_column]) if new_lesions_column in df.columns else np.zeros(n, bool)
    lo = min(-40.0, float(values.min()) - 5) if n else -40.0
    hi = max(30.0, float(values.max()) + 5) if n else 30.0
    span = hi - lo
    if new.any() and not many:
        ax.plot(x[new], values[new] + np.where(values[new] >= 0, 0.03, -0.03) * span,
                linestyle="none", marker="*", color="black", markersize=7,
                gid="waterfall-new-lesions")
        hi = max(hi, float(values[new].max()) + 0.08 * span)
    elif new.any():  # registry scale: one row of ticks along the top instead of a smear of stars
        hi += 0.08 * span
        ax.plot(x[new], np.full(new.sum(), hi - 0.03 * span), linestyle="none", marker="|",
                color="black", markersize=5, markeredgewidth=0.5, rasterized=True,
                gid="waterfall-new-lesions")
        ax.text(0.0, hi - 0.03 * span, "PD by new lesions ", ha="right", va="center",
                fontsize=7, transform=ax.get_yaxis_transform())
    for yv, txt in ((20, "+20%"), (-30, "\u221230%")):
        ax.axhline(yv, color="#444444", linestyle="--", linewidth=0.8)
        ax.text(1.005, yv, txt, transform=ax.get_yaxis_transform(), va="center", fontsize=8)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_ylim(lo, hi)
    ax.set_xlim(-0.7, max(n, 1) - 0.3)
    ax.set_ylabel("Best change in target lesions\nfrom baseline (%)")
    ax.spines[["top", "right"]].set_visible(False)
    handles = response_handles(resp)
    if not ev.all():
        handles.append(Patch(facecolor="white", edgecolor="#333333", hatch=NP_HATCH,
                             label="not evaluable"))
    if new.any():
        handles.append(Line2D([], [], linestyle="none", marker="|" if many else "*",
                              color="black", label="PD by new lesions"))
    ax.legend(handles=handles, title="Best response", fontsize=8, title_fontsize=8,
              loc="upper right", frameon=False)
    labels_ax = ax
    if biomarker:
        gene, kind = parse_split(biomarker, field="figures.waterfall_biomarker")
        groups = biomarker_groups(alterations, gene, kind, amplification_calls, deletion_calls,
                                  field="figures.waterfall_biomarker")
        g = groups.reindex(df["patient_id"]).to_numpy(dtype=object)
        sax = fig.add_axes([left, 0.75 / fig_h, axw, 0.2 / fig_h], sharex=ax)
        strip = [STRIP_COLOURS.get(v, NP_FACE) if v is not None else NP_FACE for v in g]
        sax.bar(x, np.ones(n), width=1.0 if many else 0.8, color=strip,
                edgecolor="none" if many else "#888888", linewidth=0.4, rasterized=many)
        sax.set_ylim(0, 1)
        sax.set_yticks([])
        sax.spines[["top", "right", "left", "bottom"]].set_visible(False)
        sax.text(1.005, 0.5, label(gene, kind), transform=sax.transAxes, ha="left",
                 va="center", fontsize=7.5, fontstyle="italic")
        ax.tick_params(labelbottom=False)
        labels_ax = sax
        fig.legend(handles=[Patch(facecolor="#000000", label="altered"),
                            Patch(facecolor="#FFFFFF", edgecolor="#888888", label="not altered"),
                            Patch(facecolor=NP_FACE, edgecolor=NP_EDGE, label="not profiled")],
                   loc="lower right", ncol=3, fontsize=7, frameon=False,
                   bbox_to_anchor=(0.99, 0.0))
    if n <= LABEL_LIMIT:
        labels_ax.set_xticks(x)
        labels_ax.set_xticklabels(df["patient_id"], rotation=90, fontsize=8)
    else:
        labels_ax.set_xticks([])
        labels_ax.set_xlabel(f"{n} patients, ordered by best % change", fontsize=8)
    title = "Best change in target lesions"
    if missing:
        title += f"\nnot measured ({len(missing)}): {_listed(missing)}"
    fig.text(0.01, 0.985, title, fontsize=9.5, va="top", ha="left")
    return save_figure(fig, out_prefix, dpi=dpi)


# --- swimmer --------------------------------------------------------------------------------

EVENT_STYLE = {  # kind: (marker, colour, size, label)
    "response": ("^", "#FFFFFF", 6, "response (onset)"),
    "progression": ("X", "#000000", 7, "progression"),
    "death": ("D", "#000000", 5, "death"),
}


def swimmer_events(sheet: pd.DataFrame, response_column: str) -> pd.DataFrame:
    """Every event of the sheet a swimmer lane shows: patient_id, kind (response,
    progression, death), months. Progression at ``pfs_months`` when ``pfs_event`` is 1; death
    at ``os_months`` when ``os_event`` is 1; response onset at ``response_column`` (months)
    when the sheet has it."""
    parts = []
    if response_column in sheet.columns:
        t = pd.to_numeric(sheet[response_column], errors="coerce")
        parts.append(pd.DataFrame({"patient_id": sheet["patient_id"], "kind": "response",
                                   "months": t})[t.notna().to_numpy()])
    for kind, tcol, ecol in (("progression", "pfs_months", "pfs_event"),
                             ("death", "os_months", "os_event")):
        hit = (sheet[ecol] == 1) & sheet[tcol].notna()
        parts.append(pd.DataFrame({"patient_id": sheet.loc[hit, "patient_id"], "kind": kind,
                                   "months": sheet.loc[hit, tcol].astype(float)}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["patient_id", "kind", "months"])


def swimmer_order(sheet: pd.DataFrame) -> pd.DataFrame:
    """Patients with a time on treatment or a follow-up time; longest on treatment on top."""
    df = sheet[sheet["treatment_months"].notna() | sheet["os_months"].notna()].copy()
    df["_t"] = df["treatment_months"].fillna(0)
    return df.sort_values(["_t", "os_months", "patient_id"], ascending=[True, True, False],
                          kind="mergesort").drop(columns="_t").reset_index(drop=True)


def plot_swimmer(sheet: pd.DataFrame, out_prefix: str | os.PathLike, *, max_patients: int,
                 response_column: str, dpi: int):
    """One lane per patient: a bar for time on treatment (coloured by best response), then a
    thin line of follow-up to last contact or death (``os_months``); markers for response
    onset, progression and death; an arrow for patients still on treatment. The axis runs to
    the longest follow-up, so no event is cut off.

    Above ``max_patients`` only the ``max_patients`` longest on treatment are drawn, and the
    title says so.
    """
    df = swimmer_order(sheet)
    n_all = len(df)
    if n_all > max_patients:
        df = df.tail(max_patients).reset_index(drop=True)
    n = len(df)
    missing = sheet.loc[sheet["treatment_months"].isna() & sheet["os_months"].isna(),
                        "patient_id"].tolist()
    events = swimmer_events(df, response_column)
    lane = {pid: i for i, pid in enumerate(df["patient_id"])}
    many = n > LABEL_LIMIT
    height = min(14.0, max(3.2, 1.6 + (0.26 * n if not many else 0.012 * n + 4)))
    fig, ax = plt.subplots(figsize=(8.5, height))
    y = np.arange(n)
    resp = response_of(df)
    treat = df["treatment_months"].to_numpy(float)
    follow = df["os_months"].to_numpy(float)
    ends = np.fmax(np.nan_to_num(treat), np.nan_to_num(follow))
    ax.hlines(y, np.nan_to_num(treat), ends, color="#777777", linewidth=0.9, zorder=1,
              gid="swimmer-follow-up")
    ax.barh(y, np.nan_to_num(treat), height=0.9 if many else 0.62,
            color=[response_colour(r) for r in resp],
            edgecolor="none" if many else "#333333", linewidth=0.4, zorder=2)
    all_times = np.concatenate([ends, events["months"].to_numpy(float)]) if n else np.zeros(1)
    xmax = float(np.nanmax(all_times)) if len(all_times) else 1.0
    xmax = xmax if np.isfinite(xmax) and xmax > 0 else 1.0
    ms = 0.5 if many else 1.0
    for kind, (marker, colour, size, _) in EVENT_STYLE.items():
        ev = events[events["kind"] == kind]
        ax.plot(ev["months"], ev["patient_id"].map(lane), linestyle="none", marker=marker,
                color=colour, markeredgecolor="black", markersize=size * ms, zorder=4,
                gid=f"swimmer-{kind}")
    ongoing = _flag(df["on_treatment"]) & np.isfinite(treat)
    arrow = xmax * 0.04
    for idx in np.flatnonzero(ongoing):
        ax.annotate("", xy=(treat[idx] + arrow, idx), xytext=(treat[idx], idx),
                    arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 0.8,
                                "shrinkA": 0, "shrinkB": 0}, zorder=3)
    ax.set_xlim(0, xmax * 1.06 + arrow)
    ax.set_ylim(-0.7, max(n, 1) - 0.3)
    if not many:
        ax.set_yticks(y)
        ax.set_yticklabels(df["patient_id"], fontsize=8)
    else:
        ax.set_yticks([])
        ax.set_ylabel(f"{n} patients, ordered by time on treatment")
    ax.set_xlabel("Months from start of treatment")
    ax.spines[["top", "right"]].set_visible(False)
    handles = response_handles(resp) + [
        Line2D([], [], color="#777777", linewidth=0.9, label="follow-up (to last contact\n"
                                                              "or death)")]
    handles += [Line2D([], [], linestyle="none", marker=m, color=c, markeredgecolor="black",
                       markersize=s * 0.8, label=lab)
                for kind, (m, c, s, lab) in EVENT_STYLE.items()
                if kind != "response" or response_column in sheet.columns]
    handles.append(Line2D([], [], linestyle="none", marker=r"$\rightarrow$", color="black",
                          markersize=10, label="still on treatment"))
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              frameon=False, borderaxespad=0)
    title = "Time on treatment and follow-up"
    if n < n_all:
        title += f": the {n} patients longest on treatment, of {n_all}"
    if missing:
        title += f"\nno time on treatment or follow-up ({len(missing)}): {_listed(missing)}"
    ax.set_title(title, fontsize=9 if missing or n < n_all else 10, loc="left")
    fig.tight_layout()
    return save_figure(fig, out_prefix, dpi=dpi)
