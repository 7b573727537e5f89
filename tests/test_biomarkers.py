"""TMB and MSI: genuine MSIsensor2 / MSIsensor-pro outputs, TMB from a MAF and annotated VCFs
checked against independent counts, targets, thresholds, the sheet's values and bad input."""

import math
from pathlib import Path

import pandas as pd
import pytest
from cohortmark import schema
from cohortmark.biomarkers import (
    msi_status,
    normalise_msi,
    patient_biomarkers,
    read_msi,
    read_targets,
    territory,
    tmb,
)
from cohortmark.config import default_config
from cohortmark.errors import InputError
from cohortmark.variants import read_variants
from cohortmark.variants.burden import coding_variants

DATA = Path(__file__).parent / "data"
MSI = DATA / "biomarkers"
LAML = DATA / "variants" / "tcga_laml.maf.gz"
PVAC = DATA / "variants" / "pvactools_hcc1395.subset.vcf.gz"
MAFTOOLS_NONSYN = ["Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site", "Translation_Start_Site",
                   "Nonsense_Mutation", "Nonstop_Mutation", "In_Frame_Del", "In_Frame_Ins",
                   "Missense_Mutation"]


# --- MSI -------------------------------------------------------------------------------------

def test_msisensor2_output():
    """MSIsensor2's own test run (its README: 2 sites, 1 somatic, 50.00)."""
    assert read_msi(MSI / "msisensor2_example.tumor.only.hg38") == {
        "msi_sites": 2, "msi_unstable": 1, "msi_score": 50.0}


def test_msisensor_pro_output():
    """MSIsensor-pro 1.3.0 header says Number_of_Unstable_Sites."""
    assert read_msi(MSI / "msisensor-pro_example.tumor.only.hg38") == {
        "msi_sites": 1, "msi_unstable": 1, "msi_score": 100.0}


@pytest.mark.parametrize("score, status", [
    (0.0, "MSS"), (2.99, "MSS"), (3.0, "indeterminate"), (9.99, "indeterminate"),
    (10.0, "MSI-H"), (50.0, "MSI-H"), (math.nan, None), (None, None),
])
def test_msi_status_cut_offs(score, status):
    assert msi_status(score, default_config()["msi"]) == status


def test_no_indeterminate_band_when_cut_offs_meet():
    settings = {**default_config()["msi"], "high_min_score": 20, "indeterminate_min_score": 20}
    assert [msi_status(s, settings) for s in (19.9, 20)] == ["MSS", "MSI-H"]


@pytest.mark.parametrize("text, status", [
    ("MSI-H", "MSI-H"), ("msi-high", "MSI-H"), ("High", "MSI-H"), ("MSS", "MSS"),
    ("stable", "MSS"), ("MSI-L", "MSS"), ("indeterminate", "indeterminate"), ("", None),
])
def test_sheet_msi_values(text, status):
    assert normalise_msi(text) == status


def test_bad_sheet_msi_value():
    with pytest.raises(InputError, match="patient P1: column 'msi_status': 'maybe' is not an "
                                         "MSI status"):
        normalise_msi("maybe", "P1")


@pytest.mark.parametrize("text, message", [
    ("Sites\tSomatic\t%\n2\t1\t50.00\n", "line 1: not an MSIsensor output file"),
    ("Total_Number_of_Sites\tNumber_of_Somatic_Sites\n2\t1\n", "three columns"),
    ("Total_Number_of_Sites\tNumber_of_Somatic_Sites\t%\n", "no values line"),
    ("Total_Number_of_Sites\tNumber_of_Somatic_Sites\t%\n2\tx\t50\n", "line 2: values"),
    ("Total_Number_of_Sites\tNumber_of_Somatic_Sites\t%\n2\t3\t150.00\n", "impossible"),
    ("Total_Number_of_Sites\tNumber_of_Somatic_Sites\t%\n4\t1\t50.00\n",
     "the percentage 50.0 is not 1/4 sites"),
])
def test_bad_msi_files(tmp_path, text, message):
    path = tmp_path / "msi.txt"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_msi(path, "P1")


# --- TMB -------------------------------------------------------------------------------------

def test_tmb_from_a_maf_equals_maftools_definition():
    """maftools' tmb(): non-synonymous variants (vc_nonSyn) / captureSize. TCGA-AB-3009 of
    TCGA LAML has 34 (25 missense, 5 frame-shift insertions, 2 nonsense, 1 splice site, 1
    in-frame insertion; counted independently with pandas below); captureSize 50 Mb -> 0.68."""
    maf = pd.read_csv(LAML, sep="\t", comment="#", low_memory=False)
    expected = maf[maf["Variant_Classification"].isin(MAFTOOLS_NONSYN)
                   ].groupby("Tumor_Sample_Barcode").size()
    coding = coding_variants(LAML, "TCGA-AB-3009", build="GRCh37", config=default_config())
    value, n = tmb(coding, 50.0)
    assert n == expected["TCGA-AB-3009"] == 34
    assert value == pytest.approx(0.68)
    for barcode in ("TCGA-AB-2807", "TCGA-AB-2959", "TCGA-AB-2802"):
        coding = coding_variants(LAML, barcode, build="GRCh37", config=default_config())
        assert len(coding) == expected[barcode]


def test_tmb_from_an_annotated_vcf():
    """pVACtools' VEP-annotated HCC1395 subset: 14 PASS records name an alteration-class SO
    term (independently: bcftools view -H -f PASS,. | grep -cE 'missense_variant|stop_gained|
    ...' = 14); the text scan finds exactly the alteration-class rows of the full reader."""
    cfg = default_config()
    coding = coding_variants(PVAC, build="GRCh38", config=cfg)
    assert len(coding) == 14
    full = read_variants(PVAC, build="GRCh38", config=cfg)
    full = full[full["mutation_class"].fillna("") != ""]
    key = ["chrom", "pos", "ref", "alt"]
    pd.testing.assert_frame_equal(coding[key].reset_index(drop=True),
                                  full[key].reset_index(drop=True))
    assert list(coding["mutation_class"]) == list(full["mutation_class"])


def test_tmb_counts_only_inside_targets(tmp_path):
    cfg = default_config()
    coding = coding_variants(PVAC, build="GRCh38", config=cfg)
    first = coding.iloc[:5]
    bed = tmp_path / "targets.bed"
    bed.write_text("track name=x\n" + "".join(
        f"chr{c}\t{p - 1}\t{p + 99}\n" for c, p in zip(first["chrom"], first["pos"],
                                                        strict=True)))
    size, targets = territory({"targets": str(bed), "territory_mb": 30})
    assert size == pytest.approx(5 * 100 / 1e6)  # targets win over territory_mb
    value, n = tmb(coding, size, targets)
    assert n == 5 and value == pytest.approx(5 / size)


def test_targets_are_merged(tmp_path):
    bed = tmp_path / "t.bed"
    bed.write_text("1\t100\t200\n1\t150\t300\nchr2\t0\t10\n")
    targets = read_targets(bed)
    assert targets.size_bp == 210
    assert targets.contains("1", 101) and targets.contains("1", 300)
    assert not targets.contains("1", 100) and not targets.contains("1", 301)
    assert targets.contains("2", 10) and not targets.contains("3", 5)


def test_tmb_uses_the_variant_thresholds():
    strict = default_config(variants={"min_vaf": 0.3})
    every = read_variants(PVAC, build="GRCh38", config=default_config())
    every = every[every["mutation_class"].fillna("") != ""]  # VAFs from the full reader
    kept = coding_variants(PVAC, build="GRCh38", config=strict)
    assert len(kept) == int((every["vaf"] >= 0.3).sum()) == 12 < len(every)


def test_unannotated_vcf_gives_no_tmb():
    record = {"patient_id": "P1", "variant_file": str(DATA / "variants" / "vcf2maf_test.vcf"),
              "tumor_sample": "TUMOR"}
    config = default_config(tmb={"territory_mb": 30})
    values = patient_biomarkers(record, config, "GRCh37")
    assert values["tmb"] is None and values["tmb_source"] is None


def test_patient_biomarkers_sources():
    config = default_config(tmb={"territory_mb": 50})
    maf = {"patient_id": "TCGA-AB-3009", "variant_file": str(LAML)}
    values = patient_biomarkers(maf, config, "GRCh37")
    assert values["tmb"] == pytest.approx(0.68) and values["tmb_variants"] == 34
    assert values["tmb_territory_mb"] == 50 and values["tmb_source"] == "computed"
    assert set(values) == set(schema.BIOMARKER_COLUMNS)
    given = patient_biomarkers({**maf, "tmb": "11.5"}, config, "GRCh37")
    assert given["tmb"] == 11.5 and given["tmb_source"] == "sheet"
    no_territory = patient_biomarkers(maf, default_config(), "GRCh37")
    assert no_territory["tmb"] is None
    msi = patient_biomarkers({"patient_id": "P1",
                              "msi_file": str(MSI / "msisensor2_example.tumor.only.hg38")},
                             config, "GRCh38")
    assert (msi["msi_status"], msi["msi_score"], msi["msi_sites"], msi["msi_source"]) == (
        "MSI-H", 50.0, 2, "msisensor")
    too_few = patient_biomarkers(
        {"patient_id": "P1", "msi_file": str(MSI / "msisensor2_example.tumor.only.hg38")},
        default_config(msi={"min_sites": 100}), "GRCh38")
    assert too_few["msi_status"] is None and too_few["msi_sites"] == 2
    sheet = patient_biomarkers({"patient_id": "P1", "msi_status": "MSI-L",
                                "msi_file": str(MSI / "msisensor2_example.tumor.only.hg38")},
                               config, "GRCh38")
    assert sheet["msi_status"] == "MSS" and sheet["msi_source"] == "sheet"
    score = patient_biomarkers({"patient_id": "P1", "msi_score": "4.2"}, config, "GRCh38")
    assert score["msi_status"] == "indeterminate" and score["msi_score"] == 4.2


def test_bad_sheet_tmb():
    with pytest.raises(InputError, match="patient P1: column 'tmb': 'high' is not a number"):
        patient_biomarkers({"patient_id": "P1", "tmb": "high"}, default_config(), "GRCh38")


def _with_normal_reads(tmp_path, reads: dict) -> Path:
    """pVACtools' HCC1395 tumour/normal VCF with the NORMAL column's AD/AF of the given PASS
    coding records (index among them -> (ref reads, alt reads)) replaced."""
    import gzip

    lines = gzip.decompress(PVAC.read_bytes()).decode().splitlines()
    k = -1
    for i, line in enumerate(lines):
        cells = line.split("\t")
        if line.startswith("#") or cells[6] not in ("PASS", ".") or not any(
                t in cells[7] for t in ("missense_variant", "stop_gained", "frameshift_variant")):
            continue
        k += 1
        if k in reads:
            keys = cells[8].split(":")
            normal = cells[9].split(":")
            ref, alt = reads[k]
            normal[keys.index("AD")] = f"{ref},{alt}"
            normal[keys.index("DP")] = str(ref + alt)
            normal[keys.index("AF")] = f"{alt / (ref + alt):.5f}"
            cells[9] = ":".join(normal)
            lines[i] = "\t".join(cells)
    out = tmp_path / "hcc1395_normal_edited.vcf"
    out.write_text("\n".join(lines) + "\n")
    return out


def test_tmb_leaves_out_what_the_matched_normal_carries(tmp_path):
    """A coding variant the matched normal carries (variants.germline_normal_min_alt_reads /
    _vaf, as the panel reader judges germline) is not counted; one normal read is noise."""
    cfg = default_config()
    base = coding_variants(PVAC, build="GRCh38", config=cfg)
    edited = _with_normal_reads(tmp_path, {0: (300, 200), 1: (500, 1)})
    coding = coding_variants(edited, build="GRCh38", config=cfg)
    assert len(base) == 14 and len(coding) == 13
    full = read_variants(edited, build="GRCh38", config=cfg)
    germline = full[full["origin"] == "germline"]
    assert len(germline) == 1
    cls = germline.iloc[0]["mutation_class"]
    assert pd.isna(cls) or cls == ""  # germline: never an alteration
    key = ["chrom", "pos", "ref", "alt"]
    lost = base.merge(coding[key], on=key, how="left", indicator=True)
    lost = lost[lost["_merge"] == "left_only"]
    assert list(lost[key].itertuples(index=False)) == list(germline[key].itertuples(index=False))
