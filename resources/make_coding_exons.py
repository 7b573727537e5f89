"""Build resources/coding_exons.<build>.tsv.gz: coding exons of protein-coding genes.

Used only for VCFs without consequence annotation (cohortmark.variants.exons): a record counts
as a mutation only in a coding exon or at a splice site. Run from the repository root with the
two source files (see resources/README.md for their repositories and commits):

    python resources/make_coding_exons.py cds.hg19.regions.gz hg19ToHg38.over.chain.gz

Output: columns gene, chrom, start, end; 0-based half-open; chromosomes without ``chr``; one row
per coding segment, the segments of a gene merged across its transcripts, the stop codon added
at the 3' end; bgzip-compressed (gzip-readable, mtime 0: byte-identical rebuilds).
GRCh37 is the source as it is; GRCh38 is the GRCh37 table lifted over with the UCSC chain
(a segment is kept when every base maps into one chain onto one chromosome; split segments
keep their mapped pieces). The script prints how many segments and genes did not map.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from bisect import bisect_right
from pathlib import Path

CANONICAL = [str(i) for i in range(1, 23)] + ["X", "Y", "MT"]
ORDER = {c: i for i, c in enumerate(CANONICAL)}


def canonical(name: str) -> str:
    name = name[3:] if name.lower().startswith("chr") else name
    return "MT" if name in ("M", "MT") else name


def read_cds(path: Path) -> list[tuple[str, str, int, int]]:
    """(gene, chrom, start0, end) segments of the source, stop codon added, merged per gene."""
    by_gene: dict[tuple[str, str, str], list[list[int]]] = {}
    with gzip.open(path, "rt") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        col = {name: i for i, name in enumerate(header)}
        for line in fh:
            f = line.rstrip("\n").split("\t")
            chrom = canonical(f[col["CHROMOSOME"]])
            if chrom not in ORDER:
                continue
            key = (f[col["SYMBOL"]], chrom, f[col["STRAND"]])
            by_gene.setdefault(key, []).append([int(f[col["START"]]) - 1, int(f[col["END"]])])
    out = []
    for (gene, chrom, strand), segs in by_gene.items():
        segs.sort()
        merged: list[list[int]] = []
        for s, e in segs:
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        if strand == "+":  # GENCODE CDS features end before the stop codon
            merged[-1][1] += 3
        else:
            merged[0][0] = max(0, merged[0][0] - 3)
        out.extend((gene, chrom, s, e) for s, e in merged)
    return out


class Chain:
    """UCSC chain file (reference = source build, query = target build), aligned blocks only."""

    def __init__(self, path: Path):
        self.blocks: dict[str, list[tuple[int, int, int, str, str]]] = {}
        with gzip.open(path, "rt") as fh:
            t_name = q_name = q_strand = None
            t_pos = q_pos = chain_id = 0
            for line in fh:
                f = line.split()
                if not f:
                    continue
                if f[0] == "chain":
                    t_name, t_pos = canonical(f[2]), int(f[5])
                    q_name, q_strand, q_pos = canonical(f[7]), f[9], int(f[10])
                    chain_id = f[12]
                    continue
                size = int(f[0])
                # minus-strand query blocks are kept only to reject segments that fall in them
                q_start = q_pos if q_strand == "+" else 0
                self.blocks.setdefault(t_name, []).append(
                    (t_pos, t_pos + size, q_start, q_name + ("" if q_strand == "+" else "-"),
                     chain_id))
                t_pos += size
                q_pos += size
                if len(f) == 3:
                    t_pos += int(f[1])
                    q_pos += int(f[2])
        for blocks in self.blocks.values():
            blocks.sort()
        self.starts = {c: [b[0] for b in v] for c, v in self.blocks.items()}

    def map(self, chrom: str, start: int, end: int) -> list[tuple[str, int, int]] | None:
        """Mapped pieces of [start, end), or None unless every base maps within one chain onto
        one chromosome's + strand."""
        blocks = self.blocks.get(chrom)
        if not blocks:
            return None
        i = max(bisect_right(self.starts[chrom], start) - 1, 0)
        pieces, covered, chains = [], 0, set()
        while i < len(blocks) and blocks[i][0] < end:
            t0, t1, q0, q_name, chain_id = blocks[i]
            s, e = max(start, t0), min(end, t1)
            if s < e:
                pieces.append((q_name, q0 + (s - t0), q0 + (e - t0)))
                covered += e - s
                chains.add(chain_id)
            i += 1
        if covered != end - start or len(chains) != 1 or {p[0] for p in pieces} != {pieces[0][0]}:
            return None
        if pieces[0][0].endswith("-") or pieces[0][0] not in ORDER:
            return None
        merged: list[list] = []
        for name, s, e in sorted(pieces):
            if merged and s <= merged[-1][2]:
                merged[-1][2] = max(merged[-1][2], e)
            else:
                merged.append([name, s, e])
        return [tuple(m) for m in merged]


def write(rows, path: Path) -> None:
    rows = sorted(set(rows), key=lambda r: (ORDER[r[1]], r[2], r[3], r[0]))
    text = "gene\tchrom\tstart\tend\n" + "".join(f"{g}\t{c}\t{s}\t{e}\n" for g, c, s, e in rows)
    plain = path.with_suffix("")
    plain.write_text(text)
    # bgzip: BGZF blocks (readable by gzip and by htslib); deterministic output
    subprocess.run(["bgzip", "-f", str(plain)], check=True)


def main(cds: Path, chain: Path) -> None:
    out = Path(__file__).parent
    grch37 = read_cds(cds)
    write(grch37, out / "coding_exons.GRCh37.tsv.gz")
    lift = Chain(chain)
    grch38, lost = [], []
    for gene, chrom, s, e in grch37:
        mapped = lift.map(chrom, s, e)
        if mapped is None:
            lost.append((gene, chrom, s, e))
            continue
        grch38.extend((gene, name, a, b) for name, a, b in mapped)
    write(grch38, out / "coding_exons.GRCh38.tsv.gz")
    genes37 = {r[0] for r in grch37}
    genes38 = {r[0] for r in grch38}
    print(f"GRCh37: {len(grch37)} segments of {len(genes37)} genes")
    print(f"GRCh38: {len(grch38)} segments of {len(genes38)} genes; {len(lost)} segments "
          f"({sum(e - s for _, _, s, e in lost)} bp) did not map, "
          f"{len(genes37 - genes38)} genes lost entirely")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
