"""Sequential plasma ctDNA: variant keys, trajectories, emergent calls, molecular response,
the clinical link, the step and the figures. Expected values are worked by hand (comments)."""

import warnings
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from cohortmark import ctdna, schema
from cohortmark.errors import InputError
from cohortmark.sheets import load_plasma, load_samples

ROOT = Path(__file__).resolve().parents[1]
ROOT_PANEL = ROOT / "resources" / "panel.tsv"
DATA = ROOT / "tests" / "data" / "ctdna"

TP53 = ("17", 7675088, "C", "T", "TP53", "p.R175H")
TP53B = ("chr17", 7674220, "C", "T", "TP53", "p.R248Q")
PIK3CA = ("3", 179234297, "A", "G", "PIK3CA", "p.H1047R")
KRAS = ("12", 25245350, "C", "T", "KRAS", "p.G12D")


def calls(*rows):
    """A sample's calls shaped like schema.VARIANT_COLUMNS: (variant tuple, vaf[, depth])."""
    out = []
    for row in rows:
        v, vaf = row[0], row[1]
        depth = row[2] if len(row) > 2 else 1000
        out.append(dict(zip(["chrom", "pos", "ref", "alt", "gene", "protein_change"], v),
                        vaf=vaf, depth=depth, alt_count=None if vaf is None else round(vaf * depth),
                        filter="PASS", mutation_class="missense"))
    return pd.DataFrame(out, columns=schema.VARIANT_COLUMNS)


def plasma(*rows):
    return pd.DataFrame(rows, columns=["patient_id", "timepoint", "day"]).astype({"day": float})


def no_tissue():
    return pd.DataFrame(columns=schema.MUTATION_COLUMNS)


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ctdna.CtdnaWarning)
        return fn(*args, **kwargs)


# --- variant keys ------------------------------------------------------------------------

@pytest.mark.parametrize("vcf, maf", [
    # deletion of ACG after anchor T at 100: VCF TACG>T @100, MAF ACG>- @101
    (("chr12", 100, "TACG", "T"), ("12", 101, "ACG", "-")),
    # insertion of AG after base 100: VCF T>TAG @100, MAF ->AG with Start_Position 100
    (("12", 100, "T", "TAG"), ("12", 100, "-", "AG")),
    # a caller writing the deletion with extra shared context on both sides
    (("12", 99, "GTACGC", "GTC"), ("12", 101, "ACG", "-")),
    # MNV with shared flanks: ACGT>ATGT is C>T at 101
    (("12", 100, "ACGT", "ATGT"), ("12", 101, "C", "T")),
])
def test_indel_representations_match(vcf, maf):
    assert ctdna.normalise_variant(*vcf) == ctdna.normalise_variant(*maf)


def test_normalised_keys_by_hand():
    assert ctdna.normalise_variant("chr12", 100, "TACG", "T") == ("12", 101, "ACG", "")
    assert ctdna.normalise_variant("12", 100, "T", "TAG") == ("12", 101, "", "AG")
    assert ctdna.normalise_variant("chrX", "7", "c", "t") == ("X", 7, "C", "T")
    assert ctdna.normalise_variant("chrM", 73.0, "A", "G") == ("MT", 73, "A", "G")
    # suffix first: CTT>CT deletes one T; trimmed it is T>- at 101 (not left-aligned)
    assert ctdna.normalise_variant("1", 100, "CTT", "CT") == ("1", 101, "T", "")
    assert ctdna.variant_label(("12", 101, "ACG", "")) == "12:101:ACG:-"


# --- trajectories ------------------------------------------------------------------------

def three_samples():
    sheet = plasma(("P1", "baseline", -3), ("P1", "C2D1", 28), ("P1", "progression", 112))
    variants = {
        ("P1", "baseline"): calls((PIK3CA, 0.08)),
        ("P1", "C2D1"): calls((PIK3CA, 0.02)),
        ("P1", "progression"): calls((PIK3CA, 0.11), (TP53, 0.04)),
    }
    return sheet, variants


def test_missing_timepoint_is_not_detected_with_vaf_zero():
    sheet, variants = three_samples()
    t = quiet(ctdna.trajectories, sheet, variants, no_tissue(), {})
    assert list(t.columns) == schema.TRAJECTORY_COLUMNS
    assert len(t) == 2 * 3  # 2 variants x 3 samples
    tp53 = t[t["gene"] == "TP53"]
    assert list(tp53["timepoint"]) == ["baseline", "C2D1", "progression"]
    assert list(tp53["day"]) == [-3, 28, 112]
    assert list(tp53["vaf"]) == [0.0, 0.0, 0.04]
    assert list(tp53["detected"]) == [False, False, True]
    assert list(tp53["variant"]) == ["17:7675088:C:T"] * 3
    assert list(tp53["baseline"]) == [True, False, False]


def test_emergent_only_after_baseline():
    sheet = plasma(("P1", "screen", -20), ("P1", "baseline", -2), ("P1", "C2D1", 28),
                   ("P1", "progression", 100))
    variants = {
        # PIK3CA seen at screening, gone at baseline, back later: not emergent (seen before)
        ("P1", "screen"): calls((PIK3CA, 0.01)),
        ("P1", "baseline"): calls((KRAS, 0.05)),
        ("P1", "C2D1"): calls((KRAS, 0.01), (PIK3CA, 0.02)),
        ("P1", "progression"): calls((KRAS, 0.06), (TP53, 0.03)),
    }
    t = quiet(ctdna.trajectories, sheet, variants, no_tissue(), {})
    em = t.groupby("gene")["emergent"].first().to_dict()
    assert em == {"KRAS": False, "PIK3CA": False, "TP53": True}


def test_baseline_without_label_is_last_sample_on_or_before_day_0():
    # no 'baseline' label: day -10 and day 0 are pre-treatment; baseline = day 0 sample
    sheet = plasma(("P1", "S1", -10), ("P1", "S2", 0), ("P1", "S3", 30))
    variants = {("P1", "S1"): calls(), ("P1", "S2"): calls((KRAS, 0.1)),
                ("P1", "S3"): calls((KRAS, 0.1), (TP53, 0.02))}
    t = quiet(ctdna.trajectories, sheet, variants, no_tissue(), {})
    assert list(t.loc[t["gene"] == "KRAS", "baseline"]) == [False, True, False]
    # KRAS first seen at day 0 = baseline: not emergent; TP53 first at day 30: emergent
    assert t.groupby("gene")["emergent"].first().to_dict() == {"KRAS": False, "TP53": True}
    # a configured label wins over days
    cfg = {"ctdna_analysis": {"baseline_label": "S1"}}
    t = quiet(ctdna.trajectories, sheet, variants, no_tissue(), cfg)
    assert t.groupby("gene")["emergent"].first().to_dict() == {"KRAS": True, "TP53": True}


def test_no_baseline_means_emergent_unknown_and_not_evaluable():
    sheet = plasma(("P1", "C2D1", 28), ("P1", "C4D1", 84))
    variants = {("P1", "C2D1"): calls((KRAS, 0.1)), ("P1", "C4D1"): calls((TP53, 0.1))}
    t = quiet(ctdna.trajectories, sheet, variants, no_tissue(), {})
    assert t["emergent"].isna().all()
    assert not t["baseline"].any()
    r = ctdna.molecular_response(t, {})
    assert r.loc[0, "status"] == "not_evaluable"
    assert r.loc[0, "reason"].startswith("no baseline sample")
    assert len(ctdna.emergent(t, {})) == 0


def test_variant_reported_twice_at_one_timepoint_warns_and_keeps_deeper_call():
    sheet = plasma(("P1", "baseline", 0), ("P1", "C2D1", 28))
    deletion_vcf = ("12", 69210600, "TACG", "T", "MDM2", "")
    deletion_maf = ("12", 69210601, "ACG", "-", "MDM2", "")
    variants = {("P1", "baseline"): calls((deletion_vcf, 0.10, 500), (deletion_maf, 0.12, 800)),
                ("P1", "C2D1"): calls((deletion_maf, 0.03))}
    with pytest.warns(ctdna.CtdnaWarning, match=r"12:69210601:ACG:- is reported twice"):
        t = ctdna.trajectories(sheet, variants, no_tissue(), {})
    assert len(t) == 2  # one variant x two samples
    assert list(t["vaf"]) == [0.12, 0.03]  # depth 800 beats 500


def test_timepoint_with_no_variants_at_all():
    sheet = plasma(("P1", "baseline", 0), ("P1", "C2D1", 28), ("P1", "C4D1", 84))
    variants = {("P1", "baseline"): calls((KRAS, 0.2)), ("P1", "C2D1"): calls(),
                ("P1", "C4D1"): calls((KRAS, 0.01))}
    t = quiet(ctdna.trajectories, sheet, variants, no_tissue(), {})
    assert list(t["timepoint"]) == ["baseline", "C2D1", "C4D1"]
    assert list(t["detected"]) == [True, False, True]
    assert list(t["vaf"]) == [0.2, 0.0, 0.01]
    r = ctdna.molecular_response(t, {})
    assert r.loc[0, "status"] == "responder" and r.loc[0, "cleared"]


def test_days_out_of_order_are_sorted_with_a_warning():
    sheet = plasma(("P1", "progression", 112), ("P1", "baseline", -3), ("P1", "C2D1", 28))
    _, variants = three_samples()
    with pytest.warns(ctdna.CtdnaWarning, match="patient P1: samples are not in day order"):
        t = ctdna.trajectories(sheet, variants, no_tissue(), {})
    ordered, _ = three_samples()
    assert t.equals(quiet(ctdna.trajectories, ordered, variants, no_tissue(), {}))


def test_plasma_patient_absent_from_patient_sheet_is_a_clear_error(tmp_path):
    (tmp_path / "v.vcf").write_text("##fileformat=VCFv4.2\n")
    (tmp_path / "plasma.tsv").write_text("patient_id\ttimepoint\tday\tvariant_file\n"
                                         "P1\tbaseline\t0\tv.vcf\nP9\tbaseline\t0\tv.vcf\n")
    with pytest.raises(InputError) as err:
        load_plasma(tmp_path / "plasma.tsv", ["P1", "P2"], base=tmp_path)
    assert str(err.value) == (f"patient P9: file {tmp_path / 'plasma.tsv'}: line 3: column "
                              "'patient_id': plasma sheet: patient 'P9' is not in the patient "
                              "sheet")


def test_sample_without_calls_is_an_error():
    sheet, variants = three_samples()
    del variants[("P1", "C2D1")]
    with pytest.raises(InputError, match="patient P1: no variant calls were read for plasma "
                                         "sample 'C2D1'"):
        ctdna.trajectories(sheet, variants, no_tissue(), {})


def test_row_order_is_deterministic():
    sheet = plasma(("P2", "baseline", 0), ("P2", "C2D1", 28), ("P1", "baseline", -1),
                   ("P1", "C2D1", 27))
    variants = {("P2", "baseline"): calls((TP53, 0.1), (KRAS, 0.2), (PIK3CA, 0.3)),
                ("P2", "C2D1"): calls((PIK3CA, 0.1), (TP53B, 0.05)),
                ("P1", "baseline"): calls((KRAS, 0.4)), ("P1", "C2D1"): calls()}
    a = quiet(ctdna.trajectories, sheet, variants, no_tissue(), {})
    shuffled = {k: v.iloc[::-1].reset_index(drop=True) for k, v in reversed(variants.items())}
    b = quiet(ctdna.trajectories, sheet, shuffled, no_tissue(), {})
    assert a.equals(b)
    # patients in plasma-sheet order; variants in genomic order (3 < 12 < 17:7674220 < 17:7675088)
    assert list(a["patient_id"].drop_duplicates()) == ["P2", "P1"]
    assert list(a.loc[a["patient_id"] == "P2", "gene"].drop_duplicates()) == [
        "PIK3CA", "KRAS", "TP53"]
    assert list(a.loc[a["patient_id"] == "P2", "variant"].drop_duplicates())[2:] == [
        "17:7674220:C:T", "17:7675088:C:T"]


def test_min_vaf_and_unknown_vaf():
    sheet = plasma(("P1", "baseline", 0), ("P1", "C2D1", 28))
    variants = {("P1", "baseline"): calls((KRAS, 0.004), (TP53, None)),
                ("P1", "C2D1"): calls((KRAS, 0.02))}
    t = quiet(ctdna.trajectories, sheet, variants, no_tissue(),
              {"ctdna_analysis": {"min_vaf": 0.005}})
    kras = t[t["gene"] == "KRAS"]
    # reported below min_vaf: not detected, measured VAF kept; first detected at C2D1: emergent
    assert list(kras["detected"]) == [False, True] and list(kras["vaf"]) == [0.004, 0.02]
    assert kras["emergent"].iloc[0]
    tp53 = t[t["gene"] == "TP53"]
    assert tp53["detected"].iloc[0] and pd.isna(tp53["vaf"].iloc[0])
    assert list(tp53["vaf"])[1] == 0.0
    r = ctdna.molecular_response(t, {})
    assert r.loc[0, "status"] == "not_evaluable" and r.loc[0, "reason"] == (
        "a tracked variant has no VAF")


def test_in_tissue_true_false_and_unknown_when_not_profiled():
    sheet = plasma(("P1", "baseline", 0), ("P1", "C2D1", 28), ("P2", "baseline", 0))
    variants = {("P1", "baseline"): calls((KRAS, 0.2)),
                ("P1", "C2D1"): calls((KRAS, 0.2), (TP53, 0.01)),
                ("P2", "baseline"): calls((KRAS, 0.3))}
    # tissue KRAS written with chr prefix and as a MAF-style row: still matches
    tissue = pd.DataFrame([{"patient_id": "P1", "chrom": "chr12", "pos": 25245350, "ref": "C",
                            "alt": "T", "gene": "KRAS"}], columns=schema.MUTATION_COLUMNS)
    t = quiet(ctdna.trajectories, sheet, variants, tissue, {}, tissue_profiled=["P1"])
    got = t.groupby(["patient_id", "gene"])["in_tissue"].first()
    assert got[("P1", "KRAS")] is True and got[("P1", "TP53")] is False
    assert got[("P2", "KRAS")] is None


# --- emergent table ----------------------------------------------------------------------

def test_emergent_table_flags_resistance_genes_at_progression():
    sheet = plasma(("P1", "baseline", -3), ("P1", "C2D1", 28), ("P1", "C4D1", 84),
                   ("P1", "progression", 112))
    variants = {
        ("P1", "baseline"): calls((PIK3CA, 0.08)),
        ("P1", "C2D1"): calls((PIK3CA, 0.02), (KRAS, 0.01)),   # KRAS emerges, then clears
        ("P1", "C4D1"): calls((PIK3CA, 0.05), (TP53B, 0.01)),
        ("P1", "progression"): calls((PIK3CA, 0.11), (TP53, 0.04), (TP53B, 0.03)),
    }
    t = quiet(ctdna.trajectories, sheet, variants, no_tissue(), {})
    e = ctdna.emergent(t, {})
    assert list(e.columns) == schema.EMERGENT_COLUMNS
    assert list(e["gene"]) == ["KRAS", "TP53", "TP53"]
    # genomic order: TP53 p.R248Q (7674220) before p.R175H (7675088)
    assert list(e["protein_change"]) == ["p.G12D", "p.R248Q", "p.R175H"]
    assert list(e["first_timepoint"]) == ["C2D1", "C4D1", "progression"]
    assert list(e["first_day"]) == [28, 84, 112]
    assert list(e["at_progression"]) == [False, True, True]
    assert list(e["flag"]) == [False, True, True]
    assert set(e["progression_source"]) == {"label"}
    assert list(e["max_vaf"]) == [0.01, 0.03, 0.04]
    # KRAS as a resistance gene: emergent but cleared by progression -> still not flagged
    e2 = ctdna.emergent(t, {"ctdna_analysis": {"resistance_genes": ["KRAS"]}})
    assert list(e2["resistance_gene"]) == [True, False, False]
    assert not e2["flag"].any()


def test_progression_falls_back_to_last_sample():
    sheet = plasma(("P1", "baseline", 0), ("P1", "C2D1", 28), ("P1", "EOT", 90))
    variants = {("P1", "baseline"): calls(), ("P1", "C2D1"): calls((TP53, 0.02)),
                ("P1", "EOT"): calls((TP53, 0.05))}
    e = ctdna.emergent(quiet(ctdna.trajectories, sheet, variants, no_tissue(), {}), {})
    assert e.loc[0, "progression_timepoint"] == "EOT"
    assert e.loc[0, "progression_source"] == "last_sample"
    assert e.loc[0, "flag"]


# --- molecular response ------------------------------------------------------------------

def response_for(base, after, config=None):
    sheet = plasma(("P1", "baseline", 0), ("P1", "C2D1", 28))
    variants = {("P1", "baseline"): calls(*base), ("P1", "C2D1"): calls(*after)}
    t = quiet(ctdna.trajectories, sheet, variants, no_tissue(), config or {})
    return ctdna.molecular_response(t, config or {}).iloc[0]


def test_molecular_response_exact_half_drop_is_responder():
    # max 0.2 -> 0.1: -50% exactly (float 0.1/0.2 - 1 rounds; the threshold still holds)
    r = response_for([(KRAS, 0.2), (TP53, 0.05)], [(KRAS, 0.1), (TP53, 0.05)])
    assert r["status"] == "responder" and not r["cleared"]
    assert r["baseline_max_vaf"] == 0.2 and r["on_treatment_max_vaf"] == 0.1
    assert r["max_vaf_change"] == pytest.approx(-0.5)
    # mean (0.2 + 0.05) / 2 = 0.125 -> (0.1 + 0.05) / 2 = 0.075: -40%
    assert r["baseline_mean_vaf"] == pytest.approx(0.125)
    assert r["mean_vaf_change"] == pytest.approx(-0.4)
    assert r["n_tracked"] == 2
    # the same data judged on the mean: -40% < 50%: non-responder
    r = response_for([(KRAS, 0.2), (TP53, 0.05)], [(KRAS, 0.1), (TP53, 0.05)],
                     {"ctdna_analysis": {"response_metric": "mean"}})
    assert r["status"] == "non_responder" and r["reason"] == "mean VAF -40.0%"


def test_molecular_response_small_drop_rise_and_clear():
    r = response_for([(KRAS, 0.2)], [(KRAS, 0.15)])  # -25%
    assert r["status"] == "non_responder" and r["max_vaf_change"] == pytest.approx(-0.25)
    # a new variant at C2D1 is tracked: max 0.2 -> 0.3 (+50%), mean 0.2/2=0.1 -> (0.05+0.3)/2
    r = response_for([(KRAS, 0.2)], [(KRAS, 0.05), (TP53, 0.3)])
    assert r["status"] == "non_responder" and r["max_vaf_change"] == pytest.approx(0.5)
    assert r["baseline_mean_vaf"] == pytest.approx(0.1)
    assert r["on_treatment_mean_vaf"] == pytest.approx(0.175)
    r = response_for([(KRAS, 0.2), (TP53, 0.01)], [])
    assert r["status"] == "responder" and r["cleared"] and r["reason"] == "cleared"
    assert r["max_vaf_change"] == pytest.approx(-1.0)
    # a stricter threshold: -75% is not enough for 0.8
    r = response_for([(KRAS, 0.2)], [(KRAS, 0.05)], {"ctdna_analysis": {"response_drop": 0.8}})
    assert r["status"] == "non_responder"


def test_molecular_response_not_evaluable_reasons():
    r = response_for([], [(KRAS, 0.1)])
    assert (r["status"], r["reason"]) == ("not_evaluable", "no variant detected at baseline")
    sheet = plasma(("P1", "baseline", 0), ("P2", "baseline", 0), ("P2", "C2D1", 28))
    variants = {("P1", "baseline"): calls((KRAS, 0.1)), ("P2", "baseline"): calls(),
                ("P2", "C2D1"): calls()}
    t = quiet(ctdna.trajectories, sheet, variants, no_tissue(), {})
    r = ctdna.molecular_response(t, {}, patients=sheet["patient_id"])
    assert list(r["patient_id"]) == ["P1", "P2"]
    assert list(r["status"]) == ["not_evaluable"] * 2
    assert list(r["reason"]) == ["no on-treatment sample after baseline",
                                 "no variant reported in any plasma sample"]
    assert list(r.columns) == schema.MOLECULAR_RESPONSE_COLUMNS


# --- clinical link and config ------------------------------------------------------------

def test_clinical_link_and_concordance():
    response = pd.DataFrame({"patient_id": ["P1", "P2", "P3"],
                             "status": ["responder", "non_responder", "not_evaluable"],
                             "max_vaf_change": [-0.8, 0.1, None], "mean_vaf_change": [-0.7, 0, None]})
    samples = pd.DataFrame({"patient_id": ["P3", "P2", "P1"], "best_response": ["NE", "PD", "PR"],
                            "best_pct_change": [None, 30.0, -45.0], "pfs_months": [1.0, 2.0, 9.5],
                            "pfs_event": [1.0, 1.0, 0.0], "evaluable": [False, True, True]})
    link = ctdna.clinical_link(response, samples, {})
    assert list(link.columns) == schema.CLINICAL_LINK_COLUMNS
    assert list(link["clinical_response"]) == ["responder", "non_responder", "not_evaluable"]
    assert link["progression_day"].iloc[1] == pytest.approx(2.0 * 30.44)
    assert pd.isna(link["progression_day"].iloc[0])  # censored: no progression day
    tab = ctdna.concordance(link).set_index("molecular_status")
    assert tab.loc["responder", "responder"] == 1 and tab.loc["non_responder",
                                                                "non_responder"] == 1
    assert int(tab.to_numpy().sum()) == 3
    with pytest.raises(InputError, match="patient P1: patient with plasma samples is not in"):
        ctdna.clinical_link(response, samples[samples["patient_id"] != "P1"], {})


# --- real data: maftools APL primary (D) and relapse (R) calls of two patients ------------

def read_maf(path):
    maf = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    return {barcode: pd.DataFrame({
        "chrom": g["Chromosome"], "pos": g["Start_Position"].astype(int),
        "ref": g["Reference_Allele"], "alt": g["Tumor_Seq_Allele2"], "gene": g["Hugo_Symbol"],
        "protein_change": g["amino_acid_change"], "vaf": None}).reindex(
            columns=schema.VARIANT_COLUMNS) for barcode, g in maf.groupby("Tumor_Sample_Barcode")}


def test_real_primary_relapse_pairs_match_independent_set_arithmetic():
    primary = read_maf(DATA / "APL_primary_DS2_DS3.maf")
    relapse = read_maf(DATA / "APL_relapse_DS2_DS3.maf")
    sheet = plasma(("DS2", "diagnosis", 0), ("DS2", "relapse", 300), ("DS3", "diagnosis", 0),
                   ("DS3", "relapse", 250))
    # write DS3's relapse KTI12 deletion VCF-style (anchor base + alleles; the anchor is
    # arbitrary here, as matching only needs it on both alleles): it must still match
    r3 = relapse["DS3R"].copy()
    kti = r3["gene"] == "KTI12"
    assert (r3.loc[kti, ["pos", "ref", "alt"]].values.tolist() == [[52499038, "CA", "-"]])
    r3.loc[kti, ["pos", "ref", "alt"]] = [52499037, "GCA", "G"]
    variants = {("DS2", "diagnosis"): primary["DS2D"], ("DS2", "relapse"): relapse["DS2R"],
                ("DS3", "diagnosis"): primary["DS3D"], ("DS3", "relapse"): r3}
    cfg = {"ctdna_analysis": {"baseline_label": "diagnosis", "progression_label": "relapse"}}
    t = quiet(ctdna.trajectories, sheet, variants, no_tissue(), cfg)
    e = ctdna.emergent(t, cfg)
    for pid in ("DS2", "DS3"):
        d, r = primary[pid + "D"], relapse[pid + "R"]
        kd = set(zip(d["chrom"], d["pos"], d["ref"], d["alt"]))
        kr = set(zip(r["chrom"], r["pos"], r["ref"], r["alt"]))
        rows = t[t["patient_id"] == pid]
        assert rows["variant"].nunique() == len(kd | kr)
        assert len(rows) == 2 * len(kd | kr)
        relapse_only = {g for g, *k in zip(r["gene"], r["chrom"], r["pos"], r["ref"], r["alt"])
                        if tuple(k) not in kd}
        assert set(e.loc[e["patient_id"] == pid, "gene"]) == relapse_only
        cleared = {g for g, *k in zip(d["gene"], d["chrom"], d["pos"], d["ref"], d["alt"])
                   if tuple(k) not in kr}
        last = rows[rows["timepoint"] == "relapse"]
        assert set(last.loc[~last["detected"].astype(bool), "gene"]) == cleared
    # by hand from the files: DS2 gains CDH20, CHAC1, MYO18B and the SIX3 insertion, loses the
    # WT1 splice variant; DS3 gains MLPH and SLC6A20 and keeps KTI12 (written two ways)
    assert sorted(e.loc[e["patient_id"] == "DS2", "gene"]) == ["CDH20", "CHAC1", "MYO18B", "SIX3"]
    assert sorted(e.loc[e["patient_id"] == "DS3", "gene"]) == ["MLPH", "SLC6A20"]
    kti12 = t[(t["patient_id"] == "DS3") & (t["gene"] == "KTI12")]
    assert list(kti12["detected"]) == [True, True] and list(kti12["variant"]) == [
        "1:52499038:CA:-"] * 2
    six3 = t[(t["gene"] == "SIX3")]
    assert list(six3["variant"]) == ["2:45169729:-:CAGAC"] * 2  # MAF insertion after 45169728
    # VAFs unknown in these MAFs: detected, but molecular response not evaluable
    r = ctdna.molecular_response(t, cfg)
    assert set(r["status"]) == {"not_evaluable"}


# --- I/O: plasma variant loading (with a stand-in reader), the step, figures -----------------

@pytest.fixture
def fake_variants(monkeypatch):
    """cohortmark.variants.read_variants replaced by a reader of our MAF subsets that counts
    its calls (so the tests see which samples came from the cache)."""
    seen = []

    def read_variants(path, sample=None, *, panel=None, build="GRCh38", config=None,
                      patient=None):
        seen.append((str(path), sample))
        tables = read_maf(path)
        if sample not in tables:
            raise InputError(f"sample {sample!r} is not in the MAF", patient=patient,
                             path=str(path))
        return tables[sample]

    def read_variant_file(path, sample=None, *, panel=None, build="GRCh38", config=None,
                          patient=None, tissue=True):
        from cohortmark.variants import VariantFile

        return VariantFile(read_variants(path, sample, panel=panel, build=build, config=config,
                                         patient=patient).reindex(columns=schema.VARIANT_COLUMNS)
                           .fillna({"origin": ""}), set(panel["gene"]), "maf")

    monkeypatch.setattr("cohortmark.variants.read_variants", read_variants)
    monkeypatch.setattr("cohortmark.variants.read_variant_file", read_variant_file)
    return seen


def write_cohort(tmp_path):
    for name in ("APL_primary_DS2_DS3.maf", "APL_relapse_DS2_DS3.maf"):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    (tmp_path / "samples.tsv").write_text(
        "patient_id\tvariant_file\tbest_response\tpfs_months\tpfs_event\n"
        "DS2\t\tPR\t9.9\t1\nDS3\t\tSD\t8.2\t1\nDS4\t\tPD\t1\t1\n")
    (tmp_path / "plasma.tsv").write_text(
        "patient_id\ttimepoint\tday\tvariant_file\ttumor_sample\n"
        f"DS2\tbaseline\t0\t{tmp_path}/APL_primary_DS2_DS3.maf\tDS2D\n"
        f"DS2\tprogression\t300\t{tmp_path}/APL_relapse_DS2_DS3.maf\tDS2R\n"
        f"DS3\tprogression\t250\t{tmp_path}/APL_relapse_DS2_DS3.maf\tDS3R\n"
        f"DS3\tbaseline\t0\t{tmp_path}/APL_primary_DS2_DS3.maf\tDS3D\n")
    (tmp_path / "mutations.tsv").write_text(
        "\t".join(schema.MUTATION_COLUMNS) + "\n"
        "DS3\tchr13\t28592641\tT\tA\tFLT3" + "\t" * 7 + "\n")


def test_load_plasma_variants_caches_and_reports_every_bad_sample(tmp_path, fake_variants):
    write_cohort(tmp_path)
    sheet = load_samples(tmp_path / "samples.tsv", check_files=False)
    pl = load_plasma(tmp_path / "plasma.tsv", sheet["patient_id"])
    panel = pd.DataFrame({"gene": ["WT1"], "chrom": ["11"], "start": [0], "end": [1]})
    got = ctdna.load_plasma_variants(pl, panel, {}, "GRCh37", tmp_path / "cache")
    assert sorted(got) == sorted(zip(pl["patient_id"], pl["timepoint"]))
    assert len(fake_variants) == 4
    again = ctdna.load_plasma_variants(pl, panel, {}, "GRCh37", tmp_path / "cache")
    assert len(fake_variants) == 4  # all four from the cache
    assert all(again[k].reset_index(drop=True).equals(got[k].reset_index(drop=True)) for k in got)
    pl.loc[[0, 2], "tumor_sample"] = ["nope", "nada"]
    with pytest.raises(InputError) as err:
        ctdna.load_plasma_variants(pl, panel, {}, "GRCh37")
    lines = str(err.value).splitlines()
    assert len(lines) == 2 and "sample 'nope' is not in the MAF" in lines[0]
    assert lines[1].startswith("patient DS3: file ")
    # each names the plasma-sheet line and timepoint
    assert "plasma sample 'baseline' (plasma sheet, line 2)" in lines[0]
    assert "plasma sample 'progression' (plasma sheet, line 4)" in lines[1]
    # collected instead of raised: the other samples are still read
    failures = []
    got = ctdna.load_plasma_variants(pl, panel, {}, "GRCh37", failures=failures,
                                     sheet_path="plasma.tsv")
    assert sorted(got) == [("DS2", "progression"), ("DS3", "baseline")]
    assert [(f["patient_id"], f["timepoint"], f["line"]) for f in failures] == \
        [("DS2", "baseline", 2), ("DS3", "progression", 4)]
    assert "(plasma sheet plasma.tsv, line 2)" in failures[0]["message"]


def test_step_writes_the_three_tables(tmp_path, fake_variants):
    from cohortmark import steps

    write_cohort(tmp_path)
    out = tmp_path / "results" / "ctdna"
    smk = SimpleNamespace(
        input=SimpleNamespace(samples=str(tmp_path / "samples.tsv"),
                              plasma=str(tmp_path / "plasma.tsv"),
                              mutations=str(tmp_path / "mutations.tsv"),
                              panel=str(ROOT_PANEL)),
        output=SimpleNamespace(trajectories=str(out / "trajectories.tsv"),
                               response=str(out / "molecular_response.tsv"),
                               emergent=str(out / "emergent.tsv"),
                               clinical_link=str(out / "clinical_link.tsv"),
                               pfs_by_response=str(out / "pfs_by_response.tsv"),
                               failures=str(out / "unreadable_samples.tsv")),
        params=SimpleNamespace(build="GRCh37", cache=str(tmp_path / "cache"),
                               settings={"ctdna_analysis": {}}),
        log=[])
    messages = []
    steps.ctdna(smk, messages.append)
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    steps.ctdna(smk, messages.append)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first  # byte-identical rerun
    assert any("not in day order" in m for m in messages)
    t = ctdna.read_table(out / "trajectories.tsv")
    assert list(t.columns) == schema.TRAJECTORY_COLUMNS
    assert list(t["timepoint"].drop_duplicates()) == ["baseline", "progression"]
    # no tissue variant file in the sheet: tissue not profiled, in_tissue unknown
    assert t["in_tissue"].isna().all()
    e = ctdna.read_table(out / "emergent.tsv")
    assert sorted(e["gene"]) == ["CDH20", "CHAC1", "MLPH", "MYO18B", "SIX3", "SLC6A20"]
    r = ctdna.read_table(out / "molecular_response.tsv")
    assert list(r["patient_id"]) == ["DS2", "DS3"]
    link = pd.read_csv(out / "clinical_link.tsv", sep="\t")
    assert list(link["patient_id"]) == ["DS2", "DS3"]
    assert list(link["best_response"]) == ["PR", "SD"]
    assert link["progression_day"].tolist() == pytest.approx([9.9 * 30.44, 8.2 * 30.44])
    pfs = pd.read_csv(out / "pfs_by_response.tsv", sep="\t")
    assert list(pfs["molecular_status"]) == ["responder", "non_responder", "not_evaluable"]
    text = (out / "trajectories.tsv").read_text()
    assert "\tTrue\t" in text and "\tnan" not in text


def test_figures_render_and_are_deterministic(tmp_path):
    from cohortmark.figures.ctdna import ctdna_figures, plot_ctdna_vaf

    sheet = plasma(("P1", "baseline", -2), ("P1", "C2D1", 28), ("P1", "progression", 112),
                   ("P2", "baseline", 0), ("P2", "C2D1", 29))
    variants = {("P1", "baseline"): calls((PIK3CA, 0.08)), ("P1", "C2D1"): calls((PIK3CA, 0.02)),
                ("P1", "progression"): calls((PIK3CA, 0.11), (TP53, 0.04)),
                ("P2", "baseline"): calls(), ("P2", "C2D1"): calls()}
    t = quiet(ctdna.trajectories, sheet, variants, no_tissue(), {})
    r = ctdna.molecular_response(t, {}, patients=sheet["patient_id"])
    samples = pd.DataFrame({"patient_id": ["P1", "P2"], "best_response": ["SD", "PD"],
                            "pfs_months": [3.7, 1.0], "pfs_event": [1.0, 1.0]})
    paths = ctdna_figures(t, tmp_path / "a", samples, r, sheet, {})
    assert set(paths) == {"ctdna_vaf", "ctdna_P1"}
    for svg, png in paths.values():
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
        assert svg.read_text().lstrip().startswith("<?xml")
    again = ctdna_figures(t, tmp_path / "b", samples, r, sheet, {})
    for name in paths:
        assert paths[name][0].read_bytes() == again[name][0].read_bytes()
        assert paths[name][1].read_bytes() == again[name][1].read_bytes()
    # an empty cohort still draws (one 'no plasma samples' panel)
    svg, png = plot_ctdna_vaf(t.iloc[0:0], tmp_path / "empty")
    assert png.exists()


# --- PFS by molecular response, against R's survival package -------------------------------

@pytest.mark.parametrize("times, events, expected", [
    ([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 1, 0, 1, 1, 1], 5.0),  # S = 0.5 on [4, 6): midpoint
    ([1, 2, 3, 4], [1, 1, 0, 0], 3.0),                          # S = 0.5 from 2 to the end (4)
    ([1, 2, 3, 4], [1, 1, 1, 1], 2.5),
    ([1, 2, 3], [1, 0, 0], float("nan")),                        # not reached
])
def test_pfs_median_matches_r_by_hand(times, events, expected):
    # values printed by R 4.x survival 3.5 survfit(Surv(t, e) ~ 1) for the same data; the
    # table's median comes from cohortmark.stats.survival like every other KM median
    link = pd.DataFrame({"patient_id": [f"P{i}" for i in range(len(times))],
                         "molecular_status": "responder", "pfs_months": times,
                         "pfs_event": events})
    got = ctdna.pfs_by_molecular_response(link).set_index("molecular_status")
    got = got.loc["responder", "median_pfs_months"]
    assert (pd.isna(got) and pd.isna(expected)) or got == expected


def _r_available():
    import shutil
    import subprocess

    if not shutil.which("Rscript"):
        return False
    return subprocess.run(["Rscript", "-e", "library(survival)"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _r_available(), reason="R with the survival package is not installed")
def test_pfs_by_molecular_response_matches_r():
    import subprocess

    link = pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(12)],
        "molecular_status": ["responder"] * 5 + ["non_responder"] * 5 + ["not_evaluable"] * 2,
        "pfs_months": [9.5, 12.1, 4.0, 15.2, 7.7, 1.8, 2.3, 3.9, 2.3, 6.0, 1.0, None],
        "pfs_event": [1, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, None],
    })
    got = ctdna.pfs_by_molecular_response(link).set_index("molecular_status")
    data = link.iloc[:10]
    script = (
        "library(survival);"
        f"t <- c({','.join(map(str, data['pfs_months']))});"
        f"e <- c({','.join(str(int(x)) for x in data['pfs_event'])});"
        "g <- factor(c(rep('responder', 5), rep('non_responder', 5)));"
        "f <- survfit(Surv(t, e) ~ g); m <- summary(f)$table[, 'median'];"
        "d <- survdiff(Surv(t, e) ~ g);"
        "p <- pchisq(d$chisq, df = 1, lower.tail = FALSE);"
        "cat(m[['g=responder']], m[['g=non_responder']], sprintf('%.15g', p))"
    )
    out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True)
    r_resp, r_non, r_p = (float(x) for x in out.stdout.split())
    assert got.loc["responder", "median_pfs_months"] == pytest.approx(r_resp)
    assert got.loc["non_responder", "median_pfs_months"] == pytest.approx(r_non)
    assert got.loc["responder", "logrank_p"] == pytest.approx(r_p, rel=1e-9)
    assert got.loc["non_responder", "logrank_p"] == pytest.approx(r_p, rel=1e-9)
    assert got.loc["responder", "events"] == 3 and got.loc["non_responder", "events"] == 4
    assert got.loc["not_evaluable", "n"] == 1 and got.loc["not_evaluable", "n_missing_pfs"] == 1
    assert pd.isna(got.loc["not_evaluable", "logrank_p"])


def test_cohort_panel_is_capped_with_emergent_patients_first(tmp_path):
    from cohortmark.figures.ctdna import plot_ctdna_vaf

    rows = []
    for k, pid in enumerate(["A1", "A2", "A3", "A4", "A5"]):
        for tp, day, vaf in (("baseline", 0, 0.0 if pid == "A4" else 0.05), ("C2D1", 28, 0.04)):
            rows.append({"patient_id": pid, "gene": "TP53", "variant": f"17:{7670000 + k}:C:T",
                         "protein_change": "p.R248Q", "timepoint": tp, "day": day, "vaf": vaf,
                         "detected": vaf > 0, "emergent": pid == "A4", "in_tissue": None,
                         "baseline": "baseline"})
    traj = pd.DataFrame(rows)
    svg, _ = plot_ctdna_vaf(traj, tmp_path / "panel",
                            config={"ctdna_analysis": {"max_panel_patients": 2}})
    text = Path(svg).read_text()
    assert "2 of 5 patients shown" in text
    assert "A4" in text and "A1" in text and "A2" not in text and "A5" not in text


def test_one_unreadable_plasma_sample_leaves_the_others_and_fails_the_check(tmp_path,
                                                                             fake_variants):
    """One bad plasma file: the other patients' ctDNA tables are written, its patient is
    not evaluable with the reason, and rule ctdna_check fails naming line and timepoint."""
    from cohortmark import steps

    write_cohort(tmp_path)
    text = (tmp_path / "plasma.tsv").read_text().replace("\tDS3R\n", "\tDS3X\n")
    (tmp_path / "plasma.tsv").write_text(text)  # line 4: DS3 progression, a sample not there
    out = tmp_path / "results" / "ctdna"
    smk = SimpleNamespace(
        input=SimpleNamespace(samples=str(tmp_path / "samples.tsv"),
                              plasma=str(tmp_path / "plasma.tsv"),
                              mutations=str(tmp_path / "mutations.tsv"),
                              panel=str(ROOT_PANEL)),
        output=SimpleNamespace(**{k: str(out / f"{k}.tsv") for k in (
            "trajectories", "response", "emergent", "clinical_link", "pfs_by_response",
            "failures")}),
        params=SimpleNamespace(build="GRCh37", cache=str(tmp_path / "cache"),
                               settings={"ctdna_analysis": {}}),
        log=[])
    messages = []
    steps.ctdna(smk, messages.append)
    traj = ctdna.read_table(out / "trajectories.tsv")
    assert set(traj["patient_id"]) == {"DS2"}  # DS3 left out, DS2 computed
    resp = ctdna.read_table(out / "response.tsv").set_index("patient_id")
    assert resp.loc["DS3", "status"] == "not_evaluable"
    assert resp.loc["DS3", "reason"] == ("plasma sample 'progression' could not be read (see "
                                         "unreadable_samples.tsv)")
    assert resp.loc["DS2", "status"] != "not_evaluable" or "DS2" in set(traj["patient_id"])
    failures = ctdna.read_table(out / "failures.tsv")
    assert list(failures["timepoint"]) == ["progression"] and list(failures["line"]) == [4]
    assert any("plasma sample 'progression'" in m and "line 4" in m for m in messages)
    check = SimpleNamespace(input=SimpleNamespace(failures=str(out / "failures.tsv")),
                            output=[str(out / "checked.txt")], log=[str(tmp_path / "c.log")])
    with pytest.raises(SystemExit) as code:
        steps.run(steps.ctdna_check, check)
    assert code.value.code == 1 and not (out / "checked.txt").exists()
    logged = (tmp_path / "c.log").read_text()
    assert "patient DS3" in logged and "plasma sample 'progression'" in logged
    assert f"plasma sheet {tmp_path / 'plasma.tsv'}, line 4" in logged
