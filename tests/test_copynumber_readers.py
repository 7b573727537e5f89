"""Every copy-number reader on real files (tests/data/copynumber, see tests/data/PROVENANCE.md).

Expected values were read off the files by hand (the file line is quoted in each test) and
the gene coordinates of the shipped GRCh37/GRCh38 annotation (resources/).
"""

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cohortmark import schema
from cohortmark.copynumber import (
    READERS,
    detect_format,
    gene_copy_number,
    patient_copy_number,
    read_segments,
)
from cohortmark.errors import InputError
from cohortmark.genome import load_panel

D = Path(__file__).parent / "data" / "copynumber"
PANEL37 = load_panel(build="GRCh37")
PANEL38 = load_panel(build="GRCh38")



def close(a, b, tol=5e-5):
    """Equal to the copy-number precision (copy_number.value_decimals = 4, half a unit)."""
    return math.isclose(a, b, rel_tol=0, abs_tol=tol)

def genes(path, sample=None, *, fmt=None, config=None, purity=None, ploidy=None,
          build="GRCh37"):
    segs = read_segments(D / path, fmt, sample, patient="P01", config=config, build=build)
    panel = PANEL37 if build == "GRCh37" else PANEL38
    out = gene_copy_number(segs, panel, purity=purity, ploidy=ploidy, config=config)
    assert list(out["gene"]) == list(panel["gene"])
    assert list(out.columns) == schema.GENE_CN_COLUMNS
    return out.set_index("gene")


@pytest.mark.parametrize("path,fmt", [
    ("tr95t.cns", "cnvkit"), ("p2-9_2.cns", "cnvkit"), ("p2-9_2.call.cns", "cnvkit"),
    ("amplicon.cns", "cnvkit"), ("cw-tr-log2.seg", "seg"), ("acgh-log10.TR_28_TR_34.seg", "seg"),
    ("TCGA.AB.3009.hg19.seg.txt", "seg"), ("tumor_sample.BRCA.cna.tsv", "seg"),
    ("tumor_sample.purple.cnv.somatic.tsv", "purple"),
    ("tumor_sample.purple.cnv.gene.panel.tsv", "purple"), ("A17.fast.segments.txt", "ascat"),
    ("T001-COAD.grch38.cna.tsv", "ascat"), ("data_cna_discrete.txt", "cbioportal"),
    ("study_es_0__data_cna_discrete_long.2samples.txt", "cbioportal"),
])
def test_detect_format(path, fmt):
    assert detect_format(D / path) == fmt


def test_registry_covers_every_sheet_format():
    assert list(READERS) and set(READERS) == set(schema.CN_FORMATS)


def test_cnvkit_cns_mdm2_cdk4_amplicons():
    out = genes("tr95t.cns")
    # chr12 69004447 69669616 MDM2 2.817 (MDM2 GRCh37 69201955-69239214 inside): CN = 2 * 2^l
    mdm2 = out.loc["MDM2"]
    assert close(mdm2.cn_value, 2 * 2 ** 2.817) and mdm2.cn_coverage == 1.0
    assert mdm2.cn_call == "AMP" and mdm2.cn_status == "altered"
    # amplified run: 67954874-69003947 (2.10195), MDM2 seg, 69669616-70541066 (2.34943)
    assert mdm2.cn_segment_length == 70541066 - 67954874 and bool(mdm2.cn_focal)
    # chr12 57914722 58520144 CDK4 3.53273, after 57607768-57914222 (3.05428), before
    # 58520644-60916332 (3.07097), then -0.43
    cdk4 = out.loc["CDK4"]
    assert close(cdk4.cn_value, 2 * 2 ** 3.53273) and cdk4.cn_call == "AMP"
    assert cdk4.cn_segment_length == 60916332 - 57607768
    # two separate amplicons (SRGAP1 at -0.43 between them): not co-amplified
    assert pd.isna(mdm2.cn_coamplified) and pd.isna(cdk4.cn_coamplified)
    # with purity 0.5 the same log2 is a larger copy number (hand formula)
    pure = genes("tr95t.cns", purity=0.5, ploidy=2.0).loc["MDM2", "cn_value"]
    assert close(pure, (2 ** 2.817 * (0.5 * 2 + 1.0) - 1.0) / 0.5)


def test_cnvkit_call_cns_uses_cn_column():
    out = genes("p2-9_2.call.cns")
    # chr9 9008890 22219611 ... log2 -0.280998 cn 1: CDKN2A and CDKN2B inside -> LOSS, CN 1
    for g in ("CDKN2A", "CDKN2B"):
        assert out.loc[g, "cn_value"] == 1.0 and out.loc[g, "cn_call"] == "LOSS"
        assert out.loc[g, "cn_status"] == "wildtype"  # LOSS is not altered by default
    # chr12 38348666 109240234 log2 -0.0139775 cn 2: MDM2, CDK4 neutral
    assert out.loc["MDM2", "cn_value"] == 2.0 and out.loc["MDM2", "cn_call"] == "NEUTRAL"
    # the log2 column instead: 2 * 2^-0.280998 = 1.646 -> 0.82-fold -> NEUTRAL
    log2 = genes("p2-9_2.call.cns", config={"cnvkit_use_cn": False}).loc["CDKN2A"]
    assert close(log2.cn_value, 2 * 2 ** -0.280998) and log2.cn_call == "NEUTRAL"
    # the .cns before `cnvkit call` has the same log2
    assert close(genes("p2-9_2.cns").loc["CDKN2A", "cn_value"], log2.cn_value)


def test_cnvkit_amplicon_homdel_partial_coverage_and_empty_segments():
    segs = read_segments(D / "amplicon.cns", build="GRCh37")
    assert len(segs) == 88 - 8  # the 8 segments with probes = 0 (some with end < start) skipped
    cdkn2a = genes("amplicon.cns").loc["CDKN2A"]
    # chr9 21968164-21968303 (-30.7923), 21968658-21971350 (-8.83663), 21974385-21994431
    # (-15.5261) over CDKN2A 21968054-21974865: covered 139 + 2692 + 480 of 6811 bp
    assert close(cdkn2a.cn_coverage, (139 + 2692 + 480) / 6811)
    assert close(cdkn2a.cn_min, 2 * 2 ** -30.7923)
    assert close(cdkn2a.cn_max, 2 * 2 ** -8.83663)
    assert cdkn2a.cn_call == "HOMDEL" and cdkn2a.cn_status == "altered"
    # the deleted run ends at 21994431: the next segment is 117 Mb away (> run_max_gap)
    assert cdkn2a.cn_segment_length == 21994431 - 21968164 and bool(cdkn2a.cn_focal)


def test_seg_multi_sample_log2():
    # TR_01_T 12 225000 133725000 824 0.0046 (1-based start -> 0-based 224999)
    segs = read_segments(D / "cw-tr-log2.seg", sample="TR_01_T", build="GRCh37")
    row = segs[segs["chrom"] == "12"].iloc[0]
    assert (row.start, row.end, row.value, row.unit) == (224999, 133725000, 0.0046, "log2")
    assert close(genes("cw-tr-log2.seg", "TR_01_T").loc["MDM2", "cn_value"],
                        2 * 2 ** 0.0046)
    with pytest.raises(InputError, match=r"sample 'P01' not found \(41 samples"):
        read_segments(D / "cw-tr-log2.seg", patient="P01")


def test_seg_log10_and_shared_boundaries():
    # TR_28_T 12 11256408 72230528 3684 0.0353 (log10): MDM2 CN = 2 * 10^0.0353
    out = genes("acgh-log10.TR_28_TR_34.seg", "TR_28_T", config={"seg_log_base": 10})
    assert close(out.loc["MDM2", "cn_value"], 2 * 10 ** 0.0353)
    # TR_28_T 4 69631390 173429497 and 4 173429497 173429497 share a probe: accepted
    segs = read_segments(D / "acgh-log10.TR_28_TR_34.seg", sample="TR_28_T", build="GRCh37",
                         config={"seg_log_base": 10})
    row = segs[(segs["chrom"] == "4") & (segs["start"] == 173429496)].iloc[0]
    assert row.end == 173429497 and close(row.value, -0.392 * math.log2(10))
    # TR_34_T has two segments on the same single base (3:182672483): refused
    with pytest.raises(InputError, match="segment overlaps the previous one on chromosome 3"):
        read_segments(D / "acgh-log10.TR_28_TR_34.seg", sample="TR_34_T", build="GRCh37")


def test_seg_single_sample_any_column_order():
    # maftools' TCGA.AB.3009: 12 64135427 73351588 6076 0.0029 over MDM2
    out = genes("TCGA.AB.3009.hg19.seg.txt", None)
    assert close(out.loc["MDM2", "cn_value"], 2 * 2 ** 0.0029)
    # pcgr: Chromosome Start End Sample Segment_Mean Strand; chr12 39223566 104844705 -0.0096
    out = genes("tumor_sample.BRCA.cna.tsv", "TCGA-A2-A04W-01A-31D-A111-01")
    assert close(out.loc["MDM2", "cn_value"], 2 * 2 ** -0.0096)
    assert (out["cn_status"] == "not_profiled").sum() > 0  # genes between the segments


def test_seg_absolute_values():
    out = genes("TCGA.AB.3009.hg19.seg.txt", config={"seg_values": "copy_number"})
    assert out.loc["MDM2", "cn_value"] == 0.0029 and out.loc["MDM2", "cn_call"] == "HOMDEL"


def test_purple_gene_table_and_segments_agree():
    # gene table: 12 69201956 69239214 MDM2 3.0157 3.0157; 9 ... CDKN2A 1.9972 1.9972
    g = genes("tumor_sample.purple.cnv.gene.panel.tsv", purity=0.99, ploidy=3.1)
    assert g.loc["MDM2", "cn_value"] == 3.0157 and g.loc["MDM2", "cn_call"] == "NEUTRAL"
    assert close(g.loc["MDM2", "cn_fold"], 3.0157 / 3.1)
    assert g.loc["CDKN2A", "cn_min"] == 1.9972 and g.loc["CDKN2A", "cn_call"] == "LOSS"
    assert g["cn_coverage"].isna().all()  # a gene table says nothing about coverage
    # segments: 9 1 28031835 1.9972 covers CDKN2A; PURPLE's own gene min/max are ours
    s = genes("tumor_sample.purple.cnv.somatic.tsv", purity=0.99, ploidy=3.1)
    for col in ("cn_min", "cn_max", "cn_call"):
        assert list(s[col]) == list(g[col]), col
    assert (s["cn_coverage"] == 1.0).all()


def test_ascat_segments_sample_choice():
    out = genes("A17.fast.segments.txt", "A17F-0095_CRUK_PC_0095_M5")
    # 9 13576004 24501835 1 0 | 12 48383285 61014467 2 2 | 12 65644335 89021186 8 7
    assert out.loc["CDKN2A", "cn_value"] == 1 and out.loc["CDKN2A", "cn_call"] == "LOSS"
    assert out.loc["CDK4", "cn_value"] == 4 and out.loc["CDK4", "cn_call"] == "GAIN"
    assert out.loc["MDM2", "cn_value"] == 15 and out.loc["MDM2", "cn_call"] == "AMP"
    segs = read_segments(D / "A17.fast.segments.txt", sample="A17F-0095_CRUK_PC_0095_M5")
    row = segs[(segs["chrom"] == "12") & (segs["start"] == 65644334)].iloc[0]
    assert (row.minor_cn, row.major_cn, row.end) == (7, 8, 89021186)
    with pytest.raises(InputError, match=r"sample 'P01' not found \(2 samples"):
        read_segments(D / "A17.fast.segments.txt", patient="P01")


def test_allele_specific_without_sample_column_grch38():
    # pcgr T001-COAD.grch38: 9 16060434 22734127 1 0 over CDKN2A (GRCh38 21967752-21995301)
    out = genes("T001-COAD.grch38.cna.tsv", build="GRCh38")
    assert out.loc["CDKN2A", "cn_value"] == 1 and out.loc["CDKN2A", "cn_call"] == "LOSS"
    with pytest.raises(InputError, match="beyond the end of chromosome"):
        read_segments(D / "T001-COAD.grch38.cna.tsv", build="GRCh37")


CBIO_PANEL = pd.DataFrame({"gene": ["ACAP3", "ERCC5", "ACP3", "MDM2"], "group": "",
                           "chrom": "1", "start": 0, "end": 1})


@pytest.mark.parametrize("path", ["data_cna_discrete.txt",
                                  "study_es_0__data_cna_discrete_long.2samples.txt"])
def test_cbioportal_discrete_wide_and_long(path):
    def calls(sample):
        segs = read_segments(D / path, None, sample)
        assert set(segs["unit"]) == {"discrete"}
        return gene_copy_number(segs, CBIO_PANEL).set_index("gene")
    # TCGA-A2-A04U-01: ACAP3 2, ERCC5 2, ACP3 0; TCGA-A7-A26F-01: -2, -2, 0; MDM2 not in file
    amp, dele = calls("TCGA-A2-A04U-01"), calls("TCGA-A7-A26F-01")
    assert list(amp["cn_call"][:3]) == ["AMP", "AMP", "NEUTRAL"]
    assert list(dele["cn_call"][:3]) == ["HOMDEL", "HOMDEL", "NEUTRAL"]
    assert list(amp["cn_status"]) == ["altered", "altered", "wildtype", "not_profiled"]
    assert amp["cn_value"].isna().all()  # discrete levels are not copy numbers


def test_gistic_and_gene_table(tmp_path):
    # No real GISTIC all_thresholded file is in shared/external: this one follows GISTIC 2.0's
    # documented layout (Gene Symbol, Locus ID, Cytoband, one column per sample).
    gistic = tmp_path / "all_thresholded.by_genes.txt"
    gistic.write_text("Gene Symbol\tLocus ID\tCytoband\tS1\tS2\n"
                      "MDM2\t4193\t12q15\t2\t0\nCDKN2A\t1029\t9p21.3\t-2\t-1\n")
    assert detect_format(gistic) == "gistic"
    out = gene_copy_number(read_segments(gistic, sample="S2"), PANEL37).set_index("gene")
    assert out.loc["MDM2", "cn_call"] == "NEUTRAL" and out.loc["CDKN2A", "cn_call"] == "LOSS"
    assert out.loc["TP53", "cn_status"] == "not_profiled"
    table = tmp_path / "genes.tsv"
    table.write_text("gene\tlog2\nMDM2\t2\nCDKN2A\t-4\n")
    assert detect_format(table) == "gene_table"
    out = gene_copy_number(read_segments(table), PANEL37, purity=0.8).set_index("gene")
    assert close(out.loc["MDM2", "cn_value"], (4 * (1.6 + 0.4) - 0.4) / 0.8)
    assert out.loc["CDKN2A", "cn_call"] == "HOMDEL"


def test_facets_cncf(tmp_path):
    # No real FACETS file is in shared/external: header as FACETS' procSample()$out + fit$cncf.
    f = tmp_path / "sample.cncf.txt"
    f.write_text("chrom\tseg\tnum.mark\tnhet\tcnlr.median\tmafR\tsegclust\tcnlr.median.clust\t"
                 "mafR.clust\tstart\tend\tcf.em\ttcn.em\tlcn.em\n"
                 "12\t1\t500\t40\t1.9\t0.5\t3\t1.9\t0.5\t57000001\t70000000\t0.8\t9\tNA\n"
                 "12\t2\t500\t40\t0\t0\t1\t0\t0\t70000001\t80000000\t1\t2\t1\n")
    assert detect_format(f) == "facets"
    segs = read_segments(f, build="GRCh37")
    assert list(segs["start"]) == [57000000, 70000000] and np.isnan(segs["minor_cn"][0])
    out = gene_copy_number(segs, PANEL37).set_index("gene")
    assert out.loc["MDM2", "cn_value"] == 9 and out.loc["CDK4", "cn_coamplified"] == "MDM2"


def test_patient_copy_number_record():
    record = {"patient_id": "TR_01_T", "cn_file": str(D / "cw-tr-log2.seg"), "cn_format": None,
              "tumor_sample": None, "purity": 0.5, "ploidy": None}
    out = patient_copy_number(record, PANEL37, {"copy_number": {}}, "GRCh37")
    assert list(out["gene"]) == list(PANEL37["gene"])
    mdm2 = out.set_index("gene").loc["MDM2"]
    assert close(mdm2.cn_value, (2 ** 0.0046 * (1 + 1) - 1) / 0.5)
    # the sheet's cn_format overrides detection; a wrong one gives a clear error
    with pytest.raises(InputError, match="patient TR_01_T: .*: line 1: missing column"):
        patient_copy_number({**record, "cn_format": "facets"}, PANEL37, {}, "GRCh37")


def test_chr_prefix_and_unknown_contigs(tmp_path):
    rows = "chromosome\tstart\tend\tgene\tlog2\tprobes\n{c}12\t58000000\t70000000\tx\t2.5\t40\n"
    a, b = tmp_path / "a.cns", tmp_path / "b.cns"
    a.write_text(rows.format(c="chr"))
    b.write_text(rows.format(c=""))
    ga = gene_copy_number(read_segments(a, build="GRCh37"), PANEL37)
    gb = gene_copy_number(read_segments(b, build="GRCh37"), PANEL37)
    pd.testing.assert_frame_equal(ga, gb)
    assert ga.set_index("gene").loc["CDK4", "cn_coamplified"] == "MDM2"
    alt = tmp_path / "alt.cns"
    alt.write_text(rows.format(c="chr") + "chrUn_gl000220\t100\t5000\tx\t0\t3\n")
    with pytest.raises(InputError, match="line 3: chromosome 'chrUn_gl000220' is not in GRCh37"):
        read_segments(alt, build="GRCh37")
    segs = read_segments(alt, build="GRCh37", config={"unknown_chrom": "ignore"})
    assert list(segs["chrom"]) == ["12"]


def test_patient_id_selects_sample_and_cache_is_per_file(tmp_path):
    # LAML-style multi-sample SEG large enough (>= 64 KiB) to be parsed once per process
    lines = ["Sample\tChromosome\tStart\tEnd\tNum_Probes\tSegment_Mean"]
    for i in range(3000):
        lines.append(f"S{i}\t12\t1\t133000000\t100\t{i / 1000:.3f}")
    f = tmp_path / "cohort.seg"
    f.write_text("\n".join(lines) + "\n")
    assert f.stat().st_size >= 1 << 16
    for pid, value in (("S7", 0.007), ("S1400", 1.4)):
        rec = {"patient_id": pid, "cn_file": str(f), "cn_format": None, "tumor_sample": None,
               "purity": None, "ploidy": None}
        out = patient_copy_number(rec, PANEL37, {}, "GRCh37").set_index("gene")
        assert close(out.loc["MDM2", "cn_value"], 2 * 2 ** value)
    # the file changes: the cached parse is not reused
    f.write_text("\n".join(lines).replace("S7\t12\t1\t133000000\t100\t0.007",
                                          "S7\t12\t1\t133000000\t100\t3.000") + "\n")
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    rec = {"patient_id": "S7", "cn_file": str(f)}
    out = patient_copy_number(rec, PANEL37, {}, "GRCh37").set_index("gene")
    assert close(out.loc["MDM2", "cn_value"], 16.0)


def test_maftools_cbs_segments():
    # maftools' LAML_CBS_segments (Sample, Chromosome, Start.bp, End.bp, Num.Markers, Seg.CN)
    assert detect_format(D / "LAML_CBS_segments.tsv.gz") == "seg"
    # TCGA-AB-2885 12 68510585 70115623 1153 -0.82244: MDM2 inside -> LOSS
    out = genes("LAML_CBS_segments.tsv.gz", "TCGA-AB-2885")
    assert close(out.loc["MDM2", "cn_value"], 2 * 2 ** -0.82244)
    assert out.loc["MDM2", "cn_call"] == "LOSS" and out.loc["MDM2", "cn_coverage"] == 1.0
    # TCGA-AB-2952: 12 65612542 69228640 -0.348502 | 12 69228685 69772211 0 -> MDM2
    # (69201955-69239214) has 26685 bp on the first, 10530 bp on the second
    mdm2 = genes("LAML_CBS_segments.tsv.gz", "TCGA-AB-2952").loc["MDM2"]
    assert close(mdm2.cn_coverage, (26685 + 10530) / 37259)
    assert close(mdm2.cn_value, 2 * 2 ** -0.348502) and mdm2.cn_max == 2.0
    assert mdm2.cn_call == "NEUTRAL"  # 1.57 copies = 0.79-fold, above the 0.75 LOSS cut-off
