"""cohortmark.stats tables: outcomes, associations, interactions, checked against independent
per-row computations (scipy, lifelines, hand-worked numbers)."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cohortmark import schema
from cohortmark.stats import associations, interactions, kaplan_meier_median, outcomes
from cohortmark.stats.association import mannwhitney_one, spearman_one
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
CONFIG = {"response": {"responders": ["CR", "PR"], "disease_control": ["CR", "PR", "SD"]},
          "statistics": {}}


def make_sheet(rows):
    cols = ["patient_id", "best_response", "best_pct_change", "pfs_months", "pfs_event",
            "os_months", "os_event", "evaluable"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("best_pct_change", "pfs_months", "pfs_event", "os_months", "os_event"):
        df[c] = df[c].astype(float)
    df["evaluable"] = df["evaluable"].astype(bool)
    return df


def alteration_row(pid, gene, cn_call=None, cn_value=None, mut=None):
    """cn_call None = CN not profiled; mut None = not profiled, True/False = altered/wildtype."""
    cn_status = ("not_profiled" if cn_call is None else
                 "wildtype" if cn_call == "NEUTRAL" else "altered")
    mut_status = "not_profiled" if mut is None else ("altered" if mut else "wildtype")
    row = dict.fromkeys(schema.ALTERATION_COLUMNS)
    row.update(patient_id=pid, gene=gene, cn_status=cn_status, cn_call=cn_call,
               cn_value=cn_value, cn_fold=None if cn_value is None else cn_value / 2,
               mut_status=mut_status)
    return row


@pytest.fixture
def trial():
    """10 evaluable patients (2 PR, 4 SD, 4 PD) and 1 non-evaluable; 4 genes."""
    resp = ["PR", "PR", "SD", "SD", "SD", "SD", "PD", "PD", "PD", "PD"]
    pct = [-45, -32, -10, 5, -20, 8, 25, 40, 60, 33]
    pfs = [14.2, 11.0, 6.1, 5.0, 7.3, 4.1, 1.8, 1.9, 1.2, 2.5]
    pfs_e = [0, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    os_ = [20.0, 18.5, 15.0, 9.0, 12.1, 8.8, 5.0, 6.1, 3.3, 7.7]
    os_e = [0, 0, 1, 1, 0, 1, 1, 1, 1, 1]
    rows = [(f"P{i + 1:02d}", resp[i], pct[i], pfs[i], pfs_e[i], os_[i], os_e[i], True)
            for i in range(10)]
    rows.append(("P11", "NE", None, 0.5, 1, 1.0, 1, False))
    sheet = make_sheet(rows)
    twist = [8.0, 7.5, 6.0, 2.0, 2.1, 1.9, 2.0, 2.2, 1.8, None]
    cdkn2a = [2.0, 2.0, 1.9, 0.2, 2.0, 0.1, 0.0, 0.1, 2.1, None]
    alt = []
    for i in range(11):
        pid = f"P{i + 1:02d}"
        cn_profiled = i not in (9,)  # P10 has no copy-number file
        mut_profiled = i != 4  # P05 has no variant file
        tv = twist[i] if i < 10 else 2.0
        cv = cdkn2a[i] if i < 10 else 2.0
        alt.append(alteration_row(pid, "MDM2", "AMP" if cn_profiled else None,
                                  25.0 + i if cn_profiled else None,
                                  False if mut_profiled else None))
        alt.append(alteration_row(
            pid, "TWIST1", (("AMP" if tv >= 6 else "NEUTRAL") if cn_profiled else None),
            tv if cn_profiled else None, False if mut_profiled else None))
        alt.append(alteration_row(
            pid, "CDKN2A", (("HOMDEL" if cv < 0.5 else "NEUTRAL") if cn_profiled else None),
            cv if cn_profiled else None, (i == 8) if mut_profiled else None))
        alt.append(alteration_row(pid, "TP53", "NEUTRAL" if cn_profiled else None,
                                  2.0 if cn_profiled else None,
                                  (i in (6, 7)) if mut_profiled else None))
    return sheet, pd.DataFrame(alt)


def test_outcomes_trial(trial):
    sheet, _ = trial
    out = outcomes(sheet, CONFIG).set_index("metric")
    assert list(out.index) == ["ORR", "DCR", "median_PFS", "PFS_3mo", "PFS_6mo", "median_OS",
                               "OS_3mo", "OS_6mo"]
    orr, dcr = out.loc["ORR"], out.loc["DCR"]
    assert (orr.n, orr["count"], orr.estimate) == (10, 2, 0.2)
    assert (round(orr.ci_low, 4), round(orr.ci_high, 4)) == (0.0252, 0.5561)
    assert (dcr.n, dcr["count"], dcr.estimate) == (10, 6, 0.6)
    assert (round(dcr.ci_low, 4), round(dcr.ci_high, 4)) == (0.2624, 0.8784)
    assert "1 non-evaluable excluded" in orr.method and "Clopper-Pearson" in orr.method
    # median PFS over all 11 patients (survival_population: all); lifelines agrees
    lifelines = pytest.importorskip("lifelines")
    km = lifelines.KaplanMeierFitter().fit(sheet.pfs_months, sheet.pfs_event)
    assert out.loc["median_PFS", "n"] == 11
    assert out.loc["median_PFS", "estimate"] == km.median_survival_time_
    assert "conf.type 'log'" in out.loc["median_PFS", "method"]
    # PFS at 3 months: 11 patients, events at 0.5, 1.2, 1.8, 1.9, 2.5 before 3: S = 6/11
    assert out.loc["PFS_3mo", "estimate"] == pytest.approx(6 / 11)
    assert out.loc["PFS_3mo", "count"] == 6  # still at risk at 3 months
    assert "summary(survfit, times = 3)" in out.loc["PFS_3mo", "method"]


def test_outcomes_count_unassessed_evaluable_patients_as_non_responders(trial):
    """Issue 16: 3 responders among 18 evaluable, 7 of them without an assessment: 3/18 as
    trials report it (default), 3/11 only when configured to exclude them."""
    rows = [(f"E{i:02d}", "PR" if i < 3 else ("SD" if i < 11 else None), None, 5.0, 1.0, 9.0,
             1.0, True) for i in range(18)]
    sheet = make_sheet(rows + [("X", "NE", None, 1.0, 1.0, 2.0, 1.0, False)])
    out = outcomes(sheet, CONFIG).set_index("metric")
    assert (out.loc["ORR", "n"], out.loc["ORR", "count"]) == (18, 3)
    assert "7 evaluable without a best response counted as non-responders" in out.loc[
        "ORR", "method"]
    excl = outcomes(sheet, {**CONFIG, "statistics": {"unassessed_response": "exclude"}})
    excl = excl.set_index("metric")
    assert (excl.loc["ORR", "n"], excl.loc["ORR", "count"]) == (11, 3)
    assert "excluded (statistics.unassessed_response)" in excl.loc["ORR", "method"]
    # the response tests use the same denominators
    alt = pd.DataFrame([alteration_row(pid, "G1", "AMP" if k % 3 == 0 else "NEUTRAL", 2.0,
                                       False) for k, pid in enumerate(sheet.patient_id)])
    row = associations(alt, sheet, CONFIG).query("test == 'fisher' and alteration == "
                                                 "'amplification'").iloc[0]
    assert row.n_assessed == 18
    row = associations(alt, sheet, {**CONFIG, "statistics": {
        "unassessed_response": "exclude"}}).query(
        "test == 'fisher' and alteration == 'amplification'").iloc[0]
    assert row.n_assessed == 11


def test_outcomes_survival_population_evaluable(trial):
    sheet, _ = trial
    cfg = {**CONFIG, "statistics": {"survival_population": "evaluable"}}
    out = outcomes(sheet, cfg).set_index("metric")
    assert out.loc["median_OS", "n"] == 10
    ev = sheet[sheet.evaluable]
    assert out.loc["median_OS", "estimate"] == kaplan_meier_median(
        ev.os_months, ev.os_event, conf_level=0.95, conf_type="log")[0]


def test_outcomes_other_responders(trial):
    sheet, _ = trial
    cfg = {"response": {"responders": ["CR", "PR", "SD"]}}
    assert outcomes(sheet, cfg).set_index("metric").loc["ORR", "count"] == 6


def test_association_rows_and_denominators(trial):
    sheet, alt = trial
    table = associations(alt, sheet, CONFIG)
    assert list(table.columns) == schema.ASSOCIATION_COLUMNS
    # 4 genes x (4 binary x (fisher, mw, 2 x logrank, 2 x cox) + copy_number x 3)
    assert len(table) == 4 * (4 * 6 + 3)
    assert list(dict.fromkeys(table.gene)) == ["MDM2", "TWIST1", "CDKN2A", "TP53"]
    row = table.query("gene == 'TWIST1' and alteration == 'amplification' and test == 'fisher'")
    # P10 not profiled for CN, P11 not evaluable -> 9 assessed, 3 amplified
    assert (row.n_assessed.item(), row.n_altered.item()) == (9, 3)
    ref = stats.fisher_exact([[2, 1], [0, 6]])
    assert math.isclose(row.p_value.item(), ref.pvalue, rel_tol=1e-9)
    # mutation of TP53: P05 not profiled -> 9 assessed among the evaluable
    row = table.query("gene == 'TP53' and alteration == 'mutation' and test == 'fisher'")
    assert (row.n_assessed.item(), row.n_altered.item()) == (9, 2)
    # survival keeps the non-evaluable patient (survival_population: all)
    row = table.query("gene == 'TP53' and alteration == 'mutation' and test == 'logrank' "
                      "and endpoint == 'pfs'")
    assert row.n_assessed.item() == 10


def test_untestable_rows_keep_counts(trial):
    sheet, alt = trial
    table = associations(alt, sheet, CONFIG)
    mdm2 = table.query("gene == 'MDM2' and alteration == 'amplification'")
    assert (mdm2.n_altered == mdm2.n_assessed).all() and (mdm2.n_altered > 0).all()
    assert mdm2.p_value.isna().all() and mdm2.effect.isna().all()
    assert mdm2.note.str.contains("every assessed patient altered").all()
    none = table.query("gene == 'MDM2' and alteration == 'deletion'")
    assert (none.n_altered == 0).all() and none.p_value.isna().all()
    assert none.note.str.startswith("not tested").all()


def test_twist1_correlation_as_published_kind(trial):
    sheet, alt = trial
    table = associations(alt, sheet, CONFIG)
    rows = table.query("gene == 'TWIST1' and alteration == 'copy_number' and "
                       "endpoint == 'best_pct_change'").set_index("test")
    sub = alt[alt.gene == "TWIST1"].merge(sheet, on="patient_id")
    sub = sub[sub.evaluable & sub.cn_value.notna()]
    assert rows.loc["spearman", "n_assessed"] == len(sub) == 9
    ref = spearman_one(sub.cn_value, sub.best_pct_change)
    assert math.isclose(rows.loc["spearman", "p_value"], ref["p_value"], rel_tol=1e-12)
    # Pearson on log2(copy number / ploidy): the amplified outliers no longer dominate
    pr = stats.pearsonr(np.log2(sub.cn_fold.astype(float)), sub.best_pct_change)
    assert math.isclose(rows.loc["pearson", "effect"], pr.statistic, rel_tol=1e-9)
    assert math.isclose(rows.loc["pearson", "p_value"], pr.pvalue, rel_tol=1e-9)
    assert "log2(copy number / ploidy)" in rows.loc["pearson", "note"]
    assert rows.loc["spearman", "effect"] < 0  # amplified tumours shrink
    assert rows.loc["spearman", "family"] == "primary"
    assert rows.loc["pearson", "family"] == "exploratory"


def test_pearson_floor_for_homozygous_deletions(trial):
    sheet, alt = trial
    table = associations(alt, sheet, CONFIG)
    row = table.query("gene == 'CDKN2A' and test == 'pearson'").iloc[0]
    sub = alt[alt.gene == "CDKN2A"].merge(sheet, on="patient_id")
    sub = sub[sub.evaluable & sub.cn_value.notna()]
    x = np.log2(np.maximum(sub.cn_fold.astype(float), 1 / 16))  # 0 copies -> log2 = -4
    assert math.isclose(row.p_value, stats.pearsonr(x, sub.best_pct_change).pvalue,
                        rel_tol=1e-9)


def test_families_and_q_values(trial):
    """Primary: response:fisher, best_pct_change:spearman, pfs:logrank together; exploratory:
    one BH per test, never two views of one hypothesis in one family."""
    sheet, alt = random_cohort(60, 5, seed=8)
    table = associations(alt, sheet, CONFIG)
    from cohortmark.stats import benjamini_hochberg
    assert set(table.family) == {"primary", "exploratory"}
    prim = table[table.family == "primary"]
    assert set(zip(prim.endpoint, prim.test)) == {("response", "fisher"),
                                                  ("best_pct_change", "spearman"),
                                                  ("pfs", "logrank")}
    assert prim.p_value.notna().sum() > 20
    np.testing.assert_allclose(prim.q_value, benjamini_hochberg(prim.p_value.to_numpy()),
                               equal_nan=True)
    explo = table[table.family == "exploratory"]
    for _, fam in explo.groupby("test"):
        np.testing.assert_allclose(fam.q_value, benjamini_hochberg(fam.p_value.to_numpy()),
                                   equal_nan=True)
        assert not ({"pearson", "spearman"} <= set(fam.test))
        assert not ({"logrank", "cox"} <= set(fam.test))
    # a configured primary set; two views of one hypothesis are refused
    cfg = {**CONFIG, "statistics": {"primary_tests": ["os:cox", "response:fisher"]}}
    again = associations(alt, sheet, cfg)
    assert set(again[again.family == "primary"].test) == {"cox", "fisher"}
    from cohortmark.errors import InputError
    with pytest.raises(InputError, match="statistics.primary_tests.*same hypothesis|same "
                       "hypothesis"):
        associations(alt, sheet, {**CONFIG, "statistics": {
            "primary_tests": ["pfs:logrank", "pfs:cox"]}})
    with pytest.raises(InputError, match="not a test"):
        associations(alt, sheet, {**CONFIG, "statistics": {"primary_tests": ["pfs:fisher"]}})


def test_tests_configurable(trial):
    sheet, alt = trial
    cfg = {**CONFIG, "statistics": {"tests": ["fisher"]}}
    table = associations(alt, sheet, cfg)
    assert set(table.test) == {"fisher"} and len(table) == 16


def random_cohort(n_patients, n_genes, seed):
    rng = np.random.default_rng(seed)
    pids = [f"S{i:04d}" for i in range(n_patients)]
    resp = rng.choice(["CR", "PR", "SD", "PD", "NE"], n_patients, p=[.05, .2, .35, .35, .05])
    sheet = make_sheet([
        (pids[i], resp[i], float(rng.integers(-100, 100)) if rng.random() > .1 else None,
         float(rng.integers(1, 40)), float(rng.random() < .7), float(rng.integers(1, 60)),
         float(rng.random() < .5), bool(rng.random() > .1)) for i in range(n_patients)])
    rows = []
    for g in range(n_genes):
        p_amp, p_del, p_mut = rng.uniform(0, .4, 3)
        for i in range(n_patients):
            cn = rng.random() > .15
            call = rng.choice(["AMP", "HOMDEL", "NEUTRAL", "GAIN"],
                              p=[p_amp / 2, p_del / 2, 1 - p_amp / 2 - p_del / 2 - .05, .05])
            value = {"AMP": 9.0, "HOMDEL": 0.0, "NEUTRAL": 2.0, "GAIN": 3.0}[call] + (
                round(rng.normal(), 1) if g % 2 else rng.normal())
            mut = rng.random() < p_mut if rng.random() > .1 else None
            rows.append(alteration_row(pids[i], f"G{g}", call if cn else None,
                                       value if cn else None, mut))
    return sheet, pd.DataFrame(rows)


def naive_row(sheet, alt, gene, kind, endpoint, test):
    """Independent per-row computation with scipy / lifelines."""
    d = alt[alt.gene == gene].merge(sheet, on="patient_id")
    cn_known = d.cn_status != "not_profiled"
    mut_known = d.mut_status != "not_profiled"
    amp, dele = cn_known & (d.cn_call == "AMP"), cn_known & (d.cn_call == "HOMDEL")
    mut = mut_known & (d.mut_status == "altered")
    altered, known = {"amplification": (amp, cn_known), "deletion": (dele, cn_known),
                      "mutation": (mut, mut_known),
                      "any": (amp | dele | mut, amp | dele | mut | (cn_known & mut_known)),
                      "copy_number": (None, cn_known & d.cn_value.notna())}[kind]
    if endpoint in ("response", "best_pct_change"):
        # evaluable without a best response: a non-responder (statistics.unassessed_response)
        ok = d.evaluable & (True if endpoint == "response" else d.best_pct_change.notna())
    else:
        ok = d[f"{endpoint}_months"].notna() & d[f"{endpoint}_event"].notna()
    d = d[known & ok]
    a = altered[known & ok] if altered is not None else None
    if test == "fisher":
        y = d.best_response.isin(["CR", "PR"])
        return stats.fisher_exact([[(a & y).sum(), (a & ~y).sum()],
                                   [(~a & y).sum(), (~a & ~y).sum()]]).pvalue
    if test == "mannwhitney" and kind != "copy_number":
        return mannwhitney_one(d.best_pct_change[a], d.best_pct_change[~a])["p_value"]
    if test == "mannwhitney":
        y = d.best_response.isin(["CR", "PR"])
        return mannwhitney_one(d.cn_value[y], d.cn_value[~y])["p_value"]
    if test == "spearman":
        return spearman_one(d.cn_value, d.best_pct_change)["p_value"]
    if test == "pearson":
        return stats.pearsonr(np.log2(np.maximum(d.cn_fold.astype(float), 1 / 16)),
                              d.best_pct_change).pvalue
    lifelines = pytest.importorskip("lifelines")
    t, e = d[f"{endpoint}_months"], d[f"{endpoint}_event"]
    if test == "logrank":
        from lifelines.statistics import logrank_test
        return logrank_test(t[a], t[~a], e[a], e[~a]).p_value
    fit = lifelines.CoxPHFitter().fit(pd.DataFrame({"T": t, "E": e, "g": a.astype(float)}),
                                      "T", "E")
    return fit.summary.loc["g", "p"]


# the asymptotic log-rank everywhere and every group size tested, to compare with lifelines
# row by row (the permutation test and the minimum group size are tested on their own)
ASYMPTOTIC = {**CONFIG, "statistics": {"logrank_permutation_below": 0,
                                       "logrank_permutation_min_expected": 0,
                                       "min_altered_survival": 1}}


def test_vectorised_equals_naive_per_row():
    sheet, alt = random_cohort(70, 6, seed=3)
    table = associations(alt, sheet, ASYMPTOTIC)
    tested = table[table.p_value.notna()]
    assert len(tested) > 100
    for _, row in tested.iterrows():
        ref = naive_row(sheet, alt, row.gene, row.alteration, row.endpoint, row.test)
        # lifelines' Newton stops earlier than coxph (which we match to 1e-8, see
        # test_stats_vs_r); its p differs from R's by up to ~1e-3 with heavy ties
        tol = 2e-3 if row.test == "cox" else 1e-7
        assert math.isclose(row.p_value, ref, rel_tol=tol), (row.to_dict(), ref)
        if row.test == "mannwhitney" and row.alteration != "copy_number":
            assert math.isclose(row.effect, naive_median_diff(sheet, alt, row), abs_tol=1e-12)


def naive_median_diff(sheet, alt, row):
    d = alt[alt.gene == row.gene].merge(sheet, on="patient_id")
    d = d[d.evaluable & d.best_pct_change.notna()]
    cn_known, mut_known = d.cn_status != "not_profiled", d.mut_status != "not_profiled"
    amp, dele = cn_known & (d.cn_call == "AMP"), cn_known & (d.cn_call == "HOMDEL")
    mut = mut_known & (d.mut_status == "altered")
    altered, known = {"amplification": (amp, cn_known), "deletion": (dele, cn_known),
                      "mutation": (mut, mut_known),
                      "any": (amp | dele | mut, amp | dele | mut | (cn_known & mut_known))
                      }[row.alteration]
    y = d.best_pct_change
    return np.median(y[known & altered]) - np.median(y[known & ~altered])


def test_mannwhitney_exact_and_approximate_notes():
    sheet, alt = random_cohort(40, 3, seed=5)
    table = associations(alt, sheet, CONFIG)
    mw = table[(table.test == "mannwhitney") & table.p_value.notna()]
    assert mw.note.str.contains("exact|approximation").all()


def test_interactions_counts_and_fisher(trial):
    sheet, alt = trial
    table = interactions(alt, CONFIG)
    assert list(table.columns) == schema.INTERACTION_COLUMNS
    assert len(table) == 6  # 4 genes -> 6 pairs
    row = table.query("gene1 == 'TWIST1' and gene2 == 'CDKN2A'").iloc[0]
    # 'any': TWIST1 amplified P01-P03; CDKN2A deleted P04, P06-P08 or mutated P09;
    # P10 not profiled for CN -> unknown for both unless altered otherwise; P05 not profiled
    # for mutations -> known only if a CN alteration is seen.
    assert (row.n_both, row.n_gene1_only, row.n_gene2_only) == (0, 3, 5)
    assert row.n_assessed == row.n_both + row.n_gene1_only + row.n_gene2_only + row.n_neither
    ref = stats.fisher_exact([[row.n_both, row.n_gene1_only], [row.n_gene2_only, row.n_neither]])
    assert math.isclose(row.p_value, ref.pvalue, rel_tol=1e-9)
    # p = 0.08 (q higher): no evidence, so no label (issue 16)
    assert row.relation == "no evidence" and row.note.startswith("q = ")
    mdm2 = table.query("gene1 == 'MDM2'")
    assert mdm2.p_value.isna().all() and (mdm2.relation == "").all()
    # the label follows the p-value when asked, at the configured level
    by_p = interactions(alt, {**CONFIG, "statistics": {"interactions": {
        "label_by": "p", "alpha": 0.1}}})
    row = by_p.query("gene1 == 'TWIST1' and gene2 == 'CDKN2A'").iloc[0]
    assert row.p_value < 0.1 and row.relation == "exclusivity"
    # CDKN2A and TWIST1: chromosomes 9 and 7, not co-located; CDKN2A: 9p21 beside CDKN2B
    assert not row.co_located and math.isnan(row.distance_mb)


def test_interactions_random_against_scipy():
    _, alt = random_cohort(50, 8, seed=11)
    table = interactions(alt, {"statistics": {"interactions": {"alteration": "mutation"}}})
    assert len(table) == 28
    wide = alt.pivot(index="patient_id", columns="gene", values="mut_status")
    for _, row in table.iterrows():
        a, b = wide[row.gene1], wide[row.gene2]
        ok = (a != "not_profiled") & (b != "not_profiled")
        a, b = a[ok] == "altered", b[ok] == "altered"
        tab = [[(a & b).sum(), (a & ~b).sum()], [(~a & b).sum(), (~a & ~b).sum()]]
        assert [row.n_both, row.n_gene1_only, row.n_gene2_only, row.n_neither] == sum(tab, [])
        if not math.isnan(row.p_value):
            assert math.isclose(row.p_value, stats.fisher_exact(tab).pvalue, rel_tol=1e-9)


def test_bad_statistics_config_named(trial):
    from cohortmark.errors import InputError
    sheet, alt = trial
    with pytest.raises(InputError, match="statistics.alpha"):
        associations(alt, sheet, {"statistics": {"alpha": 0.1}})
    with pytest.raises(InputError, match="statistics.tests"):
        outcomes(sheet, {"statistics": {"tests": ["ttest"]}})


def test_bundled_example_against_r():
    """The example cohort (sheet + planted gene table): outcomes and associations vs R."""
    from pathlib import Path

    from cohortmark.sheets import load_samples
    from cohortmark.tsv import read_tsv

    data = Path(__file__).parent / "data" / "stats"
    sheet = load_samples(data / "example_samples.tsv", check_files=False)
    alt = read_tsv(data / "example_alterations.tsv")
    ref = pd.read_csv(data / "example_r.tsv", sep="\t", keep_default_na=False,
                      na_values=["NA"])
    out = outcomes(sheet, CONFIG).set_index("metric")
    orr = ref[ref.endpoint == "ORR"].iloc[0]
    assert out.loc["ORR", "n"] == orr.n and out.loc["ORR", "estimate"] == orr.estimate
    assert math.isclose(out.loc["ORR", "ci_low"], orr.ci_low, rel_tol=1e-9)
    assert math.isclose(out.loc["ORR", "ci_high"], orr.ci_high, rel_tol=1e-9)
    for metric, ep, test in (("median_PFS", "pfs", "km_median"), ("median_OS", "os", "km_median"),
                             ("PFS_3mo", "pfs", "km_rate_3"), ("PFS_6mo", "pfs", "km_rate_6"),
                             ("OS_3mo", "os", "km_rate_3"), ("OS_6mo", "os", "km_rate_6")):
        r = ref[(ref.endpoint == ep) & (ref.test == test)].iloc[0]
        for col in ("estimate", "ci_low", "ci_high"):
            ours, theirs = out.loc[metric, col], r[col]
            assert (math.isnan(ours) and math.isnan(theirs)) or math.isclose(ours, theirs), (
                metric, col)
    table = associations(alt, sheet, CONFIG)
    checked = 0
    for _, r in ref[ref.gene != ""].iterrows():
        row = table[(table.gene == r.gene) & (table.alteration == r.alteration)
                    & (table.endpoint == r.endpoint) & (table.test == r.test)].iloc[0]
        assert row.n_assessed == r.n
        if math.isnan(row.p_value):  # ours untestable (e.g. every assessed patient altered)
            assert row.note.startswith("not tested")
            continue
        checked += 1
        assert math.isclose(row.p_value, r.p_value, rel_tol=1e-6), (r.to_dict(), row.p_value)
        if r.test == "fisher":
            assert (row.effect == r.estimate) or math.isclose(row.effect, r.estimate,
                                                              rel_tol=1e-3)
        else:
            assert math.isclose(row.effect, r.estimate, rel_tol=1e-9)
    assert checked >= 10
    twist = table.query("gene == 'TWIST1' and alteration == 'amplification' and "
                        "test == 'fisher'").iloc[0]
    assert math.isclose(twist.p_value, 1 / 36, rel_tol=1e-12)  # hand-worked: 2 of 2 vs 0 of 7
    assert round(twist.p_value, 3) == 0.028  # the published value
    assert (round(out.loc["ORR", "estimate"], 3), round(out.loc["ORR", "ci_low"], 3),
            round(out.loc["ORR", "ci_high"], 3)) == (0.2, 0.025, 0.556)  # 20.0%, 2.5-55.6
    assert out.loc["DCR", "estimate"] == 0.6


def test_statistics_step_writes_three_tables(tmp_path):
    """steps.statistics on the example files: the three TSVs, stable across runs."""
    from pathlib import Path
    from types import SimpleNamespace

    from cohortmark import steps
    from cohortmark.tsv import read_tsv

    data = Path(__file__).parent / "data" / "stats"
    outputs = {}
    for run in (1, 2):
        out = SimpleNamespace(outcomes=tmp_path / f"{run}" / "outcomes.tsv",
                              associations=tmp_path / f"{run}" / "associations.tsv",
                              interactions=tmp_path / f"{run}" / "interactions.tsv")
        smk = SimpleNamespace(
            input=SimpleNamespace(samples=str(data / "example_samples.tsv"),
                                  panel=str(ROOT / "resources" / "panel.tsv"),
                                  alterations=str(data / "example_alterations.tsv")),
            output=out, log=[str(tmp_path / f"{run}.log")],
            params=SimpleNamespace(settings=dict(CONFIG), population=None, build="GRCh38"))
        steps.run(steps.statistics, smk)
        outputs[run] = {k: Path(v).read_bytes() for k, v in vars(out).items()}
    assert outputs[1] == outputs[2]
    inter = read_tsv(tmp_path / "1" / "interactions.tsv")
    assert list(inter.columns) == schema.INTERACTION_COLUMNS and len(inter) == 18 * 17 // 2
    pair = inter.query("gene1 == 'CDKN2A' and gene2 == 'CDKN2B'").iloc[0]
    assert bool(pair.co_located)  # the panel's coordinates reach the step (9p21 neighbours)
    assoc = read_tsv(tmp_path / "1" / "associations.tsv")
    assert list(assoc.columns) == schema.ASSOCIATION_COLUMNS
    assert len(assoc) == 18 * (4 * 6 + 3)
    assert set(assoc.family) == {"primary", "exploratory"}
    twist = assoc.query("gene == 'TWIST1' and alteration == 'amplification' and test == 'fisher'")
    assert twist.effect.item() == float("inf")


def test_notes_are_per_row_and_min_altered(trial):
    sheet, alt = trial
    table = associations(alt, sheet, CONFIG)
    row = table.query("gene == 'TWIST1' and alteration == 'amplification' and "
                      "test == 'fisher'").iloc[0]
    assert row.note.startswith("responders: altered 2/3, unaltered 0/6;")
    cfg = {**CONFIG, "statistics": {"min_altered": 4}}
    table = associations(alt, sheet, cfg)
    row = table.query("gene == 'TWIST1' and alteration == 'amplification' and "
                      "test == 'fisher'").iloc[0]
    assert math.isnan(row.p_value) and row.n_altered == 3 and "min_altered" in row.note


def test_tiny_and_empty_inputs():
    sheet = make_sheet([("P1", "PR", -40, None, None, None, None, True)])
    alt = pd.DataFrame([alteration_row("P1", "MDM2", "AMP", 20.0, False),
                        alteration_row("P1", "TP53", None, None, None)])
    out = outcomes(sheet, CONFIG).set_index("metric")
    assert out.loc["ORR", "estimate"] == 1 and out.loc["median_PFS", "n"] == 0
    table = associations(alt, sheet, CONFIG)
    assert len(table) == 2 * 27 and table.p_value.isna().all()
    assert table.note.str.startswith("not tested").all()
    tp53 = table[table.gene == "TP53"]
    assert (tp53.n_assessed == 0).all()  # not profiled is never counted as wild type
    assert len(interactions(alt, CONFIG)) == 1
    empty = pd.DataFrame(columns=schema.ALTERATION_COLUMNS)
    assert associations(empty, sheet, CONFIG).empty and interactions(empty, CONFIG).empty


def test_interactions_flag_co_located_pairs():
    """CDKN2A/CDKN2B (9p21, 8 kb apart) are neighbours; MDM2/CDK4 (12q, 11 Mb apart) share
    the amplicon in the data (cn_coamplified, or the same call and run length)."""
    rows = []
    for i in range(12):
        pid = f"P{i:02d}"
        amp, dele = i < 6, i in (3, 7, 8)
        for gene in ("MDM2", "CDK4", "CDKN2A", "CDKN2B", "TP53"):
            on_amp = gene in ("MDM2", "CDK4") and amp
            on_del = gene in ("CDKN2A", "CDKN2B") and dele
            call = "AMP" if on_amp else "HOMDEL" if on_del else "NEUTRAL"
            row = alteration_row(pid, gene, call, 20.0 if on_amp else 0.0 if on_del else 2.0,
                                 False)
            row["cn_segment_length"] = 5e5 if on_del else 1.2e7 if on_amp else None
            row["cn_coamplified"] = ({"MDM2": "CDK4", "CDK4": "MDM2"}[gene] if on_amp and i < 2
                                     else None)
            rows.append(row)
    alt = pd.DataFrame(rows)
    table = interactions(alt, CONFIG).set_index(["gene1", "gene2"])
    mdm2 = table.loc[("MDM2", "CDK4")]
    assert mdm2.co_located and mdm2.distance_mb == pytest.approx(11.05, abs=0.01)
    assert "one copy-number run in 6 patients" in mdm2.note
    cdkn2 = table.loc[("CDKN2A", "CDKN2B")]
    assert cdkn2.co_located and cdkn2.distance_mb < 0.01 and "neighbours" in cdkn2.note
    assert not table.loc[("MDM2", "TP53")].co_located  # chromosomes 12 and 17
    # 6/6 co-amplified of 12: significant, labelled, and still flagged as linkage
    assert mdm2.relation == "co-occurrence" and mdm2.q_value < 0.05
    # without the data evidence, 11 Mb is not "a few Mb": only the distance rule could flag it
    plain = alt.drop(columns=["cn_segment_length", "cn_coamplified"])
    again = interactions(plain, CONFIG).set_index(["gene1", "gene2"])
    assert not again.loc[("MDM2", "CDK4")].co_located
    wide = interactions(plain, {**CONFIG, "statistics": {"interactions": {
        "colocated_max_distance": 12e6}}}).set_index(["gene1", "gene2"])
    assert wide.loc[("MDM2", "CDK4")].co_located


def test_methods_text_follows_the_settings():
    from cohortmark.stats.describe import methods_text
    text = methods_text(CONFIG)
    assert "Fisher (response)" in text["multiplicity"] and "log-rank (PFS)" in text["multiplicity"]
    assert "Spearman (best % change)" in text["multiplicity"]
    assert "count as non-responders" in text["outcomes"] and "95%" in text["outcomes"]
    assert "3, 6 months" in text["survival"] and "conf.type 'log'" in text["survival"]
    assert "at least 3 patients in both" in text["small_groups"]
    other = methods_text({**CONFIG, "statistics": {
        "conf_level": 0.9, "primary_tests": ["os:cox"], "unassessed_response": "exclude",
        "landmarks_months": [6, 12], "km_conf_type": "log-log", "min_altered_survival": 5}})
    assert "Cox (OS)" in other["multiplicity"] and "Fisher (response)" not in other["multiplicity"]
    assert "are left out" in other["outcomes"] and "90%" in other["outcomes"]
    assert "6, 12 months" in other["survival"] and "log(-log S)" in other["survival"]
    assert "at least 5 patients in both" in other["small_groups"]
