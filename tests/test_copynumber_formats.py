"""The copy-number formats of round 2 on genuine caller outputs, purity/ploidy sources,
sample lookup, and the registry's agreement with the sheet schema and the docs.

Files: tests/data/copynumber (tests/data/PROVENANCE.md). Expected values were read off the file
lines quoted in each test, with the gene bodies of the shipped annotation (resources/).
"""

import importlib
import math
import pkgutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from cohortmark import schema
from cohortmark.copynumber import (
    FORMATS,
    READERS,
    detect_format,
    gene_copy_number,
    patient_copy_number_values,
    read_segments,
    side_files,
)
from cohortmark.copynumber import formats as formats_pkg
from cohortmark.copynumber.formats.base import UNITS
from cohortmark.copynumber.formats.docs import readme_with_formats
from cohortmark.errors import InputError
from cohortmark.genome import load_genes, load_panel

ROOT = Path(__file__).resolve().parents[1]
D = Path(__file__).parent / "data" / "copynumber"


def close(a, b, tol=5e-5):
    """Equal to the copy-number precision (copy_number.value_decimals = 4)."""
    return math.isclose(a, b, rel_tol=0, abs_tol=tol)


def panel_of(build, *genes):
    """A panel of annotation genes (the shipped 18-gene panel has none on some test files)."""
    g = load_genes(build).set_index("gene").loc[list(genes)].reset_index()
    return g.assign(group="")[["gene", "group", "chrom", "start", "end"]]


def patient(cn_file, build, panel=None, config=None, **record):
    panel = load_panel(build=build) if panel is None else panel
    rec = {"patient_id": "P01", "cn_file": str(D / cn_file), **record}
    genes, values = patient_copy_number_values(rec, panel, config or {}, build)
    return genes.set_index("gene"), values


# --- GATK4 somatic CNV ----------------------------------------------------------------------
def test_gatk_model_segments_cr_seg():
    """ModelSegments .cr.seg after its @HD/@SQ/@RG header (GATK's exact-match test output)."""
    p = panel_of("GRCh37", "ASXL1", "SRC", "AURKA", "JAG1")
    out, values = patient("gatk_single-sample-cr-ac-nac.cr.seg", "GRCh37", p)
    assert values["cn_format"] == "gatk"
    # line 8: 20 30132499 31673054 299 1.750166 -> ASXL1 (20:30946155-31027122) inside
    assert close(out.loc["ASXL1", "cn_value"], 2 * 2 ** 1.750166)  # 6.7281 = 3.36-fold
    assert out.loc["ASXL1", "cn_call"] == "AMP"
    # line 11: 20 32847930 37667438 775 1.060378 -> SRC: 4.1706 copies, GAIN
    assert close(out.loc["SRC", "cn_value"], 2 * 2 ** 1.060378)
    assert out.loc["SRC", "cn_call"] == "GAIN"
    # line 12: 20 39316268 62905205 2016 0.109527 -> AURKA NEUTRAL
    assert close(out.loc["AURKA", "cn_value"], 2 * 2 ** 0.109527)
    assert out.loc["AURKA", "cn_call"] == "NEUTRAL"
    # line 6: 20 10033509 25269459 636 0.934380 -> JAG1
    assert close(out.loc["JAG1", "cn_value"], 2 * 2 ** 0.934380)
    # 1-based START: 68100 -> 0-based 68099
    segs = read_segments(D / "gatk_single-sample-cr-ac-nac.cr.seg", build="GRCh37")
    assert (segs.iloc[0].chrom, segs.iloc[0].start, segs.iloc[0].end) == ("20", 68099, 10032789)


def test_gatk_model_final_posterior_median_and_purity():
    p = panel_of("GRCh37", "ASXL1", "SRC")
    out, _ = patient("gatk_single-sample-cr-ac-nac.modelFinal.seg", "GRCh37", p, purity=0.5)
    # line 8: ... 1.732466 1.745043 1.757923 ...: the posterior median (_50) is the value;
    # purity 0.5 (sheet), ploidy 2: CN = (2^l * (1 + 1) - 1) / 0.5
    assert close(out.loc["ASXL1", "cn_value"], (2 ** 1.745043 * 2 - 1) / 0.5)
    assert close(out.loc["SRC", "cn_value"], (2 ** 1.059862 * 2 - 1) / 0.5)


# --- copy-number VCFs -----------------------------------------------------------------------
def test_gcnv_segments_vcf_partial_gene_and_baseline():
    """GATK gCNV PostprocessGermlineCNVCalls segments VCF (every interval, CN per record)."""
    p = panel_of("GRCh37", "OR4F5", "SAMD11", "AGRN", "KLHL17", "TP53")
    out, values = patient("gatk_gcnv_segments_output_SAMPLE_000.vcf", "GRCh37", p)
    assert (values["cn_format"], values["cn_sample"]) == ("cnv_vcf", "SAMPLE_000")
    # line 12: 1 69088 CNV_1_69088_70010 ... END=70010 ... 1:1:... -> OR4F5 (69091-70008) CN 1
    assert out.loc["OR4F5", "cn_value"] == 1 and out.loc["OR4F5", "cn_call"] == "LOSS"
    # SAMD11 (861118-879955): 367656-874511 CN 2 (13,394 bp of it), 874652-876688 CN 1,
    # 877513-881927 CN 2, baseline 2 between: a partial one-copy loss does not make a LOSS
    samd11 = out.loc["SAMD11"]
    assert (samd11.cn_value, samd11.cn_min, samd11.cn_max, samd11.cn_call) == \
        (2, 1, 2, "NEUTRAL")
    # ... unless LOSS is listed in partial_gene_calls (the rule before this decision)
    strict, _ = patient("gatk_gcnv_segments_output_SAMPLE_000.vcf", "GRCh37", p,
                        config={"copy_number": {"partial_gene_calls": ["LOSS", "HOMDEL"]}})
    assert strict.loc["SAMD11", "cn_call"] == "LOSS" and strict.loc["SAMD11", "cn_value"] == 1
    # AGRN overlaps 970654-970706 CN 1 ... 976042-976262 CN 5 (line 19) ... 989130-1021392 CN 2
    assert (out.loc["AGRN", "cn_min"], out.loc["AGRN", "cn_max"]) == (1, 5)
    # KLHL17 inside 883867-957844 CN 2 (line 17)
    assert out.loc["KLHL17", "cn_call"] == "NEUTRAL"
    # TP53: no record on chromosome 17 -> the baseline (the caller found no event there)
    assert out.loc["TP53", "cn_value"] == 2 and out.loc["TP53", "cn_status"] == "wildtype"
    gaps, _ = patient("gatk_gcnv_segments_output_SAMPLE_000.vcf", "GRCh37", p,
                      config={"copy_number": {"unlisted_regions": "not_profiled"}})
    assert gaps.loc["TP53", "cn_status"] == "not_profiled"
    # absolute copy numbers without a ploidy anywhere: said, not silent
    assert values["ploidy_source"] == "default" and "default ploidy 2" in values["cn_note"]


def test_cnvkit_export_vcf_deletions_from_genotype():
    """CNVkit 0.9.14 `export vcf` of CNVkit's p2-9_2.call.cns: DEL records carry GT only."""
    p = panel_of("GRCh37", "CDKN2A", "PPM1D", "NANOG", "MDM2")
    out, values = patient("p2-9_2.cnvkit_export.vcf", "GRCh37", p)
    assert values["cn_sample"] == "p2-9_2"
    # line 64: chr9 9008890 ... SVTYPE=DEL;END=22219611 ... GT:GQ 0/1:82 -> 1 copy left
    assert out.loc["CDKN2A", "cn_value"] == 1 and out.loc["CDKN2A", "cn_call"] == "LOSS"
    # line 100: chr17 34843011 ... DEL END=81004900 ... 0/1 -> PPM1D (17:58677544-58741849)
    assert out.loc["PPM1D", "cn_value"] == 1
    # line 70: chr12 7502100 ... DUP END=8218036 ... GT:GQ:CN:CNQ 0/1:0:3:22 -> NANOG 3 copies
    assert out.loc["NANOG", "cn_value"] == 3 and out.loc["NANOG", "cn_call"] == "GAIN"
    # MDM2: CNVkit wrote no record (neutral) -> baseline 2
    assert out.loc["MDM2", "cn_value"] == 2 and out.loc["MDM2", "cn_coverage"] == 1.0
    with pytest.raises(InputError, match=r"sample 'T1' \(cn_sample\) not found \(1 samples"):
        patient("p2-9_2.cnvkit_export.vcf", "GRCh37", p, cn_sample="T1")


# --- Control-FREEC ---------------------------------------------------------------------------
def test_freec_cnvs_without_header_and_info_purity():
    out, values = patient("freec_tn_4SubClones0.9_T.mpileup.gz_CNVs", "GRCh38")
    assert values["cn_format"] == "freec"
    # _info.txt: Output_Ploidy 2, Sample_Purity 0.888657
    assert (values["purity"], values["purity_source"]) == (0.888657, "caller")
    assert (values["ploidy"], values["ploidy_source"]) == (2.0, "caller")
    assert values["caller_fit_file"].endswith("freec_tn_4SubClones0.9_T.mpileup.gz_info.txt")
    # line 186: 22 16577865 44726696 1 loss A -1 -> CHEK2 (22:28687743-28742422) 1 copy
    assert out.loc["CHEK2", "cn_value"] == 1 and out.loc["CHEK2", "cn_call"] == "LOSS"
    # line 178: 18 44869112 74513741 1 loss A 1.31913 -> PMAIP1
    assert out.loc["PMAIP1", "cn_value"] == 1
    # line 59: 7 17299122 28412929 3 gain AAB 1.61993 -> TWIST1 3 copies, GAIN
    assert out.loc["TWIST1", "cn_value"] == 3 and out.loc["TWIST1", "cn_call"] == "GAIN"
    # MDM2 (12:68808176-68850686): not listed -> the baseline ploidy 2
    assert out.loc["MDM2", "cn_value"] == 2 and out.loc["MDM2", "cn_call"] == "NEUTRAL"
    # the file is GRCh38: read as GRCh37 the chr17 record ending at 82832534 is refused
    with pytest.raises(InputError, match="beyond the end of chromosome 17 in GRCh37"):
        patient("freec_tn_4SubClones0.9_T.mpileup.gz_CNVs", "GRCh37")


# --- facets-suite ----------------------------------------------------------------------------
def test_facets_suite_cncf_and_out_purity():
    out, values = patient("4SubClones0.9_TN.cncf.txt", "GRCh38")
    assert values["cn_format"] == "facets"
    # 4SubClones0.9_TN.out: "# Purity = 0.7005434", "# Ploidy = 2.20367"
    assert (values["purity"], values["ploidy"]) == (0.7005434, 2.20367)
    assert values["purity_source"] == values["ploidy_source"] == "caller"
    # line 95: ID 9 15468873 28888900 ... tcn.em 1 lcn.em 0 -> CDKN2A one copy
    assert out.loc["CDKN2A", "cn_value"] == 1 and out.loc["CDKN2A", "cn_call"] == "LOSS"
    # line 75: 7 17299300 28633924 ... tcn.em 3 -> TWIST1 GAIN (3 / 2.20367 = 1.36-fold)
    assert out.loc["TWIST1", "cn_value"] == 3 and out.loc["TWIST1", "cn_call"] == "GAIN"
    assert close(out.loc["TWIST1", "cn_fold"], 3 / 2.20367)
    # line 120: 12 39294353 133234294 ... tcn.em 2 -> MDM2 0.91-fold NEUTRAL
    assert close(out.loc["MDM2", "cn_fold"], 2 / 2.20367)
    # the sheet's cells win over the caller's file
    _, sheet = patient("4SubClones0.9_TN.cncf.txt", "GRCh38", purity=0.5, ploidy=3.0)
    assert (sheet["purity"], sheet["purity_source"], sheet["ploidy_source"]) == \
        (0.5, "sheet", "sheet")


# --- Sequenza ---------------------------------------------------------------------------------
def test_sequenza_segments_and_confints(tmp_path):
    # No genuine Sequenza output is small enough and public in the code index (the package's
    # own example gives only its input, example.seqz.txt.gz): these files follow
    # sequenza.results()'s write.table layout (quoted header, tab-separated).
    seg = tmp_path / "S1_segments.txt"
    seg.write_text(
        '"chromosome"\t"start.pos"\t"end.pos"\t"Bf"\t"N.BAF"\t"sd.BAF"\t"depth.ratio"\t'
        '"N.ratio"\t"sd.ratio"\t"CNt"\t"A"\t"B"\t"LPP"\n'
        '"9"\t21000001\t22500000\t0.5\t10\t0.1\t0.42\t300\t0.2\t0\t0\t0\t-6.8\n'
        '"12"\t68000001\t70000000\t0.3\t50\t0.1\t3.1\t900\t0.2\t14\t10\t4\t-7.1\n'
        '"17"\t7000001\t8000000\t0.0\t40\t0.1\t0.7\t800\t0.2\tNA\tNA\tNA\tNA\n')
    (tmp_path / "S1_confints_CP.txt").write_text(
        '"cellularity"\t"ploidy.estimate"\t"ploidy.mean.cn"\n0.28\t2.5\t2.51\n'
        '0.31\t2.6\t2.51\n0.33\t2.7\t2.51\n')
    rec = {"patient_id": "S1", "cn_file": str(seg)}
    genes, values = patient_copy_number_values(rec, load_panel(build="GRCh37"), {}, "GRCh37")
    out = genes.set_index("gene")
    assert values["cn_format"] == "sequenza"
    assert (values["purity"], values["ploidy"], values["ploidy_source"]) == (0.31, 2.6, "caller")
    assert out.loc["CDKN2A", "cn_value"] == 0 and out.loc["CDKN2A", "cn_call"] == "HOMDEL"
    assert out.loc["MDM2", "cn_value"] == 14 and out.loc["MDM2", "cn_call"] == "AMP"
    assert out.loc["TP53", "cn_status"] == "not_profiled"  # CNt NA: no fit there
    (tmp_path / "S1_confints_CP.txt").unlink()
    (tmp_path / "S1_alternative_solutions.txt").write_text(
        '"cellularity"\t"ploidy"\t"SLPP"\n0.31\t2.6\t0.31\n0.2\t3.2\t4.9e-11\n')
    _, alt = patient_copy_number_values(rec, load_panel(build="GRCh37"), {}, "GRCh37")
    assert (alt["purity"], alt["ploidy"]) == (0.31, 2.6)
    assert alt["caller_fit_file"].endswith("S1_alternative_solutions.txt")


# --- purity and ploidy ---------------------------------------------------------------------
def test_purple_ploidy_from_purity_tsv_not_a_silent_default(tmp_path):
    """With the sheet empty PURPLE's own ploidy (3.1) is used: MDM2 3.0157 and TP53 2.9887
    copies are NEUTRAL, not the GAIN a default ploidy of 2 would call."""
    out, values = patient("tumor_sample.purple.cnv.somatic.tsv", "GRCh37")
    # tumor_sample.purple.purity.tsv: purity 0.9900, ploidy 3.1000
    assert (values["purity"], values["ploidy"]) == (0.99, 3.1)
    assert values["ploidy_source"] == "caller" and values["cn_note"] is None
    assert list(out.loc[["MDM2", "TP53"], "cn_call"]) == ["NEUTRAL", "NEUTRAL"]
    # the same segments without the side file: the default ploidy, and a note saying so
    lone = tmp_path / "tumor_sample.purple.cnv.somatic.tsv"
    lone.write_bytes((D / "tumor_sample.purple.cnv.somatic.tsv").read_bytes())
    genes, values = patient_copy_number_values({"patient_id": "P01", "cn_file": str(lone)},
                                               load_panel(build="GRCh37"), {}, "GRCh37")
    assert values["ploidy_source"] == "default" and "default ploidy 2" in values["cn_note"]
    assert list(genes.set_index("gene").loc[["MDM2", "TP53"], "cn_call"]) == ["GAIN", "GAIN"]


def test_caller_purity_outside_range_is_refused(tmp_path):
    seg = tmp_path / "x.purple.cnv.somatic.tsv"
    seg.write_bytes((D / "tumor_sample.purple.cnv.somatic.tsv").read_bytes())
    text = (D / "tumor_sample.purple.purity.tsv").read_text().replace("0.9900\t", "1.9900\t", 1)
    (tmp_path / "x.purple.purity.tsv").write_text(text)
    with pytest.raises(InputError, match=r"x.purple.purity.tsv: purity 1.99 read from the "
                                         r"caller's file is outside \(0, 1\]"):
        patient_copy_number_values({"patient_id": "P01", "cn_file": str(seg)},
                                   load_panel(build="GRCh37"), {}, "GRCh37")


def test_log2_format_default_purity_ploidy_has_no_note():
    _, values = patient("tr95t.cns", "GRCh37")
    assert values["purity_source"] == values["ploidy_source"] == "default"
    assert values["cn_note"] is None  # log2 formats: the defaults are the documented model
    _, none = patient_copy_number_values({"patient_id": "P01", "cn_file": None},
                                         load_panel(build="GRCh37"), {}, "GRCh37")
    assert none["purity"] is None and none["purity_source"] is None


def test_side_files_for_the_cache():
    assert side_files(str(D / "tumor_sample.purple.cnv.somatic.tsv")) == \
        [str(D / "tumor_sample.purple.purity.tsv")]
    assert side_files(str(D / "tr95t.cns")) == [] and side_files(None) == []


# --- sample lookup: cn_sample, then tumor_sample, then patient_id --------------------------
def test_cn_sample_lookup_order():
    f = D / "cw-tr-log2.seg"
    # tumor_sample names the VCF column ("TUMOR"), the SEG ID is the patient id
    segs = read_segments(f, None, None, patient="TR_01_T", tumor_sample="TUMOR")
    assert len(segs) == 38  # the 38 lines of TR_01_T (TR_02_T has 61)
    # cn_sample wins over both; tumor_sample wins over patient_id
    assert len(read_segments(f, None, "TR_02_T", patient="TR_01_T", tumor_sample="TUMOR")) == 61
    assert len(read_segments(f, None, None, patient="TR_01_T", tumor_sample="TR_02_T")) == 61
    with pytest.raises(InputError, match=r"sample 'TUMOR' \(tumor_sample\) or 'P9' "
                                         r"\(patient_id\) not found \(41 samples"):
        read_segments(f, None, None, patient="P9", tumor_sample="TUMOR")
    with pytest.raises(InputError, match=r"sample 'S9' \(cn_sample\) not found.*set cn_sample"):
        read_segments(f, None, "S9", patient="TR_01_T")


# --- decisions: rounding and partial genes ----------------------------------------------------
def test_tiny_homdel_values_are_rounded_before_calling():
    # amplicon.cns: chr9 21968164-21968303 log2 -30.7923 -> 2 * 2^-30.79 = 1.07e-09 copies
    segs = read_segments(D / "amplicon.cns", build="GRCh37")
    out = gene_copy_number(segs, load_panel(build="GRCh37")).set_index("gene")
    assert out.loc["CDKN2A", "cn_min"] == 0.0 and out.loc["CDKN2A", "cn_call"] == "HOMDEL"
    assert repr(float(out.loc["CDKN2A", "cn_min"])) == "0.0"
    more = gene_copy_number(segs, load_panel(build="GRCh37"),
                            config={"value_decimals": 10}).set_index("gene")
    assert more.loc["CDKN2A", "cn_min"] == 1.1e-09  # the setting decides


def test_boundary_inside_a_gene_the_issue_example():
    """75% of MDM2 at 2.44 copies, 25% at 1.33: NEUTRAL 2.44 (cn_min 1.33 kept)."""
    g = pd.DataFrame({"gene": ["MDM2"], "group": "", "chrom": "12", "start": [1000],
                      "end": [2000]})
    s = pd.DataFrame({"chrom": "12", "start": [0, 1750], "end": [1750, 3000],
                      "value": [2.44, 1.33], "unit": "cn", "minor_cn": np.nan,
                      "major_cn": np.nan, "gene": None, "max_value": np.nan})
    out = gene_copy_number(s, g).iloc[0]
    assert (out.cn_call, out.cn_value, out.cn_min, out.cn_max) == ("NEUTRAL", 2.44, 1.33, 2.44)
    old = gene_copy_number(s, g, config={"partial_gene_calls": ["LOSS", "HOMDEL"]}).iloc[0]
    assert (old.cn_call, old.cn_value) == ("LOSS", 1.33)
    s.loc[1, "value"] = 0.2  # a homozygous deletion of a quarter of the gene still counts
    assert gene_copy_number(s, g).iloc[0].cn_call == "HOMDEL"


# --- detection: no format mistaken for another -------------------------------------------
FORMAT_OF = {
    "A17.fast.segments.txt": "ascat", "LAML_CBS_segments.tsv.gz": "seg",
    "T001-COAD.grch38.cna.tsv": "ascat", "TCGA.AB.3009.hg19.seg.txt": "seg",
    "acgh-log10.TR_28_TR_34.seg": "seg", "amplicon.cns": "cnvkit", "cw-tr-log2.seg": "seg",
    "data_cna_discrete.txt": "cbioportal", "p2-9_2.call.cns": "cnvkit", "p2-9_2.cns": "cnvkit",
    "study_es_0__data_cna_discrete_long.2samples.txt": "cbioportal", "tr95t.cns": "cnvkit",
    "tumor_sample.BRCA.cna.tsv": "seg", "tumor_sample.purple.cnv.gene.panel.tsv": "purple",
    "tumor_sample.purple.cnv.somatic.tsv": "purple",
    "gatk_single-sample-cr-ac-nac.cr.seg": "gatk",
    "gatk_single-sample-cr-ac-nac.modelFinal.seg": "gatk",
    "gatk_gcnv_segments_output_SAMPLE_000.vcf": "cnv_vcf",
    "p2-9_2.cnvkit_export.vcf": "cnv_vcf", "freec_tn_4SubClones0.9_T.mpileup.gz_CNVs": "freec",
    "4SubClones0.9_TN.cncf.txt": "facets",
}
SIDE_FILES = {"tumor_sample.purple.purity.tsv", "4SubClones0.9_TN.out",
              "freec_tn_4SubClones0.9_T.mpileup.gz_info.txt"}


def test_every_real_file_is_recognised_as_its_own_format():
    on_disk = {p.name for p in D.iterdir()}
    assert on_disk == set(FORMAT_OF) | SIDE_FILES, "classify every new test file here"
    got = {name: detect_format(D / name) for name in FORMAT_OF}
    assert got == FORMAT_OF
    # and each file is accepted by its own reader only among the readers before it, so the
    # order of FORMATS decides nothing by accident; the formats seen cover most of the registry
    for name, fmt in FORMAT_OF.items():
        from cohortmark.copynumber.table import parse_table

        t = parse_table(str(D / name))
        earlier = [r.name for r in FORMATS[: [r.name for r in FORMATS].index(fmt)]
                   if r.detect(t if r.columns is None else t.headerless(list(r.columns)))]
        assert earlier == [], (name, earlier)
    assert set(FORMAT_OF.values()) >= set(READERS) - {"gistic", "gene_table", "sequenza"}


def test_side_files_are_not_copy_number_files():
    for name in SIDE_FILES:
        with pytest.raises(InputError, match="(cannot tell the copy-number format|no header)"):
            detect_format(D / name)


# --- the registry is the one list --------------------------------------------------------
def test_registry_is_complete_and_declares_what_it_must():
    modules = {m.name for m in pkgutil.iter_modules(formats_pkg.__path__)} - {"base", "docs"}
    registered = {importlib.import_module(f"{formats_pkg.__name__}.{m}").READER.name
                  for m in modules}
    assert registered == set(READERS) and len(FORMATS) == len(READERS) == len(modules)
    for r in FORMATS:
        assert r.units and set(r.units) <= set(UNITS), r.name
        assert r.description and r.detected_by, r.name
        assert (r.caller_fit is None) == (not r.side_files), r.name


def test_sheet_schema_and_docs_follow_the_registry():
    assert schema.CN_FORMATS == [r.name for r in FORMATS]
    sheet_schema = yaml.safe_load((ROOT / "config/schemas/samples.schema.yaml").read_text())
    assert "enum" not in sheet_schema["properties"]["cn_format"]  # sheets.py checks the names
    assert "cn_sample" in sheet_schema["properties"] and "cn_sample" in schema.SAMPLE_COLUMNS
    readme = (ROOT / "config" / "README.md").read_text(encoding="utf-8")
    assert readme == readme_with_formats(readme), "run `make config-docs`"
    main_readme = (ROOT / "README.md").read_text(encoding="utf-8")
    formats_section = main_readme.split("### Input formats", 1)[1].split("\n### ", 1)[0]
    for r in FORMATS:
        assert f"`{r.name}`" in formats_section, f"README's input formats lack {r.name}"
