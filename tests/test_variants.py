"""Somatic variants from real VCFs/MAFs: each file's panel variant checked by hand.

Expected values were read off the raw records (quoted in each test) and computed by hand.
"""

import math
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from cohortmark import schema
from cohortmark.errors import InputError
from cohortmark.genome import load_panel
from cohortmark.variants import gene_mutations, patient_mutations, read_variants
from cohortmark.variants.consequences import short_protein
from cohortmark.variants.core import normalise

D = Path(__file__).parent / "data" / "variants"
P38 = load_panel(build="GRCh38")
P37 = load_panel(build="GRCh37")
RAW = {"min_depth": 0, "min_alt_reads": 0, "min_vaf": 0}  # read-support filters off
ALL = {"variants": {"filter": [], **RAW}}
NOFILT = {"variants": RAW}


def one(df, gene):
    rows = df[df["gene"] == gene]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_pvactools_vep_tumour_normal_indexed_and_streamed():
    # chr17 7675088 C>T; tumour (##tumor_sample=HCC1395_TUMOR_DNA) 0/1:1,87:0.98864:88; CSQ
    # canonical ENST00000269305 missense_variant, HGVSp ENSP00000269305.4:p.Arg175His
    path = D / "pvactools_hcc1395.subset.vcf.gz"
    idx = read_variants(path, panel=P38, build="GRCh38")
    full = read_variants(path, panel=P38, build="GRCh38", config={"variants": {"use_index": False}})
    pd.testing.assert_frame_equal(idx, full)
    v = one(idx, "TP53")
    assert (v.chrom, v.pos, v.ref, v.alt) == ("17", 7675088, "C", "T")
    assert v.mutation_class == "missense" and v.consequence == "missense_variant"
    assert v.protein_change == "p.R175H"
    assert v.vaf == pytest.approx(0.98864) and v.depth == 88 and v.alt_count == 87
    # the normal column gives 1/66: picking it must change the VAF
    n = one(read_variants(path, "HCC1395_NORMAL_DNA", panel=P38, build="GRCh38",
                          config=NOFILT), "TP53")
    assert n.vaf == pytest.approx(0.01515)


def test_pcgr_unannotated_adt_gene_by_position():
    # 17 7676152 CG>C PASS ... GT:DPC:DPT:ADC:ADT:AL 0/1:54:37:.,.:8,29:2 -> 29/37
    v = read_variants(D / "T001-COAD.grch38.vcf.gz", panel=P38, build="GRCh38")
    assert list(v["gene"]) == ["PDGFRA", "CDKN1C", "TP53", "CHEK2"]
    t = one(v, "TP53")
    # no annotation: the deletion lies in a TP53 coding exon, so it counts, as `unannotated`
    assert (t.pos, t.ref, t.alt, t.mutation_class) == (7676152, "CG", "C", "unannotated")
    assert t.consequence == "coding_exon"
    assert t.vaf == pytest.approx(29 / 37) and t.depth == 37 and t.alt_count == 29
    g = gene_mutations(v, P38).set_index("gene")
    assert g.loc["TP53", "mut_status"] == "altered" and g.loc["MDM2", "mut_status"] == "wildtype"


def test_pcgr_strelka_tier_counts_and_filter():
    # 7 55268916 C>T QSS_ref; TUMOR DP 336, AU 0,0 CU 105,105 GU 0,0 TU 230,231
    path = D / "EMN-3661-G1_EMN-3661-T2.strelka.snv.vcf.gz"
    assert read_variants(path, panel=P37, build="GRCh37").empty  # all panel calls QSS_ref
    v = read_variants(path, panel=P37, build="GRCh37", config=ALL)
    e = one(v, "EGFR")
    assert e.vaf == pytest.approx(230 / (105 + 230)) and e.alt_count == 230 and e.depth == 336
    assert e["filter"] == "QSS_ref"
    kept = read_variants(path, panel=P37, build="GRCh37",
                         config={"variants": {"filter": ["PASS", "QSS_ref"]}})
    assert len(kept) == len(v) == 4


def test_vcf2maf_strelka_indel_tir_tar():
    # 9 21971153 CCG>C TUMOR DP:DP2:TAR:TIR:... 59:59:0,0:40,49 -> 40/(40+0)
    v = one(read_variants(D / "vcf2maf_test_strelka.vcf", panel=P37, build="GRCh37"), "CDKN2A")
    assert v.vaf == 1.0 and v.alt_count == 40 and v.depth == 59


def test_vcf2maf_vcf_and_its_maf_agree():
    # test.vcf 17 7579312 C>A TUMOR 0/1:20,22:42; test.maf t_depth 42 t_ref 20 t_alt 22
    vcf = one(read_variants(D / "vcf2maf_test.vcf", panel=P37, build="GRCh37"), "TP53")
    for maf in ("vcf2maf_test.maf", "vcf2maf_test_output.vep_isoforms.maf"):
        m = one(read_variants(D / maf, "TUMOR", panel=P37, build="GRCh37"), "TP53")
        assert (m.chrom, m.pos, m.ref, m.alt) == (vcf.chrom, vcf.pos, vcf.ref, vcf.alt)
        assert m.vaf == pytest.approx(vcf.vaf) == pytest.approx(22 / 42)
        assert m.alt_count == vcf.alt_count == 22 and m.depth == vcf.depth == 42
        # Splice_Region (synonymous p.T125=) is not an alteration
        assert m.consequence == "Splice_Region" and pd.isna(m.mutation_class) or \
            m.mutation_class == ""
    m = read_variants(D / "vcf2maf_test_output.vep_isoforms.maf", "TUMOR", panel=P37,
                      build="GRCh37")
    assert one(m, "TP53").protein_change == "p.T125="
    assert gene_mutations(m, P37).set_index("gene").loc["TP53", "mut_status"] == "wildtype"


def test_pcgr_vep_vcf_and_maf_agree():
    # PCGR VCF 17 7577124 C>T CSQ missense p.Val272Met; PCGR MAF: TP53 Missense_Mutation
    vcf = one(read_variants(D / "tumor_sample.BRCA.pcgr.vcf.gz", panel=P37, build="GRCh37"),
              "TP53")
    maf = one(read_variants(D / "tumor_sample.BRCA.pcgr.maf", "tumor_sample.BRCA", panel=P37,
                            build="GRCh37"), "TP53")
    assert (vcf.pos, vcf.ref, vcf.alt) == (maf.pos, maf.ref, maf.alt) == (7577124, "C", "T")
    assert vcf.mutation_class == maf.mutation_class == "missense"
    assert vcf.protein_change == "p.V272M"
    assert math.isnan(vcf.vaf)  # sites-only VCF: no tumour column, VAF unknown (not 0)


def test_tcga_laml_maf_many_patients():
    # TCGA-AB-2829: TP53 7577100 Missense p.R280G i_TumorVAF_WU 33.1; 7577609 Splice_Site 34.44
    path = D / "tcga_laml.maf.gz"
    rec = {"patient_id": "TCGA-AB-2829", "variant_file": str(path), "tumor_sample": None}
    genes, variants = patient_mutations(rec, P37, {}, "GRCh37")
    assert list(genes.columns) == schema.GENE_MUT_COLUMNS
    assert list(variants.columns) == schema.VARIANT_COLUMNS
    t = genes.set_index("gene").loc["TP53"]
    assert t.mut_status == "altered" and t.mutation_class == "splice"  # splice > missense
    # class, protein change and VAF all describe the splice variant (no protein change);
    # the missense p.R280G stays in the variant table
    assert t.protein_change == "" and t.n_mutations == 2
    assert t.vaf == pytest.approx(0.3444)
    assert "p.R280G" in set(variants["protein_change"])
    assert (genes.set_index("gene").drop("TP53")["mut_status"] == "wildtype").all()
    # listed with the MAF but without rows in it: an error naming the closest barcodes ...
    none = {"patient_id": "TCGA-AB-2811", "variant_file": str(path), "tumor_sample": None}
    with pytest.raises(InputError, match=r"'TCGA-AB-2811'.*closest barcodes in the file: "
                                         r"TCGA-AB-281\d, TCGA-AB-28") as err:
        patient_mutations(none, P37, {}, "GRCh37")
    assert "patient TCGA-AB-2811" in str(err.value)
    # ... unless the MAF is declared to list every sequenced sample: profiled, wild type
    cfg = {"variants": {"maf_missing_sample": "wildtype"}}
    g, v = patient_mutations(none, P37, cfg, "GRCh37")
    assert (g["mut_status"] == "wildtype").all() and v.empty and (g["n_mutations"] == 0).all()


def test_maftools_nonsyn_count_for_laml_tp53():
    # maftools' default vc_nonSyn count for TP53 in TCGA-LAML, recounted independently with
    # pandas from the raw MAF (classes outside vc_nonSyn excluded)
    raw = pd.read_csv(D / "tcga_laml.maf.gz", sep="\t", dtype=str)
    nonsyn = {"Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site", "Translation_Start_Site",
              "Nonsense_Mutation", "Nonstop_Mutation", "In_Frame_Del", "In_Frame_Ins",
              "Missense_Mutation"}
    want = raw[(raw.Hugo_Symbol == "TP53") & raw.Variant_Classification.isin(nonsyn)]
    got, samples = 0, 0
    for barcode in sorted(raw.Tumor_Sample_Barcode.unique()):
        rec = {"patient_id": barcode, "variant_file": str(D / "tcga_laml.maf.gz")}
        g, _ = patient_mutations(rec, P37, {}, "GRCh37")
        t = g.set_index("gene").loc["TP53"]
        got += int(t.n_mutations)
        samples += t.mut_status == "altered"
    assert got == len(want) and samples == want.Tumor_Sample_Barcode.nunique()
    assert samples == 15  # 15 TCGA-LAML samples carry a nonSyn TP53 change


def test_snpeff_ann_without_panel_and_old_csq():
    # cyvcf2 test.vcf.gz (GATK germline, 1 10583 ... ANN splice_donor_variant|DDX11L1)
    path = D / "cyvcf2_test.vcf.gz"
    panel = pd.DataFrame({"gene": ["DDX11L1", "WASH7P"], "group": "", "chrom": "1",
                          "start": [11868, 14362], "end": [14409, 29370]})
    with pytest.raises(InputError, match="cannot tell which sample column"):
        read_variants(path, panel=panel, build="GRCh37")
    cfg = {"variants": {"filter": [], "annotation": "ANN"}}
    v = read_variants(path, "101976-101976", panel=panel, build="GRCh37", config=cfg)
    assert set(v["gene"]) <= {"DDX11L1", "WASH7P"} and len(v) > 0
    splice = v[v["consequence"] == "splice_donor_variant"]
    assert len(splice) == 1 and splice.iloc[0].mutation_class == "splice"
    # downstream/upstream/non-coding: not alterations
    assert (v[v["consequence"].str.contains("stream")]["mutation_class"].fillna("") == "").all()
    csq = read_variants(path, "101976-101976", panel=panel, build="GRCh37",
                        config={"variants": {"filter": [], "annotation": "CSQ"}})
    assert len(csq) == len(v)


def test_multiallelic_split_dedupe_and_thresholds(tmp_path):
    hdr = ("##fileformat=VCFv4.2\n##contig=<ID=chr17,length=83257441>\n"
           '##FORMAT=<ID=GT,Number=1,Type=String,Description="g">\n'
           '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="a">\n'
           '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="d">\n'
           "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\tNORMAL\n")
    body = ("chr17\t7675088\t.\tCTT\tC,CT\t.\tPASS\t.\tGT:AD:DP\t1/2:50,30,20:100\t0/0:9,0,0:9\n"
            "chr17\t7675088\t.\tCT\tC\t.\tPASS\t.\tGT:AD:DP\t0/1:60,20:80\t0/0:9,0:9\n"
            "chr17\t7675200\t.\tA\tG\t.\tPASS\t.\tGT:AD:DP\t0/1:95,5:100\t0/0:9,0:9\n")
    path = tmp_path / "multi.vcf"
    path.write_text(hdr + body)
    v = read_variants(path, panel=P38, build="GRCh38")
    # CTT>C and CTT>CT (= CT>C after trimming; also reported again on the 2nd line)
    assert list(zip(v.pos, v.ref, v.alt)) == [(7675088, "CT", "C"), (7675088, "CTT", "C"),
                                              (7675200, "A", "G")]
    assert list(v.vaf) == pytest.approx([0.2, 0.3, 0.05])  # kept the deeper report (100)
    assert one(gene_mutations(v, P38), "TP53").n_mutations == 3
    v2 = read_variants(path, panel=P38, build="GRCh38", config={"variants": {"min_vaf": 0.1}})
    assert len(v2) == 2
    v3 = read_variants(path, panel=P38, build="GRCh38",
                       config={"variants": {"min_alt_reads": 25}})
    assert list(v3.alt_count) == [30.0]
    # bgzip + tabix: the region query must find the same variants
    gz = tmp_path / "multi.vcf.gz"
    subprocess.run(["bgzip", "-c", str(path)], stdout=gz.open("wb"), check=True)
    subprocess.run(["tabix", "-p", "vcf", str(gz)], check=True)
    pd.testing.assert_frame_equal(read_variants(gz, panel=P38, build="GRCh38"), v)


def test_contig_lengths_against_build():
    with pytest.raises(InputError, match="another genome build"):
        read_variants(D / "pvactools_hcc1395.subset.vcf.gz", panel=P37, build="GRCh37")
    v = read_variants(D / "pvactools_hcc1395.subset.vcf.gz", panel=P37, build="GRCh37",
                      config={"variants": {"check_contigs": False}})
    assert v.empty  # GRCh38 chr17:7675088 lies outside GRCh37's TP53 (7.565-7.591 Mb)


def test_not_profiled_without_variant_file():
    g, v = patient_mutations({"patient_id": "P1", "variant_file": None}, P38, {}, "GRCh38")
    assert list(g["gene"]) == list(P38["gene"]) and (g["mut_status"] == "not_profiled").all()
    assert g["mutation_class"].eq("").all() and g["vaf"].isna().all() and v.empty
    assert list(v.columns) == schema.VARIANT_COLUMNS


def test_gene_mutations_severity_and_joining():
    v = pd.DataFrame([
        {"gene": "TP53", "mutation_class": "missense", "protein_change": "p.R175H", "vaf": 0.4},
        {"gene": "TP53", "mutation_class": "truncating", "protein_change": "p.R213*", "vaf": 0.1},
        {"gene": "TP53", "mutation_class": "", "protein_change": "p.P72P", "vaf": 0.9},
        {"gene": "MDM2", "mutation_class": "", "protein_change": "", "vaf": 0.5},
    ]).reindex(columns=schema.VARIANT_COLUMNS)
    g = gene_mutations(v, P38).set_index("gene")
    assert list(g.index) == list(P38["gene"])
    t = g.loc["TP53"]
    # class, protein change and VAF of one variant: the most severe (truncating) one
    assert (t.mut_status, t.mutation_class, t.protein_change, t.vaf, t.n_mutations) == \
        ("altered", "truncating", "p.R213*", 0.1, 2)
    assert g.loc["MDM2", "mut_status"] == "wildtype"


def test_helpers():
    assert short_protein("ENSP00000269305.4:p.Arg175His") == "p.R175H"
    assert short_protein("p.Leu10%3D") == "p.L10="
    assert short_protein("R248*") == "p.R248*"
    assert short_protein("ENSP1:p.Arg213Ter") == "p.R213*"
    assert normalise(100, "CTT", "CT") == (100, "CT", "C")
    assert normalise(100, "AC", "AT") == (101, "C", "T")


def test_truncated_gzip_vcf(tmp_path):
    data = (D / "EMN-3661-G1_EMN-3661-T2.strelka.snv.vcf.gz").read_bytes()
    bad = tmp_path / "cut.vcf.gz"
    bad.write_bytes(data[:40000])
    with pytest.raises(InputError, match="truncated") as err:
        read_variants(bad, panel=P37, build="GRCh37")
    assert str(bad) in str(err.value) and "line" in str(err.value)


def test_real_multiallelic_record_split_with_csq():
    # 1 11051547 A T,C ... CSQ T|non_coding_transcript_exon_variant...|CFL1P6 ..., C|...;
    # tumour ADT 34,9 (only one ALT count given): VAF 9/43 for T, unknown for C
    v = read_variants(D / "pcgr_vep_multiallelic.vcf", build="GRCh37")
    assert list(zip(v.pos, v.ref, v.alt)) == [(11051547, "A", "C"), (11051547, "A", "T")]
    assert set(v.gene) == {"CFL1P6"} and v.mutation_class.eq("").all()
    assert set(v.consequence) == {"non_coding_transcript_exon_variant"}
    t, c = v.set_index("alt").loc["T"], v.set_index("alt").loc["C"]
    assert t.vaf == pytest.approx(9 / 43) and t.alt_count == 9 and math.isnan(c.vaf)


def test_varscan_ad_rd_and_mutect1_fa():
    # VarScan2: 1 1991014 A>G TUMOR GT:GQ:DP:RD:AD:FREQ 0/1:.:91:56:35:38.46% -> 35/91
    v = read_variants(D / "vcf2maf_test_varscan.vcf", build="GRCh37")
    r = v[v.pos == 1991014].iloc[0]
    assert r.vaf == pytest.approx(35 / 91) and r.alt_count == 35 and r.depth == 91
    # MuTect1: 1 2453125 C>G REJECT TUMOR GT:AD:BQ:DP:FA 0:175,30:.:206:0.146
    m = read_variants(D / "vcf2maf_test_mutect.vcf", build="GRCh37", config=ALL)
    r = m[m.pos == 2453125].iloc[0]
    assert r.vaf == pytest.approx(0.146) and r.alt_count == 30 and r.depth == 206
    assert 2453125 not in set(read_variants(D / "vcf2maf_test_mutect.vcf", build="GRCh37").pos)


CBIO = Path("/work/shared/external/cbioportal_study_es_0/data_mutations_extended.maf")


@pytest.mark.skipif(not CBIO.exists(), reason="cBioPortal study_es_0 (AGPL) is not copied here")
def test_cbioportal_maf_and_mutation_status():
    # TCGA-A1-A0SB-01: TP53 7578253 Missense p.G199V (Mutation_Status Germline), TP53 7576851
    # Splice_Site p.X331_splice (Somatic); ATM p.D1815Tfs*13 (Germline), p.Y137Tfs*16 (Somatic)
    rec = {"patient_id": "TCGA-A1-A0SB-01", "variant_file": str(CBIO)}
    g, v = patient_mutations(rec, P37, {}, "GRCh37")
    g = g.set_index("gene")
    assert g.loc["TP53", "mutation_class"] == "splice" and g.loc["TP53", "n_mutations"] == 2
    assert g.loc["TP53", "protein_change"] == "p.X331_splice"  # the splice variant's
    assert g.loc["ATM", "mutation_class"] == "truncating" and g.loc["ATM", "n_mutations"] == 2
    assert v["vaf"].isna().all()  # the MAF has no read counts
    cfg = {"variants": {"exclude_mutation_status": ["Germline"]}}
    g2 = patient_mutations(rec, P37, cfg, "GRCh37")[0].set_index("gene")
    assert g2.loc["TP53", "n_mutations"] == 1 and g2.loc["ATM", "protein_change"] == "p.Y137Tfs*16"


@pytest.mark.parametrize("vcf,maf,build", [
    ("vcf2maf_test.vcf", "vcf2maf_test.maf", "GRCh37"),
    ("vcf2maf_test.vcf", "vcf2maf_test_output.vep_isoforms.maf", "GRCh37"),
    ("vcf2maf_test_b38.vcf", "vcf2maf_test_b38_output.maf", "GRCh38"),
])
def test_every_vcf2maf_call_agrees_with_its_maf(vcf, maf, build):
    """All of vcf2maf's VCF records vs the MAF it made: same sites, counts and VAF.

    MAF indels carry no anchor base (a deletion starts one base later). The four APC records
    at 5:112174757 are vcf2maf's multi-allelic genotype test and are checked separately.
    """
    v = read_variants(D / vcf, build=build, config=ALL)
    m = read_variants(D / maf, "TUMOR", build=build, config=ALL)
    by_site = {(r.chrom, r.pos - (r.alt == "-")): r for r in m.itertuples()}
    compared = 0
    for r in v.itertuples():
        if (r.chrom, r.pos) in (("5", 112174757), ("5", 112174758)):
            continue
        x = by_site[(r.chrom, r.pos)]
        assert (x.alt_count, x.depth) == (r.alt_count, r.depth), r
        assert x.vaf == pytest.approx(r.vaf), r
        compared += 1
    assert compared == len(m[~m.gene.eq("APC")]) > 15
    # e.g. b38 RUNX1 21:34792292 AD .,21 DP 54 (no REF count) and MAF t_ref_count '.': 21/54
    if build == "GRCh38":
        assert one(m[m.pos == 34792292], "RUNX1").vaf == pytest.approx(21 / 54)
        assert one(m[m.pos == 34792292], "RUNX1").protein_change == "p.L429R"


def test_multiallelic_alleles_absent_from_the_tumour_are_dropped():
    # 5 112174757 GAAGA G,GGA  TUMOR 0/2:12,0,8 -> only GAAGA>GGA (= GAA>G), 8/20
    # 5 112174757 GAAGA G,GCA  TUMOR 1/2:0,12,8 -> both: GAAGA>G 12/20, GAAGA>GCA (= AAG>C) 8/20
    v = read_variants(D / "vcf2maf_test.vcf", build="GRCh37")
    apc = v[v.pos.between(112174757, 112174758)]
    got = {(r.pos, r.ref, r.alt): r.alt_count for r in apc.itertuples()}
    assert got[(112174757, "GAA", "G")] == 8 and got[(112174758, "AAG", "C")] == 8
    assert (112174757, "GAAGA", "G") in got and len(got) == 3
