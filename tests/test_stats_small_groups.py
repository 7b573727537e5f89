"""Small groups (issue 16): the permutation log-rank test and the exact Mann-Whitney test with
ties, each against a full enumeration written out here and against R (survdiff / rank by
brute force over combn, tests/r/), and how the association table uses them."""

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cohortmark import schema
from cohortmark.stats import associations
from cohortmark.stats.association import mannwhitney_one
from cohortmark.stats.exact import wilcox_exact_p, wilcox_exact_tied_p
from cohortmark.stats.survival import logrank, logrank_permutation
from scipy import stats

DATA = Path(__file__).parent / "data" / "stats"
CONFIG = {"response": {"responders": ["CR", "PR"], "disease_control": ["CR", "PR", "SD"]},
          "statistics": {}}


def vec(text):
    return np.array([float(v) for v in str(text).split(",")])


def survdiff_o_minus_e(time, event, group):
    """Observed minus expected events of group 1, from survdiff's definition written out:
    at each event time, expected = deaths x (group 1 at risk) / (all at risk)."""
    o = e = 0.0
    for t in np.unique(time[event == 1]):
        at_risk = time >= t
        deaths = (time == t) & (event == 1)
        o += deaths[group == 1].sum()
        e += deaths.sum() * at_risk[group == 1].sum() / at_risk.sum()
    return o - e


def enumerate_logrank(time, event, group):
    """Two-sided permutation p by enumerating every assignment of the group-1 labels."""
    n, k = len(time), int(group.sum())
    obs = abs(survdiff_o_minus_e(time, event, group))
    hits = total = 0
    for chosen in itertools.combinations(range(n), k):
        g = np.zeros(n)
        g[list(chosen)] = 1
        total += 1
        hits += abs(survdiff_o_minus_e(time, event, g)) >= obs - 1e-9
    return hits / total, total


KW = {"max_enumerate": 100_000, "resamples": 10_000, "seed": 1}


@pytest.mark.parametrize("time, event, group", [
    # 1 of 8 altered, with the earliest event
    ([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 0, 1, 0, 1, 0], [1, 0, 0, 0, 0, 0, 0, 0]),
    # 2 of 9 with ties in time and a censored altered patient
    ([2, 2, 3, 3, 3, 5, 8, 8, 9], [1, 0, 1, 1, 0, 1, 1, 0, 1], [1, 1, 0, 0, 0, 0, 0, 0, 0]),
    # 3 of 10, altered living longer
    ([1.5, 2, 2.5, 3, 4, 6, 7, 12, 14, 20], [1, 1, 1, 1, 1, 0, 1, 1, 0, 1],
     [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]),
    # the larger group is the altered one (7 of 9): the smaller group is enumerated
    ([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 1, 1, 1, 1, 1, 1, 1], [0, 1, 1, 1, 1, 1, 1, 0, 1]),
])
def test_permutation_logrank_equals_full_enumeration(time, event, group):
    time, event, group = (np.array(v, float) for v in (time, event, group))
    ref, total = enumerate_logrank(time, event, group)
    res = logrank_permutation(time, event, group, **KW)
    assert res["exact"] and res["n_permutations"] == total
    assert res["p_value"] == pytest.approx(ref, abs=1e-12)
    # O - E: the sum of the group's log-rank scores is survdiff's observed - expected
    assert res["observed_minus_expected"] == pytest.approx(survdiff_o_minus_e(time, event, group))
    lr = logrank(time, event, group)
    assert res["observed_minus_expected"] == pytest.approx(lr["observed"][0] - lr["expected"][0])


def test_permutation_logrank_against_r_brute_force():
    """tests/r: every assignment enumerated with combn, O - E from survdiff itself."""
    df = pd.read_csv(DATA / "logrank_permutation.tsv", sep="\t")
    assert len(df) >= 20
    for _, row in df.iterrows():
        res = logrank_permutation(vec(row.time), vec(row.event), vec(row.group), **KW)
        assert res["exact"] and res["n_permutations"] == row.n_permutations, row.case
        assert res["p_value"] == pytest.approx(row.p_value, abs=1e-12), row.case
        assert res["observed_minus_expected"] == pytest.approx(row.observed_minus_expected,
                                                               abs=1e-10)


def test_permutation_logrank_monte_carlo():
    rng = np.random.default_rng(5)
    n = 60
    time = np.round(rng.exponential(6, n), 1) + 0.1
    event = (rng.random(n) < 0.8).astype(float)
    group = np.zeros(n)
    group[:4] = 1
    mc = logrank_permutation(time, event, group, **KW)  # C(60, 4) = 487635 > 100000
    assert not mc["exact"]  # too many to enumerate: Monte Carlo
    full = logrank_permutation(time, event, group, max_enumerate=10 ** 6, resamples=1, seed=0)
    assert full["exact"] and full["n_permutations"] == math.comb(60, 4)
    assert mc["n_permutations"] == 10_000
    assert abs(mc["p_value"] - full["p_value"]) < 4 * mc["se"] + 1e-4
    assert mc["se"] == pytest.approx(math.sqrt(mc["p_value"] * (1 - mc["p_value"]) / 10_000))
    again = logrank_permutation(time, event, group, **KW)
    assert again["p_value"] == mc["p_value"]  # fixed seed, same p
    # the random-keys sampler (k * k >= n) agrees with enumeration too
    group = np.zeros(16)
    group[:8] = 1
    t, e = time[:16], event[:16]
    full = logrank_permutation(t, e, group, max_enumerate=10 ** 6, resamples=1, seed=0)
    mc = logrank_permutation(t, e, group, max_enumerate=10, resamples=20_000, seed=3)
    assert full["exact"] and not mc["exact"]
    assert abs(mc["p_value"] - full["p_value"]) < 4 * mc["se"] + 1e-4


def test_issue_example_one_or_two_patients_of_79():
    """Asymptotic p of 1e-6 or less for 1-2 extreme patients; no honest p is below 1/79."""
    rng = np.random.default_rng(11)
    time = np.round(rng.exponential(5, 79), 1) + 0.1
    event = (rng.random(79) < 0.8).astype(float)
    for k in (1, 2):
        group = np.zeros(79)
        group[np.argsort(time)[:k]] = 1
        event[np.argsort(time)[:k]] = 1
        asym = logrank(time, event, group)["p_value"][0]
        perm = logrank_permutation(time, event, group, **KW)
        assert asym < 1e-6
        assert perm["exact"] and perm["p_value"] >= 1 / math.comb(79, k)
        assert perm["p_value"] > 100 * asym


def enumerate_mann_whitney(x, y):
    """Exact conditional p: all C(n, nx) assignments of the mid-ranks, |W - E W|."""
    ranks = stats.rankdata(np.concatenate([x, y]))
    n, nx = len(ranks), len(x)
    mean = nx * (n + 1) / 2
    obs = abs(ranks[:nx].sum() - mean)
    sums = [ranks[list(c)].sum() for c in itertools.combinations(range(n), nx)]
    return np.mean(np.abs(np.array(sums) - mean) >= obs - 1e-9)


@pytest.mark.parametrize("x, y", [
    ([1, 1, 2, 3, 3, 3], [2, 2, 4, 4, 5]),
    ([-40, -40, -10, 0], [0, 0, 25, 25, 25, 60]),
    ([5, 5, 5], [5, 5, 6]),
    ([1, 2, 2, 2, 2, 2, 2], [2]),
])
def test_tied_mann_whitney_equals_full_enumeration(x, y):
    x, y = np.array(x, float), np.array(y, float)
    ref = enumerate_mann_whitney(x, y)
    assert wilcox_exact_tied_p(x, y) == pytest.approx(ref, abs=1e-12)
    assert wilcox_exact_tied_p(y, x) == pytest.approx(ref, abs=1e-12)
    res = mannwhitney_one(x, y)
    assert res["exact"] and res["p_value"] == pytest.approx(ref, abs=1e-12)


def test_tied_mann_whitney_against_r_brute_force():
    df = pd.read_csv(DATA / "wilcox_tied_exact.tsv", sep="\t")
    off = 0
    for _, row in df.iterrows():
        got = mannwhitney_one(vec(row.x), vec(row.y))
        assert got["statistic"] == pytest.approx(row.statistic)
        assert got["p_value"] == pytest.approx(row.p_value, abs=1e-12), row.case
        off = max(off, abs(math.log(row.p_normal / row.p_value)))
    assert off > math.log(1.3)  # the normal approximation R uses with ties is far off here


def test_untied_exact_equals_r_rule():
    rng = np.random.default_rng(2)
    for _ in range(10):
        x, y = rng.normal(size=int(rng.integers(1, 8))), rng.normal(size=int(rng.integers(1, 9)))
        w = stats.rankdata(np.concatenate([x, y]))[: len(x)].sum() - len(x) * (len(x) + 1) / 2
        assert wilcox_exact_tied_p(x, y) == pytest.approx(wilcox_exact_p(w, len(x), len(y)))


# --- in the association table -------------------------------------------------------------

def cohort(n, altered, seed=0, events=0.8):
    rng = np.random.default_rng(seed)
    pids = [f"P{i:03d}" for i in range(n)]
    sheet = pd.DataFrame({
        "patient_id": pids, "best_response": rng.choice(["PR", "SD", "PD"], n),
        "best_pct_change": np.round(rng.normal(0, 30, n)),
        "pfs_months": np.round(rng.exponential(6, n), 1) + 0.1,
        "pfs_event": (rng.random(n) < events).astype(float),
        "os_months": np.round(rng.exponential(12, n), 1) + 0.1,
        "os_event": (rng.random(n) < events).astype(float), "evaluable": True})
    rows = []
    for i, pid in enumerate(pids):
        row = dict.fromkeys(schema.ALTERATION_COLUMNS)
        amp = i < altered
        row.update(patient_id=pid, gene="MDM2", cn_status="altered" if amp else "wildtype",
                   cn_call="AMP" if amp else "NEUTRAL", cn_value=20.0 if amp else 2.0,
                   cn_fold=10.0 if amp else 1.0, mut_status="wildtype")
        rows.append(row)
    return sheet, pd.DataFrame(rows)


def test_table_uses_permutation_for_small_groups():
    sheet, alt = cohort(30, 3)
    table = associations(alt, sheet, CONFIG)
    row = table.query("alteration == 'amplification' and endpoint == 'pfs' and "
                      "test == 'logrank'").iloc[0]
    assert "permutation, exact over all 4060 group assignments" in row.note
    ref = logrank_permutation(sheet.pfs_months, sheet.pfs_event, np.arange(30) < 3, **KW)
    assert row.p_value == pytest.approx(ref["p_value"])
    assert row.family == "primary"
    # large groups keep the chi-square
    sheet, alt = cohort(40, 20, seed=1)
    row = associations(alt, sheet, CONFIG).query(
        "alteration == 'amplification' and endpoint == 'pfs' and test == 'logrank'").iloc[0]
    assert "asymptotic (survdiff chi-square" in row.note
    assert row.p_value == pytest.approx(
        logrank(sheet.pfs_months, sheet.pfs_event, np.arange(40) < 20)["p_value"][0])
    # Monte Carlo when enumeration is too long: the note gives the standard error
    sheet, alt = cohort(200, 6, seed=2)
    row = associations(alt, sheet, CONFIG).query(
        "alteration == 'amplification' and endpoint == 'os' and test == 'logrank'").iloc[0]
    assert "Monte Carlo: 10000 random group assignments" in row.note and "SE of p" in row.note
    again = associations(alt, sheet, CONFIG).query(
        "alteration == 'amplification' and endpoint == 'os' and test == 'logrank'").iloc[0]
    assert again.p_value == row.p_value


def test_min_altered_survival_and_unstable_cox():
    sheet, alt = cohort(30, 2)
    table = associations(alt, sheet, CONFIG)
    surv = table[table.test.isin(["logrank", "cox"]) & (table.alteration == "amplification")]
    assert surv.p_value.isna().all()
    assert surv.note.str.contains("statistics.min_altered_survival").all()
    fisher = table.query("alteration == 'amplification' and test == 'fisher'").iloc[0]
    assert not fisher.note.startswith("not tested")  # response rows keep min_altered = 1
    sheet, alt = cohort(30, 4, seed=4)
    row = associations(alt, sheet, CONFIG).query(
        "alteration == 'amplification' and endpoint == 'pfs' and test == 'cox'").iloc[0]
    events_altered = int(sheet.pfs_event[:4].sum())
    assert events_altered < 5
    assert row.note.startswith("unstable: fewer than 5 events in a group")
    assert f"{events_altered} events altered" in row.note
    assert np.isfinite(row.effect)  # the numbers stay, flagged


def test_tied_mann_whitney_in_the_table():
    sheet, alt = cohort(14, 4, seed=6)
    sheet["best_pct_change"] = np.round(sheet["best_pct_change"] / 20) * 20  # ties
    row = associations(alt, sheet, CONFIG).query(
        "alteration == 'amplification' and test == 'mannwhitney'").iloc[0]
    assert "exact, conditional on ties" in row.note
    y = sheet.best_pct_change.to_numpy()
    assert row.p_value == pytest.approx(enumerate_mann_whitney(y[:4], y[4:]), abs=1e-12)
