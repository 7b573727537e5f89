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


@cache
def _annotation_by_symbol(build: str) -> pd.DataFrame:
    """The build's annotation keyed by *current* HGNC symbol: an annotation name that HGNC
    has since renamed (GENCODE v27's ACPP) is found under its current symbol (ACP3); names
    HGNC does not know (clone names) stay as they are. First row wins for a repeated key."""
    from .symbols import symbols

    genes = _genes(build)
    table = symbols()
    names = set(genes["gene"])
    keys = []
    for g in genes["gene"]:
        r = table.resolve(g)
        current = r.symbol if r.how in ("current", "previous") else None
        # a renamed annotation name keys its current symbol unless that symbol is annotated too
        keys.append(current if current is not None and (current == g or current not in names)
                    else g)
    out = genes.assign(key=keys)
    return out[~out["key"].duplicated()].set_index("key")


def resolve_genes(names, build: str, *, path: str | None = None, what: str = "panel"):
    """Names (panel genes) as the current HGNC symbols of genes in the build's annotation.

    Returns (symbols, renamings): renamings are (given, current, how) for every name that
    changed. InputError for an ambiguous name (naming the candidates) or a name neither HGNC
    nor the annotation knows (listing all such names)."""
    from .symbols import describe, symbols

    index = _annotation_by_symbol(build)
    table = symbols()
    out, renamed, unknown = [], [], []
    for name in names:
        r = table.resolve(name)
        if r.how == "ambiguous":
            raise InputError(f"gene symbol {name!r} is ambiguous: a previous symbol or alias of "
                             f"{', '.join(r.candidates)}; use the current symbol",
                             path=path, field="gene")
        target = r.symbol if r.symbol is not None and r.symbol in index.index else name
        if target not in index.index:
            unknown.append(name if r.symbol is None else f"{name} ({r.symbol})")
            continue
        if target != name:
            renamed.append({"given": name, "symbol": target, "how": r.how,
                            "text": describe(r) if r.symbol == target else
                            f"{name} -> {target}"})
        out.append(target)
    if unknown:
        raise InputError(f"gene(s) not in the {build} annotation (nor a previous symbol or "
                         f"alias of one): {', '.join(unknown)}", path=path, field="gene")
    return out, renamed


def load_panel(path: str | Path | None = None, build: str = "GRCh38") -> pd.DataFrame:
    """The gene panel joined to the build's annotation, in panel order.

    Columns: gene (the current HGNC symbol), group, chrom, start, end. A panel TSV needs a
    ``gene`` column; ``group`` is optional (empty when absent). Previous and alias symbols are
    resolved to the current one (``panel.attrs["renamed"]`` lists each renaming:
    given, symbol, how, text); an unknown, ambiguous or duplicated gene raises InputError.
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
    genes, renamed = resolve_genes(panel["gene"].tolist(), build, path=str(path))
    seen: dict = {}
    for g, original in zip(genes, panel["gene"]):
        if g in seen:
            raise InputError(f"gene {original!r} and {seen[g]!r} are both {g!r} (previous "
                             "symbol or alias): listed twice", path=str(path), field="gene")
        seen[g] = original
    index = _annotation_by_symbol(build)
    out = pd.DataFrame({"gene": genes, "group": panel["group"].to_numpy()})
    out = out.join(index[["chrom", "start", "end"]], on="gene").reset_index(drop=True)
    out.attrs["renamed"] = renamed
    return out
