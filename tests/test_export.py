"""Export to cBioPortal and MAF (cohortmark.export).

- Format rules: the rules cBioPortal's validator (cbioportal-core scripts/importer/
  validateData.py and cbioportal_common.py, read at commit c3c8edf) applies to each file type we
  write, re-checked here with an independent parser, so that they hold where the validator
  itself is not installed (tests/test_export_tools.py runs the validator and maftools).
- MAF conventions against vcf2maf's own output for the same VCF records.
- Round trip: the exported files read back by cohortmark's readers give the alterations table
  again for profiled genes, and not_profiled where the gene panel matrix says so.
"""

import csv
import io
import math
import os
import re
import shutil

import pandas as pd
import pytest
from cohortmark import schema
from cohortmark.config import default_config
from cohortmark.errors import InputError
from cohortmark.export import export_cohort, panel_id, profiled_genes, read_study, write_export
from cohortmark.export.clinical import attribute_name, clinical_attributes
from cohortmark.export.maf import maf_alleles, variant_classification, vcf2maf_classification
from cohortmark.sheets import load_samples
from cohortmark.variants.consequences import MAF_CLASS, SO_RANKED, most_severe, so_class
from export_fixtures import (
    BUILD,
    NOT_CARRIED,
    PANEL,
    ROOT,
    edge_cohort,
    example_cohort,
    example_patients,
)

DATA = ROOT / "tests" / "data"


def run_export(cohort, tmp_path, patients=None, **settings):
    alt, mut, sheet, cfg = cohort[:4]
    sv = cohort[4] if len(cohort) > 4 else None
    cfg = {**cfg, "export": {**cfg["export"], **settings}}
    ex = export_cohort(alt, mut, sheet, cfg["export"], BUILD, cfg["variants"]["non_alterations"],
                       patients=patients, structural_variants=sv)
    paths = write_export(ex, tmp_path / "export")
    return ex, paths


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("example")
    cohort = example_cohort(tmp)
    ex, paths = run_export(cohort, tmp, patients=example_patients(tmp))
    return cohort, ex, paths


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("edge")
    cohort = edge_cohort(tmp)
    ex, paths = run_export(cohort, tmp)
    return cohort, ex, paths


@pytest.fixture(params=["example", "edge"])
def study(request):
    cohort, ex, paths = request.getfixturevalue(request.param)
    return cohort, ex, paths["cbioportal"]


# --- an independent reader of the study folder ------------------------------------------------
def meta(path):
    out = {}
    for line in path.read_text().splitlines():
        if line.strip():
            assert ":" in line, f"{path.name}: line without ':' {line!r}"
            k, v = line.split(":", 1)
            out[k] = v.strip()
    return out


def table(path):
    """(comment rows, header, rows) of a TSV data file, parsed as the validator does."""
    with open(path, newline=None) as fh:
        lines = fh.read().split("\n")
    assert lines[-1] == "", f"{path.name} does not end with a newline"
    lines = lines[:-1]
    top = [ln for ln in lines if ln.startswith("#")]
    body = [ln for ln in lines if not ln.startswith("#")]
    assert lines[:len(top)] == top, f"{path.name}: '#' lines only at the top"
    rows = list(csv.reader(body, delimiter="\t", quoting=csv.QUOTE_NONE, strict=True))
    return [r[1:].split("\t") for r in top], rows[0], rows[1:]


def metas(study_dir):
    return {p.name: meta(p) for p in sorted(study_dir.glob("meta_*.txt"))}


# cbioportal_common.META_FIELD_MAP (required fields) and validate_types_and_id
REQUIRED_META = {
    ("CLINICAL", "PATIENT_ATTRIBUTES"): ["cancer_study_identifier", "genetic_alteration_type",
                                         "datatype", "data_filename"],
    ("CLINICAL", "SAMPLE_ATTRIBUTES"): ["cancer_study_identifier", "genetic_alteration_type",
                                        "datatype", "data_filename"],
    ("COPY_NUMBER_ALTERATION", "DISCRETE"): ["cancer_study_identifier", "genetic_alteration_type",
                                             "datatype", "stable_id",
                                             "show_profile_in_analysis_tab", "profile_name",
                                             "profile_description", "data_filename"],
    ("COPY_NUMBER_ALTERATION", "CONTINUOUS"): ["cancer_study_identifier",
                                               "genetic_alteration_type", "datatype",
                                               "stable_id", "show_profile_in_analysis_tab",
                                               "profile_name", "profile_description",
                                               "data_filename"],
    ("MUTATION_EXTENDED", "MAF"): ["cancer_study_identifier", "genetic_alteration_type",
                                   "datatype", "stable_id", "show_profile_in_analysis_tab",
                                   "profile_name", "profile_description", "data_filename"],
    ("STRUCTURAL_VARIANT", "SV"): ["cancer_study_identifier", "genetic_alteration_type",
                                   "datatype", "stable_id", "show_profile_in_analysis_tab",
                                   "profile_name", "profile_description", "data_filename"],
    ("GENE_PANEL_MATRIX", "GENE_PANEL_MATRIX"): ["cancer_study_identifier",
                                                 "genetic_alteration_type", "datatype",
                                                 "data_filename"],
}
ALLOWED_STABLE_IDS = {("COPY_NUMBER_ALTERATION", "DISCRETE"): {"cna", "gistic", "cna_rae",
                                                               "cna_consensus"},
                      ("COPY_NUMBER_ALTERATION", "CONTINUOUS"): {"linear_CNA"},
                      ("MUTATION_EXTENDED", "MAF"): {"mutations"},
                      ("STRUCTURAL_VARIANT", "SV"): {"structural_variants"}}
CASE_LIST_CATEGORIES = {"all_cases_in_study", "all_cases_with_mutation_data",
                        "all_cases_with_cna_data", "all_cases_with_log2_cna_data",
                        "all_cases_with_mutation_and_cna_data", "all_cases_with_sv_data", "other"}
ID_OK = re.compile(r"^[A-Za-z0-9._()\[\]',+\-:;]+$")
MAF_VC = {"Frame_Shift_Del", "Frame_Shift_Ins", "In_Frame_Del", "In_Frame_Ins",
          "Missense_Mutation", "Nonsense_Mutation", "Splice_Site", "Translation_Start_Site",
          "Nonstop_Mutation", "Targeted_Region", "De_novo_Start_InFrame",
          "De_novo_Start_OutOfFrame", "Silent", "Intron", "3'UTR", "3'Flank", "5'UTR",
          "5'Flank", "IGR", "RNA", "Splice_Region", "Fusion", "Unknown"}


# --- meta files and the study file ----------------------------------------------------------
def test_meta_files_have_the_required_fields_and_one_study_id(study):
    (_, _, sheet, cfg, *_), _, d = study
    sid = cfg["export"]["study_id"]
    files = metas(d)
    s = files.pop("meta_study.txt")
    assert {"cancer_study_identifier", "type_of_cancer", "name", "description"} <= set(s)
    assert s["cancer_study_identifier"] == sid and re.match(r"^[a-z0-9_]+$", sid)
    assert s["type_of_cancer"] == cfg["export"]["cancer_type"]
    assert s["reference_genome"] == "hg38"
    assert len(s["name"]) <= 255 and len(s["description"]) <= 1024
    assert "add_global_case_list" not in s  # cases_all.txt is written instead
    stable = []
    for name, m in files.items():
        kind = (m["genetic_alteration_type"], m["datatype"])
        assert kind in REQUIRED_META, name
        missing = [k for k in REQUIRED_META[kind] if k not in m]
        assert not missing, (name, missing)
        extra = set(m) - set(REQUIRED_META[kind])
        assert not extra, (name, extra)  # the validator warns on unknown fields
        assert m["cancer_study_identifier"] == sid
        assert (d / m["data_filename"]).is_file(), name
        if "stable_id" in m:
            assert m["stable_id"] in ALLOWED_STABLE_IDS[kind], name
            stable.append(m["stable_id"])
        if kind[1] == "CONTINUOUS":
            assert m["show_profile_in_analysis_tab"] == "false"  # validator rule
        assert "gene_panel" not in m  # panels are in the matrix (mutually exclusive)
    assert len(stable) == len(set(stable))


# --- clinical files ---------------------------------------------------------------------------
def test_clinical_files_follow_the_attribute_rules(study):
    (_, _, sheet, *_), _, d = study
    patient = table(d / "data_clinical_patient.txt")
    sample = table(d / "data_clinical_sample.txt")
    defined = {}
    for level, (top, header, rows) in (("patient", patient), ("sample", sample)):
        assert len(top) == 4  # display name, description, datatype, priority
        assert all(len(r) == len(header) for r in top)
        assert all(len(r) == len(header) for r in rows)
        assert header[:1] == ["PATIENT_ID"] and (level == "patient" or header[1] == "SAMPLE_ID")
        assert len(header) == len(set(header))
        for k, name in enumerate(header):
            assert name.isupper(), name
            assert name not in ("MUTATION_COUNT", "FRACTION_GENOME_ALTERED")
            datatype, priority = top[2][k], top[3][k]
            assert datatype in ("STRING", "NUMBER", "BOOLEAN")
            assert int(priority) >= -1
            assert top[0][k].strip() and top[1][k].strip()  # no empty definitions
            values = [r[k] for r in rows]
            known = [v for v in values if v.lower() not in ("", "na")]
            if datatype == "NUMBER":
                assert all(math.isfinite(float(v)) for v in known), name
            if datatype == "BOOLEAN":
                assert set(known) <= {"TRUE", "FALSE"}, name
            if name.endswith("_STATUS") and name[:-7] + "_MONTHS" in header:
                assert all(re.match(r"^[01]:", v) for v in known), name
            if name in ("OS_MONTHS", "PFS_MONTHS", "OS_STATUS", "PFS_STATUS", "AGE", "SEX"):
                assert level == "patient", name  # patient-level attributes
            if name in ("PRIMARY_SITE", "SAMPLE_TYPE", "OTHER_SAMPLE_ID"):
                assert level == "sample", name
            if name not in ("PATIENT_ID", "SAMPLE_ID"):
                assert name not in defined, f"{name} defined at both levels"
                defined[name] = level
        for r in rows:
            for v in r[:2 if level == "sample" else 1]:
                assert ID_OK.match(v) and len(v) <= 63
    os_status = [r[patient[1].index("OS_STATUS")] for r in patient[2]]
    assert set(os_status) <= {"0:LIVING", "1:DECEASED", "NA"}
    pids = [r[0] for r in patient[2]]
    sids = [r[1] for r in sample[2]]
    assert pids == list(sheet["patient_id"]) == [r[0] for r in sample[2]]
    assert len(set(sids)) == len(sids)


def test_survival_and_response_come_back_from_the_clinical_file(example):
    (_, _, sheet, _), _, paths = example
    _, header, rows = table(paths["cbioportal"] / "data_clinical_patient.txt")
    got = pd.DataFrame(rows, columns=header).set_index("PATIENT_ID")
    for r in sheet.to_dict("records"):
        g = got.loc[r["patient_id"]]
        for prefix, sheet_col in (("OS", "os"), ("PFS", "pfs")):
            months, event = r[f"{sheet_col}_months"], r[f"{sheet_col}_event"]
            assert float(g[f"{prefix}_MONTHS"]) == pytest.approx(months)
            assert int(g[f"{prefix}_STATUS"].split(":")[0]) == event
        assert g["BEST_RESPONSE"] == r["best_response"]
        pct = r["best_pct_change"]
        assert (g["BEST_PCT_CHANGE"] == "NA") if math.isnan(pct) else (
            float(g["BEST_PCT_CHANGE"]) == pct)
        assert g["EVALUABLE"] == ("TRUE" if r["evaluable"] else "FALSE")
    # P02 is alive at 22.5 months; P08 not evaluable
    assert got.loc["P02", "OS_STATUS"] == "0:LIVING"
    assert got.loc["P06", "PFS_STATUS"] == "0:CENSORED"
    assert got.loc["P08", "EVALUABLE"] == "FALSE"


def test_sheet_columns_that_would_break_cbioportal_rules_are_renamed(tmp_path):
    text = ("patient_id\tpfs_months\tpfs_event\tAge\tmutation_count\tprimary_site\tos_status\t"
            "dfs_months\tdfs_status\t1\n"
            "A\t3\t1\tsixty\t4\tlung\tdead\t2\trelapsed\tx\n"
            "B\t5\t0\t50\t1\t\talive\t3\tfree\ty\n")
    (tmp_path / "s.tsv").write_text(text)
    clin = clinical_attributes(load_samples(tmp_path / "s.tsv", check_files=False))
    patient = {a.name: a for a in clin.patient}
    sample = {a.name: a for a in clin.sample}
    assert "SHEET_AGE" in patient and "AGE" not in patient  # AGE must be a number
    assert "SHEET_MUTATION_COUNT" in patient  # computed by cBioPortal
    assert "SHEET_OS_STATUS" in patient and patient["OS_STATUS"].values == ["NA", "NA"]
    assert "SHEET_DFS_STATUS" in patient and "DFS_MONTHS" in patient
    assert "PRIMARY_SITE" in sample and sample["PRIMARY_SITE"].values == ["lung", "NA"]
    assert "SHEET_1" in patient  # a name without a letter is not 'upper case'
    assert len(clin.notes) == 4 and all("exported as SHEET_" in n for n in clin.notes)
    assert attribute_name("new lesions (RECIST)") == "NEW_LESIONS__RECIST_"


def test_two_sheet_columns_with_one_attribute_name_stop_the_export(tmp_path):
    (tmp_path / "s.tsv").write_text("patient_id\tage\tAge\nA\t1\t2\n")
    with pytest.raises(InputError, match="'age' and 'Age' both become"):
        clinical_attributes(load_samples(tmp_path / "s.tsv", check_files=False))


# --- copy number matrices ----------------------------------------------------------------------
def test_cna_matrices_hold_levels_or_na_for_defined_samples(study):
    (alt, *_), _, d = study
    _, _, sample_rows = table(d / "data_clinical_sample.txt")
    defined = {r[1] for r in sample_rows}
    for name, allowed in (("data_cna.txt", {"-2", "-1", "0", "1", "2", "NA"}),
                          ("data_linear_cna.txt", None)):
        _, header, rows = table(d / name)
        assert header[0] == "Hugo_Symbol" and "Entrez_Gene_Id" not in header[1:]
        assert set(header[1:]) <= defined and len(header) == len(set(header))
        genes = [r[0] for r in rows]
        assert genes == list(PANEL["gene"]) and len(set(genes)) == len(genes)
        for r in rows:
            assert len(r) == len(header)
            for v in r[1:]:
                if allowed is not None:
                    assert v in allowed
                elif v != "NA":
                    assert math.isfinite(float(v))
    # the discrete matrix is the cohort's calls
    _, header, rows = table(d / "data_cna.txt")
    got = {(s, r[0]): r[k] for r in rows for k, s in enumerate(header[1:], 1)}
    level = {"HOMDEL": "-2", "LOSS": "-1", "NEUTRAL": "0", "GAIN": "1", "AMP": "2"}
    for r in alt.to_dict("records"):
        key = (r["patient_id"], r["gene"])
        if r["cn_status"] == "not_profiled":
            assert got.get(key, "NA") == "NA"
        else:
            assert got[key] == level[r["cn_call"]]


# --- the MAF ------------------------------------------------------------------------------------
def test_maf_columns_vocabularies_and_allele_rules(study):
    (alt, mut, *_), _, d = study
    top, header, rows = table(d / "data_mutations.txt")
    assert top == [["version 2.4"]]
    for col in ("Tumor_Sample_Barcode", "Hugo_Symbol", "Variant_Classification"):
        assert col in header  # validateData REQUIRED_HEADERS
    assert "HGVSp_Short" in header  # "at least one of HGVSp_Short or Amino_Acid_Change"
    maf = pd.DataFrame(rows, columns=header)
    assert set(maf["Variant_Classification"]) <= MAF_VC
    assert set(maf["Variant_Type"]) <= {"SNP", "DNP", "TNP", "ONP", "INS", "DEL"}
    assert set(maf["NCBI_Build"]) == {"GRCh38"}
    for r in maf.to_dict("records"):
        ref, a1, a2, vt = (r["Reference_Allele"], r["Tumor_Seq_Allele1"],
                           r["Tumor_Seq_Allele2"], r["Variant_Type"])
        start, end = int(r["Start_Position"]), int(r["End_Position"])
        for allele in (ref, a1, a2):  # MAF check 6
            assert set(allele) <= set("ACGT-") and allele.count("-") <= 1
        assert start <= end  # check 10
        if vt == "INS":  # check 11
            assert end - start + 1 == len(ref) or end - start == 1
            assert len(ref) <= len(a2) or ref == "-"
        elif vt == "DEL":
            assert end - start + 1 == len(ref) and len(ref) >= len(a2)
        else:
            n = {"SNP": 1, "DNP": 2, "TNP": 3}.get(vt)
            assert len(ref) == len(a1) == len(a2) and "-" not in ref + a2
            assert len(ref) == n if n else len(ref) > 3
        hgvsp = r["HGVSp_Short"]
        assert ";" not in hgvsp and "," not in hgvsp and "p." not in hgvsp[1:]
        for c in ("t_depth", "t_ref_count", "t_alt_count"):
            assert r[c] == "" or r[c].isdigit()
    # sample ids: defined, and in the _sequenced case list
    sequenced = meta(d / "case_lists" / "cases_sequenced.txt")["case_list_ids"].split("\t")
    assert set(maf["Tumor_Sample_Barcode"]) <= set(sequenced)
    # one row per variant of a sequenced patient, nothing else
    assert len(maf) == len(mut)
    key = ["Tumor_Sample_Barcode", "Chromosome", "Start_Position", "Tumor_Seq_Allele2"]
    assert not maf.duplicated(key).any()


def test_maf_alleles_and_classes_are_vcf2maf_s(tmp_path):
    """Our VCF -> MAF conversion of the vcf2maf test VCFs equals vcf2maf's own MAFs, record by
    record: Start/End, alleles, Variant_Type, and Variant_Classification from the consequence."""
    checked = 0
    for vcf, maf in (("vcf2maf_test.vcf", "vcf2maf_test_output.vep_isoforms.maf"),
                     ("vcf2maf_test_b38.vcf", "vcf2maf_test_b38_output.maf")):
        records = [ln.split("\t") for ln in (DATA / "variants" / vcf).read_text().splitlines()
                   if ln and not ln.startswith("#")]
        rows = list(csv.DictReader([ln for ln in (DATA / "variants" / maf).read_text()
                                    .splitlines() if not ln.startswith("#")], delimiter="\t"))
        assert len(records) == len(rows)
        for rec, m in zip(records, rows):
            expect = (int(m["Start_Position"]), int(m["End_Position"]), m["Reference_Allele"],
                      m["Tumor_Seq_Allele2"], m["Variant_Type"])
            ours = [maf_alleles(int(rec[1]), rec[3], alt) for alt in rec[4].split(",")]
            match = [o for o in ours if o[:5] == expect]
            assert match, (rec[:5], expect, ours)
            term = most_severe(m["Consequence"].split(","))
            vc = vcf2maf_classification(term, match[0][4], match[0][5])
            assert vc == m["Variant_Classification"], (rec[:5], term)
            checked += 1
    assert checked == 45


def test_every_class_is_carried_except_the_ones_the_maf_cannot_say():
    """For every SO term (and no annotation) and variant type, the Variant_Classification we
    write reads back as the class cohortmark gave; the exceptions are exactly the 'other'
    alterations that are not stop_lost, which the MAF vocabulary has no word for, and a
    protein-altering substitution (in-frame here, Missense_Mutation in the MAF)."""
    non_alt = set(default_config()["variants"]["non_alterations"])
    lossy = set()
    for term in SO_RANKED + [""]:
        mclass = so_class(term, non_alt) if term else "other"
        for ref, alt in (("C", "T"), ("CA", "TG"), ("CAG", "C"), ("C", "CAGT"), ("CA", "C")):
            vt, inframe = maf_alleles(100, ref, alt)[4:]
            vc = variant_classification(term, mclass, vt, inframe, non_alt)
            assert vc in MAF_VC
            back = "" if vc in non_alt else MAF_CLASS.get(vc, "")
            if back != mclass:
                lossy.add(term)
    assert lossy == {"", "transcript_amplification", "feature_elongation", "feature_truncation",
                     "coding_sequence_variant", "incomplete_terminal_codon_variant",
                     "protein_altering_variant"}


def test_maf_notes_name_exactly_the_variants_that_cannot_be_carried(edge):
    _, ex, _ = edge
    named = {(n.split(",")[0].split()[-1], n.split(",")[1].split()[0]) for n in ex.notes}
    assert named == NOT_CARRIED and len(ex.notes) == 2


# --- gene panels, the matrix and case lists ------------------------------------------------------
def test_gene_panel_matrix_and_case_lists_match_the_data(study):
    (alt, *_), _, d = study
    sid = meta(d / "meta_study.txt")["cancer_study_identifier"]
    _, sample_header, sample_rows = table(d / "data_clinical_sample.txt")
    samples = [r[1] for r in sample_rows]
    _, header, rows = table(d / "data_gene_panel_matrix.txt")
    profiles = {m["stable_id"] for m in metas(d).values() if "stable_id" in m}
    assert header[0] == "SAMPLE_ID" and set(header[1:]) == profiles
    assert [r[0] for r in rows] == samples  # every sample once
    panels = {}
    for p in d.glob("data_gene_panel_*.txt"):
        if p.name == "data_gene_panel_matrix.txt":
            continue
        m = meta(p)
        assert set(m) == {"stable_id", "description", "gene_list"}  # ImportGenePanel fields
        genes = m["gene_list"].split("\t")
        assert len(genes) == len(set(genes)) and set(genes) <= set(PANEL["gene"])
        assert m["stable_id"] == panel_id(sid, tuple(genes)) and p.name.endswith(
            f"{m['stable_id']}.txt")
        panels[m["stable_id"]] = set(genes)
    used = {v for r in rows for v in r[1:]} - {"NA"}
    assert used == set(panels)
    status = {"mutations": "mut_status", "cna": "cn_status", "linear_CNA": "cn_status",
              "structural_variants": "sv_status"}
    by = alt.set_index(["patient_id", "gene"])
    for k, profile in enumerate(header[1:], 1):
        for r in rows:
            s, pid = r[0], r[k]
            expect = {g for g in PANEL["gene"]
                      if by.loc[(s, g), status[profile]] not in ("not_profiled", None)
                      and not (isinstance(by.loc[(s, g), status[profile]], float))
                      and (profile != "linear_CNA" or not math.isnan(by.loc[(s, g), "cn_value"]))}
            assert (panels[pid] if pid != "NA" else set()) == expect, (s, profile)
    # case lists: stable ids, categories, ids defined, and the samples that have the data
    lists = {p.name: meta(p) for p in (d / "case_lists").iterdir()}
    for m in lists.values():
        assert set(m) == {"cancer_study_identifier", "stable_id", "case_list_name",
                          "case_list_description", "case_list_ids", "case_list_category"}
        assert m["cancer_study_identifier"] == sid and m["stable_id"].startswith(sid + "_")
        assert m["case_list_category"] in CASE_LIST_CATEGORIES
        ids = m["case_list_ids"].split("\t")
        assert ids and set(ids) <= set(samples) and len(ids) == len(set(ids))
    ids = {m["stable_id"][len(sid) + 1:]: m["case_list_ids"].split("\t") for m in lists.values()}
    assert ids["all"] == samples
    with_panel = {p: [r[0] for r in rows if r[header.index(p)] != "NA"] for p in header[1:]}
    assert ids["sequenced"] == with_panel["mutations"]
    assert ids["cna"] == with_panel["cna"] == table(d / "data_cna.txt")[1][1:]
    assert ids["cnaseq"] == [s for s in samples if s in ids["sequenced"] and s in ids["cna"]]
    assert table(d / "data_linear_cna.txt")[1][1:] == with_panel["linear_CNA"]
    if "structural_variants" in with_panel:
        assert ids["sv"] == with_panel["structural_variants"]


def test_not_profiled_genes_inside_a_profiled_sample_get_their_own_panel(edge):
    _, _, paths = edge
    prof = profiled_genes(paths["cbioportal"])
    # E1's segments cover chr9, chr12 and chr17 only
    assert prof["cna"]["E1"] == {"MDM2", "CDK4", "CDKN2A", "CDKN2B", "TP53"}
    # E2's discrete source has calls but no copy number: in 'cna', not in 'linear_CNA'
    assert prof["cna"]["E2"] == {"MDM2", "CDK4", "CDKN2A", "TP53", "EGFR"}
    assert "E2" not in prof["linear_CNA"]
    # E6 is sequenced without any variant: on the panel, absent from the MAF
    assert prof["mutations"]["E6"] == set(PANEL["gene"])
    assert "E5" not in prof["mutations"] and "E4" not in prof["cna"]


# --- structural variants --------------------------------------------------------------------
def test_sv_file_follows_the_sv_rules(edge):
    (_, _, _, _, sv), _, paths = edge
    _, header, rows = table(paths["cbioportal"] / "data_sv.txt")
    assert {"Sample_Id", "SV_Status"} <= set(header)  # REQUIRED_HEADERS
    assert "Site1_Hugo_Symbol" in header and "Site2_Hugo_Symbol" in header
    df = pd.DataFrame(rows, columns=header)
    assert set(df["SV_Status"]) == {"SOMATIC"} and set(df["NCBI_Build"]) == {"GRCh38"}
    assert ((df["Site1_Hugo_Symbol"] != "") | (df["Site2_Hugo_Symbol"] != "")).all()
    assert not df.duplicated([c for c in header if c.startswith("Site")] + ["Sample_Id"]).any()
    assert df[["Site1_Hugo_Symbol", "Site2_Hugo_Symbol"]].values.tolist() == [
        ["MDM2", "CPM"], ["", "CDK4"]]
    assert list(df["Site2_Effect_On_Frame"]) == ["IN_FRAME", ""]
    assert list(df["RNA_Support"]) == ["yes", "no"]  # arriba (RNA), manta (DNA)
    assert list(df["Tumor_Split_Read_Count"]) == ["12", "4"]


# --- round trip -------------------------------------------------------------------------------
def expected_vaf(mut: pd.DataFrame) -> dict:
    """Per (patient, gene): the VAF the MAF carries for the gene's most severe variant (the one
    the gene row describes; ties: the higher VAF) - read counts when present (as cBioPortal
    and maftools compute it), else the caller's VAF."""
    rank = {c: i for i, c in enumerate(schema.MUTATION_CLASSES)}
    best = {}
    for r in mut.to_dict("records"):
        if not isinstance(r["mutation_class"], str) or r["mutation_class"] not in rank:
            continue
        v = (r["alt_count"] / r["depth"] if not math.isnan(r["depth"]) and
             not math.isnan(r["alt_count"]) else r["vaf"])
        order = (rank[r["mutation_class"]], -(r["vaf"] if not math.isnan(r["vaf"]) else -1))
        key = (r["patient_id"], r["gene"])
        if key not in best or order < best[key][0]:
            best[key] = (order, v)
    return {k: v for k, (_, v) in best.items()}


def compare(alt, mut, back, skip=frozenset()):
    """Every patient x gene: the read-back equals the cohort table (mutation fields of the
    ``skip`` pairs excepted). Returns the pairs whose mutation fields differ."""
    a = alt.set_index(["patient_id", "gene"])
    b = back.set_index(["patient_id", "gene"])
    assert list(a.index) == list(b.index)
    vaf = expected_vaf(mut)
    differ = set()
    for key in a.index:
        x, y = a.loc[key], b.loc[key]
        assert x["cn_status"] == y["cn_status"], key
        if x["cn_status"] != "not_profiled":
            assert x["cn_call"] == y["cn_call"], key
        if isinstance(x["cn_value"], float) and not math.isnan(x["cn_value"]):
            assert y["cn_value"] == pytest.approx(x["cn_value"], rel=1e-9), key
        else:
            assert math.isnan(y["cn_value"]), key
        same = (x["mut_status"] == y["mut_status"] and
                (x["mutation_class"] if isinstance(x["mutation_class"], str) else "") ==
                (y["mutation_class"] or "") and
                set(str(x["protein_change"] if isinstance(x["protein_change"], str) else "")
                    .split(";")) == set((y["protein_change"] or "").split(";")))
        if x["mut_status"] != "not_profiled" and same:
            same = int(x["n_mutations"]) == int(y["n_mutations"])
        if same and key in vaf:
            if math.isnan(vaf[key]):
                assert math.isnan(y["vaf"]), key
            else:
                assert y["vaf"] == pytest.approx(vaf[key], rel=1e-6), key
        if not same:
            differ.add(key)
            assert key in skip, (key, dict(x), dict(y))
    return differ


def test_round_trip_of_the_example_is_exact(example):
    (alt, mut, sheet, cfg), ex, paths = example
    assert ex.notes == []
    back = read_study(paths["cbioportal"], PANEL, cfg, BUILD)
    assert compare(alt, mut, back) == set()
    assert (back["cn_status"] == "not_profiled").sum() == 18  # P06: no copy number
    assert (back["mut_status"] == "not_profiled").sum() == 18  # P09: no variants
    assert set(back.loc[back["mut_status"] == "altered", "gene"]) == {"ATM", "ERBB3", "TP53",
                                                                      "PPM1D"}


def test_round_trip_of_the_edge_cohort_differs_only_where_reported(edge):
    (alt, mut, sheet, cfg, _), ex, paths = edge
    back = read_study(paths["cbioportal"], PANEL, cfg, BUILD)
    assert compare(alt, mut, back, skip=NOT_CARRIED) == NOT_CARRIED
    b = back.set_index(["patient_id", "gene"])
    assert b.loc[("E1", "EGFR"), "cn_status"] == "not_profiled"  # gene outside E1's panel
    assert b.loc[("E1", "MDM2"), "cn_call"] == "AMP"
    assert math.isnan(b.loc[("E2", "MDM2"), "cn_value"]) and b.loc[("E2", "MDM2"),
                                                                  "cn_call"] == "AMP"
    assert b.loc[("E6", "TP53"), "mut_status"] == "wildtype"  # sequenced, nothing found
    assert b.loc[("E5", "TP53"), "mut_status"] == "not_profiled"
    assert b.loc[("E4", "TP53"), "n_mutations"] == 2
    # the VAF of a MAF variant without read counts travels in i_TumorVAF_WU
    assert b.loc[("E4", "ERBB3"), "vaf"] == pytest.approx(0.35)
    # E3's caller said 0.3, its reads 61/200: the MAF carries the reads
    assert b.loc[("E3", "CDKN2A"), "vaf"] == pytest.approx(0.305)


def test_the_gene_panel_matrix_decides_what_is_not_profiled(edge, tmp_path):
    """Change only the matrix: the same data files read back as not profiled."""
    (alt, mut, sheet, cfg, _), _, paths = edge
    d = tmp_path / "study"
    shutil.copytree(paths["cbioportal"], d)
    matrix = (d / "data_gene_panel_matrix.txt").read_text().splitlines()
    header = matrix[0].split("\t")
    m = header.index("mutations")
    rows = [r.split("\t") for r in matrix[1:]]
    for r in rows:
        if r[0] == "E3":
            r[m] = "NA"
    (d / "data_gene_panel_matrix.txt").write_text(
        "\n".join(["\t".join(header)] + ["\t".join(r) for r in rows]) + "\n")
    back = read_study(d, PANEL, cfg, BUILD).set_index(["patient_id", "gene"])
    assert (back.loc["E3", "mut_status"] == "not_profiled").all()
    assert (back.loc["E3", "cn_status"] != "not_profiled").all()


def test_data_outside_a_sample_panel_is_refused_on_reading_back(edge, tmp_path):
    (_, _, _, cfg, _), _, paths = edge
    d = tmp_path / "study"
    shutil.copytree(paths["cbioportal"], d)
    cna = (d / "data_cna.txt").read_text().splitlines()
    header = cna[0].split("\t")
    rows = [r.split("\t") for r in cna[1:]]
    e1 = header.index("E1")
    egfr = next(r for r in rows if r[0] == "EGFR")
    assert egfr[e1] == "NA"
    egfr[e1] = "2"  # a value for a gene E1's panel does not have
    (d / "data_cna.txt").write_text(
        "\n".join(["\t".join(header)] + ["\t".join(r) for r in rows]) + "\n")
    with pytest.raises(InputError, match="EGFR has data for sample E1 but is not on its gene"):
        read_study(d, PANEL, cfg, BUILD)


# --- maftools files (without R: its documented requirements) ----------------------------------
MAFTOOLS_REQUIRED = ["Hugo_Symbol", "Chromosome", "Start_Position", "End_Position",
                     "Reference_Allele", "Tumor_Seq_Allele2", "Variant_Classification",
                     "Variant_Type", "Tumor_Sample_Barcode"]  # maftools R/validateMaf.R


def test_cohort_maf_is_what_maftools_reads(example):
    (alt, mut, sheet, _), ex, paths = example
    text = paths["maf"].read_text()
    assert text == (paths["cbioportal"] / "data_mutations.txt").read_text()
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    header = lines[0].split("\t")
    assert all(c in header for c in MAFTOOLS_REQUIRED)
    # the reference maftools ships reads with the same column names and vocabularies
    laml = pd.read_csv(DATA / "cohorts" / "tcga_laml.maf.gz", sep="\t", dtype=str)
    # (maftools matches these names ignoring case: LAML writes End_position)
    assert all(c.lower() in {x.lower() for x in laml.columns} for c in MAFTOOLS_REQUIRED)
    assert set(laml["Variant_Classification"]) <= MAF_VC
    maf = pd.DataFrame([ln.split("\t") for ln in lines[1:]], columns=header)
    assert set(maf["Variant_Type"]) <= set(laml["Variant_Type"]) | {"DNP", "TNP", "ONP"}
    clin = pd.read_csv(paths["clinical"], sep="\t", dtype=str, keep_default_na=False)
    assert clin.columns[0] == "Tumor_Sample_Barcode"
    assert list(clin["Tumor_Sample_Barcode"]) == list(sheet["patient_id"])
    assert set(maf["Tumor_Sample_Barcode"]) <= set(clin["Tumor_Sample_Barcode"])
    assert clin.set_index("Tumor_Sample_Barcode").loc["P09", "mutations_profiled"] == "FALSE"
    assert clin.set_index("Tumor_Sample_Barcode").loc["P06", "cn_profiled"] == "FALSE"
    assert not any(c in clin.columns for c in ("cn_file", "variant_file", "tumor_sample"))
    cn = pd.read_csv(paths["cn"], sep="\t", dtype=str)
    assert list(cn.columns) == ["Hugo_Symbol", "Tumor_Sample_Barcode", "Variant_Classification"]
    altered = alt[alt["cn_status"] == "altered"]
    assert len(cn) == len(altered)
    assert set(cn["Variant_Classification"]) == {"Amp", "Del"}


# --- settings and files --------------------------------------------------------------------------
def test_export_settings_are_validated_by_the_schema():
    with pytest.raises(InputError, match="export.study_id"):
        default_config(export={"study_id": "My Study"})
    with pytest.raises(InputError, match="export.cancer_type"):
        default_config(export={"cancer_type": "Soft Tissue"})
    with pytest.raises(InputError, match="export"):
        default_config(export={"studyid": "x"})
    cfg = default_config()["export"]
    assert cfg["enabled"] is True and cfg["study_id"] == "cohortmark"
    assert cfg["cancer_type"] == "mixed"


def test_patient_ids_cbioportal_cannot_take_stop_the_export(tmp_path, edge):
    (alt, mut, sheet, cfg, _), _, _ = edge
    long_id = "P" * 64
    sheet2 = sheet.copy()
    sheet2.loc[0, "patient_id"] = long_id
    alt2 = alt.copy()
    alt2.loc[alt2["patient_id"] == "E1", "patient_id"] = long_id
    with pytest.raises(InputError, match="cannot be a cBioPortal sample id"):
        export_cohort(alt2, mut, sheet2, cfg["export"], BUILD, [])


def test_export_is_deterministic_and_follows_the_umask(edge, tmp_path):
    (alt, mut, sheet, cfg, sv), ex, paths = edge
    old = os.umask(0o022)
    try:
        again = write_export(export_cohort(alt, mut, sheet, cfg["export"], BUILD,
                                           cfg["variants"]["non_alterations"],
                                           structural_variants=sv), tmp_path / "x")
    finally:
        os.umask(old)
    first = sorted(p.relative_to(paths["cbioportal"])
                   for p in paths["cbioportal"].rglob("*") if p.is_file())
    second = sorted(p.relative_to(again["cbioportal"])
                    for p in again["cbioportal"].rglob("*") if p.is_file())
    assert first == second
    for rel in first:
        assert (paths["cbioportal"] / rel).read_bytes() == (again["cbioportal"] / rel).read_bytes()
        assert (again["cbioportal"] / rel).stat().st_mode & 0o777 == 0o644
    assert again["maf"].stat().st_mode & 0o777 == 0o644
    # writing over an existing export replaces it whole (no stale gene panel files), and the
    # temporary folder of a killed earlier write is cleared
    (again["cbioportal"] / "data_gene_panel_stale.txt").write_text("stable_id: x\n")
    (tmp_path / "x" / ".cbioportal.killed").mkdir()
    write_export(ex, tmp_path / "x")
    assert not (again["cbioportal"] / "data_gene_panel_stale.txt").exists()
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == [
        "cbioportal", "cohort.maf", "cohort_clinical.tsv", "cohort_cn.tsv"]


def test_the_per_patient_table_becomes_sample_attributes(example):
    (alt, mut, sheet, cfg), _, _ = example
    patients = pd.DataFrame({"patient_id": ["P01", "P02"], "purity": [0.5, None],
                             "purity_source": ["purple", ""], "tmb": [3.2, 11.0],
                             "msi_status": ["MSS", "MSI-H"]})
    ex = export_cohort(alt, mut, sheet, cfg["export"], BUILD, [], patients=patients)
    lines = ex.study.files["data_clinical_sample.txt"].splitlines()
    header = lines[4].split("\t")
    rows = {r.split("\t")[1]: dict(zip(header, r.split("\t"))) for r in lines[5:]}
    types = dict(zip(header, lines[2].lstrip("#").split("\t")))
    assert types["TMB"] == "NUMBER" and types["MSI_STATUS"] == "STRING"
    assert rows["P01"]["PURITY"] == "0.5"  # the per-patient table wins over the sheet (0.62)
    assert rows["P02"]["PURITY"] == "NA" and rows["P03"]["PURITY"] == "NA"
    assert rows["P01"]["PLOIDY"] == "2.13"  # not in the table: the sheet's
    assert rows["P02"]["MSI_STATUS"] == "MSI-H" and rows["P05"]["TMB"] == "NA"
    clin = ex.clinical.splitlines()
    assert "tmb" in clin[0].split("\t")


def test_a_maf_input_leaves_as_it_came_in(tmp_path):
    """TCGA-LAML (maftools' example MAF, GRCh37) as the variant file of 40 patients: the
    exported MAF rows are the input rows (coordinates, alleles, classes, protein changes), the
    VAFs (i_TumorVAF_WU, no read counts) survive, and reading back gives the table again. No
    patient has copy number: the study has no CNA profile and no _cna case list."""
    from cohortmark.cohort import assemble_alterations, assemble_mutations
    from cohortmark.genome import load_panel
    from cohortmark.ingest import run_shard
    from cohortmark.tsv import read_tsv, write_tsv

    path = DATA / "cohorts" / "tcga_laml.maf.gz"
    raw = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    genes = ["FLT3", "DNMT3A", "NPM1", "IDH2", "IDH1", "TET2", "RUNX1", "TP53", "NRAS",
             "CEBPA", "WT1", "KIT", "PTPN11", "KRAS", "ASXL1"]
    (tmp_path / "panel.tsv").write_text("gene\n" + "\n".join(genes) + "\n")
    panel = load_panel(tmp_path / "panel.tsv", "GRCh37")
    ids = list(dict.fromkeys(raw["Tumor_Sample_Barcode"]))[:40]
    (tmp_path / "s.tsv").write_text("patient_id\tvariant_file\n" + "".join(
        f"{i}\t{path}\n" for i in ids))
    sheet = load_samples(tmp_path / "s.tsv", check_files=False)
    cfg = default_config(panel=str(tmp_path / "panel.tsv"), genome="GRCh37",
                         export={"study_id": "laml_subset", "cancer_type": "aml"})
    records = [{"patient_id": i, "variant_file": str(path)} for i in ids]
    alt, mut, _ = run_shard(records, panel, cfg, "GRCh37", tmp_path / "cache",
                            log=lambda m: None)
    write_tsv(assemble_alterations([alt], sheet, panel), tmp_path / "a.tsv")
    write_tsv(assemble_mutations([mut], sheet), tmp_path / "m.tsv")
    alt, mut = read_tsv(tmp_path / "a.tsv"), read_tsv(tmp_path / "m.tsv")
    ex = export_cohort(alt, mut, sheet, cfg["export"], "GRCh37",
                       cfg["variants"]["non_alterations"])
    assert ex.notes == []
    files = ex.study.files
    assert "data_cna.txt" not in files and "case_lists/cases_cna.txt" not in files
    assert "case_lists/cases_cnaseq.txt" not in files
    lines = [ln for ln in files["data_mutations.txt"].splitlines() if not ln.startswith("#")]
    out = pd.DataFrame([ln.split("\t") for ln in lines[1:]], columns=lines[0].split("\t"))
    src = raw[raw["Tumor_Sample_Barcode"].isin(ids) & raw["Hugo_Symbol"].isin(genes)]
    assert len(out) == len(src) > 20 and {"INS", "DEL"} <= set(out["Variant_Type"])
    key = ["Tumor_Sample_Barcode", "Chromosome", "Start_Position", "Tumor_Seq_Allele2"]
    merged = out.merge(src, on=key, suffixes=("", "_in"), validate="one_to_one")
    assert len(merged) == len(src)
    for ours, theirs in (("End_Position", "End_position"), ("Reference_Allele", None),
                         ("Variant_Classification", None), ("Variant_Type", None),
                         ("Hugo_Symbol", None), ("HGVSp_Short", "Protein_Change")):
        assert (merged[ours] == merged[theirs or ours + "_in"]).all(), ours
    ours = pd.to_numeric(merged["i_TumorVAF_WU"], errors="coerce")
    theirs = pd.to_numeric(merged["i_TumorVAF_WU_in"], errors="coerce")
    theirs = theirs.where(theirs > 0)  # TCGA writes 0 for "not measured": read as unknown
    # (cohortmark keeps VAFs to 7 significant digits: 41.0788381742739 -> 41.07884)
    bad = ~(((ours - theirs).abs() <= 1e-6 * theirs.abs()) | (ours.isna() & theirs.isna()))
    assert not bad.any(), merged.loc[bad, key + ["i_TumorVAF_WU", "i_TumorVAF_WU_in"]]
    assert ours.notna().sum() > 20
    paths = write_export(ex, tmp_path / "export")
    back = read_study(paths["cbioportal"], panel, cfg, "GRCh37")
    assert compare(alt, mut, back) == set()
    assert (back["cn_status"] == "not_profiled").all()
    assert (back["mut_status"] != "not_profiled").all()


def test_without_any_mutation_data_there_is_no_mutation_profile(edge):
    (alt, mut, sheet, cfg, _), _, _ = edge
    alt = alt.assign(mut_status="not_profiled")
    ex = export_cohort(alt, mut.iloc[0:0], sheet, cfg["export"], BUILD, [])
    files = ex.study.files
    assert "meta_mutations.txt" not in files and "case_lists/cases_sequenced.txt" not in files
    assert "mutations" not in files["data_gene_panel_matrix.txt"].splitlines()[0].split("\t")
    assert ex.maf.splitlines() == ["#version 2.4", "\t".join(schema.MAF_COLUMNS)]
    assert set(pd.read_csv(io.StringIO(ex.clinical), sep="\t")["mutations_profiled"]) == {False}


def test_germline_variants_are_not_exported_as_somatic_mutations():
    """A variant also in the matched normal (origin germline, no alteration class) must not
    reach cBioPortal or maftools as a somatic Missense_Mutation; the note counts it."""
    from cohortmark.export.maf import maf_table

    row = {c: None for c in schema.MUTATION_COLUMNS}
    somatic = {**row, "patient_id": "P1", "chrom": "17", "pos": 7675088, "ref": "C",
               "alt": "T", "gene": "TP53", "consequence": "missense_variant",
               "mutation_class": "missense", "protein_change": "p.R175H", "vaf": 0.4,
               "depth": 100.0, "alt_count": 40.0, "filter": "PASS", "origin": "somatic"}
    germline = {**somatic, "pos": 7676154, "ref": "G", "alt": "C", "mutation_class": "",
                "protein_change": "p.P72R", "vaf": 0.5, "origin": "germline"}
    table, notes = maf_table(pd.DataFrame([somatic, germline]), {"P1": "P1"}, "GRCh38",
                             default_config()["variants"]["non_alterations"])
    assert list(table["HGVSp_Short"]) == ["p.R175H"]
    assert notes == ["1 germline variant(s) (present in the matched normal) are not exported: "
                     "the MAF and the study's mutations are somatic"]


# --- whole columns at once: the same text as value by value -----------------------------------
def _columns():
    """Columns of every kind a sheet or patients.tsv gives, with the awkward values."""
    nan, inf = float("nan"), float("inf")
    return {
        "float": pd.Series([1.0, nan, -0.0, 1e-20, 2.5, 123456789.125, inf]),
        "float_missing": pd.Series([nan] * 7),
        "float_inf": pd.Series([1.0, inf, nan, 2.0, 3.0, 4.0, 5.0]),
        "int": pd.Series([0, 1, 2, -3, 10**12, 5, 6]),
        "bool": pd.Series([True, False, True, True, False, False, True]),
        "object": pd.Series(["a  b", None, " x ", "NA", 3.5, True, "t\tu"], dtype=object),
        "text": pd.Series(["BRCA1", "  spaced  out ", "", "na", "[Not Available]", "q", "z"]),
        "bool_text": pd.Series(["true", "FALSE", None, "True", "false", "true", "na"]),
        "nullable_int": pd.Series([1, None, 3, 4, 5, 6, 7], dtype="Int64"),
        "nullable_bool": pd.Series([True, None, False, True, True, False, True],
                                   dtype="boolean"),
        "events": pd.Series([1.0, 0.0, nan, 1.0, 0.0, 2.0, 1.0]),
    }


@pytest.mark.parametrize("name", list(_columns()))
def test_column_text_is_the_value_by_value_text(name):
    from cohortmark.export import clinical as cl
    from cohortmark.export import maftools as mt

    col = _columns()[name]
    values = col.tolist()
    n = len(col)
    assert mt.cells(col) == [mt._cell(v) for v in values]
    if name not in ("object", "text", "bool_text"):  # _num/_status take numbers or missing
        assert cl.nums(col, n) == [cl._num(v) for v in values]
        assert cl.statuses(col, n, "0:NO", "1:YES") == [cl._status(v, "0:NO", "1:YES")
                                                        for v in values]
    assert cl.bools(col, n) == [cl._bool(v) for v in values]
    assert cl.bools(col, n, missing=True) == [cl._bool(True if cl._missing(v) else v)
                                              for v in values]
    assert cl.infer(col) == cl.infer(values)
    assert cl.clean_column(values) == [cl._clean(v) for v in values]
    assert cl.nums(None, 3) == ["NA"] * 3 and cl.bools(None, 2, missing=True) == ["TRUE"] * 2
