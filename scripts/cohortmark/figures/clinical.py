"""Clinical figures from the patient sheet: waterfall of best % change and swimmer plot."""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..schema import BEST_RESPONSES
from . import RESPONSE_COLOURS, save_figure

UNKNOWN_RESPONSE = "unknown"
UNKNOWN_COLOUR = "#FFFFFF"
LABEL_LIMIT = 60  # label each patient on the axis up to this many patients


def response_of(sheet: pd.DataFrame) -> pd.Series:
    """Best response per row with missing values as ``unknown``."""
    return sheet["best_response"].where(sheet["best_response"].notna(), UNKNOWN_RESPONSE)


def response_colour(response: str) -> str:
    return RESPONSE_COLOURS.get(response, UNKNOWN_COLOUR)


def response_handles(present) -> list:
    """Legend handles for the responses present (RECIST order, unknown last)."""
    order = [r for r in BEST_RESPONSES + [UNKNOWN_RESPONSE] if r in set(present)]
    return [Patch(facecolor=response_colour(r), edgecolor="#444444", linewidth=0.5, label=r)
            for r in order]


def waterfall_order(sheet: pd.DataFrame) -> pd.DataFrame:
    """Patients with a measured best % change, largest growth first (the usual waterfall order)."""
    df = sheet[sheet["best_pct_change"].notna()].copy()
    return df.sort_values(["best_pct_change", "patient_id"], ascending=[False, True],
                          kind="mergesort").reset_index(drop=True)


def plot_waterfall(sheet: pd.DataFrame, out_prefix: str | os.PathLike, *, dpi: int = 150):
    """Bars of best % change coloured by best response, with the RECIST +20% and -30% lines.

    Non-evaluable patients are hatched; patients without a measurement are listed under the axis.
    """
    df = waterfall_order(sheet)
    missing = sheet.loc[sheet["best_pct_change"].isna(), "patient_id"].tolist()
    n = len(df)
    width = min(12.0, max(5.0, 1.2 + 0.32 * n))
    fig, ax = plt.subplots(figsize=(width, 4.2))
    x = np.arange(n)
    resp = response_of(df)
    colours = [response_colour(r) for r in resp]
    many = n > 200
    if many:
        # Registry scale: one line collection instead of thousands of bar patches (5,000
        # patches take seconds to draw and megabytes of SVG); non-evaluable patients faded.
        ev = df["evaluable"].astype(bool).to_numpy()
        values = df["best_pct_change"].to_numpy(dtype=float)
        lw = max(0.3, 0.9 * width * 72 / n)
        for mask, alpha in ((ev, 1.0), (~ev, 0.35)):
            if mask.any():
                ax.vlines(x[mask], 0, values[mask], colors=np.array(colours, dtype=object)[mask],
                          linewidth=lw, alpha=alpha)
    else:
        bars = ax.bar(x, df["best_pct_change"], width=0.8, color=colours, edgecolor="#333333",
                      linewidth=0.4)
        for bar, ev in zip(bars, df["evaluable"]):
            if not ev:
                bar.set_hatch("////")
                bar.set_edgecolor("#333333")
    ax.axhline(20, color="#444444", linestyle="--", linewidth=0.8)
    ax.axhline(-30, color="#444444", linestyle="--", linewidth=0.8)
    ax.axhline(0, color="black", linewidth=0.6)
    lo = min(-40.0, float(df["best_pct_change"].min()) - 5) if n else -40.0
    hi = max(30.0, float(df["best_pct_change"].max()) + 5) if n else 30.0
    ax.set_ylim(lo, hi)
    ax.text(1.005, 20, "+20%", transform=ax.get_yaxis_transform(), va="center", fontsize=8)
    ax.text(1.005, -30, "\u221230%", transform=ax.get_yaxis_transform(), va="center", fontsize=8)
    ax.set_xlim(-0.7, max(n, 1) - 0.3)
    if n <= LABEL_LIMIT:
        ax.set_xticks(x)
        ax.set_xticklabels(df["patient_id"], rotation=90, fontsize=8)
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{n} patients, ordered by best % change")
    ax.set_ylabel("Best change in target lesions from baseline (%)")
    ax.spines[["top", "right"]].set_visible(False)
    handles = response_handles(resp)
    if not df["evaluable"].all():
        handles.append(Patch(facecolor="white", edgecolor="#333333", hatch="////",
                             label="not evaluable"))
    ax.legend(handles=handles, title="Best response", fontsize=8, title_fontsize=8,
              loc="upper right", frameon=False)
    title = "Best change in target lesions"
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10
                                           else "")
        ax.set_title(f"{title}\nnot measured ({len(missing)}): {shown}", fontsize=9, loc="left")
    else:
        ax.set_title(title, fontsize=10, loc="left")
    fig.tight_layout()
    return save_figure(fig, out_prefix, dpi=dpi)


def swimmer_order(sheet: pd.DataFrame) -> pd.DataFrame:
    """Patients with a time on treatment, longest on top."""
    df = sheet[sheet["treatment_months"].notna()].copy()
    return df.sort_values(["treatment_months", "patient_id"], ascending=[True, False],
                          kind="mergesort").reset_index(drop=True)


def plot_swimmer(sheet: pd.DataFrame, out_prefix: str | os.PathLike, *, max_patients: int = 60,
                 dpi: int = 150):
    """Time on treatment per patient coloured by best response; progression marked with a
    cross, death with a diamond, an arrow for patients still on treatment.

    Above ``max_patients`` only the ``max_patients`` longest on treatment are drawn, and the
    title says so (a swimmer lane per patient is unreadable for a registry).
    """
    df = swimmer_order(sheet)
    n_all = len(df)
    if n_all > max_patients:
        df = df.tail(max_patients).reset_index(drop=True)
    n = len(df)
    missing = sheet.loc[sheet["treatment_months"].isna(), "patient_id"].tolist()
    many = n > LABEL_LIMIT
    height = min(14.0, max(3.0, 1.4 + (0.26 * n if not many else 0.012 * n + 4)))
    fig, ax = plt.subplots(figsize=(8.0, height))
    y = np.arange(n)
    resp = response_of(df)
    ax.barh(y, df["treatment_months"], height=0.9 if many else 0.7,
            color=[response_colour(r) for r in resp],
            edgecolor="none" if many else "#333333", linewidth=0.4)
    tmax = float(df["treatment_months"].max()) if n else 1.0
    xmax = max(tmax, float(np.nanmax(df["pfs_months"])) if df["pfs_months"].notna().any()
               else 0.0) * 1.12 + 0.5
    ms = 3 if many else 6
    prog = df[(df["pfs_event"] == 1) & df["pfs_months"].notna()]
    ax.plot(prog["pfs_months"], prog.index, linestyle="none", marker="X", color="black",
            markersize=ms, label="progression")
    dead = df[(df["os_event"] == 1) & df["os_months"].notna() & (df["os_months"] <= xmax)]
    ax.plot(dead["os_months"], dead.index, linestyle="none", marker="D", color="#555555",
            markersize=ms * 0.7, label="death")
    ongoing = df[[v is True or v == 1 for v in df["on_treatment"]]]
    for idx, row in ongoing.iterrows():
        ax.annotate("", xy=(row["treatment_months"] + xmax * 0.05, idx),
                    xytext=(row["treatment_months"], idx),
                    arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 0.8,
                                "shrinkA": 0, "shrinkB": 0})
    ax.set_xlim(0, xmax)
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
        Line2D([], [], linestyle="none", marker="X", color="black", label="progression"),
        Line2D([], [], linestyle="none", marker="D", color="#555555", markersize=4,
               label="death"),
        Line2D([], [], linestyle="none", marker=r"$\rightarrow$", color="black", markersize=10,
               label="still on treatment"),
    ]
    ax.legend(handles=handles, fontsize=8, loc="lower right", frameon=False)
    title = "Time on treatment"
    if n < n_all:
        title += f": the {n} patients longest on treatment, of {n_all}"
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10
                                           else "")
        title += f"\nno time on treatment ({len(missing)}): {shown}"
    ax.set_title(title, fontsize=9 if missing or n < n_all else 10, loc="left")
    fig.tight_layout()
    return save_figure(fig, out_prefix, dpi=dpi)

