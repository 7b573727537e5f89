"""Figures: one module per figure, each a function of cohort tables writing SVG and PNG."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..tsv import atomic_path  # noqa: E402

# Okabe-Ito: a colour-blind-safe palette used by every figure.
OKABE_ITO = {
    "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000",
    "grey": "#999999",
}
RESPONSE_COLOURS = {"CR": "#0072B2", "PR": "#56B4E9", "SD": "#E69F00", "PD": "#D55E00",
                    "NE": "#999999"}

# Deterministic SVG output: fixed ids and no creation date (SOURCE_DATE_EPOCH-free metadata).
plt.rcParams["svg.hashsalt"] = "cohortmark"
plt.rcParams["svg.fonttype"] = "path"


def save_figure(fig, out_prefix: str | os.PathLike, dpi: int = 150) -> tuple[Path, Path]:
    """Save ``fig`` as ``<out_prefix>.svg`` and ``.png``, byte-identical across reruns.

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
