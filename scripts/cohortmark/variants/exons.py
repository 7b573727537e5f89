"""Coding exons and splice sites by position, for VCFs without consequence annotation.

A record of an unannotated VCF (no VEP ``CSQ``, no SnpEff ``ANN``) counts as a mutation only
when it touches a coding exon of a protein-coding gene or a canonical splice site (the 2 intron
bases at each exon-exon junction); it then gets the class ``unannotated``. Intronic, UTR and
intergenic records stay in the variant table as not alterations. The exons come from
``resources/coding_exons.<build>.tsv.gz`` (see resources/README.md for their source).
"""

from __future__ import annotations

import gzip
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[3] / "resources"
SPLICE_BASES = 2


class CodingRegions:
    """Coding exons (0-based half-open, merged per gene) and the splice sites between them."""

    def __init__(self, rows):
        by_gene: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for gene, chrom, start, end in rows:
            by_gene.setdefault((chrom, gene), []).append((start, end))
        exons: dict[str, list] = {}
        splice: dict[str, list] = {}
        for (chrom, gene), ivs in by_gene.items():
            ivs.sort()
            for i, (start, end) in enumerate(ivs):
                exons.setdefault(chrom, []).append((start, end, gene))
                if i > 0:  # acceptor/donor before this exon
                    splice.setdefault(chrom, []).append((start - SPLICE_BASES, start, gene))
                if i < len(ivs) - 1:  # donor/acceptor after it
                    splice.setdefault(chrom, []).append((end, end + SPLICE_BASES, gene))
        self.exons = {c: _Intervals(v) for c, v in exons.items()}
        self.splice = {c: _Intervals(v) for c, v in splice.items()}
        self.genes = {gene for _chrom, gene in by_gene}

    def site(self, chrom: str, pos1: int, ref: str) -> tuple[str | None, str]:
        """(``coding_exon`` | ``splice_site`` | None, gene) for a record at 1-based ``pos1``
        spanning its REF bases (a deletion's deleted bases count; an insertion touches the
        base it follows)."""
        start, end = pos1 - 1, pos1 - 1 + max(len(ref), 1)
        for kind, table in (("coding_exon", self.exons), ("splice_site", self.splice)):
            hit = table[chrom].overlapping(start, end) if chrom in table else None
            if hit is not None:
                return kind, hit
        return None, ""


class _Intervals:
    def __init__(self, items):
        self.items = sorted(items)
        self.starts = [s for s, _, _ in self.items]
        self.max_len = max((e - s for s, e, _ in self.items), default=0)

    def overlapping(self, start: int, end: int) -> str | None:
        i = bisect_right(self.starts, end - 1)
        j = i - 1
        while j >= 0 and self.items[j][0] >= start - self.max_len:
            s, e, gene = self.items[j]
            if s < end and e > start:
                return gene
            j -= 1
        return None


@lru_cache(maxsize=2)
def coding_regions(build: str) -> CodingRegions:
    """The shipped coding exons of ``build`` (cached per process)."""
    path = RESOURCES / f"coding_exons.{build}.tsv.gz"
    rows = []
    with gzip.open(path, "rt") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        assert header == ["gene", "chrom", "start", "end"], header
        for line in fh:
            gene, chrom, start, end = line.rstrip("\n").split("\t")
            rows.append((gene, chrom, int(start), int(end)))
    return CodingRegions(rows)
