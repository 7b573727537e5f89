"""Figures: one module per figure, each a function of cohort tables writing SVG and PNG.

``registry.FIGURES`` lists every figure once (name, title, caption, draw function, the tables and
settings it uses); the workflow's rules and the report loop over it.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..tsv import atomic_path  # noqa: E402

# Okabe-Ito and Paul Tol's colour-blind-safe colours.
OKABE_ITO = {
    "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000",
    "grey": "#999999",
}
# Best response and copy number sit side by side in the heatmap, so the two palettes are
# chosen together: copy number keeps the usual red (gain of copies) / blue (loss), and the
# responses avoid both hues (indigo, pink, yellow, vermillion, dark grey). Every pair of the
# union differs by CIEDE2000 >= 10 in normal vision and simulated deuteranopia and protanopia
# (tests/test_figures_colour.py; cohortmark.figures.colour).
RESPONSE_COLOURS = {"CR": "#332288", "PR": "#CC79A7", "SD": "#F0E442", "PD": "#D55E00",
                    "NE": "#666666"}
CN_COLOURS = {"AMP": "#B2182B", "GAIN": "#F4A582", "NEUTRAL": "#FFFFFF", "LOSS": "#92C5DE",
              "HOMDEL": "#2166AC"}
MUTATION_COLOUR = "#000000"
FUSION_COLOUR = "#E69F00"
NP_FACE, NP_EDGE, NP_HATCH = "#B4B4B4", "#555555", "////"  # not profiled / not known

# Deterministic SVG output: fixed ids, no creation date, and text kept as <text> elements
# (searchable and editable) rather than glyph outlines.
plt.rcParams["svg.hashsalt"] = "cohortmark"
plt.rcParams["svg.fonttype"] = "none"
plt.rcParams["font.family"] = "DejaVu Sans"


def conf_label(conf_level: float) -> str:
    """The confidence level as a label: 0.9 -> '90%', 0.975 -> '97.5%'."""
    return f"{float(conf_level) * 100:g}%"


def save_figure(fig, out_prefix: str | os.PathLike, *, dpi: int) -> tuple[Path, Path]:
    """Save ``fig`` as ``<out_prefix>.svg`` and ``.png`` (PNG at ``dpi``), byte-identical
    across reruns.

    Files are written atomically (cohortmark.tsv.atomic_path), so a failure leaves nothing
    partial.
    Returns the two paths. The figure is closed.
    """
    prefix = Path(out_prefix)
    paths = []
    for ext, meta in (("svg", {"Date": None, "Creator": None}),
                      ("png", {"Software": None})):
        final = prefix.with_name(prefix.name + "." + ext)
        with atomic_path(final) as tmp:
            fig.savefig(tmp, format=ext, dpi=dpi, metadata=meta)
        paths.append(final)
    plt.close(fig)
    return paths[0], paths[1]
