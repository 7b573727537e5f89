"""Genome builds: chromosome names and lengths, gene annotation, the gene panel.

Shipped annotation lives in ``resources/`` (see resources/README.md for its sources); all
coordinates returned here are 0-based half-open with canonical chromosome names.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from .errors import InputError

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
BUILDS = ("GRCh37", "GRCh38")
DEFAULT_PANEL = RESOURCES / "panel.tsv"
_ALIASES = {"M": "MT", "MT": "MT", "23": "X", "24": "Y"}


def canonical_chrom(name: str) -> str:
    """``chr12``/``Chr12``/``12`` -> ``12``; ``chrM``/``M`` -> ``MT``; ``23``/``24`` -> ``X``/``Y``."""
    name = str(name).strip()
    if name[:3].lower() == "chr":
        name = name[3:]
    return _ALIASES.get(name.upper(), name.upper() if name.lower() in ("x", "y") else name)


def _check_build(build: str) -> None:
    if build not in BUILDS:
        raise InputError(f"unknown genome build {build!r}; expected one of {', '.join(BUILDS)}",
                         field="genome")


@cache
def chrom_lengths(build: str = "GRCh38") -> dict[str, int]:
    """Chromosome lengths in bp for the build, keyed by canonical name."""
    _check_build(build)
    df = pd.read_csv(RESOURCES / f"chrom_sizes.{build}.tsv", sep="\t", dtype={"chrom": str})
    return dict(zip(df["chrom"], df["length"].astype(int)))


@cache
def _genes(build: str) -> pd.DataFrame:
    _check_build(build)
    return pd.read_csv(RESOURCES / f"genes.{build}.tsv.gz", sep="\t", dtype={"chrom": str})


def load_genes(build: str = "GRCh38") -> pd.DataFrame:
    """All annotated genes: columns gene, chrom, start, end (0-based half-open)."""
    return _genes(build).copy()


def load_panel(path: str | Path | None = None, build: str = "GRCh38") -> pd.DataFrame:
    """The gene panel joined to the build's annotation, in panel order.

    Columns: gene, group, chrom, start, end. A panel TSV needs a ``gene`` column; ``group`` is
    optional (empty when absent). An unknown or duplicated gene raises InputError.
    """
    path = Path(path) if path else DEFAULT_PANEL
    try:
        panel = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False,
                            encoding="utf-8-sig", comment="#")
    except FileNotFoundError:
        raise InputError("panel file does not exist", path=str(path)) from None
    panel.columns = [c.strip() for c in panel.columns]
    if "gene" not in panel.columns:
        raise InputError("panel has no 'gene' column", path=str(path))
    panel["gene"] = panel["gene"].str.strip()
    panel = panel[panel["gene"] != ""]
    if "group" not in panel.columns:
        panel["group"] = ""
    dup = panel["gene"][panel["gene"].duplicated()]
    if len(dup):
        raise InputError(f"gene {dup.iloc[0]!r} is listed twice", path=str(path), field="gene")
    genes = _genes(build).set_index("gene")
    unknown = [g for g in panel["gene"] if g not in genes.index]
    if unknown:
        raise InputError(f"gene(s) not in the {build} annotation: {', '.join(unknown)}",
                         path=str(path), field="gene")
    out = panel[["gene", "group"]].join(genes, on="gene")
    return out.reset_index(drop=True)
