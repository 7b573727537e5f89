"""Biomarker rules: parser, Kleene logic, eligibility with reasons, population, config checks."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from cohortmark import schema
from cohortmark.cohorts import (
    RuleError,
    check_config,
    eligibility_summary,
    eligible_patients,
    evaluate,
    parse_rule,
    population,
)
from cohortmark.errors import InputError

GENES = ["MDM2", "TP53", "CDKN2A", "TWIST1"]


# --- a small cohort, every row written out -------------------------------------------------

def gene_row(pid, gene, cn=None, value=None, fold=None, mut=None, mclass=None, change=None):
    """One cohort-table row: cn = a call (AMP...) or None (not profiled); mut = 'WT', a
    mutation or None (not profiled)."""
    cn_status = ("not_profiled" if cn is None else
                 "altered" if cn in ("AMP", "HOMDEL") else "wildtype")
    mut_status = "not_profiled" if mut is None else "wildtype" if mut == "WT" else "altered"
    return {"patient_id": pid, "gene": gene, "cn_status": cn_status, "cn_call": cn,
            "cn_value": value, "cn_fold": fold, "mut_status": mut_status,
            "mutation_class": mclass, "protein_change": change}


def small_cohort():
    """Six patients. P5 has no copy number, P6 no mutation data."""
    spec = {
        "P1": {"MDM2": ("AMP", 14.2, 7.1, "WT"), "TP53": ("NEUTRAL", 2.0, 1.0, "WT"),
               "CDKN2A": ("NEUTRAL", 2.0, 1.0, "WT"), "TWIST1": ("AMP", 9.0, 4.5, "WT")},
        "P2": {"MDM2": ("AMP", 30.0, 15.0, "WT"),
               "TP53": ("NEUTRAL", 2.0, 1.0, ("missense", "p.R248Q")),
               "CDKN2A": ("HOMDEL", 0.0, 0.0, "WT"), "TWIST1": ("NEUTRAL", 2.0, 1.0, "WT")},
        "P3": {"MDM2": ("GAIN", 5.0, 2.5, "WT"), "TP53": ("NEUTRAL", 2.0, 1.0, "WT"),
               "CDKN2A": ("LOSS", 1.0, 0.5, "WT"), "TWIST1": ("NEUTRAL", 2.0, 1.0, "WT")},
        "P4": {"MDM2": ("AMP", 10.0, 3.3, "WT"),
               "TP53": ("LOSS", 1.0, 0.5, ("truncating", "p.R342*")),
               "CDKN2A": ("NEUTRAL", 2.0, 1.0, "WT"), "TWIST1": ("NEUTRAL", 2.0, 1.0, "WT")},
        "P5": {g: (None, None, None, "WT") for g in GENES},
        "P6": {"MDM2": ("AMP", 20.0, 10.0, None), "TP53": ("NEUTRAL", 2.0, 1.0, None),
               "CDKN2A": ("NEUTRAL", 2.0, 1.0, None), "TWIST1": ("AMP", 8.0, 4.0, None)},
    }
    rows = []
    for pid, genes in spec.items():
        for gene in GENES:
            cn, value, fold, mut = genes[gene]
            mclass, change = (mut if isinstance(mut, tuple) else (None, None))
            rows.append(gene_row(pid, gene, cn, value, fold,
                                 "MUT" if isinstance(mut, tuple) else mut, mclass, change))
    alterations = pd.DataFrame(rows).reindex(columns=schema.ALTERATION_COLUMNS)
    sheet = pd.DataFrame({
        "patient_id": list(spec),
        "best_response": ["PR", "PD", "SD", "PR", None, "SD"],
        "best_pct_change": [-45.0, 30.0, -5.0, -35.0, np.nan, 0.0],
        "evaluable": [True, True, True, True, False, True],
        "on_treatment": [True, False, None, False, None, True],
        "site": ["pulmonary artery", "aorta", "heart", "pulmonary artery", None, "aorta"],
        "ecog": ["0", "1", "2", "0", "1", "unknown"],
    })
    return alterations, sheet


def statuses(table, rule):
    part = table[table["rule"] == rule]
    return dict(zip(part["patient_id"], part["status"], strict=True))


def reasons(table, rule):
    part = table[table["rule"] == rule]
    return dict(zip(part["patient_id"], part["reason"], strict=True))


# --- parser -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, tree", [
    ("MDM2: AMP & TP53: WT", "MDM2: AMP & TP53: WT"),
    ("MDM2: AMP | CDK4: AMP & TP53: WT", "MDM2: AMP | (CDK4: AMP & TP53: WT)"),
    ("(MDM2: AMP | CDK4: AMP) & TP53: WT", "(MDM2: AMP | CDK4: AMP) & TP53: WT"),
    ("!TP53: MUT & MDM2: AMP", "!TP53: MUT & MDM2: AMP"),
    ("!(TP53: MUT & MDM2: AMP)", "!(TP53: MUT & MDM2: AMP)"),
    ("not TP53: mut and MDM2: amp or evaluable", "(!TP53: MUT & MDM2: AMP) | evaluable"),
    ("MDM2: CN>=12&TP53: WT", "MDM2: CN >= 12 & TP53: WT"),
    ("MDM2: FOLD >= 4", "MDM2: FOLD >= 4"),
    ("MDM2: CN = 2.5", "MDM2: CN == 2.5"),
    ("CDKN2A: HOMDEL LOSS", "CDKN2A: HOMDEL LOSS"),
    ("TP53: Truncating Missense", "TP53: truncating missense"),
    ("TP53: WILDTYPE || MDM2: AMP && !!evaluable", "TP53: WT | (MDM2: AMP & !!evaluable)"),
    ("best_response in [PR, CR]", "best_response in [PR, CR]"),
    ("best_response not in [PD]", "best_response not in [PD]"),
    ("best_pct_change <= -30", "best_pct_change <= -30.0"),
    ('"ECOG PS" = 1 & site != "pulmonary artery"', "ECOG PS == 1.0 & site != pulmonary artery"),
])
def test_parser_precedence_and_forms(text, tree):
    assert str(parse_rule(text)) == tree


def test_parser_collects_genes_and_columns():
    rule = parse_rule("(MDM2: AMP | CDK4: CN > 8) & TP53: WT & evaluable & ecog <= 1")
    assert rule.genes() == ["CDK4", "MDM2", "TP53"]
    assert rule.columns() == ["ecog", "evaluable"]


@pytest.mark.parametrize("text, position, message", [
    ("MDM2: AMP &", 12, "expected a gene or a column, found the end of the rule"),
    ("MDM2: AMPL & TP53: WT", 7, "'AMPL' is not a gene test"),
    ("MDM2: AMPL", 7, "did you mean AMP?"),
    ("(MDM2: AMP | CDK4: AMP & TP53: WT", 34, "expected ')' to close the '(' at position 1"),
    ("MDM2: AMP) & TP53: WT", 10, "a closing ')' has no '('"),
    ("MDM2: CN >= x", 13, "expected a number after '>=', found 'x'"),
    ("MDM2: CN 12", 10, "expected a comparison"),
    ("MDM2: & TP53: WT", 7, "expected a test after ':'"),
    ("best_response in [PR, CR", 25, "expected ',' or ']' in the list"),
    ("best_response in PR", 18, "expected '[' after 'in'"),
    ("MDM2: AMP $ TP53: WT", 11, "unexpected character '$'"),
    ("MDM2 AMP", 6, "missing ':' after 'MDM2'?"),
    ("MDM2: AMP TP53: WT", 11, "expected '&', '|' or the end of the rule, found 'TP53'"),
    ("MDM2: AMP & & TP53: WT", 13, "expected a gene or a column, found '&'"),
    ("best_pct_change < PR", 19, "'<' needs a number"),
    ("site = 'aorta", 8, "unclosed quote"),
    ('"MDM2": AMP', 1, "a gene name is not quoted"),
])
def test_parse_errors_name_the_position(text, position, message):
    with pytest.raises(RuleError) as err:
        parse_rule(text, "cohorts.mine")
    assert err.value.position == position
    assert message in str(err.value)
    assert str(err.value).startswith(f"config key 'cohorts.mine': rule {text!r}, "
                                     f"position {position} ")
    assert isinstance(err.value, InputError)


def test_empty_rule_and_non_text():
    with pytest.raises(RuleError, match="the rule is empty"):
        parse_rule("   ", "cohorts.blank")
    with pytest.raises(RuleError, match="a rule is text, not int"):
        parse_rule(12, "cohorts.number")


# --- Kleene logic -------------------------------------------------------------------------

F, U, T = "ineligible", "unknown", "eligible"
TRUTH = {True: T, False: F, None: U}
AND = {(F, F): F, (F, U): F, (F, T): F, (U, F): F, (U, U): U, (U, T): U,
       (T, F): F, (T, U): U, (T, T): T}
OR = {(F, F): F, (F, U): U, (F, T): T, (U, F): U, (U, U): U, (U, T): T,
      (T, F): T, (T, U): T, (T, T): T}
NOT = {F: T, U: U, T: F}


def truth_table_cohort():
    values = [False, None, True]
    pairs = [(a, b) for a in values for b in values]
    sheet = pd.DataFrame({"patient_id": [f"X{i}" for i in range(len(pairs))],
                          "a": pd.Series([a for a, _ in pairs], dtype=object),
                          "b": pd.Series([b for _, b in pairs], dtype=object)})
    return sheet, pairs


@pytest.mark.parametrize("text, table", [("a & b", AND), ("a | b", OR),
                                         ("a and b", AND), ("a or b", OR)])
def test_kleene_truth_tables(text, table):
    sheet, pairs = truth_table_cohort()
    got = statuses(evaluate({"r": text}, pd.DataFrame(columns=schema.ALTERATION_COLUMNS),
                            sheet), "r")
    for pid, (a, b) in zip(sheet["patient_id"], pairs, strict=True):
        assert got[pid] == table[(TRUTH[a], TRUTH[b])], (text, a, b)


def test_kleene_negation_and_de_morgan():
    sheet, pairs = truth_table_cohort()
    empty = pd.DataFrame(columns=schema.ALTERATION_COLUMNS)
    got = evaluate({"not_a": "!a", "dm1": "!(a & b)", "dm2": "!a | !b"}, empty, sheet)
    for pid, (a, b) in zip(sheet["patient_id"], pairs, strict=True):
        assert statuses(got, "not_a")[pid] == NOT[TRUTH[a]]
        assert statuses(got, "dm1")[pid] == NOT[AND[(TRUTH[a], TRUTH[b])]]
        assert statuses(got, "dm2")[pid] == statuses(got, "dm1")[pid]


def test_not_profiled_is_unknown_and_kleene_on_genes():
    alterations, sheet = small_cohort()
    got = evaluate({"and": "MDM2: AMP & TP53: WT", "or": "MDM2: AMP | TP53: WT",
                    "not": "!TP53: WT"}, alterations, sheet)
    # P6: MDM2 AMP, TP53 not profiled for mutations: true & unknown = unknown
    assert statuses(got, "and")["P6"] == "unknown"
    assert statuses(got, "or")["P6"] == "eligible"  # true | unknown
    assert statuses(got, "not")["P6"] == "unknown"
    # P5: no copy number, TP53 wild type: unknown & true = unknown; unknown | true = true
    assert statuses(got, "and")["P5"] == "unknown"
    assert statuses(got, "or")["P5"] == "eligible"
    # P2: TP53 mutated: false decides, whatever MDM2
    assert statuses(got, "and")["P2"] == "ineligible"


# --- hand-worked eligibility --------------------------------------------------------------

def test_hand_worked_eligibility_with_reasons():
    alterations, sheet = small_cohort()
    rules = {"mdm2_inhibitor": "MDM2: AMP & TP53: WT", "mantra2": "MDM2: CN>=12 & TP53: WT",
             "fold4": "MDM2: FOLD>=4", "cdkn2a": "CDKN2A: HOMDEL LOSS",
             "tp53_trunc": "TP53: truncating",
             "responders": "evaluable & best_response in [PR, CR]"}
    got = evaluate(rules, alterations, sheet)
    assert list(got.columns) == schema.ELIGIBILITY_COLUMNS
    assert len(got) == 6 * 6
    assert list(got["patient_id"][:6]) == ["P1"] * 6  # sheet order, then rule order
    assert list(got["rule"][:6]) == list(rules)
    assert statuses(got, "mdm2_inhibitor") == {"P1": T, "P2": F, "P3": F, "P4": F, "P5": U,
                                               "P6": U}
    assert statuses(got, "mantra2") == {"P1": T, "P2": F, "P3": F, "P4": F, "P5": U, "P6": U}
    assert statuses(got, "fold4") == {"P1": T, "P2": T, "P3": F, "P4": F, "P5": U, "P6": T}
    assert statuses(got, "cdkn2a") == {"P1": F, "P2": T, "P3": T, "P4": F, "P5": U, "P6": F}
    assert statuses(got, "tp53_trunc") == {"P1": F, "P2": F, "P3": F, "P4": T, "P5": F, "P6": U}
    assert statuses(got, "responders") == {"P1": T, "P2": F, "P3": F, "P4": T, "P5": F, "P6": F}
    why = reasons(got, "mdm2_inhibitor")
    assert why["P1"] == "MDM2: AMP (cn 14.2); TP53: WT"
    assert why["P2"] == "TP53: MUT p.R248Q (missense)"  # only the false part decides
    assert why["P3"] == "MDM2: GAIN (cn 5)"
    assert why["P5"] == "MDM2 not profiled for copy number; TP53: WT"
    assert why["P6"] == "MDM2: AMP (cn 20); TP53 not profiled for mutations"
    assert reasons(got, "fold4")["P4"] == "MDM2: AMP (cn 10, fold 3.3)"
    undecided = got[got["rule"] == "mdm2_inhibitor"].set_index("patient_id")["undecided"]
    assert undecided["P5"] == "MDM2 not profiled for copy number"
    assert undecided["P6"] == "TP53 not profiled for mutations"
    assert undecided[["P1", "P2", "P3", "P4"]].isna().all()
    assert reasons(got, "responders")["P5"] == "evaluable = false"


def test_summary_counts_and_reasons_for_unknown():
    alterations, sheet = small_cohort()
    rules = {"mdm2_inhibitor": "MDM2: AMP & TP53: WT", "responders": "best_response = PR"}
    summary = eligibility_summary(evaluate(rules, alterations, sheet), rules)
    assert list(summary.columns) == schema.ELIGIBILITY_SUMMARY_COLUMNS
    first = summary.iloc[0].to_dict()
    assert first == {"rule": "mdm2_inhibitor", "definition": "MDM2: AMP & TP53: WT", "n": 6,
                     "eligible": 1, "ineligible": 3, "unknown": 2,
                     "undecided_because": "MDM2 not profiled for copy number: 1; "
                                          "TP53 not profiled for mutations: 1"}
    second = summary.iloc[1].to_dict()
    assert (second["eligible"], second["ineligible"], second["unknown"]) == (2, 3, 1)
    assert second["undecided_because"] == "best_response missing: 1"
    assert eligible_patients(evaluate(rules, alterations, sheet)) == {
        "mdm2_inhibitor": ["P1"], "responders": ["P1", "P4"]}


def test_clinical_predicates():
    alterations, sheet = small_cohort()
    rules = {"shrink": "best_pct_change <= -30", "site": "site = 'pulmonary artery'",
             "site_not": "site not in [aorta, heart]", "on": "on_treatment",
             "on_false": "on_treatment = false", "not_eval": "!evaluable",
             "ecog_eq": "ecog = 0", "ecog_text": "ecog != unknown"}
    got = evaluate(rules, alterations, sheet)
    assert statuses(got, "shrink") == {"P1": T, "P2": F, "P3": F, "P4": T, "P5": U, "P6": F}
    assert statuses(got, "site") == {"P1": T, "P2": F, "P3": F, "P4": T, "P5": U, "P6": F}
    assert statuses(got, "site_not") == {"P1": T, "P2": F, "P3": F, "P4": T, "P5": U, "P6": F}
    assert statuses(got, "on") == {"P1": T, "P2": F, "P3": U, "P4": F, "P5": U, "P6": T}
    assert statuses(got, "on_false") == {"P1": F, "P2": T, "P3": U, "P4": T, "P5": U, "P6": F}
    assert statuses(got, "not_eval") == {"P1": F, "P2": F, "P3": F, "P4": F, "P5": T, "P6": F}
    assert statuses(got, "ecog_eq") == {"P1": T, "P2": F, "P3": F, "P4": T, "P5": F, "P6": F}
    assert statuses(got, "ecog_text")["P6"] == F
    assert reasons(got, "shrink")["P1"] == "best_pct_change = -45"
    assert reasons(got, "on_false")["P2"] == "on_treatment = false"
    with pytest.raises(InputError, match="patient P6: .*'unknown' is not a number"):
        evaluate({"ecog": "ecog <= 1"}, alterations, sheet)
    with pytest.raises(InputError, match="'pulmonary artery' is not true or false"):
        evaluate({"site": "site"}, alterations, sheet)


def test_mutation_class_lists_and_alt():
    alterations, sheet = small_cohort()
    row = (alterations["patient_id"] == "P3") & (alterations["gene"] == "TP53")
    alterations.loc[row, ["mut_status", "mutation_class", "protein_change"]] = [
        "altered", "truncating;missense", "p.R175H;p.Q136*"]
    got = evaluate({"mis": "TP53: missense", "trunc": "TP53: truncating",
                    "inframe": "TP53: inframe", "alt": "CDKN2A: ALT"}, alterations, sheet)
    assert statuses(got, "mis")["P3"] == T and statuses(got, "trunc")["P3"] == T
    assert statuses(got, "inframe")["P3"] == F
    # ALT: copy number altered (AMP/HOMDEL here) or mutated; P5 no CN but mutation WT -> unknown
    assert statuses(got, "alt") == {"P1": F, "P2": T, "P3": F, "P4": F, "P5": U, "P6": U}


def test_patient_missing_from_the_cohort_table_is_an_error():
    alterations, sheet = small_cohort()
    with pytest.raises(InputError, match="patient P6: has no rows in the cohort table"):
        evaluate({"r": "MDM2: AMP"}, alterations[alterations["patient_id"] != "P6"], sheet)


# --- generated cohorts against direct pandas (nullable boolean = Kleene) -------------------

def generated_cohort(n, seed):
    rng = np.random.default_rng(seed)
    rows = []
    calls = np.array(schema.CN_CALLS)
    for i in range(n):
        pid = f"G{i:04d}"
        cn_prof, mut_prof = rng.random() > 0.15, rng.random() > 0.2
        for gene in GENES:
            call = rng.choice(calls, p=[0.2, 0.15, 0.4, 0.15, 0.1]) if cn_prof else None
            value = {"AMP": 12, "GAIN": 3.5, "NEUTRAL": 2, "LOSS": 1, "HOMDEL": 0}.get(call)
            value = None if value is None else value * rng.uniform(0.6, 1.6)
            mutated = mut_prof and rng.random() < 0.3
            mclass = rng.choice(schema.MUTATION_CLASSES) if mutated else None
            mut = None if not mut_prof else ("MUT" if mutated else "WT")
            rows.append(gene_row(pid, gene, call, value, None if value is None else value / 2,
                                 mut, mclass, "p.X1Y" if mutated else None))
    alterations = pd.DataFrame(rows).reindex(columns=schema.ALTERATION_COLUMNS)
    sheet = pd.DataFrame({
        "patient_id": [f"G{i:04d}" for i in range(n)],
        "evaluable": rng.random(n) > 0.1,
        "best_response": pd.Series(rng.choice(schema.BEST_RESPONSES + [None], n), dtype=object),
    })
    return alterations, sheet


def kleene(known, truth):
    out = pd.array(truth.to_numpy(dtype=bool), dtype="boolean")
    out[~known.to_numpy(dtype=bool)] = pd.NA
    return pd.Series(out, index=known.index)


def direct(alterations, sheet):
    """The example rules computed directly with pandas nullable booleans (Kleene & | ~)."""
    wide = {g: t.set_index("patient_id").reindex(sheet["patient_id"])
            for g, t in alterations.groupby("gene")}

    def cn(gene, truth):
        g = wide[gene]
        return kleene(g["cn_status"] != "not_profiled", truth(g))

    def mut(gene, truth):
        g = wide[gene]
        return kleene(g["mut_status"] != "not_profiled", truth(g))

    s = sheet.set_index("patient_id")
    resp = kleene(s["best_response"].notna(), s["best_response"].isin(["PR", "CR"]))
    evaluable = kleene(s["evaluable"].notna(), s["evaluable"].astype(bool))
    return {
        "MDM2: AMP & TP53: WT": cn("MDM2", lambda g: g["cn_call"] == "AMP")
        & mut("TP53", lambda g: g["mut_status"] == "wildtype"),
        "MDM2: CN>=12 & !TP53: MUT": cn("MDM2", lambda g: g["cn_value"] >= 12)
        & ~mut("TP53", lambda g: g["mut_status"] == "altered"),
        "MDM2: FOLD>=4 | CDKN2A: HOMDEL": cn("MDM2", lambda g: g["cn_fold"] >= 4)
        | cn("CDKN2A", lambda g: g["cn_call"] == "HOMDEL"),
        "(TWIST1: AMP GAIN | TP53: truncating) & !(CDKN2A: HOMDEL | CDKN2A: LOSS)":
        (cn("TWIST1", lambda g: g["cn_call"].isin(["AMP", "GAIN"]))
         | mut("TP53", lambda g: g["mutation_class"] == "truncating"))
        & ~(cn("CDKN2A", lambda g: g["cn_call"] == "HOMDEL")
            | cn("CDKN2A", lambda g: g["cn_call"] == "LOSS")),
        "evaluable & best_response in [PR, CR] | TP53: missense": (evaluable & resp)
        | mut("TP53", lambda g: g["mutation_class"] == "missense"),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_cohorts_match_direct_pandas(seed):
    alterations, sheet = generated_cohort(300, seed)
    expected = direct(alterations, sheet)
    rules = {f"r{i}": text for i, text in enumerate(expected)}
    got = evaluate(rules, alterations, sheet)
    for name, text in rules.items():
        want = expected[text].map({True: T, False: F}).fillna(U)
        have = pd.Series(statuses(got, name))
        assert (have == want.reindex(have.index)).all(), text
        assert set(have) == {T, F, U}, text  # every rule meets all three outcomes here


# --- population and config checks ---------------------------------------------------------

def test_population_named_inline_and_absent():
    alterations, sheet = small_cohort()
    config = {"cohorts": {"mdm2_inhibitor": "MDM2: AMP & TP53: WT"},
              "analysis_population": "mdm2_inhibitor"}
    keep, description = population(config, alterations, sheet)
    assert keep == ["P1"]
    assert description == ("MDM2: AMP & TP53: WT (rule mdm2_inhibitor): 1 of 6 patients; "
                           "excluded 5 (3 ineligible; 2 unknown - MDM2 not profiled for copy "
                           "number: 1; TP53 not profiled for mutations: 1)")
    keep, description = population({"analysis_population": "MDM2: AMP | TWIST1: AMP"},
                                   alterations, sheet)
    assert keep == ["P1", "P2", "P4", "P6"]
    assert description.startswith("MDM2: AMP | TWIST1: AMP: 4 of 6 patients; excluded 2 (")
    keep, description = population({"analysis_population": "evaluable"}, alterations, sheet)
    assert keep == ["P1", "P2", "P3", "P4", "P6"]
    assert description == "evaluable: 5 of 6 patients; excluded 1 (1 ineligible)"
    keep, description = population({}, alterations, sheet)
    assert keep == list(sheet["patient_id"]) and description == "all patients (n = 6)"


def test_check_config_returns_rules_and_names_the_key():
    _, sheet = small_cohort()
    config = {"cohorts": {"a": "MDM2: AMP & TP53: WT", "b": "evaluable"},
              "analysis_population": "MDM2: CN >= 12"}
    rules = check_config(config, GENES, sheet.columns)
    assert list(rules) == ["a", "b", "analysis_population"]
    assert rules["a"].genes() == ["MDM2", "TP53"]
    assert list(check_config({"cohorts": {"a": "evaluable"}, "analysis_population": "a"},
                             GENES, sheet.columns)) == ["a"]


@pytest.mark.parametrize("config, message", [
    ({"cohorts": {"x": "MDM3: AMP"}},
     "config key 'cohorts.x': rule 'MDM3: AMP', position 1 ('MDM3: AMP'): gene 'MDM3' is not "
     "in the panel; did you mean MDM2?"),
    ({"cohorts": {"x": "mdm2: AMP"}}, "did you mean MDM2?"),
    ({"cohorts": {"x": "MDM2: AMP & evaluabel"}},
     "position 13 ('evaluabel'): 'evaluabel' is not a column of the patient sheet; "
     "did you mean evaluable?"),
    ({"cohorts": {"x": "MDM2"}}, "'MDM2' is a gene: write a test, e.g. 'MDM2: AMP'"),
    ({"cohorts": {"x": "best_response in [PR, cr]"}},
     "'cr' is not a value of 'best_response' (CR, PR, SD, PD, NE); did you mean 'CR'?"),
    ({"cohorts": {"x": "best_pct_change"}}, "column 'best_pct_change' holds numbers"),
    ({"cohorts": {"x": "best_pct_change = PR"}}, "'PR' is not a number"),
    ({"cohorts": {"x": "evaluable = maybe"}}, "column 'evaluable' is true or false"),
    ({"cohorts": {"x": "MDM2: AMP &"}}, "config key 'cohorts.x': rule 'MDM2: AMP &', position 12"),
    ({"cohorts": {"bad name": "MDM2: AMP"}}, "config key 'cohorts.bad name': a rule name"),
    ({"cohorts": {"x": "MDM2: AMP"}, "analysis_population": "mdm2_inhibitor"},
     "config key 'analysis_population': rule 'mdm2_inhibitor', position 1 ('mdm2_inhibitor'): "
     "'mdm2_inhibitor' is not a rule in 'cohorts' or a column of the patient sheet"),
    ({"cohorts": {"mdm2_inhibitor": "MDM2: AMP"}, "analysis_population": "mdm2_inhibtor"},
     "'mdm2_inhibtor' is not a rule in 'cohorts' (did you mean mdm2_inhibitor?)"),
])
def test_check_config_errors(config, message):
    _, sheet = small_cohort()
    with pytest.raises(InputError) as err:
        check_config(config, GENES, sheet.columns)
    assert message in str(err.value)


# --- the workflow step ----------------------------------------------------------------------

def test_eligibility_step_writes_the_table(tmp_path):
    from cohortmark.steps import eligibility
    from cohortmark.tsv import read_tsv, write_tsv

    alterations, sheet = small_cohort()
    write_tsv(alterations, tmp_path / "alterations.tsv", schema.ALTERATION_COLUMNS)
    sheet_path = tmp_path / "samples.tsv"
    sheet_path.write_text("patient_id\tbest_response\tevaluable\n" + "".join(
        f"{p}\t{r or ''}\t{str(e).lower()}\n"
        for p, r, e in zip(sheet["patient_id"], sheet["best_response"], sheet["evaluable"],
                           strict=True)))
    out = tmp_path / "results" / "eligibility.tsv"
    smk = SimpleNamespace(
        input=SimpleNamespace(samples=str(sheet_path), alterations=str(tmp_path / "alterations.tsv")),
        output=SimpleNamespace(eligibility=str(out)),
        params=SimpleNamespace(settings={
            "cohorts": {"mdm2_inhibitor": "MDM2: AMP & TP53: WT"},
            "analysis_population": "evaluable & best_response in [PR, CR]"}))
    lines = []
    eligibility(smk, lines.append)
    table = read_tsv(out)
    assert list(table.columns) == schema.ELIGIBILITY_COLUMNS
    assert statuses(table, "mdm2_inhibitor") == {"P1": T, "P2": F, "P3": F, "P4": F, "P5": U,
                                                 "P6": U}
    assert statuses(table, "analysis_population") == {"P1": T, "P2": F, "P3": F, "P4": T,
                                                      "P5": F, "P6": F}
    assert lines[0] == ("mdm2_inhibitor [MDM2: AMP & TP53: WT]: 1 eligible, 3 ineligible, "
                        "2 unknown (MDM2 not profiled for copy number: 1; TP53 not profiled "
                        "for mutations: 1)")
    smk.params.settings = {"cohorts": {"x": "MDM2: AMP & NOPE: WT"}}
    with pytest.raises(InputError, match="config key 'cohorts.x'.*gene 'NOPE' is not in the panel"):
        eligibility(smk, lines.append)


# --- real data: TCGA LAML (maftools' bundled MAF and clinical annotation) -------------------

LAML = Path(__file__).parent / "data" / "cohorts"
NON_SYNONYMOUS = {  # maftools' default non-synonymous classes -> our mutation classes
    "Missense_Mutation": "missense", "Nonsense_Mutation": "truncating",
    "Frame_Shift_Del": "truncating", "Frame_Shift_Ins": "truncating",
    "Nonstop_Mutation": "truncating", "Translation_Start_Site": "truncating",
    "Splice_Site": "splice", "In_Frame_Del": "inframe", "In_Frame_Ins": "inframe"}
LAML_GENES = ["FLT3", "DNMT3A", "NPM1", "IDH1", "IDH2", "TP53"]


def laml_cohort():
    """The cohort table of 200 TCGA LAML patients x 6 genes, built straight from the MAF:
    patients with no MAF row at all (7) are not profiled for mutations; nobody has copy
    number. The clinical sheet keeps the annotation's own column names."""
    maf = pd.read_csv(LAML / "tcga_laml.maf.gz", sep="\t", dtype=str)
    annot = pd.read_csv(LAML / "tcga_laml_annot.tsv", sep="\t", dtype=str,
                        keep_default_na=False)
    order = {c: i for i, c in enumerate(schema.MUTATION_CLASSES)}
    hits = maf[maf["Variant_Classification"].isin(NON_SYNONYMOUS)].assign(
        mclass=lambda d: d["Variant_Classification"].map(NON_SYNONYMOUS))
    sequenced = set(maf["Tumor_Sample_Barcode"])
    groups = dict(list(hits.groupby(["Tumor_Sample_Barcode", "Hugo_Symbol"])))
    rows = []
    for pid in annot["Tumor_Sample_Barcode"]:
        for gene in LAML_GENES:
            h = groups.get((pid, gene))
            if pid not in sequenced:
                mut, mclass, change = None, None, None
            elif h is None:
                mut, mclass, change = "WT", None, None
            else:
                mut = "MUT"
                mclass = min(h["mclass"], key=order.__getitem__)
                change = ";".join(dict.fromkeys(h["Protein_Change"].dropna()))
            rows.append(gene_row(pid, gene, None, None, None, mut, mclass, change))
    sheet = annot.rename(columns={"Tumor_Sample_Barcode": "patient_id"})
    sheet["FAB_classification"] = sheet["FAB_classification"].replace({"NA": None})
    return pd.DataFrame(rows).reindex(columns=schema.ALTERATION_COLUMNS), sheet, maf, hits


def test_tcga_laml_counts_match_maftools():
    alterations, sheet, maf, hits = laml_cohort()
    assert len(sheet) == 200 and maf["Tumor_Sample_Barcode"].nunique() == 193
    rules = {g: f"{g}: MUT" for g in LAML_GENES}
    rules |= {"tp53_wt": "TP53: WT", "npm1_flt3": "NPM1: MUT & FLT3: MUT",
              "m3": "FAB_classification = M3", "flt3_or_cn": "FLT3: MUT | NPM1: AMP",
              "dead_dnmt3a": "Overall_Survival_Status & DNMT3A: missense",
              "short": "days_to_last_followup < 365 & !IDH1: MUT & !IDH2: MUT"}
    table = evaluate(rules, alterations, sheet)
    counts = eligibility_summary(table, rules).set_index("rule")
    # mutated samples per gene as printed by maftools' getGeneSummary for this MAF
    published = {"FLT3": 52, "DNMT3A": 48, "NPM1": 33, "IDH2": 20, "IDH1": 18, "TP53": 15}
    for gene, n in published.items():
        assert (counts.loc[gene, "eligible"], counts.loc[gene, "unknown"]) == (n, 7)
    assert counts.loc["tp53_wt", ["eligible", "ineligible", "unknown"]].tolist() == [178, 15, 7]
    assert counts.loc["tp53_wt", "undecided_because"] == "TP53 not profiled for mutations: 7"

    # the rest against direct set algebra on the MAF and the annotation
    def carriers(gene, classes=None):
        h = hits[hits["Hugo_Symbol"] == gene]
        return set(h["Tumor_Sample_Barcode"] if classes is None else
                   h.loc[h["mclass"].isin(classes), "Tumor_Sample_Barcode"])

    sequenced = set(maf["Tumor_Sample_Barcode"])
    got = {r: {s: set(table.loc[(table["rule"] == r) & (table["status"] == s), "patient_id"])
               for s in (T, F, U)} for r in rules}
    assert got["npm1_flt3"][T] == carriers("NPM1") & carriers("FLT3")
    assert got["npm1_flt3"][U] == set(sheet["patient_id"]) - sequenced
    assert got["m3"][T] == set(sheet.loc[sheet["FAB_classification"] == "M3", "patient_id"])
    assert got["m3"][U] == {"TCGA-AB-2941"}  # FAB 'NA' in the annotation
    # no copy number for anyone: FLT3-mutated are eligible, every other patient unknown
    assert got["flt3_or_cn"][T] == carriers("FLT3") and not got["flt3_or_cn"][F]
    # DNMT3A's most severe class is missense (R882 hotspot) unless a truncating one co-occurs
    dead = set(sheet.loc[sheet["Overall_Survival_Status"] == "1", "patient_id"])
    worst = {pid: min(h["mclass"], key=schema.MUTATION_CLASSES.index)
             for pid, h in hits[hits["Hugo_Symbol"] == "DNMT3A"].groupby("Tumor_Sample_Barcode")}
    assert got["dead_dnmt3a"][T] == {p for p, c in worst.items() if c == "missense"} & dead
    followup = pd.to_numeric(sheet.set_index("patient_id")["days_to_last_followup"])
    short = set(followup[followup < 365].index)
    idh = carriers("IDH1") | carriers("IDH2")
    assert got["short"][T] == (short & sequenced) - idh
    assert got["short"][U] == short - sequenced - idh
    why = table.set_index(["patient_id", "rule"])["reason"]
    assert why[("TCGA-AB-2941", "m3")] == "FAB_classification missing"


def test_rules_over_a_sheet_read_by_load_samples(tmp_path):
    from cohortmark.sheets import load_samples

    alterations, _ = small_cohort()
    path = tmp_path / "samples.tsv"
    path.write_text(
        "patient_id\tbest_response\tbest_pct_change\tpfs_months\tpfs_event\tevaluable\t"
        "on_treatment\tsite\n"
        "P1\tPR\t-45\t7.5\t1\t\tyes\taorta\n"
        "P2\tPD\t30\t1.5\t0\ttrue\tno\theart\n"
        "P3\tSD\t-5\t\t\tfalse\t\t\n"
        "P4\tPR\t-35\t12\t1\tTRUE\tn\taorta\n"
        "P5\t\t\t3\t1\tfalse\t\theart\n"
        "P6\tSD\t0\t9\t0\t1\t1\t\n")
    sheet = load_samples(path, check_files=False)
    rules = {"ev": "evaluable", "ev1": "evaluable = 1", "ev_no": "evaluable != yes",
             "event": "pfs_event", "event0": "pfs_event = 0", "pfs": "pfs_months >= 7",
             "on": "on_treatment", "site": "site in [aorta]",
             "combo": "MDM2: AMP & TP53: WT & pfs_months > 6 & evaluable"}
    rules = check_config({"cohorts": rules}, GENES, sheet.columns)
    got = evaluate(rules, alterations, sheet)
    assert statuses(got, "ev") == {"P1": T, "P2": T, "P3": F, "P4": T, "P5": F, "P6": T}
    assert statuses(got, "ev1") == statuses(got, "ev")
    assert statuses(got, "ev_no") == {"P1": F, "P2": F, "P3": T, "P4": F, "P5": T, "P6": F}
    assert statuses(got, "event") == {"P1": T, "P2": F, "P3": U, "P4": T, "P5": T, "P6": F}
    assert statuses(got, "event0") == {"P1": F, "P2": T, "P3": U, "P4": F, "P5": F, "P6": T}
    assert statuses(got, "pfs") == {"P1": T, "P2": F, "P3": U, "P4": T, "P5": F, "P6": T}
    assert statuses(got, "on") == {"P1": T, "P2": F, "P3": U, "P4": F, "P5": U, "P6": T}
    assert statuses(got, "site") == {"P1": T, "P2": F, "P3": U, "P4": T, "P5": F, "P6": U}
    # P6: MDM2 AMP, TP53 unknown, pfs 9, evaluable -> unknown; P3: MDM2 GAIN -> ineligible
    assert statuses(got, "combo") == {"P1": T, "P2": F, "P3": F, "P4": F, "P5": F, "P6": U}
    assert reasons(got, "combo")["P1"] == ("MDM2: AMP (cn 14.2); TP53: WT; pfs_months = 7.5; "
                                           "evaluable = true")
    assert reasons(got, "pfs")["P3"] == "pfs_months missing"


def test_config_schema_fragment():
    import jsonschema
    import yaml

    root = Path(__file__).parents[1]
    fragment = yaml.safe_load((root / "config" / "schemas" / "config.schema.yaml").read_text())
    fragment = {"type": "object", "properties": {k: fragment["properties"][k] for k in ("cohorts", "analysis_population")}}
    validator = jsonschema.Draft7Validator(fragment)
    assert not list(validator.iter_errors({"cohorts": {"mdm2_inhibitor": "MDM2: AMP & TP53: WT"},
                                           "analysis_population": "mdm2_inhibitor"}))
    assert list(validator.iter_errors({"cohorts": {"a b": "MDM2: AMP"}}))
    assert list(validator.iter_errors({"cohorts": {"a": 12}}))
    assert list(validator.iter_errors({"analysis_population": ""}))


# --- property: any tree, printed and parsed back, evaluates as a per-patient reference ------

LEAVES = {  # leaf text -> per-patient reference (row of MDM2/TP53/CDKN2A, sheet row) -> bool|None
    "MDM2: AMP": lambda r, s: None if r["MDM2"]["cn_status"] == "not_profiled"
    else r["MDM2"]["cn_call"] == "AMP",
    "MDM2: CN >= 10": lambda r, s: None if r["MDM2"]["cn_status"] == "not_profiled"
    else r["MDM2"]["cn_value"] >= 10,
    "TP53: WT": lambda r, s: None if r["TP53"]["mut_status"] == "not_profiled"
    else r["TP53"]["mut_status"] == "wildtype",
    "CDKN2A: HOMDEL LOSS": lambda r, s: None if r["CDKN2A"]["cn_status"] == "not_profiled"
    else r["CDKN2A"]["cn_call"] in ("HOMDEL", "LOSS"),
    "evaluable": lambda r, s: bool(s["evaluable"]),
    "best_response in [PR, CR]": lambda r, s: None if s["best_response"] is None
    else s["best_response"] in ("PR", "CR"),
}


def k_and(a, b):
    return False if a is False or b is False else None if a is None or b is None else True


def k_or(a, b):
    return True if a is True or b is True else None if a is None or b is None else False


def reference(tree, rows, srow):
    kind = tree[0]
    if kind == "leaf":
        value = LEAVES[tree[1]](rows, srow)
        return None if value is None else bool(value)  # numpy bools are not 'is False'
    if kind == "not":
        v = reference(tree[1], rows, srow)
        return None if v is None else not v
    values = [reference(t, rows, srow) for t in tree[1:]]
    out = values[0]
    for v in values[1:]:
        out = k_and(out, v) if kind == "and" else k_or(out, v)
    return out


def render(tree):
    kind = tree[0]
    if kind == "leaf":
        return tree[1]
    if kind == "not":
        return f"!({render(tree[1])})" if tree[1][0] != "leaf" else f"!{render(tree[1])}"
    parts = [render(t) if t[0] in ("leaf", "not") else f"({render(t)})" for t in tree[1:]]
    return (" & " if kind == "and" else " | ").join(parts)


def test_random_trees_round_trip_and_match_a_per_patient_reference():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    alterations, sheet = generated_cohort(40, 7)
    rows = {pid: {g: t.set_index("gene").loc[g] for g in ("MDM2", "TP53", "CDKN2A")}
            for pid, t in alterations.groupby("patient_id")}
    srows = {r["patient_id"]: r for r in sheet.to_dict("records")}
    trees = st.recursive(
        st.sampled_from(sorted(LEAVES)).map(lambda t: ("leaf", t)),
        lambda kids: st.one_of(
            kids.map(lambda k: ("not", k)),
            st.tuples(st.sampled_from(["and", "or"]), kids, kids),
            st.tuples(st.sampled_from(["and", "or"]), kids, kids, kids)),
        max_leaves=7)

    @settings(max_examples=60, deadline=None)
    @given(trees)
    def check(tree):
        text = render(tree)
        rule = parse_rule(text)
        assert str(parse_rule(str(rule))) == str(rule)
        got = statuses(evaluate({"r": rule}, alterations, sheet), "r")
        for pid in sheet["patient_id"]:
            want = reference(tree, rows[pid], srows[pid])
            assert got[pid] == TRUTH[want], (text, pid)

    check()
