"""A plain gene table: a gene column and a copy-number or log2 column."""

from __future__ import annotations

from .base import Reader, gene_rows

GENE_ALIASES = ("gene", "gene_symbol", "symbol", "hugo_symbol", "gene symbol", "gene_name")
GENE_CN_ALIASES = ("copy_number", "copynumber", "cn", "total_cn", "tcn", "absolute_cn")
GENE_LOG2_ALIASES = ("log2", "log2_ratio", "log2ratio", "log2r", "lrr")


def detect(t) -> bool:
    c = t.columns
    return bool(c & set(GENE_ALIASES)) and bool(c & set(GENE_CN_ALIASES + GENE_LOG2_ALIASES))


def read(t, want, cfg):
    rows = list(range(len(t.rows)))
    gi = t.need("gene", *GENE_ALIASES)
    cn_i, l2_i = t.find(*GENE_CN_ALIASES), t.find(*GENE_LOG2_ALIASES)
    mode = cfg["gene_table_values"]
    if mode == "auto":
        mode = "copy_number" if cn_i is not None else "log2"
    if mode == "copy_number":
        vi = cn_i if cn_i is not None else t.need("copy_number", *GENE_CN_ALIASES)
        unit = "cn"
    else:
        vi = l2_i if l2_i is not None else t.need("log2", *GENE_LOG2_ALIASES)
        unit = "log2"
    return gene_rows(t, rows, gi, t.numbers(vi), unit), None


READER = Reader(
    name="gene_table", description="a gene table: gene + copy number or log2",
    units=("cn", "log2"), cohort_wide=False, detect=detect, read=read,
    detected_by="a gene column (gene, symbol, Hugo_Symbol, ...) and a copy_number/cn/tcn or "
                "log2 column",
)
