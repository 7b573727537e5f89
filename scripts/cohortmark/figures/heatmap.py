"""Biomarker heatmap (the trial paper's Figure 3 at trial size, an oncoprint at registry size).

Patients are columns, grouped by best response (CR, PR, SD, PD, NE, unknown) and ordered inside
a group by best % change (trial size) or by alteration pattern (registry size, as cBioPortal's
OncoPrint and maftools' oncoplot sort); ``figures.heatmap_sort`` chooses. Above them: the best %
change (waterfall), the altered genes per patient, and clinical tracks. Genes are rows (all panel
genes, grouped by the panel's groups; with a large panel the ``figures.heatmap_max_genes`` with
the smallest primary q, then the most often altered). A cell's colour is the copy-number call;
a glyph (trial size) or a black band (registry size) a mutation; an orange band a fusion;
*not profiled* is grey (hatched at trial size), never white like wild type. Right: a stacked
bar per gene by alteration type, % altered of the assessed, and the gene's primary association
(q and p, the test named).

Up to ``figures.heatmap_per_patient_max`` patients cells are vector shapes with patient labels;
above, one thin column per patient drawn as an embedded image (a 5,000 x 30 grid of vector
shapes would be a 20 MB SVG), text staying text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PatchCollection, PolyCollection
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle, StepPatch

from ..schema import MUTATION_CLASSES
from . import (
    CN_COLOURS,
    FUSION_COLOUR,
    MUTATION_COLOUR,
    NP_EDGE,
    NP_FACE,
    NP_HATCH,
    OKABE_ITO,
    RESPONSE_COLOURS,
    save_figure,
)
from .heatmap_data import (
    CN_CODES,
    MUT_NP,
    RESPONSE_ORDER,
    UNKNOWN_RESPONSE,
    HeatmapData,
    association_text,
    gene_type_counts,
    heatmap_data,
    track_values,
)

CN_LABELS = {"AMP": "amplification", "GAIN": "gain", "NEUTRAL": "neutral / wild type",
             "LOSS": "loss (1 copy)", "HOMDEL": "deep deletion"}
MUT_MARKERS = {"truncating": "s", "splice": "D", "missense": "o", "inframe": "^", "other": "X",
               "unannotated": "P"}
CATEGORY_COLOURS = [OKABE_ITO[k] for k in ("blue", "orange", "green", "purple", "sky",
                                           "vermillion", "yellow", "black")]
TYPE_COLOURS = {"AMP": CN_COLOURS["AMP"], "HOMDEL": CN_COLOURS["HOMDEL"],
                "GAIN": CN_COLOURS["GAIN"], "LOSS": CN_COLOURS["LOSS"],
                "mutation": MUTATION_COLOUR, "fusion": FUSION_COLOUR}
GRID = "#D0D0D0"
ENDPOINT_WORDS = {"response": "response", "best_pct_change": "best % change", "pfs": "PFS",
                  "os": "OS"}
SUB = 10  # image rows per gene row (registry size): separator, fusion band, mutation band
LEGEND_W = 1.9


def response_colour(response: str) -> str:
    return RESPONSE_COLOURS.get(response, NP_FACE)


@dataclass
class Frame:
    """Geometry in inches: the matrix column's left edge and width, the figure size, and the
    running top of the next block."""

    fig: object
    left: float
    width: float
    xmax: float
    fig_w: float
    fig_h: float

    def axes(self, top: float, height: float):
        ax = self.fig.add_axes([self.left / self.fig_w, 1 - (top + height) / self.fig_h,
                                self.width / self.fig_w, height / self.fig_h])
        ax.set_xlim(0, self.xmax)
        return ax


# --------------------------------------------------------------------------------------
# small drawing helpers

def _bars(ax, x, heights, colours, *, raster: bool, width: float = 0.9, bottom=None):
    """Vertical bars as one PolyCollection (fast for thousands). Touching bars (``width`` 1,
    registry size) are drawn as one filled step outline per run of one colour, rasterized: a
    bar per patient would be 100,000 polygons for a few thousand pixels."""
    x = np.asarray(x, float)
    h = np.nan_to_num(np.asarray(heights, float))
    b = np.zeros_like(h) if bottom is None else np.asarray(bottom, float)
    if raster and width == 1.0:
        _step_bars(ax, x, h, b, colours)
        return
    pad = (1 - width) / 2
    verts = [[(xi + pad, bi), (xi + pad, bi + hi), (xi + 1 - pad, bi + hi), (xi + 1 - pad, bi)]
             for xi, bi, hi in zip(x, b, h) if hi != 0]
    cols = [c for c, hi in zip(colours if not isinstance(colours, str) else [colours] * len(h),
                               h) if hi != 0]
    if verts:
        ax.add_collection(PolyCollection(verts, facecolors=cols, edgecolors="none",
                                         rasterized=raster))


def _step_patches(x, h, b, colours) -> list:
    """Bars of width 1 at integer ``x`` as filled steps: one outline per colour, spanning the
    x range with zero height where another colour's bar (or no bar) is."""
    if not len(x) or not h.any():
        return []
    if isinstance(colours, str):
        colours = [colours] * len(x)
    colours = np.asarray(colours, dtype=object)
    xs = x.astype(np.int64)
    x0 = int(xs.min())
    edges = np.arange(x0, int(xs.max()) + 2, dtype=float)
    steps = []
    for colour in dict.fromkeys(colours.tolist()):
        mine = (colours == colour) & (h != 0)
        if not mine.any():
            continue
        top, base = np.zeros(len(edges) - 1), np.zeros(len(edges) - 1)
        top[xs[mine] - x0] = b[mine] + h[mine]
        base[xs[mine] - x0] = b[mine]
        steps.append(StepPatch(top, edges, baseline=base, fill=True, facecolor=colour,
                               edgecolor="none", linewidth=0))
    return steps


def _step_bars(ax, x, h, b, colours):
    """``_step_patches`` in one rasterized collection: one embedded image in the SVG, as one
    PolyCollection was. Added without autolim: the data limits would be walked vertex by
    vertex in Python (400,000 at 100,000 patients); every caller sets its limits itself."""
    steps = _step_patches(x, h, b, colours)
    if steps:
        # not antialiased: bars narrower than a pixel as whole pixels, as the rectangles of
        # a PolyCollection snapped (blended edges make the embedded images 4x larger)
        ax.add_collection(PatchCollection(steps, match_original=True, rasterized=True,
                                          antialiased=False), autolim=False)


def _quiet(ax):
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)


def _label(ax, frame: Frame, text: str, size: float = 7.5):
    ax.text(-0.08 / frame.width, 0.5, text, transform=ax.transAxes, ha="right", va="center",
            fontsize=size)


def _groups(columns: pd.DataFrame):
    """Runs of consecutive columns with one best response: (response, first, last+1)."""
    r = columns["response"].to_numpy()
    starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
    ends = np.r_[starts[1:], len(r)]
    return [(r[s], s, e) for s, e in zip(starts, ends)]


# --------------------------------------------------------------------------------------
# the blocks of the figure, top to bottom, then right and legend

def draw_waterfall_track(frame: Frame, top: float, height: float, data: HeatmapData,
                         raster: bool):
    ax = frame.axes(top, height)
    cols = data.columns
    pct = cols["best_pct_change"].to_numpy(float)
    ok = np.isfinite(pct)
    _bars(ax, cols["x"][ok], pct[ok], [response_colour(r) for r in cols["response"][ok]],
          raster=raster, width=0.85 if not raster else 1.0)
    if not raster and (~ok).any():
        ax.plot(cols["x"][~ok] + 0.5, np.zeros((~ok).sum()), linestyle="none", marker="x",
                color="#777777", markersize=4)
    for yv in (20, -30):
        ax.axhline(yv, color="#555555", linestyle="--", linewidth=0.6)
    ax.axhline(0, color="black", linewidth=0.5)
    lo = min(-40.0, np.nanmin(pct) - 5) if ok.any() else -40.0
    hi = max(30.0, np.nanmax(pct) + 5) if ok.any() else 30.0
    ax.set_ylim(lo, hi)
    ax.set_xticks([])
    ax.spines[["top", "right", "bottom"]].set_visible(False)
    ax.tick_params(labelsize=7)
    ax.set_ylabel("best %\nchange", fontsize=7.5, rotation=0, ha="right", va="center")
    return ax


def draw_count_bar(frame: Frame, top: float, height: float, data: HeatmapData, raster: bool):
    """Altered genes per patient over the whole panel, stacked by kind."""
    ax = frame.axes(top, height)
    pp = data.per_patient
    bottom = np.zeros(len(pp))
    kinds = [("amplification", CN_COLOURS["AMP"]), ("deletion", CN_COLOURS["HOMDEL"]),
             ("mutation", MUTATION_COLOUR)] + ([("fusion", FUSION_COLOUR)] if data.has_sv
                                               else [])
    for kind, colour in kinds:
        _bars(ax, data.columns["x"], pp[kind], colour, raster=raster,
              width=0.85 if not raster else 1.0, bottom=bottom)
        bottom = bottom + pp[kind].to_numpy()
    ax.set_ylim(0, max(1.0, float(bottom.max())) * 1.05)
    ax.set_xticks([])
    ax.spines[["top", "right", "bottom"]].set_visible(False)
    ax.tick_params(labelsize=6.5)
    ax.set_ylabel(f"altered\ngenes\n(of {data.n_panel})", fontsize=7, rotation=0, ha="right",
                  va="center")
    return ax


def _category_cells(ax, data: HeatmapData, values: pd.Series, colours: dict, raster: bool):
    """One cell per patient coloured by category; missing values hatched (vector) or grey."""
    x = data.columns["x"].to_numpy()
    vals = values.reindex(data.columns["patient_id"]).to_numpy(dtype=object)
    known = pd.notna(vals)
    if raster:
        rgb = np.array([to_rgb(colours.get(v, NP_FACE)) if k else to_rgb(NP_FACE)
                        for v, k in zip(vals, known)])
        for _, s, e in _groups(data.columns):
            ax.imshow(rgb[None, s:e], extent=(x[s], x[s] + (e - s), 0, 1), aspect="auto",
                      interpolation="none")
    else:
        rects = [Rectangle((xi, 0), 1, 1) for xi in x[known]]
        faces = [colours.get(v, NP_FACE) for v in vals[known]]
        ax.add_collection(PatchCollection(rects, facecolors=faces, edgecolors="white",
                                          linewidths=0.4))
        missing = [Rectangle((xi, 0), 1, 1) for xi in x[~known]]
        if missing:
            pc = PatchCollection(missing, facecolors=NP_FACE, edgecolors=NP_EDGE, linewidths=0)
            pc.set_hatch(NP_HATCH)
            ax.add_collection(pc)
    ax.set_ylim(0, 1)


def draw_tracks(frame: Frame, top: float, data: HeatmapData, sheet: pd.DataFrame,
                tracks: list[str], raster: bool) -> tuple[float, list]:
    """Best response, evaluable, PFS and the user's sheet columns; returns the new top and the
    legend blocks they need."""
    sh = sheet.set_index("patient_id")
    extra = track_values(sheet, tracks)
    legend = []
    rows = [("Best response", "cat", data.columns.set_index("patient_id")["response"].where(
        lambda s: s != UNKNOWN_RESPONSE), RESPONSE_COLOURS),
        ("Evaluable", "cat", sh["evaluable"].map({True: "yes", False: "no"}),
         {"yes": "#4D4D4D", "no": "#FFFFFF"}),
        ("PFS (months)", "bar", sh["pfs_months"], None)]
    legend.append(("Evaluable", [Patch(facecolor="#4D4D4D", label="yes"),
                                 Patch(facecolor="#FFFFFF", edgecolor="#888888", label="no")]))
    for name in tracks:
        values = extra[name].set_axis(sheet["patient_id"].to_numpy())
        if pd.api.types.is_numeric_dtype(values):
            rows.append((name, "bar", values, None))
            continue
        cats = sorted(values.dropna().astype(str).unique())
        if len(cats) > len(CATEGORY_COLOURS):
            keep = cats[:len(CATEGORY_COLOURS) - 1]
            values = values.where(values.isin(keep) | values.isna(), "other")
            cats = keep + ["other"]
        colours = {c: CATEGORY_COLOURS[i] for i, c in enumerate(cats)}
        rows.append((name, "cat", values.astype(object), colours))
        legend.append((name, [Patch(facecolor=colours[c], label=c) for c in cats]
                       + [Patch(facecolor=NP_FACE, edgecolor=NP_EDGE, hatch=NP_HATCH,
                                label="unknown")]))
    for name, kind, values, colours in rows:
        h = 0.17 if kind == "cat" else 0.4
        ax = frame.axes(top, h)
        _quiet(ax)
        _label(ax, frame, name)
        if kind == "cat":
            _category_cells(ax, data, values, colours, raster)
        else:
            num = pd.to_numeric(values.reindex(data.columns["patient_id"]), errors="coerce")
            colour = "#4D4D4D"
            if name == "PFS (months)":
                ev = sh["pfs_event"].reindex(data.columns["patient_id"]).to_numpy()
                colour = ["#000000" if e == 1 else "#9E9E9E" for e in ev]
            _bars(ax, data.columns["x"], num.fillna(0), colour, raster=raster,
                  width=0.85 if not raster else 1.0)
            vmax = float(num.max()) if num.notna().any() else 1.0
            ax.set_ylim(0, vmax * 1.05 if vmax > 0 else 1)
            ax.text(1.0 + 0.05 / frame.width, 0.5, f"max {vmax:.3g}", transform=ax.transAxes,
                    ha="left", va="center", fontsize=6.5)
        top += h + 0.05
    legend.insert(0, ("PFS", [Patch(facecolor="#000000", label="progressed / died"),
                              Patch(facecolor="#9E9E9E", label="censored")]))
    return top, legend


def _cell_image(data: HeatmapData, ymax: float) -> np.ndarray:
    """RGB image (rows: SUB per unit of y; columns: patients) of the matrix at registry size,
    8 bits per channel (the colours are 8-bit hex colours; matplotlib takes bytes as they
    are, where a float image of 100,000 columns costs seconds to normalise)."""
    n_rows = int(round(ymax * SUB))
    img = np.full((n_rows, len(data.columns), 3), 255, dtype=np.uint8)

    def rgb8(colour):
        return np.round(np.array(to_rgb(colour)) * 255).astype(np.uint8)

    cn_rgb = np.array([rgb8(CN_COLOURS.get(c, NP_FACE)) for c in CN_CODES])
    black, orange, grey = rgb8(MUTATION_COLOUR), rgb8(FUSION_COLOUR), rgb8(NP_FACE)
    cn_np = CN_CODES.index("NP")
    for j, y in enumerate(data.genes["y"].to_numpy()):
        r0 = int(round(y * SUB))
        cell = cn_rgb[data.cn[:, j]]  # patients x 3
        img[r0 + 1:r0 + SUB] = cell[None]
        mut = data.mut[:, j]
        band = slice(r0 + 4, r0 + 7)
        img[band][:, mut >= 0] = black
        img[band][:, (mut == MUT_NP) & (data.cn[:, j] != cn_np)] = grey
        img[r0 + 1:r0 + 3][:, data.sv[:, j] == 1] = orange
    return img


def draw_matrix(frame: Frame, top: float, height: float, data: HeatmapData, raster: bool):
    ax = frame.axes(top, height)
    genes = data.genes
    ymax = float(genes["y"].max()) + 1.0 if len(genes) else 1.0
    ax.set_ylim(ymax, 0)
    x = data.columns["x"].to_numpy()
    if raster:
        img = _cell_image(data, ymax)
        for k, (_, s, e) in enumerate(_groups(data.columns)):
            ax.imshow(img[:, s:e], extent=(x[s], x[s] + (e - s), ymax, 0), aspect="auto",
                      interpolation="none", gid=f"heatmap-matrix-{k}")
    else:
        _vector_cells(ax, data, x)
    ax.set_xlim(0, frame.xmax)
    ax.set_yticks(genes["y"] + 0.5)
    ax.set_yticklabels(genes["gene"], fontsize=8 if len(genes) <= 40 else 6.5,
                       fontstyle="italic")
    ax.tick_params(length=0)
    for yy, text in genes.attrs.get("headers", []):
        ax.text(-1.3 / frame.width, yy + 0.45, text, transform=ax.get_yaxis_transform(),
                ha="left", va="center", fontsize=8, fontweight="bold")
    for s in ax.spines.values():
        s.set_visible(False)
    _column_labels(ax, data, raster)
    return ax


def _vector_cells(ax, data: HeatmapData, x):
    """Trial size: a rectangle per cell, hatched when not profiled, glyphs for mutations, a
    hatched band for mutations not profiled, an orange band for a fusion."""
    genes = data.genes
    ys = genes["y"].to_numpy()
    cn_np = CN_CODES.index("NP")
    rects, faces, hatched, fus = [], [], [], []
    for j, y in enumerate(ys):
        for i, xi in enumerate(x):
            code = data.cn[i, j]
            if code == cn_np:
                hatched.append(Rectangle((xi, y + 0.04), 1, 0.92))
            else:
                rects.append(Rectangle((xi, y + 0.04), 1, 0.92))
                faces.append(CN_COLOURS[CN_CODES[code]])
                if data.mut[i, j] == MUT_NP:
                    hatched.append(Rectangle((xi, y + 0.7), 1, 0.26))
            if data.sv[i, j] == 1:
                fus.append(Rectangle((xi + 0.1, y + 0.06), 0.8, 0.2))
    ax.add_collection(PatchCollection(rects, facecolors=faces, edgecolors=GRID, linewidths=0.4))
    if hatched:
        pc = PatchCollection(hatched, facecolors=NP_FACE, edgecolors=NP_EDGE, linewidths=0)
        pc.set_hatch(NP_HATCH)
        ax.add_collection(pc)
    if fus:
        ax.add_collection(PatchCollection(fus, facecolors=FUSION_COLOUR, edgecolors="black",
                                          linewidths=0.4))
    cell_in = ax.figure.get_size_inches()[0] * ax.get_position().width / max(len(x), 1)
    size = max(3.0, min(7.0, cell_in * 72 * 0.5))
    for k, cls in enumerate(MUTATION_CLASSES):
        ii, jj = np.nonzero(data.mut == k)
        if len(ii):
            ax.plot(x[ii] + 0.5, ys[jj] + 0.5, linestyle="none", marker=MUT_MARKERS[cls],
                    markersize=size, color=MUTATION_COLOUR, markeredgecolor="white",
                    markeredgewidth=0.5)


def _column_labels(ax, data: HeatmapData, raster: bool):
    cols = data.columns
    if not raster and len(cols) <= 80:
        ax.set_xticks(cols["x"] + 0.5)
        ax.set_xticklabels(cols["patient_id"], rotation=90, fontsize=7)
        return
    ticks, labels = [], []
    if data.sort != "pattern":
        for resp, s, e in _groups(cols):
            ticks.append((cols["x"].iloc[s] + cols["x"].iloc[e - 1] + 1) / 2)
            labels.append(f"{resp}\nn={e - s}")
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels, fontsize=7.5)


def draw_gene_side(frame: Frame, ax, data: HeatmapData, altered_calls, endpoint: str) -> None:
    """Right of the matrix: stacked bar of alteration types per gene, % altered, association."""
    genes = data.genes
    counts = gene_type_counts(data, altered_calls)
    fig = frame.fig
    pos = ax.get_position()
    bar_w = 0.8 / frame.fig_w
    bax = fig.add_axes([pos.x1 + 0.1 / frame.fig_w, pos.y0, bar_w, pos.height])
    bax.set_ylim(ax.get_ylim())
    left = np.zeros(len(genes))
    n_ass = genes["n_assessed"].to_numpy(float)
    share_max = 0.0
    for kind in counts.columns:
        share = np.where(n_ass > 0, counts[kind].to_numpy() / np.maximum(n_ass, 1), 0)
        bax.barh(genes["y"] + 0.5, share * 100, left=left, height=0.7,
                 color=TYPE_COLOURS[kind], edgecolor="none")
        left = left + share * 100
        share_max = max(share_max, float(left.max()) if len(left) else 0)
    bax.set_xlim(0, max(10.0, share_max * 1.05))
    bax.set_yticks([])
    bax.spines[["top", "right", "left"]].set_visible(False)
    bax.tick_params(labelsize=6, length=2)
    bax.set_xlabel("% by type", fontsize=6.5, labelpad=1)
    bax.xaxis.set_label_position("top")
    bax.xaxis.tick_top()
    tr = ax.get_yaxis_transform()
    x1 = 1.0 + 1.0 / frame.width
    x2 = 1.0 + 1.85 / frame.width
    head = -0.25
    ax.text(x1, head, "% altered\n(of assessed)", transform=tr, ha="left", va="bottom",
            fontsize=7, fontweight="bold")
    ax.text(x2, head, f"primary test, {ENDPOINT_WORDS.get(endpoint, endpoint)}",
            transform=tr, ha="left", va="bottom", fontsize=7, fontweight="bold")
    small = len(genes) > 40
    for g in genes.to_dict("records"):
        if g["n_assessed"] > 0:
            txt = (f"{100 * g['n_altered'] / g['n_assessed']:.0f}% "
                   f"({int(g['n_altered'])}/{int(g['n_assessed'])})")
        else:
            txt = "not assessed"
        ax.text(x1, g["y"] + 0.5, txt, transform=tr, ha="left", va="center",
                fontsize=6 if small else 7)
        strong = pd.notna(g.get("q_value")) and g["q_value"] < 0.1
        ax.text(x2, g["y"] + 0.5, association_text(g), transform=tr, ha="left", va="center",
                fontsize=6 if small else 7, fontweight="bold" if strong else "normal")


def legend_blocks(data: HeatmapData, raster: bool, altered_calls, extra_blocks) -> list:
    counted = [c for c in ("AMP", "GAIN", "LOSS", "HOMDEL") if c in altered_calls]
    not_counted = [CN_LABELS[c] for c in ("AMP", "GAIN", "LOSS", "HOMDEL")
                   if c not in altered_calls]
    cn = [Patch(facecolor=CN_COLOURS[k], edgecolor="#888888", linewidth=0.5,
                label=CN_LABELS[k] + ("" if k in counted or k == "NEUTRAL" else " *"))
          for k in ("AMP", "GAIN", "NEUTRAL", "LOSS", "HOMDEL")]
    cn.append(Patch(facecolor=NP_FACE, edgecolor=NP_EDGE, hatch=None if raster else NP_HATCH,
                    label="not profiled"))
    if not_counted:
        cn.append(Patch(facecolor="none", edgecolor="none",
                        label="* drawn, not counted\n  as altered"))
    if raster:
        mut = [Patch(facecolor=MUTATION_COLOUR, label="mutation (black band)"),
               Patch(facecolor=NP_FACE, label="grey band: mutations\nnot profiled")]
    else:
        mut = [Line2D([], [], linestyle="none", marker=m, color="black", markersize=5, label=c)
               for c, m in MUT_MARKERS.items()]
        mut.append(Patch(facecolor=NP_FACE, edgecolor=NP_EDGE, hatch=NP_HATCH,
                         label="band: mutations\nnot profiled"))
    blocks = [("Copy number", cn), ("Mutation", mut)]
    if data.has_sv:
        blocks.append(("Fusion", [Patch(facecolor=FUSION_COLOUR, edgecolor="black",
                                        linewidth=0.4, label="fusion / rearrangement")]))
    present = [r for r in RESPONSE_ORDER if r in set(data.columns["response"])]
    blocks.append(("Best response", [Patch(
        facecolor=response_colour(r), edgecolor="#888888", linewidth=0.5,
        hatch=NP_HATCH if r == UNKNOWN_RESPONSE and not raster else None, label=r)
        for r in present]))
    return blocks + extra_blocks


def draw_legend(fig, blocks, top: float, fig_w: float, fig_h: float) -> None:
    per_row = max(1, int((fig_w - 0.15) // LEGEND_W))
    for i, (title, handles) in enumerate(blocks):
        bx = 0.15 + (i % per_row) * LEGEND_W
        by = top + (i // per_row) * 1.45
        lg = fig.legend(handles=handles, title=title, loc="upper left",
                        bbox_to_anchor=(bx / fig_w, 1 - by / fig_h), fontsize=6.5,
                        title_fontsize=7, frameon=False, handlelength=1.4, alignment="left")
        lg.get_title().set_fontweight("bold")


def _title(data: HeatmapData, n_patients: int) -> str:
    order = {"response_change": "by best response, then best % change",
             "response_pattern": "by best response, then alteration pattern",
             "pattern": "by alteration pattern"}[data.sort]
    text = f"Biomarker heatmap: {n_patients} patients, ordered {order}"
    if len(data.genes) < data.n_panel:
        text += (f"\n{len(data.genes)} of {data.n_panel} panel genes: smallest primary q, "
                 "then most often altered (every gene: report and alterations.tsv)")
    if data.primary_source not in ("family", "none"):
        text += f"\nassociations: {data.primary_source}"
    return text


# --------------------------------------------------------------------------------------

def plot_biomarker_heatmap(alterations: pd.DataFrame, sheet: pd.DataFrame, panel: pd.DataFrame,
                           out_prefix: str | os.PathLike, *, associations: pd.DataFrame | None,
                           tracks: list[str], max_genes: int, sort: str, per_patient_max: int,
                           endpoint: str, altered_calls, dpi: int):
    """Draw the heatmap (see the module docstring) as ``<out_prefix>.svg`` and ``.png``.

    ``altered_calls``: the copy-number calls counted as altered (copy_number.altered_calls),
    for the legend and the per-gene bars; the other settings are the ``figures.heatmap_*``.
    """
    tracks = list(tracks)
    raster = len(sheet) > per_patient_max
    data = heatmap_data(alterations, sheet, panel, associations, endpoint=endpoint,
                        max_genes=max_genes, sort=sort, per_patient_max=per_patient_max,
                        group_gap=0.0 if raster else 0.6)
    if raster and data.sort != "pattern":  # gaps between response groups, in columns
        data.columns["x"] = data.columns["x"] + 0.004 * len(data.columns) * np.cumsum(
            np.r_[False, data.columns["response"].to_numpy()[1:]
                  != data.columns["response"].to_numpy()[:-1]])
    xmax = float(data.columns["x"].max()) + 1 if len(data.columns) else 1.0
    n = len(data.columns)
    # registry size: at most 12 in wide so that the text stays readable on a page; the SVG
    # keeps one image column per patient, the 300 dpi PNG about one pixel each
    width = (min(12.0, max(8.0, n / 300)) if raster else
             xmax * min(0.3, max(0.1, 7.0 / max(xmax, 1))))
    left, right = 1.45, 4.4
    row_h = 0.2 if len(data.genes) <= 40 else 0.15
    mat_h = (float(data.genes["y"].max()) + 1.3) * row_h if len(data.genes) else 1.0
    fig_w = max(left + width + right, 10.0)
    n_tracks = 3 + len(tracks)
    tracks_h = n_tracks * 0.3 + 0.2
    label_h = 0.7 if not raster and n <= 80 else 0.45
    blocks_n = 5 + len(tracks) + int(data.has_sv)
    legend_h = 1.45 * -(-blocks_n // max(1, int((fig_w - 0.15) // LEGEND_W))) + 0.2
    title_h = 0.35 + 0.17 * _title(data, len(sheet)).count("\n")
    fig_h = title_h + 1.1 + 0.1 + 0.6 + 0.12 + tracks_h + mat_h + label_h + legend_h
    fig = plt.figure(figsize=(fig_w, fig_h))
    frame = Frame(fig, left, width, xmax, fig_w, fig_h)
    top = title_h
    fig.text(0.1 / fig_w, 1 - 0.12 / fig_h, _title(data, len(sheet)), fontsize=9.5, va="top",
             ha="left")
    draw_waterfall_track(frame, top, 1.1, data, raster)
    top += 1.2
    draw_count_bar(frame, top, 0.6, data, raster)
    top += 0.72
    top, extra = draw_tracks(frame, top, data, sheet, tracks, raster)
    top += 0.1
    ax = draw_matrix(frame, top, mat_h, data, raster)
    draw_gene_side(frame, ax, data, altered_calls, endpoint)
    draw_legend(fig, legend_blocks(data, raster, altered_calls, extra), top + mat_h + label_h,
                fig_w, fig_h)
    return save_figure(fig, out_prefix, dpi=dpi)
