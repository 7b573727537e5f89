"""ctDNA figures: VAF over days, one line per variant (the trial paper's Figure 4 style).

``plot_ctdna_patient`` draws one patient; ``plot_ctdna_vaf`` a cohort panel of every patient with
plasma samples, each with its own day axis. Each line is labelled with its gene and protein change.
A segment between two samples is solid when the variant was detected at both and dashed when it
was not detected at one of them (no measured rise or fall is implied). Emergent variants (first
detected after baseline) are thick with a star at their first detection. Undetected samples are
hollow markers at 0. VAF is drawn in % (the tables hold fractions 0-1).
The clinical progression day (dashed, labelled PD) is ``pfs_months x days_per_month`` (30.44 by
default) for patients with ``pfs_event = 1``; day 0 (start of treatment) is a thin grey line.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from ..config import section
from ..ctdna import progression_day, settings
from . import OKABE_ITO, save_figure

# Okabe-Ito without yellow (too light on white) and black (kept for axes text).
LINE_COLOURS = [OKABE_ITO[k] for k in ("blue", "vermillion", "green", "purple", "orange", "sky",
                                       "grey")]
PD_COLOUR = OKABE_ITO["black"]
MOLECULAR_WORDS = {"responder": "ctDNA fell", "non_responder": "ctDNA did not fall",
                   "not_evaluable": "ctDNA change not measurable"}


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True or (isinstance(value, (bool, np.bool_)) and bool(value))


def _label(rows: pd.DataFrame) -> str:
    gene = rows["gene"].iloc[0] if isinstance(rows["gene"].iloc[0], str) else ""
    change = rows["protein_change"].iloc[0]
    change = change if isinstance(change, str) and change else rows["variant"].iloc[0]
    return f"{gene} {change}".strip()


def _clinical(samples: pd.DataFrame | None, pid: str) -> dict:
    if samples is None:
        return {}
    hit = samples[samples["patient_id"] == pid]
    return hit.iloc[0].to_dict() if len(hit) else {}


def _title(pid: str, clinical: dict, response: pd.DataFrame | None) -> str:
    parts = [pid]
    best = clinical.get("best_response")
    if isinstance(best, str) and best:
        parts.append(best)
    if response is not None and len(response):
        hit = response[response["patient_id"] == pid]
        if len(hit):
            status = str(hit["status"].iloc[0])
            parts.append(MOLECULAR_WORDS.get(status, status))
    return " \u00b7 ".join(parts)


def _draw(ax, traj: pd.DataFrame, pid: str, clinical: dict, config: dict | None, *,
          compact: bool, plasma: pd.DataFrame | None = None) -> list:
    """Draw one patient's trajectories on ``ax``; returns legend handles (full view)."""
    rows = traj[traj["patient_id"] == pid]
    handles, end_labels = [], []
    if plasma is not None:
        sample_days = sorted(plasma.loc[plasma["patient_id"] == pid, "day"].astype(float))
    else:
        sample_days = sorted(set(rows["day"].astype(float)))
    ax.axvline(0, color="#BBBBBB", lw=0.8, zorder=0)
    ymax = 0.0
    for n, (_, vrows) in enumerate(rows.groupby("variant", sort=False)):
        vrows = vrows.sort_values("day", kind="mergesort")
        colour = LINE_COLOURS[n % len(LINE_COLOURS)]
        days = vrows["day"].astype(float).to_numpy()
        vaf = 100 * vrows["vaf"].astype(float).fillna(0).to_numpy()
        detected = np.array([_flag(d) for d in vrows["detected"]])
        emergent = _flag(vrows["emergent"].iloc[0])
        ymax = max(ymax, float(np.nanmax(vaf)) if len(vaf) else 0.0)
        lw = (1.8 if compact else 2.4) if emergent else (0.9 if compact else 1.3)
        ms = 3.5 if compact else 6
        label = _label(vrows) + (" (emergent)" if emergent else "")
        line = _segments(ax, days, vaf, detected, colour, lw, zorder=3 if emergent else 2,
                         label=label)
        ax.plot(days[detected], vaf[detected], "o", color=colour, ms=ms, zorder=4)
        ax.plot(days[~detected], vaf[~detected], "o", mfc="white", mec=colour, ms=ms,
                zorder=4)
        if emergent and detected.any():
            first = int(np.argmax(detected))
            ax.plot(days[first], vaf[first], marker="*", color=colour, ms=ms * 2.6,
                    mec="black", mew=0.5, zorder=5)
        if compact:
            end_labels.append((vaf[-1], days[-1], _short(_label(vrows)), colour, emergent))
        handles.append(line)
    pd_day = progression_day(clinical, config) if clinical else None
    if pd_day is not None:
        ax.axvline(pd_day, color=PD_COLOUR, ls="--", lw=1.0, zorder=1)
        text = "PD" if compact else f"PD (PFS {clinical['pfs_months']:.1f} mo, day {pd_day:.0f})"
        ax.annotate(text, (pd_day, 1), xycoords=("data", "axes fraction"), xytext=(-3, -3),
                    textcoords="offset points", ha="right", va="top",
                    fontsize=6 if compact else 8, color=PD_COLOUR)
    if not len(rows):
        ax.text(0.5, 0.5, "no variant reported", transform=ax.transAxes, ha="center",
                va="center", fontsize=7 if compact else 9, color=OKABE_ITO["grey"])
        ax.set_yticks([])
    for day in sample_days:
        ax.axvline(day, color="#EEEEEE", lw=0.6, zorder=0)
    top = max(ymax * 1.18, 1.0)
    ax.set_ylim(0, top)
    _end_labels(ax, end_labels, top)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=6 if compact else 8)
    return handles


def _short(text: str) -> str:
    """'TP53 p.R248Q' -> 'TP53 R248Q' (end labels of the compact panels)."""
    return text.replace(" p.", " ")


def _segments(ax, days, vaf, detected, colour, lw, *, zorder, label):
    """Consecutive samples joined: solid where detected at both ends, dashed otherwise.
    Returns a legend handle."""
    for k in range(len(days) - 1):
        both = detected[k] and detected[k + 1]
        ax.plot(days[k:k + 2], vaf[k:k + 2], color=colour, lw=lw if both else lw * 0.8,
                ls="-" if both else (0, (3, 2)), zorder=zorder)
    return Line2D([], [], color=colour, lw=lw, label=label)


def _end_labels(ax, labels: list, top: float, gap: float = 0.075) -> None:
    """Gene names at the end of each line, pushed apart vertically so they do not overlap."""
    labels = sorted(labels, key=lambda x: (x[0], x[2]))
    ys, floor = [], -1.0
    for y, *_ in labels:
        ys.append(max(y / top, floor + gap))
        floor = ys[-1]
    overflow = ys[-1] - 1.0 if ys else 0
    if overflow > 0:  # shift the stack down, not below 0
        ys = [max(y - overflow, i * gap) for i, y in enumerate(ys)]
    for (_, day, text, colour, emergent), y in zip(labels, ys):
        ax.annotate(text, (day, y), xycoords=("data", "axes fraction"), xytext=(4, 0),
                    textcoords="offset points", fontsize=6, color=colour, va="center",
                    fontweight="bold" if emergent else "normal", annotation_clip=False)


def _sample_axis(ax, traj: pd.DataFrame, pid: str):
    """Timepoint labels along the top axis at each sample's day."""
    rows = traj[traj["patient_id"] == pid]
    first = rows[rows["variant"] == rows["variant"].iloc[0]] if len(rows) else rows
    days = list(first["day"].astype(float))
    lo, hi = ax.get_xlim()
    crowded = any(b - a < 0.12 * (hi - lo) for a, b in zip(days, days[1:]))
    top = ax.secondary_xaxis("top")
    top.set_xticks(days, labels=[str(t) for t in first["timepoint"]], fontsize=7,
                   rotation=35 if crowded else 0, ha="left" if crowded else "center",
                   rotation_mode="anchor")
    top.tick_params(length=2)
    top.spines["top"].set_visible(False)


def plot_ctdna_patient(trajectories: pd.DataFrame, patient_id: str, out_prefix,
                       samples: pd.DataFrame | None = None,
                       response: pd.DataFrame | None = None, config: dict | None = None):
    """One patient's VAF trajectories -> ``<out_prefix>.svg`` and ``.png``; returns the paths."""
    settings(config)
    clinical = _clinical(samples, patient_id)
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    handles = _draw(ax, trajectories, patient_id, clinical, config, compact=False)
    _sample_axis(ax, trajectories, patient_id)
    ax.set_xlabel("Days from start of treatment", fontsize=9)
    ax.set_ylabel("Variant allele fraction in plasma (%)", fontsize=9)
    ax.set_title(_title(patient_id, clinical, response), fontsize=10, loc="left", pad=18)
    if handles:
        extra = [Line2D([], [], marker="o", ls="", mfc="white", mec="black", ms=5,
                        label="not detected"),
                 Line2D([], [], marker="*", ls="", color="black", ms=9,
                        label="first detection (emergent)")]
        ax.legend(handles=handles + extra, fontsize=7, frameon=False, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    return save_figure(fig, out_prefix, dpi=section(config, "figures")["dpi"])


def plot_ctdna_vaf(trajectories: pd.DataFrame, out_prefix, samples: pd.DataFrame | None = None,
                   response: pd.DataFrame | None = None, plasma: pd.DataFrame | None = None,
                   config: dict | None = None, ncols: int = 4):
    """Cohort panel: one small panel per patient with plasma samples (plasma-sheet order).

    ``plasma`` (the plasma sheet) adds panels for patients with no variant reported.
    """
    cap = settings(config)["max_panel_patients"]
    pids = list(dict.fromkeys(list(plasma["patient_id"]) if plasma is not None else []))
    pids += [p for p in dict.fromkeys(trajectories["patient_id"]) if p not in pids]
    total = len(pids)
    if cap and total > cap:
        # Registry scale: the patients with emergent variants first, then the rest, in order.
        emergent = set(trajectories.loc[trajectories["emergent"].fillna(False).astype(bool),
                                        "patient_id"])
        pids = ([p for p in pids if p in emergent] + [p for p in pids if p not in emergent])[:cap]
    n = max(len(pids), 1)
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.9 * ncols + 0.4, 2.1 * nrows + 0.5),
                             squeeze=False)
    for ax, pid in zip(axes.flat, pids):
        clinical = _clinical(samples, pid)
        _draw(ax, trajectories, pid, clinical, config, compact=True, plasma=plasma)
        ax.set_title(_title(pid, clinical, response), fontsize=7, loc="left")
    for k, ax in enumerate(axes.flat):
        if k >= len(pids):
            ax.set_visible(False)
            if k >= ncols:  # the panel above ends its column: give it the day axis
                above = axes.flat[k - ncols]
                above.xaxis.set_tick_params(labelbottom=True)
                above.set_xlabel("Day", fontsize=7)
    if not pids:
        axes.flat[0].text(0.5, 0.5, "no plasma samples", ha="center", va="center")
    for ax in axes[:, 0]:
        ax.set_ylabel("plasma VAF (%)", fontsize=7)
    for ax in axes[-1, :]:
        ax.set_xlabel("Day", fontsize=7)
        ax.xaxis.set_tick_params(labelbottom=True)
    legend = [Line2D([], [], color="black", lw=1.8, label="emergent (first detected after "
                     "baseline)"),
              Line2D([], [], color=OKABE_ITO["grey"], lw=0.9, label="other variant"),
              Line2D([], [], color="black", lw=0.9, ls=(0, (3, 2)),
                     label="not detected at one end"),
              Line2D([], [], marker="o", ls="", mfc="white", mec="black", ms=4,
                     label="not detected"),
              Line2D([], [], color=PD_COLOUR, ls="--", lw=1.0,
                     label="clinical progression (PFS)")]
    fig.legend(handles=legend, loc="lower center", ncol=5, fontsize=7, frameon=False,
               bbox_to_anchor=(0.5, 0.0))
    top = 1.0
    if len(pids) < total:
        fig.suptitle(f"{len(pids)} of {total} patients shown (those with emergent variants "
                     "first); every patient: results/figures/ctdna/", fontsize=8, x=0.01,
                     ha="left")
        top = 1 - 0.35 / (2.0 * nrows + 0.5)
    fig.tight_layout(rect=(0, 0.3 / (2.0 * nrows + 0.5), 1, top), h_pad=1.2)
    return save_figure(fig, out_prefix, dpi=section(config, "figures")["dpi"])


def ctdna_figures(trajectories: pd.DataFrame, out_dir, samples: pd.DataFrame | None = None,
                  response: pd.DataFrame | None = None, plasma: pd.DataFrame | None = None,
                  config: dict | None = None) -> dict:
    """The cohort panel ``ctdna_vaf`` and one ``ctdna_<patient>`` figure per patient.

    Returns {name: (svg_path, png_path)}; patients without any variant get no own figure.
    """
    out_dir = Path(out_dir)
    paths = {"ctdna_vaf": plot_ctdna_vaf(trajectories, out_dir / "ctdna_vaf", samples,
                                         response, plasma, config)}
    for pid in dict.fromkeys(trajectories["patient_id"]):
        name = f"ctdna_{pid}"
        paths[name] = plot_ctdna_patient(trajectories, pid, out_dir / name, samples, response,
                                         config)
    return paths
