"""Gene symbols: previous and alias symbols resolved to the current HGNC symbol.

Panels and MAFs from older pipelines use symbols HGNC has since renamed (TCGA: ``MLL2`` is
now ``KMT2D``, ``MLL3`` ``KMT2C``, ``C7orf10`` ``SUGCT``), and newer files use symbols the
shipped annotation predates (cBioPortal's ``ACP3`` is GENCODE v27's ``ACPP``). Both are
matched through HGNC: ``resources/hgnc_symbols.tsv.gz`` (current symbol, previous symbols,
aliases, NCBI Gene id; HGNC data, CC0; see resources/README.md).

Resolution order for a name (case-insensitive): an NCBI Gene id when one is given (a MAF's
``Entrez_Gene_Id``), then a current symbol, then a previous symbol, then an alias. A name
that several genes share at the first level where it is found is ambiguous (the candidates are
named); a name HGNC does not know stays as it is (the annotation may still know it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandas as pd

from .genome import RESOURCES

SYMBOLS = RESOURCES / "hgnc_symbols.tsv.gz"


@dataclass(frozen=True)
class Resolution:
    given: str
    symbol: str | None  # the current HGNC symbol (None: unknown or ambiguous)
    how: str  # current, entrez, previous, alias, unknown, ambiguous
    candidates: tuple[str, ...] = ()

    @property
    def renamed(self) -> bool:
        return self.symbol is not None and self.symbol != self.given


class Symbols:
    """HGNC's current symbols with their previous symbols, aliases and NCBI Gene ids."""

    def __init__(self, table: pd.DataFrame):
        self.current: dict[str, str] = {}
        self.previous: dict[str, list[str]] = {}
        self.alias: dict[str, list[str]] = {}
        self.entrez: dict[str, str] = {}
        for symbol, entrez, prev, alias in zip(table["symbol"], table["entrez_id"],
                                               table["previous_symbols"],
                                               table["alias_symbols"]):
            self.current[symbol.upper()] = symbol
            if entrez:
                self.entrez[entrez] = symbol
            for names, index in ((prev, self.previous), (alias, self.alias)):
                for name in filter(None, names.split("|")):
                    index.setdefault(name.upper(), []).append(symbol)

    def resolve(self, name: str, entrez: str | int | None = None) -> Resolution:
        given = str(name).strip()
        key = given.upper()
        e = str(entrez).strip() if entrez is not None else ""
        if e.endswith(".0"):
            e = e[:-2]
        if e and e != "0" and e in self.entrez:
            symbol = self.entrez[e]
            return Resolution(given, symbol, "current" if symbol == given else "entrez")
        if key in self.current:
            return Resolution(given, self.current[key], "current")
        for how, index in (("previous", self.previous), ("alias", self.alias)):
            found = list(dict.fromkeys(index.get(key, [])))
            if len(found) == 1:
                return Resolution(given, found[0], how)
            if len(found) > 1:
                return Resolution(given, None, "ambiguous", tuple(sorted(found)))
        return Resolution(given, None, "unknown")


@cache
def symbols() -> Symbols:
    """The shipped table (read once per process)."""
    return Symbols(pd.read_csv(SYMBOLS, sep="\t", dtype=str, keep_default_na=False))


def describe(r: Resolution) -> str:
    """``MLL2 -> KMT2D (previous symbol)``."""
    kind = {"entrez": "by its NCBI Gene id", "previous": "previous symbol",
            "alias": "alias"}.get(r.how, r.how)
    return f"{r.given} -> {r.symbol} ({kind})"


def current_symbols(names, entrez=None) -> tuple[list[str], dict[str, Resolution]]:
    """Each name as its current HGNC symbol (unknown and ambiguous names unchanged), and the
    resolutions of the names that changed or are ambiguous, keyed by the given name (pairs
    with an NCBI Gene id are keyed ``name|id``). Distinct (name, id) pairs are resolved once."""
    names = [str(n).strip() for n in names]
    ids = [None] * len(names) if entrez is None else [str(x).strip() for x in entrez]
    table = symbols()
    memo: dict[tuple, Resolution] = {}
    out, notable = [], {}
    for n, e in zip(names, ids):
        r = memo.get((n, e))
        if r is None:
            r = memo[(n, e)] = table.resolve(n, e)
            if r.renamed or r.how == "ambiguous":
                notable[n if not e or e == "0" else f"{n}|{e}"] = r
        out.append(r.symbol if r.symbol is not None else n)
    return out, notable
