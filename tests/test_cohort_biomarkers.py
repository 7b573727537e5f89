"""Registry biomarkers in rules: named variants (protein change, codon, consequence type, exon
classes), fusions (any, and OQL partner forms), TMB and MSI. Every predicate is tested true,
false and unknown, on a cohort whose every row is written out below."""

import numpy as np
import pandas as pd
import pytest
from cohortmark import protein, schema
from cohortmark.cohorts import RuleError, check_config, evaluate, parse_rule, population
from cohortmark.errors import InputError

GENES = ["BRAF", "KRAS", "EGFR", "MET", "ALK", "TP53"]
PATIENTS = ["R1", "R2", "R3", "R4", "R5"]

# (patient, gene, protein_change, consequence, mutation_class, exon, intron)
VARIANTS = [
    ("R1", "BRAF", "p.V600E", "missense_variant", "missense", "15/18", ""),
    ("R1", "EGFR", "p.E746_A750del", "inframe_deletion", "inframe", "19/28", ""),
    ("R1", "TP53", "p.R213*", "stop_gained", "truncating", "6/11", ""),
    ("R1", "TP53", "p.R248Q", "missense_variant", "missense", "7/11", ""),
    ("R2", "BRAF", "p.V600K", "missense_variant", "missense", "15/18", ""),
    ("R2", "KRAS", "p.G12D", "missense_variant", "missense", "2/6", ""),
    ("R2", "EGFR", "p.D770_N771insSVD", "inframe_insertion", "inframe", "20/28", ""),
    ("R2", "MET", "", "splice_donor_variant", "splice", "", "14/20"),
    ("R3", "BRAF", "", "", "missense", "", ""),  # no annotation: change and exon unknown
    ("R3", "KRAS", "p.G13D", "missense_variant", "missense", "2/6", ""),
    ("R3", "EGFR", "p.L858R", "missense_variant", "missense", "21/28", ""),
    ("R3", "MET", "", "Splice_Site", "splice", "", "13/20"),  # a MAF row: side not known
    ("R5", "KRAS", "p.G12=", "synonymous_variant", "", "2/6", ""),  # not an alteration
    ("R5", "EGFR", "p.E746K", "missense_variant", "missense", "19/28", ""),
    ("R5", "MET", "", "splice_acceptor_variant", "splice", "", "14/20"),  # exon 15's acceptor
]
# (patient, gene_a, gene_b, gene_order)
CALLS = [
    ("R1", "EML4", "ALK", "5'-3'"),
    ("R2", "ALK", "EML4", "unknown"),  # an SV VCF: direction not known
    ("R5", "NPM1", "ALK", "5'-3'"),
    ("R5", "ALK", "", "5'-3'"),  # ALK (5') joined to an intergenic region
]
BIOMARKERS = {  # tmb, msi_status, msi_score
    "R1": (12.5, "MSI-H", 23.0), "R2": (3.0, "MSS", 1.0), "R3": (np.nan, "indeterminate", 5.0),
    "R4": (np.nan, None, np.nan), "R5": (0.5, "MSS", 0.0),
}


def cohort():
    mutations = pd.DataFrame(
        [{"patient_id": p, "gene": g, "protein_change": pc, "consequence": cons,
          "mutation_class": cls, "exon": ex, "intron": intr, "chrom": "1", "pos": i + 1,
          "ref": "A", "alt": "T"}
         for i, (p, g, pc, cons, cls, ex, intr) in enumerate(VARIANTS)],
    ).reindex(columns=schema.MUTATION_COLUMNS)
    calls = pd.DataFrame([{"patient_id": p, "gene_a": a, "gene_b": b, "gene_order": o}
                          for p, a, b, o in CALLS]).reindex(
        columns=schema.STRUCTURAL_VARIANT_COLUMNS)
    rows = []
    for pid in PATIENTS:
        for gene in GENES:
            mine = mutations[(mutations["patient_id"] == pid) & (mutations["gene"] == gene)
                             & (mutations["mutation_class"] != "")]
            profiled = pid != "R4"
            mut = "not_profiled" if not profiled else "altered" if len(mine) else "wildtype"
            partners = [(b if a == gene else a) or "intergenic" for p, a, b, _ in CALLS
                        if p == pid and gene in (a, b)]
            sv = ("not_profiled" if pid == "R4" else "altered" if partners else "wildtype")
            rows.append({"patient_id": pid, "gene": gene, "cn_status": "wildtype",
                         "cn_call": "NEUTRAL", "cn_value": 2.0, "mut_status": mut,
                         "mutation_class": mine["mutation_class"].iloc[0] if len(mine) else "",
                         "protein_change": ";".join(mine["protein_change"]),
                         "sv_status": sv, "sv_partners": ";".join(partners)})
    alterations = pd.DataFrame(rows).reindex(
        columns=schema.ALTERATION_COLUMNS + schema.ALTERATION_SV_COLUMNS)
    patients = pd.DataFrame([{"patient_id": p, "tmb": t, "msi_status": m, "msi_score": s}
                             for p, (t, m, s) in BIOMARKERS.items()]).reindex(
        columns=["patient_id"] + schema.BIOMARKER_COLUMNS)
    sheet = pd.DataFrame({"patient_id": PATIENTS, "evaluable": [True] * 5})
    return alterations, sheet, mutations, calls, patients


def run(rules):
    alterations, sheet, mutations, calls, patients = cohort()
    if isinstance(rules, str):
        rules = {"r": rules}
    return evaluate(rules, alterations, sheet, mutations=mutations, structural_variants=calls,
                    patients=patients)


def statuses(rule):
    table = run(rule)
    short = {"eligible": "T", "ineligible": "F", "unknown": "U"}
    return "".join(short[s] for s in table["status"])


@pytest.mark.parametrize("rule, expected", [
    # protein changes: R3's BRAF variant has no protein change (unknown), R4 not profiled
    ("BRAF: V600E", "TFUUF"),
    ("BRAF: MUT = V600E", "TFUUF"),
    ("BRAF: p.Val600Glu", "TFUUF"),
    ('BRAF: "p.(Val600Glu)"', "TFUUF"),
    ("BRAF: V600", "TTUUF"),                     # any change at the codon (OQL MUT = V600)
    ("BRAF: V600E V600K", "TTUUF"),              # several tests: any of them
    ("KRAS: G12", "FTFUF"),                      # R3 G13D; R5's G12= is not an alteration
    ("KRAS: G12D", "FTFUF"),
    ("TP53: R213*", "TFFUF"),
    ("TP53: MUT = p.Arg213Ter", "TFFUF"),
    ("TP53: MUT != R213*", "TFFUF"),             # R1 also carries R248Q
    ("BRAF: MUT != V600E", "FTUUF"),
    # consequence types and classes, looked up on every variant
    ("TP53: NONSENSE", "TFFUF"),
    ("TP53: FRAMESHIFT", "FFFUF"),
    ("TP53: missense", "TFFUF"),                 # R1's gene row says truncating (most severe)
    ("TP53: MISSENSE", "TFFUF"),
    ("BRAF: NONSENSE", "FFUUF"),                 # R3's BRAF consequence is not annotated
    ("TP53: MUT != TRUNC", "TFFUF"),
    # exon classes (VEP EXON / INTRON)
    ("EGFR: EXON19_DEL", "TFFUF"),               # R5: a missense in exon 19 is no deletion
    ("EGFR: EXON20_INS", "FTFUF"),
    ("EGFR: EXON19", "TFFUT"),
    ("EGFR: EXON21", "FFTUF"),
    ("MET: EXON14_SKIPPING", "FTTUF"),           # R2 donor in intron 14; R3 MAF splice site
    ("MET: EXON15_SKIPPING", "FFFUT"),           # R5: acceptor in intron 14 = exon 15's
    ("BRAF: EXON15", "TTUUF"),                   # R3: exon not annotated
])
def test_variant_predicates(rule, expected):
    assert statuses(rule) == expected


@pytest.mark.parametrize("rule, expected", [
    ("ALK: FUSION", "TTFUT"),
    ("ALK: FUSION | ALK: AMP", "TTFUT"),
    ("EML4::ALK", "TTFUF"),                      # R2 unordered DNA call counts either way
    ("ALK: EML4::FUSION", "TTFUF"),              # OQL form inside a gene
    ("NPM1::ALK", "FFFUT"),
    ("ALK::EML4", "FTFUF"),                      # R1's EML4 is 5': no; R2 direction unknown
    ("ALK: FUSION::EML4", "FTFUF"),
    ("::ALK", "TTFUT"),                          # ALK as the 3' partner of any gene
    ("ALK: ::FUSION", "TTFUT"),
    ("ALK::", "FTFUT"),                          # ALK as the 5' partner (R5: to intergenic)
    ("ALK: FUSION::", "FTFUT"),
    ("ALK::-", "FFFUT"),                         # joined to no gene
    ("ALK: FUSION::-", "FFFUT"),
    ("-::ALK", "FFFUF"),
    ("ALK: -::FUSION", "FFFUF"),
    ("ALK: FUSION & !EML4::ALK", "FFFUT"),
    ("ALK: ALT", "TTFUT"),                       # ALT includes fusions when they were read
])
def test_fusion_predicates(rule, expected):
    assert statuses(rule) == expected


@pytest.mark.parametrize("rule, expected", [
    ("TMB >= 10", "TFUUF"),
    ("tmb < 10", "FTUUT"),
    ("TMB > 12.5", "FFUUF"),
    ("MSI: HIGH", "TFUUF"),                      # R3 indeterminate: unknown
    ("MSI: MSI-H", "TFUUF"),
    ("MSI = MSI-H", "TFUUF"),
    ("MSI: STABLE", "FTUUT"),
    ("MSI != MSI-H", "FTUUT"),
    ("MSI: HIGH INDETERMINATE", "TFTUF"),        # naming indeterminate decides it
    ("MSI_SCORE >= 20", "TFFUF"),
    ("TMB >= 10 | MSI: HIGH", "TFUUF"),
    ("(BRAF: V600E | TMB >= 10) & !MSI: HIGH", "FFUUF"),
])
def test_patient_level_predicates(rule, expected):
    assert statuses(rule) == expected


def test_reasons_name_what_decided_and_what_is_missing():
    table = run({"braf": "BRAF: V600E", "alk": "EML4::ALK", "tmb": "TMB >= 10",
                 "msi": "MSI: HIGH", "met": "MET: EXON14_SKIPPING", "egfr": "EGFR: EXON19_DEL"})
    t = table.set_index(["patient_id", "rule"])
    assert t.loc[("R1", "braf"), "reason"] == "BRAF: MUT p.V600E (missense)"
    assert t.loc[("R3", "braf"), "undecided"] == "BRAF protein change not annotated"
    assert t.loc[("R4", "braf"), "undecided"] == "BRAF not profiled for mutations"
    assert t.loc[("R1", "alk"), "reason"] == "ALK: FUSION (EML4)"
    assert t.loc[("R3", "alk"), "reason"] == "ALK: no fusion"
    assert t.loc[("R4", "alk"), "undecided"] == "ALK not profiled for fusions"
    assert t.loc[("R1", "tmb"), "reason"] == "TMB 12.5/Mb"
    assert t.loc[("R3", "tmb"), "undecided"] == "TMB not measured"
    assert t.loc[("R1", "msi"), "reason"] == "MSI-H (score 23)"
    assert t.loc[("R3", "msi"), "undecided"] == "MSI indeterminate"
    assert t.loc[("R3", "msi"), "reason"] == "MSI indeterminate (score 5)"
    assert t.loc[("R4", "msi"), "undecided"] == "MSI not measured"
    assert pd.isna(t.loc[("R2", "met"), "undecided"])
    assert t.loc[("R1", "egfr"), "reason"] == "EGFR: MUT p.E746_A750del (inframe)"


def test_class_tests_fall_back_to_the_gene_row_without_variant_table():
    alterations, sheet, *_ = cohort()
    table = evaluate({"r": "TP53: missense"}, alterations, sheet)
    # without mutations.tsv only the gene row's most severe class is known (R1: truncating)
    assert list(table["status"]) == ["ineligible", "ineligible", "ineligible", "unknown",
                                     "ineligible"]


@pytest.mark.parametrize("rule, needs", [
    ("BRAF: V600E", "no variant table"),
    ("EML4::ALK", "no structural-variant table"),
    ("TMB >= 10", "no patient-level table"),
])
def test_missing_table_is_named(rule, needs):
    alterations, sheet, *_ = cohort()
    with pytest.raises(InputError, match=needs):
        evaluate({"r": rule}, alterations, sheet)


def test_population_uses_the_tables():
    alterations, sheet, mutations, calls, patients = cohort()
    keep, desc = population({"cohorts": {"braf": "BRAF: V600E"}, "analysis_population": "braf"},
                            alterations, sheet, mutations=mutations, structural_variants=calls,
                            patients=patients)
    assert keep == ["R1"]
    assert "1 of 5 patients" in desc and "2 unknown" in desc


@pytest.mark.parametrize("config, message", [
    ({"cohorts": {"x": "EML4-ALK: FUSION"}},
     "gene 'EML4-ALK' is not in the panel; for a fusion write 'EML4::ALK'"),
    ({"cohorts": {"x": "EML4--ALK"}}, "for a fusion write 'EML4::ALK'"),
    ({"cohorts": {"x": "FOO::BAR"}}, "neither 'FOO' nor 'BAR' is in the panel"),
    ({"cohorts": {"x": "FOO::"}}, "gene 'FOO' is not in the panel"),
    ({"cohorts": {"x": "BRAF: V600EE"}}, "'V600EE' is not a readable protein change"),
    ({"cohorts": {"x": "BRAF: MUT = XYZ"}}, "'XYZ' is not a protein change"),
    ({"cohorts": {"x": "BRAF: VEE"}}, "'VEE' is not a gene test"),
    ({"cohorts": {"x": "TMB"}}, "TMB is a patient-level biomarker: compare it"),
    ({"cohorts": {"x": "TMB >= high"}}, "'>=' needs a number"),
    ({"cohorts": {"x": "MSI: VERY"}}, "'VERY' is not an MSI status"),
    ({"cohorts": {"x": "MSI > 3"}}, "MSI is a status"),
    ({"cohorts": {"x": "EML4::FUSION"}}, "'FUSION' is a test"),
    ({"cohorts": {"x": "ALK: EML4::AMP"}}, "expected FUSION, found 'AMP'"),
])
def test_rule_errors(config, message):
    alterations, sheet, *_ = cohort()
    with pytest.raises(RuleError) as err:
        check_config(config, GENES, sheet.columns)
    assert message in str(err.value)


def test_fusion_rule_with_one_partner_outside_the_panel_is_accepted():
    _, sheet, *_ = cohort()
    rules = check_config({"cohorts": {"x": "KIF5B::ALK | EML4::ALK"}}, GENES, sheet.columns)
    assert rules["x"].fusion_genes() == ["ALK", "EML4", "KIF5B"]
    with pytest.raises(RuleError, match="neither 'KIF5B' nor 'RET'"):
        check_config({"cohorts": {"x": "KIF5B::RET"}}, GENES, sheet.columns)


@pytest.mark.parametrize("text", [
    "BRAF: V600E", "BRAF: MUT = V600E", "BRAF: MUT != V600", "KRAS: G12 G13",
    "EGFR: EXON19_DEL | EGFR: EXON20_INS", "MET: EXON14_SKIPPING", "ALK: FUSION",
    "EML4::ALK", "ALK::", "::ALK", "ALK::-", "-::ALK", "ALK: EML4::FUSION", "EML4: FUSION::ALK",
    "ALK: FUSION::", "ALK: ::FUSION", "ALK: FUSION::-", "ALK: -::FUSION", "TMB >= 10",
    "MSI: HIGH", "MSI_SCORE > 20", 'TP53: "p.(Arg213Ter)"', "TP53: R213*",
])
def test_rule_text_round_trips(text):
    rule = parse_rule(text)
    assert str(parse_rule(str(rule))) == str(rule)


@pytest.mark.parametrize("a, b", [
    ("p.Val600Glu", "V600E"), ("p.(V600E)", "V600E"), ("ENSP00000288602.6:p.Val600Glu", "V600E"),
    ("p.Arg213Ter", "R213*"), ("R213X", "R213*"), ("p.Arg213LeufsTer5", "R213Lfs*5"),
    ("p.R213Lfs*5", "R213Lfs*5"), ("p.Glu746_Ala750del", "E746_A750del"),
    ("p.Gly12%3D", "G12="),
])
def test_protein_notation_normalised(a, b):
    assert protein.normalise(a) == b


@pytest.mark.parametrize("wanted, observed, result", [
    ("V600E", "p.Val600Glu", True), ("V600E", "p.V600K", False), ("V600", "p.V600K", True),
    ("V600", "p.K601E", False), ("G12", "p.G12_G13insA", True), ("G12D", "", None),
    ("V600E", "c.1799T>A", None),
])
def test_protein_matching(wanted, observed, result):
    assert protein.matches(protein.parse(wanted), observed) is result


# --- many patients x many trials ---------------------------------------------------------------

RULES = {"braf": "BRAF: V600E", "alk": "EML4::ALK", "tmb": "TMB >= 10", "msi": "MSI: HIGH",
         "met": "MET: EXON14_SKIPPING"}


def test_trial_summary_counts_and_most_common_unknown_reason():
    from cohortmark.cohorts import trial_summary

    table = run(RULES)
    summary = trial_summary(table, RULES).set_index("rule")
    assert list(summary.columns) == schema.TRIAL_SUMMARY_COLUMNS[1:]
    assert summary.loc["braf", ["n", "eligible", "unknown", "ineligible"]].tolist() == [5, 1, 2,
                                                                                         2]
    assert summary.loc["tmb", "top_unknown_reason"] == "TMB not measured"
    assert summary.loc["tmb", "top_unknown_count"] == 2
    assert summary.loc["alk", "definition"] == "EML4::ALK"
    for rule in RULES:  # the counts add up to the table
        part = table[table["rule"] == rule]
        assert summary.loc[rule, "eligible"] == (part["status"] == "eligible").sum()
        assert summary.loc[rule, ["eligible", "unknown", "ineligible"]].sum() == 5


def test_trial_matches_one_row_per_patient():
    from cohortmark.cohorts import trial_matches

    table = run(RULES)
    matches = trial_matches(table, RULES).set_index("patient_id")
    assert list(matches.index) == PATIENTS
    assert matches.loc["R1", "eligible"] == "braf;alk;tmb;msi"
    assert matches.loc["R1", "n_eligible"] == 4 and matches.loc["R1", "n_unknown"] == 0
    assert matches.loc["R2", "eligible"] == "alk;met"
    assert matches.loc["R3", "unknown"] == "braf;tmb;msi"
    assert matches.loc["R3", "unknown_because"] == (
        "braf: BRAF protein change not annotated | tmb: TMB not measured | "
        "msi: MSI indeterminate")
    assert matches.loc["R4", "n_unknown"] == 5
    assert pd.isna(matches.loc["R5", "eligible"]) and matches.loc["R5", "n_eligible"] == 0
    eligible = table[table["status"] == "eligible"].groupby("patient_id").size()
    assert (matches["n_eligible"] == eligible.reindex(matches.index).fillna(0)).all()
