"""Shared pieces of the structural-variant readers: the call table, the gene lookup, filters and
the gene-level summary (pure functions)."""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from functools import cache

import numpy as np
import pandas as pd

from .. import schema
from ..genome import load_genes

INT_COLUMNS = ["pos_a", "pos_b"]
COUNT_COLUMNS = ["split_reads", "spanning_reads", "support"]
CONFIDENCE_LEVELS = ["low", "medium", "high"]  # Arriba's, lowest first
UNKNOWN_PARTNER = "unknown"

# Gene symbols of the shipped annotations that name non-coding or clone-based loci; a
# breakpoint inside both such a locus and a named gene is given to the named gene.
_NONCODING = re.compile(r"^(LINC\d|MIR\d|SNOR[AD]|RNU\d|RNA5|Y_RNA|LOC\d|RP\d+-|CT[ABCD]-|"
                        r"A[CLP]\d{6}\.|ENSG\d)|-(AS|IT|OT|DT)\d*$")


def empty_calls() -> pd.DataFrame:
    """A call table with no rows and the right dtypes."""
    df = pd.DataFrame({c: pd.Series(dtype=object) for c in schema.SV_COLUMNS})
    for col in INT_COLUMNS:
        df[col] = df[col].astype("Int64")
    for col in COUNT_COLUMNS:
        df[col] = df[col].astype(float)
    return df


_EMPTY = None


def finish(rows: list[dict]) -> pd.DataFrame:
    """Rows -> schema.SV_COLUMNS table in a stable order (genes, then breakpoints)."""
    global _EMPTY
    if not rows:  # most tumours: no call (built once; pandas costs ms per table)
        if _EMPTY is None:
            _EMPTY = empty_calls()
        return _EMPTY.copy()
    df = pd.DataFrame(rows).reindex(columns=schema.SV_COLUMNS)
    for col in INT_COLUMNS:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
    for col in COUNT_COLUMNS:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    for col in ("gene_a", "gene_b", "chrom_a", "chrom_b", "frame", "confidence", "filter"):
        df[col] = df[col].fillna("").astype(str)
    df["_a"] = df["chrom_a"].map(chrom_rank)
    df["_b"] = df["chrom_b"].map(chrom_rank)
    df = df.sort_values(["_a", "pos_a", "_b", "pos_b", "gene_a", "gene_b", "call_id"],
                        kind="stable", na_position="last")
    return df.drop(columns=["_a", "_b"]).reset_index(drop=True)


def chrom_rank(chrom: str) -> tuple:
    """Sort key of a canonical chromosome name: 1..22, X, Y, MT, then others by name."""
    c = str(chrom or "")
    if c.isdigit():
        return (0, int(c), "")
    return (1, {"X": 0, "Y": 1, "MT": 2}.get(c, 3), c)


def total(*counts) -> float:
    """Sum of read counts, NaN only when every count is missing."""
    known = [c for c in counts if c is not None and not (isinstance(c, float) and math.isnan(c))]
    return float(sum(known)) if known else math.nan


class GeneIndex:
    """The genes of a build's annotation whose body contains a position (0-based half-open
    bodies; 1-based query positions, as callers write breakpoints)."""

    def __init__(self, genes: pd.DataFrame, preferred=()):
        self.preferred = set(preferred)
        self.by_chrom: dict[str, tuple[list[int], list[tuple[int, int, str]]]] = {}
        self.max_len: dict[str, int] = {}
        for chrom, part in genes.sort_values(["chrom", "start", "end", "gene"]).groupby("chrom"):
            items = list(zip(part["start"].astype(int), part["end"].astype(int), part["gene"]))
            self.by_chrom[str(chrom)] = ([s for s, _, _ in items], items)
            self.max_len[str(chrom)] = int((part["end"] - part["start"]).max())

    def genes_at(self, chrom: str, pos1: int) -> list[str]:
        """Every gene whose body contains the 1-based position ``pos1``."""
        entry = self.by_chrom.get(chrom)
        if entry is None or pos1 is None:
            return []
        starts, items = entry
        p = pos1 - 1
        hi = bisect_right(starts, p)
        lo = bisect_right(starts, p - self.max_len[chrom] - 1)
        return [g for s, e, g in items[lo:hi] if s <= p < e]

    def gene_at(self, chrom: str, pos1: int) -> str:
        """The one gene a breakpoint is given to: a panel gene first, then a named gene over a
        non-coding or clone-named locus, then the shortest body; '' when intergenic."""
        hits = self.genes_at(chrom, pos1)
        if not hits:
            return ""
        if len(hits) == 1:
            return hits[0]
        starts, items = self.by_chrom[chrom]
        length = {g: e - s for s, e, g in items if g in hits}
        return min(hits, key=lambda g: (g not in self.preferred, bool(_NONCODING.search(g)),
                                        length[g], g))


@cache
def _build_index(build: str, preferred: tuple[str, ...]) -> GeneIndex:
    return GeneIndex(load_genes(build), preferred)


def gene_index(build: str, panel: pd.DataFrame | None = None) -> GeneIndex:
    """The (cached) gene index of ``build``, preferring the panel's genes."""
    preferred = tuple(sorted(panel["gene"])) if panel is not None else ()
    return _build_index(build, preferred)


def apply_filters(calls: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """Keep the calls that pass the ``structural_variants`` settings ``cfg``: FILTER values,
    Arriba confidence, minimum supporting reads (a call without a read count is kept)."""
    if calls.empty:
        return calls
    keep = np.ones(len(calls), dtype=bool)
    accepted = list(cfg["filter"])
    if accepted:
        from ..variants.core import passes_filter

        keep &= calls["filter"].map(lambda f: passes_filter(f, accepted)).to_numpy(dtype=bool)
    levels = set(cfg["arriba_confidence"])
    conf = calls["confidence"].fillna("")
    keep &= ((calls["caller"] != "arriba") | conf.isin(levels)).to_numpy(dtype=bool)
    min_support = cfg["min_support"] or 0
    if min_support:
        keep &= ~(calls["support"] < min_support).to_numpy(dtype=bool)
    return calls[keep].reset_index(drop=True)


def restrict_to_panel(calls: pd.DataFrame, panel: pd.DataFrame | None) -> pd.DataFrame:
    """The calls with at least one partner among the panel genes (all calls without a panel)."""
    if panel is None or calls.empty:
        return calls
    genes = set(panel["gene"])
    keep = calls["gene_a"].isin(genes) | calls["gene_b"].isin(genes)
    return calls[keep].reset_index(drop=True)


def _partner(call_gene: str, other_gene: str, other_chrom: str) -> str:
    if other_gene:
        return other_gene
    return schema.INTERGENIC if other_chrom else UNKNOWN_PARTNER


def gene_fusions(calls: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """One row per panel gene (panel order): ``altered`` when a call has a breakpoint in the
    gene, with the partners of those calls in ``sv_partners``; ``wildtype`` otherwise."""
    if calls.empty:
        return _all(panel, "wildtype")
    partners: dict[str, list[str]] = {}
    for row in calls[["gene_a", "gene_b", "chrom_a", "chrom_b"]].itertuples(index=False):
        if row.gene_a:
            partners.setdefault(row.gene_a, []).append(_partner(row.gene_a, row.gene_b,
                                                                row.chrom_b))
        if row.gene_b and row.gene_b != row.gene_a:
            partners.setdefault(row.gene_b, []).append(_partner(row.gene_b, row.gene_a,
                                                                row.chrom_a))
    genes = list(panel["gene"])
    status = ["altered" if g in partners else "wildtype" for g in genes]
    text = [";".join(dict.fromkeys(partners[g])) if g in partners else "" for g in genes]
    return pd.DataFrame({"gene": genes, "sv_status": status, "sv_partners": text},
                        columns=schema.GENE_SV_COLUMNS)


_ALL: dict = {}


def _all(panel: pd.DataFrame, status: str) -> pd.DataFrame:
    """Every panel gene with one sv_status and no partner (built once per panel)."""
    key = (id(panel), len(panel), status)
    cached = _ALL.get(key)
    if cached is None or cached[0] is not panel:
        if len(_ALL) > 8:
            _ALL.clear()
        table = pd.DataFrame({"gene": list(panel["gene"]), "sv_status": status,
                              "sv_partners": ""}, columns=schema.GENE_SV_COLUMNS)
        cached = _ALL[key] = (panel, table)
    return cached[1].copy()


def not_profiled(panel: pd.DataFrame) -> pd.DataFrame:
    """Every panel gene not_profiled for structural variants."""
    return _all(panel, "not_profiled")
