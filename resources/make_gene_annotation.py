"""Build resources/genes.<build>.tsv.gz and resources/chrom_sizes.<build>.tsv from real sources.

Run from the repository root with the shared external data beside it:
    python resources/make_gene_annotation.py ../shared/external
See resources/README.md for where every coordinate comes from.
"""

import gzip
import sys
from pathlib import Path

import pandas as pd

AUTOSOMES = [str(i) for i in range(1, 23)]
CANONICAL = AUTOSOMES + ["X", "Y", "MT"]


def canonical(name: str) -> str:
    name = name[3:] if name.lower().startswith("chr") else name
    return "MT" if name in ("M", "MT") else name


def write(df: pd.DataFrame, path: Path) -> None:
    df = df[df["chrom"].isin(CANONICAL)].copy()
    df["order"] = df["chrom"].map({c: i for i, c in enumerate(CANONICAL)})
    df = df.sort_values(["order", "start", "end", "gene"]).drop(columns="order")
    with gzip.GzipFile(path, "wb", mtime=0) as fh:  # mtime=0: byte-identical rebuilds
        fh.write(df.to_csv(sep="\t", index=False).encode())


def main(external: Path) -> None:
    out = Path(__file__).parent
    # GRCh38: GENCODE v27 gene table (1-based closed) -> 0-based half-open.
    g38 = pd.read_csv(external / "gene_coords/hg38_gencode_v27.txt", sep="\t", header=None,
                      names=["gene", "chrom", "start", "end"], usecols=range(4))
    # One row (TNFRSF18) carries a trailing tab; usecols keeps the four real fields.
    g38["chrom"] = g38["chrom"].map(canonical)
    g38["start"] -= 1
    write(g38[["gene", "chrom", "start", "end"]], out / "genes.GRCh38.tsv.gz")
    # GRCh37: Ensembl gene coordinates as written by PURPLE's gene table (1-based closed).
    g37 = pd.read_csv(external / "hmftools_purple/tumor_sample.purple.cnv.gene.tsv", sep="\t",
                      dtype={"chromosome": str})
    g37 = g37.rename(columns={"chromosome": "chrom"})[["gene", "chrom", "start", "end"]]
    g37["chrom"] = g37["chrom"].map(canonical)
    g37["start"] -= 1
    g37 = g37.drop_duplicates("gene", keep="first")
    write(g37, out / "genes.GRCh37.tsv.gz")
    # Chromosome lengths: the end of the last UCSC cytoband of each chromosome.
    for build, name in (("GRCh37", "hg19"), ("GRCh38", "hg38")):
        cyto = pd.read_csv(external / f"maftools/{name}_cytobands.tsv.gz", sep="\t")
        cyto.columns = ["chrom", "start", "end", "band", "stain"]
        cyto["chrom"] = cyto["chrom"].map(canonical)
        sizes = cyto.groupby("chrom")["end"].max()
        sizes = sizes[sizes.index.isin(CANONICAL)]
        sizes = sizes.reindex([c for c in CANONICAL if c in sizes.index])
        mt = pd.Series({"MT": 16569})  # rCRS mitochondrion, identical in both builds
        pd.concat([sizes, mt]).rename_axis("chrom").rename("length").reset_index().to_csv(
            out / f"chrom_sizes.{build}.tsv", sep="\t", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/external"))
