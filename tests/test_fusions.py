"""Fusion / structural-variant readers on genuine caller outputs (tests/data/fusions/, see
tests/data/PROVENANCE.md), filters, the gene-level three-state summary and bad input."""

from pathlib import Path

import pandas as pd
import pytest
from cohortmark import schema
from cohortmark.config import default_config
from cohortmark.errors import InputError
from cohortmark.fusions import (
    detect_format,
    gene_fusions,
    patient_structural_variants,
    read_structural_variants,
)
from cohortmark.fusions.vcf import bnd_type, breakend_partner
from cohortmark.genome import load_panel

DATA = Path(__file__).parent / "data" / "fusions"
SETTINGS = default_config()["structural_variants"]
KEEP_ALL = {**SETTINGS, "filter": [], "arriba_confidence": ["high", "medium", "low"]}


def read(name, sample=None, build="GRCh38", settings=SETTINGS, **kw):
    return read_structural_variants(DATA / name, sample, build=build, settings=settings, **kw)


def panel_of(*genes, build="GRCh38", tmp_path=None):
    path = tmp_path / "panel.tsv"
    path.write_text("gene\n" + "\n".join(genes) + "\n")
    return load_panel(path, build)


@pytest.mark.parametrize("name, fmt", [
    ("arriba_test_fusions.tsv", "arriba"),
    ("pvactools_arriba_fusions.head16.tsv", "arriba"),
    ("pvactools_star-fusion.fusion_predictions.abridged.tsv", "star-fusion"),
    ("star-fusion_kickstart.fusion_candidates.final.abridged", "star-fusion"),
    ("cbioportal_study_es_0_data_structural_variants.txt", "cbioportal"),
    ("manta_demo_somaticSV.vcf.gz", "vcf"),
    ("colo829_somatic_manta.vcf", "vcf"),
    ("gridss294.colo829.somatic.subset.vcf", "vcf"),
    ("delly-0.6.8.vcf", "vcf"),
])
def test_format_detected_from_content(name, fmt):
    assert detect_format(str(DATA / name)) == fmt


# --- Arriba ----------------------------------------------------------------------------------

def test_arriba_test_output_bcr_abl1():
    """Arriba's own test output: BCR (5') - ABL1 (3'), in frame, 4 + 7 split reads."""
    calls = read("arriba_test_fusions.tsv")
    assert len(calls) == 1
    c = calls.iloc[0]
    assert (c.gene_a, c.gene_b, c.gene_order) == ("BCR", "ABL1", "5'-3'")
    assert (c.chrom_a, c.pos_a, c.chrom_b, c.pos_b) == ("22", 23632600, "9", 133729451)
    assert (c.sv_type, c.frame, c.confidence, c.caller) == ("translocation", "in-frame", "high",
                                                            "arriba")
    assert (c.split_reads, c.spanning_reads, c.support) == (11, 0, 11)
    assert list(calls.columns) == schema.SV_COLUMNS


def test_arriba_confidence_filter_and_intergenic_partners():
    """pVACtools' Arriba example (16 rows): 2 low-confidence calls dropped by default; an
    intergenic breakpoint (Arriba names the closest genes, 'A(123),B(456)') has no gene."""
    every = read("pvactools_arriba_fusions.head16.tsv", settings=KEEP_ALL)
    kept = read("pvactools_arriba_fusions.head16.tsv")
    assert len(every) == 16
    assert sorted(every["confidence"].value_counts().items()) == [("high", 12), ("low", 2),
                                                                  ("medium", 2)]
    assert len(kept) == 14 and set(kept["confidence"]) == {"high", "medium"}
    pten = every[(every["gene_a"] == "PTEN") | (every["gene_b"] == "PTEN")]
    assert len(pten) == 4
    assert set(pten["gene_a"] + "|" + pten["gene_b"]) == {"PTEN|", "|PTEN"}
    first = every[(every["gene_a"] == "PTEN") & (every["pos_b"] == 88016243)].iloc[0]
    assert (first.split_reads, first.spanning_reads, first.support) == (163 + 146, 6, 315)
    assert first.sv_type == "deletion" and first.frame == "out-of-frame"
    five = every[every["gene_b"] == "STPG2-AS1"]
    assert list(five["gene_order"]) == ["5'-5'"]  # Arriba type duplication/5'-5'


def test_arriba_gene_level_partners(tmp_path):
    panel = panel_of("PTEN", "EIF3K", "CYP39A1", "TP53", tmp_path=tmp_path)
    calls = read("pvactools_arriba_fusions.head16.tsv", panel=panel)
    assert len(calls) == 5  # 4 PTEN calls, 1 high-confidence EIF3K-CYP39A1
    genes = gene_fusions(calls, panel).set_index("gene")
    assert genes.loc["PTEN", "sv_status"] == "altered"
    assert genes.loc["PTEN", "sv_partners"] == "intergenic"
    assert genes.loc["EIF3K", "sv_partners"] == "CYP39A1"
    assert genes.loc["CYP39A1", "sv_partners"] == "EIF3K"
    assert genes.loc["TP53", "sv_status"] == "wildtype" and genes.loc["TP53", "sv_partners"] == ""


# --- STAR-Fusion -----------------------------------------------------------------------------

def test_star_fusion_current_format():
    """STAR-Fusion 1.9+ abridged output (est_J, FFPM, annots columns) from pVACtools."""
    calls = read("pvactools_star-fusion.fusion_predictions.abridged.tsv")
    assert len(calls) == 6
    c = calls[calls["gene_a"] == "EIF3K"].iloc[0]
    assert (c.gene_b, c.chrom_a, c.pos_a, c.chrom_b, c.pos_b) == ("CYP39A1", "19", 38632678,
                                                                  "6", 46639668)
    assert (c.split_reads, c.spanning_reads, c.support) == (210, 3, 213)
    assert (c.gene_order, c.caller, c.frame) == ("5'-3'", "star-fusion", "")
    mdh1 = calls[calls["gene_a"] == "MDH1"].iloc[0]
    assert (mdh1.gene_b, mdh1.chrom_b) == ("LINC01278", "X")


def test_star_fusion_old_format_and_support_filter():
    """STAR-Fusion's kickstart test output (9-column format of older releases)."""
    calls = read("star-fusion_kickstart.fusion_candidates.final.abridged")
    assert len(calls) == 24
    acaca = calls[calls["gene_a"] == "ACACA"].iloc[0]
    assert (acaca.gene_b, acaca.split_reads, acaca.spanning_reads) == ("STAC2", 12, 51)
    strict = read("star-fusion_kickstart.fusion_candidates.final.abridged",
                  settings={**SETTINGS, "min_support": 40})
    assert len(strict) == int((calls["support"] >= 40).sum())
    assert 0 < len(strict) < 24 and (strict["support"] >= 40).all()


def test_star_fusion_coding_effect_frame(tmp_path):
    """--examine_coding_effect adds PROT_FUSION_TYPE: INFRAME / FRAMESHIFT."""
    src = (DATA / "pvactools_star-fusion.fusion_predictions.abridged.tsv").read_text()
    lines = src.rstrip("\n").split("\n")
    frames = ["INFRAME", "FRAMESHIFT", ".", "INFRAME", "FRAMESHIFT", "."]
    out = [lines[0] + "\tPROT_FUSION_TYPE"] + [f"{ln}\t{f}" for ln, f in zip(lines[1:], frames)]
    path = tmp_path / "x.abridged.coding_effect.tsv"
    path.write_text("\n".join(out) + "\n")
    calls = read_structural_variants(path, build="GRCh38", settings=SETTINGS)
    by = dict(zip(calls["gene_a"], calls["frame"]))
    assert by["EIF3K"] == "in-frame" and by["PLA2R1"] == "out-of-frame" and by["MDH1"] == ""


# --- cBioPortal data_sv ------------------------------------------------------------------------

def test_cbioportal_sample_chosen_like_a_maf():
    calls = read("cbioportal_study_es_0_data_structural_variants.txt", "TCGA-A2-A04P-01",
                 build="GRCh37")
    assert len(calls) == 9
    pairs = set(calls["gene_a"] + "-" + calls["gene_b"])
    assert {"EML4-ALK", "KIAA1549-BRAF", "NCOA4-RET", "TMPRSS2-ERG", "EGFR-EGFR"} <= pairs
    eml4 = calls[calls["gene_a"] == "EML4"].iloc[0]
    assert (eml4.chrom_a, eml4.pos_a, eml4.chrom_b, eml4.pos_b) == ("2", 42492091, "2",
                                                                    29446394)
    assert eml4.support == 700  # Tumor_Variant_Count (split / paired counts are NA)
    assert (eml4.sv_type, eml4.gene_order) == ("fusion", "5'-3'")


def test_cbioportal_sample_without_rows_is_profiled(tmp_path):
    panel = panel_of("ALK", "BRAF", build="GRCh37", tmp_path=tmp_path)
    record = {"patient_id": "NOBODY",
              "sv_file": str(DATA / "cbioportal_study_es_0_data_structural_variants.txt")}
    genes, calls = patient_structural_variants(record, panel, SETTINGS, "GRCh37")
    assert calls.empty and set(genes["sv_status"]) == {"wildtype"}


def test_cbioportal_gene_level_and_missing_symbol(tmp_path):
    panel = panel_of("ALK", "BRAF", "TTN", build="GRCh37", tmp_path=tmp_path)
    record = {"patient_id": "P1", "tumor_sample": "TCGA-A2-A04P-01",
              "sv_file": str(DATA / "cbioportal_study_es_0_data_structural_variants.txt")}
    genes, calls = patient_structural_variants(record, panel, SETTINGS, "GRCh37")
    g = genes.set_index("gene")
    assert g.loc["ALK", "sv_status"] == "altered"
    assert g.loc["ALK", "sv_partners"] == "TTN;PTPN3;EML4"  # calls in breakpoint order
    assert g.loc["BRAF", "sv_partners"] == "KIAA1549"
    record["tumor_sample"] = "TCGA-AO-A0JL-01"  # rows with an empty Site1 or Site2 symbol
    genes, calls = patient_structural_variants(record, panel, SETTINGS, "GRCh37")
    g = genes.set_index("gene")
    assert g.loc["BRAF", "sv_partners"] == "MKRN1;intergenic;TTN"
    assert g.loc["TTN", "sv_partners"] == "intergenic;BRAF"


# --- SV VCFs ---------------------------------------------------------------------------------

def test_manta_demo_breakend_pairs():
    """Manta's demo (HCC1954, GRCh37): 6 BND records = 3 pairs = 3 calls; reads of the tumour
    column (PR/SR alt counts); the inversion written as a breakend pair is typed from its
    orientation."""
    calls = read("manta_demo_somaticSV.vcf.gz", build="GRCh37")
    assert len(calls) == 3
    assert list(calls["caller"].unique()) == ["manta"]
    tra = calls[calls["pos_a"] == 107653411].iloc[0]
    assert (tra.gene_a, tra.gene_b, tra.chrom_b, tra.pos_b) == ("OXR1", "", "11", 94987872)
    assert (tra.sv_type, tra.gene_order) == ("translocation", "unknown")
    assert (tra.split_reads, tra.spanning_reads, tra.support) == (19, 4, 23)
    inv = calls[calls["chrom_a"] == "11"].iloc[0]
    assert (inv.sv_type, inv.pos_a, inv.pos_b) == ("inversion", 94975753, 94987865)
    tumour = read("manta_demo_somaticSV.vcf.gz", "HCC1954", build="GRCh37", strict_sample=True)
    assert tumour["support"].tolist() == calls["support"].tolist()  # the normal has 0 alt reads
    normal = read("manta_demo_somaticSV.vcf.gz", "HCC1954_BL", build="GRCh37",
                  strict_sample=True)
    assert normal["support"].tolist() == [0, 0, 0]


def test_manta_colo829_types_and_filters():
    every = read("colo829_somatic_manta.vcf", build="GRCh37", settings=KEEP_ALL)
    kept = read("colo829_somatic_manta.vcf", build="GRCh37")
    assert set(every["sv_type"]) == {"deletion", "duplication", "inversion", "translocation"}
    assert set(kept["filter"]) == {"PASS"} and 0 < len(kept) < len(every)
    eif = kept[kept["gene_a"] == "EIF2B3"].iloc[0]  # a 116-bp intragenic deletion
    assert (eif.gene_b, eif.sv_type, eif.pos_a, eif.pos_b) == ("EIF2B3", "deletion", 45380606,
                                                               45380722)
    assert (eif.split_reads, eif.spanning_reads) == (15, 0)


def test_gridss_fhit_deletions_and_single_breakend(tmp_path):
    """GRIDSS on COLO829 (GRCh37): the two FHIT deletions at the FRA3B fragile site; PON-
    filtered calls dropped; a single breakend has no partner; breakend pairs shorter than
    50 bp (indels) are not structural variants."""
    panel = panel_of("FHIT", "KNG1", "RFC4", "SPSB1", "NGLY1", build="GRCh37",
                     tmp_path=tmp_path)
    every = read("gridss294.colo829.somatic.subset.vcf", build="GRCh37", settings=KEEP_ALL)
    assert not ((every["chrom_a"] == every["chrom_b"])
                & ((every["pos_b"] - every["pos_a"]).abs() < 50)).any()
    assert "SPSB1" not in set(every["gene_a"])  # 1:9424907 -> 9424908, a 19-bp insertion
    single = every[every["chrom_b"] == ""]
    assert len(single) == 1 and single.iloc[0]["sv_type"] == "rearrangement"
    calls = read("gridss294.colo829.somatic.subset.vcf", build="GRCh37", panel=panel)
    fhit = calls[calls["gene_a"] == "FHIT"]
    assert list(zip(fhit["pos_a"], fhit["pos_b"])) == [(60132754, 60204543),
                                                       (60872124, 61013214)]
    assert list(fhit["sv_type"]) == ["deletion", "deletion"]
    assert list(fhit["support"]) == [45, 64]  # INFO/VF
    genes = gene_fusions(calls, panel).set_index("gene")
    assert genes.loc["FHIT", "sv_partners"] == "FHIT"
    assert genes.loc["KNG1", "sv_partners"] == "RFC4"
    assert genes.loc["NGLY1", "sv_status"] == "wildtype"  # its deletion is PON-filtered


def test_delly_symbolic_alleles():
    """DELLY 0.6.8 (StructuralVariantAnnotation's example): <INV>, <DEL>, <DUP>, <TRA> with
    CHR2/END; one sample column (DV/RV counts); LowQual filtered."""
    every = read("delly-0.6.8.vcf", build="GRCh37", settings=KEEP_ALL)
    assert list(every["sv_type"]) == ["inversion", "deletion", "duplication", "translocation"]
    assert list(every["caller"].unique()) == ["delly"]
    tra = every.iloc[3]
    assert (tra.chrom_a, tra.pos_a, tra.chrom_b, tra.pos_b) == ("10", 2991435, "1", 19357517)
    assert (tra.spanning_reads, tra.split_reads) == (3, 0)
    assert list(read("delly-0.6.8.vcf", build="GRCh37")["filter"]) == ["PASS"]


@pytest.mark.parametrize("alt, pos, expected", [
    ("G]11:94975749]", 107653518, ("11", 94975749, "t]p]", "translocation")),
    ("T[1:200[", 100, ("1", 200, "t[p[", "deletion")),
    ("]1:200]T", 100, ("1", 200, "]p]t", "duplication")),
    ("]1:100]T", 200, ("1", 100, "]p]t", "deletion")),
    ("[1:200[T", 100, ("1", 200, "[p[t", "inversion")),
    ("T]1:200]", 100, ("1", 200, "t]p]", "inversion")),
])
def test_breakend_orientation(alt, pos, expected):
    chrom = "8" if expected[3] == "translocation" else "1"
    mate = breakend_partner(alt)
    assert mate == expected[:3]
    assert bnd_type(chrom, pos, *mate) == expected[3]


def test_not_profiled_without_file(tmp_path):
    panel = panel_of("ALK", tmp_path=tmp_path)
    genes, calls = patient_structural_variants({"patient_id": "P1"}, panel, SETTINGS, "GRCh38")
    assert list(genes["sv_status"]) == ["not_profiled"] and calls.empty


# --- bad input ---------------------------------------------------------------------------------

def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


ARRIBA_HEADER = ("#gene1\tgene2\tstrand1(gene/fusion)\tstrand2(gene/fusion)\tbreakpoint1\t"
                 "breakpoint2\tsite1\tsite2\ttype\tsplit_reads1\tsplit_reads2\tdiscordant_mates\t"
                 "coverage1\tcoverage2\tconfidence\treading_frame\n")


@pytest.mark.parametrize("row, message", [
    ("EML4\tALK\t+/+\t-/-\t2:42522656\t2:29223528\tCDS\tCDS\tinversion\tx\t3\t0\t1\t1\thigh\t"
     "in-frame\n", "line 2: column 'split_reads1': 'x' is not a number"),
    ("EML4\tALK\t+/+\t-/-\t2-42522656\t2:29223528\tCDS\tCDS\tinversion\t1\t3\t0\t1\t1\thigh\t"
     "in-frame\n", "column 'breakpoint1': breakpoint '2-42522656' is not chromosome:position"),
    ("EML4\tALK\t+/+\n", "line 2: row has 3 fields, the header 16"),
])
def test_bad_arriba_rows(tmp_path, row, message):
    path = write(tmp_path, "fusions.tsv", ARRIBA_HEADER + row)
    with pytest.raises(InputError, match=message):
        read_structural_variants(path, build="GRCh38", settings=SETTINGS, patient="P1")


def test_unknown_format_and_missing_file(tmp_path):
    path = write(tmp_path, "x.tsv", "gene\tvalue\nALK\t3\n")
    with pytest.raises(InputError, match="not a known fusion / structural-variant format.*"
                                         "header starts gene, value"):
        read_structural_variants(path, build="GRCh38", settings=SETTINGS)
    with pytest.raises(InputError, match="file does not exist"):
        read_structural_variants(tmp_path / "none.tsv", build="GRCh38", settings=SETTINGS)
    with pytest.raises(InputError, match="file is empty"):
        read_structural_variants(write(tmp_path, "e.tsv", ""), build="GRCh38",
                                 settings=SETTINGS)


def test_named_sample_must_exist_in_vcf():
    with pytest.raises(InputError, match="sample 'TUMOUR' is not a column of the VCF"):
        read("manta_demo_somaticSV.vcf.gz", "TUMOUR", build="GRCh37", strict_sample=True)


def test_build_mismatch_stops(tmp_path):
    with pytest.raises(InputError, match="another genome build"):
        read("manta_demo_somaticSV.vcf.gz", build="GRCh38")


def test_output_is_deterministic():
    a = read("colo829_somatic_manta.vcf", build="GRCh37", settings=KEEP_ALL)
    b = read("colo829_somatic_manta.vcf", build="GRCh37", settings=KEEP_ALL)
    pd.testing.assert_frame_equal(a, b)
    keys = list(zip(a["chrom_a"].map(lambda c: (not c.isdigit(), int(c) if c.isdigit() else c)),
                    a["pos_a"]))
    assert keys == sorted(keys)


def test_calls_export_as_cbioportal_sv_rows():
    """The call table is what the cBioPortal export writes as data_sv.txt: intergenic and
    unknown partners become empty symbols, Arriba calls are RNA support, Manta DNA."""
    from cohortmark.export.sv import SV_FILE_COLUMNS, sv_rows

    calls = read("pvactools_arriba_fusions.head16.tsv").assign(patient_id="S1")
    rows = [dict(zip(SV_FILE_COLUMNS, r)) for r in sv_rows(calls, {"S1"}, "GRCh38")]
    assert len(rows) == len(calls)
    assert {(r["DNA_Support"], r["RNA_Support"]) for r in rows} == {("no", "yes")}
    assert all(r["Site1_Hugo_Symbol"] or r["Site2_Hugo_Symbol"] for r in rows)
    assert not {r["Site1_Hugo_Symbol"] for r in rows} & {"intergenic", "unknown"}
    manta = read("colo829_somatic_manta.vcf", build="GRCh37", settings=KEEP_ALL)
    rows = sv_rows(manta.assign(patient_id="S2"), {"S2"}, "GRCh37")
    assert rows and {r[SV_FILE_COLUMNS.index("DNA_Support")] for r in rows} == {"yes"}
    assert not ({r[2] for r in rows} | {r[5] for r in rows}) & {"intergenic", "unknown"}
