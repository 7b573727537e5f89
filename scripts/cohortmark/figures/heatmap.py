"""Biomarker heatmap (the trial paper's Figure 3, done well).

Patients are columns ordered by best % change under a waterfall track; clinical tracks follow
(best response, evaluable, PFS, any sheet columns the user names); panel genes are rows grouped
by the panel's groups. A cell's colour is the copy-number call, a glyph marks a mutation, and
*not profiled* is hatched grey - never white like wild type. Above ``max_columns`` patients the
columns are bins of patients (within each best-response group, sorted by best % change): each
cell then shows the share of each call as a stacked bar and the share mutated as a dot size.
"""

from __future__ import annotations

import math
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PatchCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..errors import InputError
from ..schema import BEST_RESPONSES, MUTATION_CLASSES
from . import OKABE_ITO, save_figure
from .clinical import UNKNOWN_RESPONSE, response_colour

# ColorBrewer RdBu (colour-blind safe): red = gain of copies, blue = loss.
CN_COLOURS = {"AMP": "#B2182B", "GAIN": "#F4A582", "NEUTRAL": "#FFFFFF", "LOSS": "#92C5DE",
              "HOMDEL": "#2166AC"}
CN_ORDER = ["AMP", "GAIN", "HOMDEL", "LOSS", "NEUTRAL", "NP"]  # stacking order, bottom up
NP_FACE, NP_EDGE, NP_HATCH = "#B4B4B4", "#555555", "////"
CN_LABELS = {"AMP": "amplification", "GAIN": "gain", "NEUTRAL": "neutral / wild type",
             "LOSS": "loss (1 copy)", "HOMDEL": "deep deletion"}
MUT_MARKERS = {"truncating": "s", "splice": "D", "missense": "o", "inframe": "^", "other": "X",
               "unannotated": "P"}
CATEGORY_COLOURS = [OKABE_ITO[k] for k in ("blue", "orange", "green", "purple", "sky",
                                           "vermillion", "yellow", "black")]
RESPONSE_ORDER = BEST_RESPONSES + [UNKNOWN_RESPONSE]
GRID = "#D0D0D0"


# --------------------------------------------------------------------------------------
# pure layout and summaries

def column_layout(sheet: pd.DataFrame, max_columns: int = 150, bins: int = 60) -> pd.DataFrame:
    """One row per patient: patient_id, column (0..), x (position), binned (bool).

    Up to ``max_columns`` patients: one column each, ordered by best % change (most shrinkage
    first; unmeasured last). Above: patients grouped by best response (RECIST order), sorted
    by best % change inside a group, and cut into about ``bins`` columns shared between the
    groups in proportion to their size (at least one each); groups are separated by a gap.
    """
    df = sheet[["patient_id", "best_response", "best_pct_change"]].copy()
    df["response"] = df["best_response"].where(df["best_response"].notna(), UNKNOWN_RESPONSE)
    df["_r"] = df["response"].map({r: i for i, r in enumerate(RESPONSE_ORDER)})
    n = len(df)
    if n <= max_columns:
        df = df.sort_values(["best_pct_change", "_r", "patient_id"], na_position="last",
                            kind="mergesort").reset_index(drop=True)
        df["column"] = np.arange(n)
        df["x"] = df["column"].astype(float)
        df["binned"] = False
        return df.drop(columns=["_r", "best_response"])
    df = df.sort_values(["_r", "best_pct_change", "patient_id"], na_position="last",
                        kind="mergesort").reset_index(drop=True)
    sizes = df.groupby("_r", sort=True).size()
    alloc = {r: max(1, int(round(bins * s / n))) for r, s in sizes.items()}
    col, x, cols, xs = 0, 0.0, [], []
    for r, size in sizes.items():
        k = min(alloc[r], size)
        edges = np.linspace(0, size, k + 1).round().astype(int)
        for b in range(k):
            m = edges[b + 1] - edges[b]
            cols += [col] * m
            xs += [x] * m
            col += 1
            x += 1.0
        x += 0.8  # gap between response groups
    df["column"] = cols
    df["x"] = xs
    df["binned"] = True
    return df.drop(columns=["_r", "best_response"])


def cn_category(alterations: pd.DataFrame) -> pd.Series:
    """AMP/GAIN/NEUTRAL/LOSS/HOMDEL, or NP when copy number was not profiled."""
    call = alterations["cn_call"].where(alterations["cn_call"].isin(CN_COLOURS), "NEUTRAL")
    return call.where(alterations["cn_status"] != "not_profiled", "NP")


def cell_summary(alterations: pd.DataFrame, layout: pd.DataFrame) -> pd.DataFrame:
    """Per (column, gene): n, share of each CN category, share not profiled for mutations,
    share mutated among the mutation-profiled, and the most severe mutation class."""
    df = alterations[["patient_id", "gene", "cn_status", "cn_call", "mut_status",
                      "mutation_class"]].merge(layout[["patient_id", "column"]], on="patient_id")
    df["cn"] = cn_category(df)
    df["mut_np"] = df["mut_status"] == "not_profiled"
    df["mutated"] = df["mut_status"] == "altered"
    rank = {c: i for i, c in enumerate(MUTATION_CLASSES)}
    df["mut_rank"] = df["mutation_class"].map(rank).where(df["mutated"])
    df.loc[df["mutated"] & df["mut_rank"].isna(), "mut_rank"] = rank["other"]
    counts = pd.crosstab([df["column"], df["gene"]], df["cn"])
    counts = counts.reindex(columns=CN_ORDER, fill_value=0)
    g = df.groupby(["column", "gene"])
    out = counts.div(counts.sum(axis=1), axis=0)
    out["n"] = counts.sum(axis=1)
    out["mut_np"] = g["mut_np"].mean()
    profiled = g["mut_np"].apply(lambda s: (~s).sum())
    out["mut_frac"] = (g["mutated"].sum() / profiled.replace(0, np.nan)).fillna(0.0)
    worst = g["mut_rank"].min()
    out["mut_class"] = worst.map(lambda v: MUTATION_CLASSES[int(v)] if pd.notna(v) else None)
    return out.reset_index()


def gene_rows(panel: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[float, str]]]:
    """Panel genes with a y position, grouped by panel group (in order of first appearance);
    returns (genes with y, group headers as (y, label))."""
    groups = list(dict.fromkeys(panel["group"].fillna("")))
    y, rows, headers = 0.0, [], []
    for grp in groups:
        members = panel[panel["group"].fillna("") == grp]["gene"]
        if grp:
            headers.append((y, grp.replace("_", " ")))
            y += 0.9
        for gene in members:
            rows.append((gene, grp, y))
            y += 1.0
        y += 0.3
    return pd.DataFrame(rows, columns=["gene", "group", "y"]), headers


def gene_frequencies(alterations: pd.DataFrame) -> pd.DataFrame:
    """Per gene: n_altered (copy number or mutation altered) and n_assessed (altered, or
    profiled for both - a patient profiled for one only and not altered there is unknown)."""
    altered = (alterations["cn_status"] == "altered") | (alterations["mut_status"] == "altered")
    both = ((alterations["cn_status"] != "not_profiled")
            & (alterations["mut_status"] != "not_profiled"))
    df = alterations.assign(assessed=altered | both, altered=altered)
    out = df.groupby("gene").agg(n_assessed=("assessed", "sum"), n_altered=("altered", "sum"))
    return out.reset_index()


def gene_pvalues(associations: pd.DataFrame | None, endpoint: str = "response") -> pd.DataFrame:
    """Per gene: the smallest p-value for ``endpoint`` over alterations and tests, with the
    alteration it belongs to and its q-value."""
    cols = ["gene", "alteration", "p_value", "q_value"]
    if associations is None or associations.empty:
        return pd.DataFrame(columns=cols)
    df = associations[(associations["endpoint"] == endpoint) & associations["p_value"].notna()]
    df = df.sort_values(["gene", "p_value", "alteration"], kind="mergesort")
    return df.drop_duplicates("gene")[cols].reset_index(drop=True)


def track_values(sheet: pd.DataFrame, tracks: list[str]) -> dict[str, pd.Series]:
    """The user-named clinical columns (numbers where every value parses as one)."""
    out = {}
    for name in tracks:
        if name not in sheet.columns:
            raise InputError(f"heatmap track {name!r} is not a column of the patient sheet",
                             field="figures.heatmap_tracks")
        col = sheet[name]
        num = pd.to_numeric(col, errors="coerce")
        out[name] = num if (num.notna() == col.notna()).all() and col.notna().any() else col
    return out


# --------------------------------------------------------------------------------------
# drawing

def _stack(ax, x, y0, h, shares, colours, width=1.0):
    """Vertical stack of shares within a cell (top row of the cell is y0, height h)."""
    rects, hatched = [], []
    top = y0 + h
    for key, share in shares:
        if share <= 0:
            continue
        r = Rectangle((x, top - share * h), width, share * h)
        if key == "NP":
            hatched.append((r, NP_FACE))
        else:
            rects.append((r, colours.get(key, "#FFFFFF")))
        top -= share * h
    return rects, hatched


def _add(ax, items, hatch=None, edge="none", lw=0.0):
    if not items:
        return
    pc = PatchCollection([r for r, _ in items], facecolors=[c for _, c in items],
                         edgecolors=NP_EDGE if hatch else edge, linewidths=0.0 if hatch else lw)
    if hatch:
        pc.set_hatch(hatch)
    ax.add_collection(pc)


def plot_biomarker_heatmap(alterations: pd.DataFrame, sheet: pd.DataFrame, panel: pd.DataFrame,
                           out_prefix: str | os.PathLike, *,
                           associations: pd.DataFrame | None = None,
                           tracks: list[str] | None = None, max_columns: int = 150,
                           bins: int = 60, pvalue_endpoint: str = "response", dpi: int = 150):
    """Draw the heatmap and save it as SVG and PNG (see the module docstring)."""
    tracks = list(tracks or [])
    layout = column_layout(sheet, max_columns, bins)
    binned = bool(layout["binned"].any()) if len(layout) else False
    cols = layout.groupby("column").agg(
        x=("x", "first"), n=("patient_id", "size"), response=("response", "first"),
        pct=("best_pct_change", _median), first=("patient_id", "first")).reset_index()
    ncol = len(cols)
    xmax = float(cols["x"].max()) + 1 if ncol else 1.0
    genes, headers = gene_rows(panel)
    cells = cell_summary(alterations, layout).merge(genes[["gene", "y"]], on="gene")
    freq = gene_frequencies(alterations).set_index("gene")
    pvals = gene_pvalues(associations, pvalue_endpoint).set_index("gene")
    sh = sheet.set_index("patient_id")
    extra = track_values(sheet, tracks)

    # ---- geometry in inches
    cell_w = min(0.30, max(0.055, 7.0 / max(xmax, 1)))
    row_h = 0.3 if binned else 0.22
    left, right = 1.25, 2.4
    mat_w = xmax * cell_w
    mat_h = (genes["y"].max() + 1.3) * row_h if len(genes) else 1.0
    track_defs = [("Best response", "cat", 0.17), ("Evaluable", "cat", 0.17),
                  ("PFS (months)", "bar", 0.42)]
    for name in tracks:
        kind = "bar" if pd.api.types.is_numeric_dtype(extra[name]) else "cat"
        track_defs.append((name, kind, 0.42 if kind == "bar" else 0.17))
    wf_h = 1.25
    gap = 0.05
    legend_rows = _legend_rows(len(tracks), max(left + mat_w + right, 9.0))
    legend_h = 0.25 + 1.35 * legend_rows
    tracks_h = sum(h + gap for _, _, h in track_defs)
    top_margin = 0.45
    fig_w = max(left + mat_w + right, 9.0)
    fig_h = top_margin + wf_h + 0.12 + tracks_h + 0.12 + mat_h + legend_h
    fig = plt.figure(figsize=(fig_w, fig_h))

    def axes(y_top_in, h_in):
        return fig.add_axes([left / fig_w, 1 - (y_top_in + h_in) / fig_h, mat_w / fig_w,
                             h_in / fig_h])

    y_in = top_margin
    # ---- waterfall track
    ax = axes(y_in, wf_h)
    pct = cols["pct"].to_numpy(dtype=float)
    ok = np.isfinite(pct)
    ax.bar(cols["x"][ok] + 0.5, pct[ok], width=0.85 if not binned else 0.95,
           color=[response_colour(r) for r in cols["response"][ok]], edgecolor="none")
    ax.plot(cols["x"][~ok] + 0.5, np.zeros((~ok).sum()), linestyle="none", marker="x",
            color="#777777", markersize=4)
    for yv in (20, -30):
        ax.axhline(yv, color="#555555", linestyle="--", linewidth=0.6)
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xlim(0, xmax)
    lo = min(-40.0, np.nanmin(pct) - 5) if ok.any() else -40.0
    hi = max(30.0, np.nanmax(pct) + 5) if ok.any() else 30.0
    ax.set_ylim(lo, hi)
    ax.set_xticks([])
    ax.spines[["top", "right", "bottom"]].set_visible(False)
    ax.tick_params(labelsize=7)
    ax.set_ylabel("best %\nchange" + ("\n(bin median)" if binned else ""), fontsize=7.5,
                  rotation=0, ha="right", va="center")
    title = "Biomarker heatmap"
    title += (f": {len(layout)} patients in {ncol} columns (bins within each best response, "
              "sorted by best % change)" if binned else
              f": {len(layout)} patients ordered by best % change")
    ax.set_title(title, fontsize=10, loc="left", x=-left / mat_w * 0.9)
    y_in += wf_h + 0.12

    # ---- clinical tracks
    legend_blocks = []
    members = layout.groupby("column")["patient_id"].apply(list)
    for name, kind, h in track_defs:
        ax = axes(y_in, h)
        ax.set_xlim(0, xmax)
        ax.set_ylim(0, 1)
        ax.set_xticks([])
        ax.set_yticks([])
        for s in ax.spines.values():
            s.set_visible(False)
        ax.text(-0.08 / mat_w, 0.5, name, transform=ax.transAxes, ha="right", va="center",
                fontsize=7.5)
        if name == "Best response":
            values = layout.set_index("patient_id")["response"]
            colours = {r: response_colour(r) for r in RESPONSE_ORDER}
        elif name == "Evaluable":
            values = sh["evaluable"].map({True: "yes", False: "no"})
            colours = {"yes": "#4D4D4D", "no": "#FFFFFF"}
            legend_blocks.append(("Evaluable", [
                Patch(facecolor="#4D4D4D", label="yes"),
                Patch(facecolor="#FFFFFF", edgecolor="#888888", label="no")]))
        elif name == "PFS (months)":
            values = sh["pfs_months"]
        else:
            values = extra[name].set_axis(sheet["patient_id"].values)
            if kind == "cat":
                cats = sorted(values.dropna().astype(str).unique())
                if len(cats) > len(CATEGORY_COLOURS):
                    keep = cats[:len(CATEGORY_COLOURS) - 1]
                    values = values.where(values.isin(keep) | values.isna(), "other")
                    cats = keep + ["other"]
                colours = {c: CATEGORY_COLOURS[i] for i, c in enumerate(cats)}
                legend_blocks.append((name, [Patch(facecolor=colours[c], label=c) for c in cats]
                                      + [Patch(facecolor=NP_FACE, edgecolor=NP_EDGE,
                                               hatch=NP_HATCH, label="unknown")]))
        if kind == "cat":
            rects, hatched = [], []
            for _, row in cols.iterrows():
                vals = values.reindex(members[row["column"]])
                shares = vals.fillna("NP").astype(str).value_counts(normalize=True)
                order = [k for k in colours if k in shares.index] + (
                    ["NP"] if "NP" in shares.index else [])
                r, hh = _stack(ax, row["x"], 0.0, 1.0, [(k, shares[k]) for k in order],
                               colours)
                rects += r
                hatched += hh
            _add(ax, rects, edge="#FFFFFF" if not binned and ncol < 80 else "none", lw=0.4)
            _add(ax, hatched, hatch=NP_HATCH)
            ax.add_patch(Rectangle((0, 0), xmax, 1, fill=False, edgecolor="#888888",
                                   linewidth=0.4))
        else:
            num = pd.Series([_median(values.reindex(members[r])) for r in cols["column"]],
                            dtype=float)
            top = float(num.max()) if num.notna().any() else 1.0
            ax.set_ylim(0, top * 1.05 if top > 0 else 1)
            colour = "#4D4D4D"
            if name == "PFS (months)" and not binned:
                ev = sh["pfs_event"].reindex(cols["first"]).to_numpy()
                colour = ["#000000" if e == 1 else "#9E9E9E" for e in ev]
            ax.bar(cols["x"] + 0.5, num.fillna(0), width=0.85 if not binned else 0.95,
                   color=colour, edgecolor="none")
            miss = cols["x"][num.isna().to_numpy()]
            for mx in miss:
                ax.add_patch(Rectangle((mx, 0), 1, ax.get_ylim()[1] * 0.25, facecolor=NP_FACE,
                                       edgecolor=NP_EDGE, hatch=NP_HATCH, linewidth=0))
            ax.text(1.0 + 0.05 / mat_w, 0.5, f"max {top:.3g}" + (" (median)" if binned else ""),
                    transform=ax.transAxes, ha="left", va="center", fontsize=6.5)
            if name == "PFS (months)":
                legend_blocks.append(("PFS", [
                    Patch(facecolor="#000000", label="progressed / died"),
                    Patch(facecolor="#9E9E9E", label="censored")] if not binned else [
                    Patch(facecolor="#4D4D4D", label="median PFS in bin")]))
        y_in += h + gap
    y_in += 0.12

    # ---- gene matrix
    ax = axes(y_in, mat_h)
    ymax = genes["y"].max() + 1.0 if len(genes) else 1.0
    ax.set_xlim(0, xmax)
    ax.set_ylim(ymax + 0.3, -0.0)
    rects, hatched = [], []
    cn_cols = CN_ORDER
    for row in cells.itertuples(index=False):
        x = cols.at[row.column, "x"]
        shares = [(k, getattr(row, k)) for k in cn_cols]  # AMP drawn at the bottom
        shares = [(k, v) for k, v in shares if v > 0]
        r, hh = _stack(ax, x, row.y, 1.0, shares, CN_COLOURS)
        rects += r
        hatched += hh
        if not binned and row.mut_np > 0 and shares != [("NP", 1.0)]:
            hatched.append((Rectangle((x, row.y + 0.72), row.mut_np, 0.28), NP_FACE))
    _add(ax, rects)
    _add(ax, hatched, hatch=NP_HATCH)
    # grid lines between cells
    for gene_y in genes["y"]:
        ax.add_patch(Rectangle((0, gene_y), xmax, 1.0, fill=False, edgecolor=GRID,
                               linewidth=0.4))
    if ncol <= 120:
        for x in cols["x"]:
            ax.plot([x, x], [genes["y"].min(), ymax], color=GRID, linewidth=0.3)
    # mutation glyphs
    mk = max(2.5, min(7.0, cell_w * 72 * 0.55))
    mutated = cells[cells["mut_frac"] > 0]
    if not binned:
        for cls, marker in MUT_MARKERS.items():
            sub = mutated[mutated["mut_class"] == cls]
            if len(sub):
                ax.plot(cols.loc[sub["column"], "x"].to_numpy() + 0.5, sub["y"] + 0.45,
                        linestyle="none", marker=marker, markersize=mk, color="black",
                        markeredgecolor="white", markeredgewidth=0.5)
    else:
        if len(mutated):
            sizes = (mk * 1.6) ** 2 * mutated["mut_frac"].clip(lower=0.04)
            ax.scatter(cols.loc[mutated["column"], "x"].to_numpy() + 0.5, mutated["y"] + 0.25,
                       s=sizes, color="black", edgecolors="white", linewidths=0.4)
    ax.set_yticks(genes["y"] + 0.5)
    ax.set_yticklabels(genes["gene"], fontsize=8, fontstyle="italic")
    ax.tick_params(length=0)
    for yy, text in headers:
        ax.text(-left / mat_w * 0.95, yy + 0.45, text, transform=ax.get_yaxis_transform(),
                ha="left", va="center", fontsize=8, fontweight="bold")
    for s in ax.spines.values():
        s.set_visible(False)
    # x labels: patients or response groups
    if not binned and ncol <= 60:
        ax.set_xticks(cols["x"] + 0.5)
        ax.set_xticklabels(cols["first"], rotation=90, fontsize=7)
    elif binned:
        ticks, labels = [], []
        for resp, grp in cols.groupby("response", sort=False):
            ticks.append((grp["x"].min() + grp["x"].max() + 1) / 2)
            labels.append(f"{resp}\nn={int(grp['n'].sum())}")
        ax.set_xticks(ticks)
        ax.set_xticklabels(labels, fontsize=7.5)
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{ncol} patients", fontsize=8)
    # right-hand annotations
    tr = ax.get_yaxis_transform()
    x1, x2 = 1.0 + 0.12 / mat_w, 1.0 + 1.05 / mat_w
    ax.text(x1, -0.2, "% altered\n(of assessed)", transform=tr, ha="left", va="bottom",
            fontsize=7, fontweight="bold")
    ax.text(x2, -0.2, f"min p ({pvalue_endpoint})", transform=tr, ha="left", va="bottom",
            fontsize=7, fontweight="bold")
    for g in genes.itertuples(index=False):
        if g.gene in freq.index and freq.at[g.gene, "n_assessed"] > 0:
            f = freq.loc[g.gene]
            txt = (f"{100 * f['n_altered'] / f['n_assessed']:.0f}% "
                   f"({int(f['n_altered'])}/{int(f['n_assessed'])})")
        else:
            txt = "not assessed"
        ax.text(x1, g.y + 0.5, txt, transform=tr, ha="left", va="center", fontsize=7)
        if g.gene in pvals.index:
            p = pvals.loc[g.gene]
            ptxt = f"{_p(p['p_value'])} {_short(p['alteration'])}"
        else:
            ptxt = "\u2013"
        ax.text(x2, g.y + 0.5, ptxt, transform=tr, ha="left", va="center", fontsize=7,
                fontweight="bold" if g.gene in pvals.index and p["p_value"] < 0.05 else
                "normal")
    y_in += mat_h + 0.35

    # ---- legend
    cn_handles = [Patch(facecolor=CN_COLOURS[k], edgecolor="#888888", linewidth=0.5,
                        label=CN_LABELS[k]) for k in ("AMP", "GAIN", "NEUTRAL", "LOSS", "HOMDEL")]
    cn_handles.append(Patch(facecolor=NP_FACE, edgecolor=NP_EDGE, hatch=NP_HATCH,
                            label="not profiled"))
    if binned:
        mut_handles = [Line2D([], [], linestyle="none", marker="o", color="black",
                              markersize=mk * 1.6 * math.sqrt(f), label=f"{int(f * 100)}% mutated")
                       for f in (0.1, 0.5, 1.0)]
        mut_title = "Mutation (share of bin)"
    else:
        mut_handles = [Line2D([], [], linestyle="none", marker=m, color="black", markersize=5,
                              label=c) for c, m in MUT_MARKERS.items()]
        mut_title = "Mutation"
    if not binned:
        mut_handles.append(Patch(facecolor=NP_FACE, edgecolor=NP_EDGE, hatch=NP_HATCH,
                                 label="band: mutations\nnot profiled"))
    else:
        mut_handles.append(Patch(facecolor="none", edgecolor="none",
                                 label="(of patients profiled\nfor mutations)"))
    present = [r for r in RESPONSE_ORDER if r in set(layout["response"])]
    resp_handles = [Patch(facecolor=response_colour(r), edgecolor="#888888", linewidth=0.5,
                          label=r) for r in present]
    blocks = [("Copy number" + (" (share of bin)" if binned else ""), cn_handles),
              (mut_title, mut_handles), ("Best response", resp_handles)] + legend_blocks
    per_row = _legend_per_row(fig_w)
    for i, (title_, handles) in enumerate(blocks):
        bx = 0.15 + (i % per_row) * LEGEND_W
        by = y_in + (i // per_row) * 1.35
        lg = fig.legend(handles=handles, title=title_, loc="upper left",
                        bbox_to_anchor=(bx / fig_w, 1 - by / fig_h), fontsize=6.5,
                        title_fontsize=7, frameon=False, handlelength=1.4,
                        alignment="left")
        lg.get_title().set_fontweight("bold")
    return save_figure(fig, out_prefix, dpi=dpi)


LEGEND_W = 1.75


def _legend_per_row(fig_w: float) -> int:
    return max(1, int((fig_w - 0.15) // LEGEND_W))


def _legend_rows(n_tracks: int, fig_w: float) -> int:
    n_blocks = 5 + n_tracks  # CN, mutation, response, evaluable, PFS, user tracks
    return -(-n_blocks // _legend_per_row(fig_w))


def _median(values: pd.Series) -> float:
    """Median of the known values; NaN (without a warning) when none is known."""
    values = pd.to_numeric(values, errors="coerce").dropna()
    return float(values.median()) if len(values) else float("nan")


def _p(p: float) -> str:
    return f"p={p:.2g}" if p >= 0.001 else "p<0.001"


def _short(alteration: str) -> str:
    return {"amplification": "amp", "deletion": "del", "mutation": "mut", "any": "any",
            "copy_number": "CN"}.get(alteration, str(alteration))
