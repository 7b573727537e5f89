"""Previous and alias gene symbols resolved to current HGNC symbols (resources/
hgnc_symbols.tsv.gz): in the panel, in a MAF's gene column, in gene-level copy-number files."""

from pathlib import Path

import pandas as pd
import pytest
from cohortmark.copynumber import gene_copy_number, read_segments
from cohortmark.errors import InputError
from cohortmark.genome import load_genes, load_panel
from cohortmark.symbols import symbols
from cohortmark.variants import read_variants

D = Path(__file__).parent / "data"


def test_resolution_order_and_what_is_said():
    s = symbols()
    # TCGA LAML's symbols (HGNC: KMT2D prev MLL2, KMT2C prev MLL3, SUGCT prev C7orf10)
    assert [(r.symbol, r.how) for r in map(s.resolve, ["MLL2", "MLL3", "C7orf10"])] == \
        [("KMT2D", "previous"), ("KMT2C", "previous"), ("SUGCT", "previous")]
    assert s.resolve("acp3").symbol == "ACP3" and s.resolve("ACPP").how == "previous"
    assert s.resolve("TP53").how == "current" and not s.resolve("TP53").renamed
    # an NCBI Gene id decides first (a MAF's Entrez_Gene_Id): 8085 is KMT2D
    assert (s.resolve("MLL2", "8085").symbol, s.resolve("MLL2", "8085").how) == \
        ("KMT2D", "entrez")
    odz3 = s.resolve("ODZ3")  # previous symbol of TENM3, alias of TENM1
    assert odz3.how == "ambiguous" and odz3.symbol is None and "TENM3" in odz3.candidates
    assert s.resolve("NOT_A_GENE").how == "unknown"


def test_panel_with_old_and_new_symbols(tmp_path):
    panel = tmp_path / "panel.tsv"
    panel.write_text("gene\tgroup\nMLL2\tepigenetic\nACP3\tprostate\nTP53\tp53\n")
    p = load_panel(panel, build="GRCh38")
    assert list(p["gene"]) == ["KMT2D", "ACP3", "TP53"]
    genes = load_genes("GRCh38").set_index("gene")
    # GENCODE v27 (the shipped GRCh38 annotation) still calls ACP3 by its old name ACPP
    assert "ACP3" not in genes.index
    assert tuple(p.iloc[1][["chrom", "start", "end"]]) == tuple(genes.loc["ACPP"])
    assert tuple(p.iloc[0][["chrom", "start", "end"]]) == tuple(genes.loc["KMT2D"])
    assert [r["text"] for r in p.attrs["renamed"]] == ["MLL2 -> KMT2D (previous symbol)"]
    # the shipped panel needs no renaming
    assert load_panel(build="GRCh37").attrs["renamed"] == []


def test_panel_stops_only_on_unknown_ambiguous_or_twice(tmp_path):
    panel = tmp_path / "panel.tsv"
    panel.write_text("gene\nODZ3\n")
    with pytest.raises(InputError, match="'ODZ3' is ambiguous: a previous symbol or alias of "
                                         ".*TENM3"):
        load_panel(panel, build="GRCh38")
    panel.write_text("gene\nMDM2\nNOT_A_GENE\nNOR_THIS\n")
    with pytest.raises(InputError, match="not in the GRCh38 annotation .*: NOT_A_GENE, "
                                         "NOR_THIS"):
        load_panel(panel, build="GRCh38")
    panel.write_text("gene\nMLL2\nKMT2D\n")
    with pytest.raises(InputError, match="'KMT2D' and 'MLL2' are both 'KMT2D'"):
        load_panel(panel, build="GRCh38")


def test_laml_maf_gene_names_are_current(tmp_path):
    """TCGA LAML (maftools' tcga_laml.maf.gz): a 1,611-gene panel taken from the MAF's own
    Hugo_Symbols loses 5 genes on GRCh37 (4 not in the annotation, ODZ3 ambiguous), not 75;
    the MLL2 row (TCGA-AB-2939, 12:49425367, Entrez 8085) is a KMT2D mutation."""
    maf = D / "cohorts" / "tcga_laml.maf.gz"
    names = sorted(set(pd.read_csv(maf, sep="\t", dtype=str, comment="#")["Hugo_Symbol"]))
    from cohortmark.genome import resolve_genes

    failed = []
    for n in names:
        try:
            resolve_genes([n], "GRCh37")
        except InputError:
            failed.append(n)
    assert len(names) == 1611 and failed == ["BAGE", "CYP4F8", "FAM58B", "ODZ3", "PCDHB9"]
    panel = tmp_path / "panel.tsv"
    panel.write_text("gene\nKMT2D\nKMT2C\n")
    v = read_variants(maf, "TCGA-AB-2939", panel=load_panel(panel, build="GRCh37"),
                      build="GRCh37", patient="TCGA-AB-2939")
    assert list(v["gene"]) == ["KMT2D"] and list(v["pos"]) == [49425367]
    from cohortmark.variants.maf import gene_renamings

    assert "MLL2 -> KMT2D (by its NCBI Gene id)" in gene_renamings(str(maf))


def test_gene_level_copy_number_files_old_and_new_symbols(tmp_path):
    """A panel says ACPP (resolved to ACP3): cBioPortal's study_es_0 data_CNA names ACP3
    (TCGA-A2-A04U-01: 0 -> NEUTRAL); an older gene table says MLL2 for KMT2D."""
    panel = tmp_path / "panel.tsv"
    panel.write_text("gene\nACPP\nMLL2\n")
    p = load_panel(panel, build="GRCh38")
    segs = read_segments(D / "copynumber" / "data_cna_discrete.txt", None, "TCGA-A2-A04U-01")
    out = gene_copy_number(segs, p).set_index("gene")
    assert out.loc["ACP3", "cn_call"] == "NEUTRAL"
    assert out.loc["KMT2D", "cn_status"] == "not_profiled"  # not in that file
    table = tmp_path / "genes.tsv"
    table.write_text("gene\tcopy_number\nMLL2\t7\nKMT2C\t2\n")
    out = gene_copy_number(read_segments(table), p).set_index("gene")
    assert out.loc["KMT2D", "cn_value"] == 7 and out.loc["KMT2D", "cn_call"] == "AMP"
