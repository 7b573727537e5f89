"""cohortmark.stats.survival, the one Kaplan-Meier / log-rank / Cox of the workflow: curves,
bands, medians and landmark rates against R survfit (fixtures from tests/r/), and the same
numbers in outcomes.tsv, the KM figure and the ctDNA table."""

import math
from pathlib import Path

import matplotlib.axes
import numpy as np
import pandas as pd
import pytest
from cohortmark.config import default_config
from cohortmark.stats import outcomes
from cohortmark.stats.survival import (
    CONF_TYPES,
    kaplan_meier,
    kaplan_meier_median,
    km_table,
    median_survival,
    survival_at,
)

DATA = Path(__file__).parent / "data" / "stats"


def load(name):
    return pd.read_csv(DATA / name, sep="\t", keep_default_na=False, na_values=["NA"])


def vec(text):
    return np.array([math.nan if v in ("NA", "NaN") else float(v) for v in str(text).split(",")])


def same(ours, r, rtol=1e-9, atol=1e-12):
    ours, r = np.asarray(ours, float), np.asarray(r, float)
    return ours.shape == r.shape and np.allclose(ours, r, rtol=rtol, atol=atol, equal_nan=True)


def test_curves_and_medians_match_r_for_every_conf_type():
    df = load("survfit_curves.tsv")
    assert set(df.conf_type) == set(CONF_TYPES) and set(df.conf_level) == {0.9, 0.95}
    assert len(df) >= 150
    for _, row in df.iterrows():
        kw = {"conf_level": row.conf_level, "conf_type": row.conf_type}
        km = kaplan_meier(vec(row.time), vec(row.event), **kw)
        where = (row.case, row.conf_type)
        assert same(km["time"], vec(row.curve_time)), where
        assert same(km["n_risk"], vec(row.n_risk)), where
        assert same(km["surv"], vec(row.surv)), where
        assert same(km["lower"], vec(row.lower)), where
        assert same(km["upper"], vec(row.upper)), where
        med = kaplan_meier_median(vec(row.time), vec(row.event), **kw)
        assert same(med, [row["median"], row.ci_low, row.ci_high]), (where, med)
        assert same(median_survival(vec(row.time), vec(row.event)), row["median"])


def test_landmark_rates_match_r_summary_times():
    df = load("survfit_landmarks.tsv")
    assert len(df) >= 150
    for _, row in df.iterrows():
        got = survival_at(vec(row.time), vec(row.event), vec(row.landmarks),
                          conf_level=row.conf_level, conf_type=row.conf_type)
        where = (row.case, row.conf_type)
        assert same(got["n_risk"], vec(row.n_risk)), where
        assert same(got["surv"], vec(row.surv)), where
        assert same(got["lower"], vec(row.lower)), (where, got["lower"], row.lower)
        assert same(got["upper"], vec(row.upper)), where


def test_landmark_after_follow_up():
    # follow-up ends censored at 4: no estimate at 6 (R's summary refuses the time)
    got = survival_at([1, 2, 4], [1, 0, 0], [3, 6], conf_level=0.95, conf_type="log")
    assert got["surv"][0] == pytest.approx(2 / 3) and math.isnan(got["surv"][1])
    assert list(got["n_risk"]) == [1, 0]
    # every patient has progressed by 4: the rate at 6 months is 0
    got = survival_at([1, 2, 4], [1, 1, 1], [6], conf_level=0.95, conf_type="log")
    assert got["surv"][0] == 0


def test_km_table_for_drawing():
    tab = km_table([1, 2, 2, 3, 4], [1, 1, 0, 0, 1], conf_level=0.95, conf_type="log-log")
    assert list(tab.time) == [0, 1, 2, 3, 4]
    assert list(tab.survival) == pytest.approx([1, 0.8, 0.6, 0.6, 0])
    assert list(tab.n_risk) == [5, 5, 4, 2, 1] and list(tab.n_censor) == [0, 0, 1, 1, 0]
    assert (tab.ci_low[0], tab.ci_high[0]) == (1, 1)  # drawn at 1 before the first event
    assert math.isnan(tab.ci_low.iloc[-1])  # no band once S = 0 (survfit gives NA)
    km = kaplan_meier([1, 2, 2, 3, 4], [1, 1, 0, 0, 1], conf_level=0.95, conf_type="log-log")
    assert np.allclose(tab.ci_low[1:4], km["lower"][:3]) and np.allclose(
        tab.ci_high[1:4], km["upper"][:3])


@pytest.mark.parametrize("conf_type, level", [("log", 0.95), ("log-log", 0.9)])
def test_figure_and_table_give_the_same_median_and_interval(tmp_path, monkeypatch, conf_type,
                                                           level):
    """Issue 14: times 1-4, all events - table 2.5 (R), figure said 2.0. Now one estimate."""
    from cohortmark.figures.survival import plot_km

    sheet = pd.DataFrame({"patient_id": ["A", "B", "C", "D"], "pfs_months": [1.0, 2, 3, 4],
                          "pfs_event": [1.0, 1, 1, 1], "os_months": [1.0, 2, 3, 4],
                          "os_event": [1.0, 1, 1, 1], "best_response": ["PD"] * 4,
                          "evaluable": [True] * 4})
    cfg = default_config(statistics={"km_conf_type": conf_type, "conf_level": level})
    table = outcomes(sheet, cfg).set_index("metric")
    assert table.loc["median_PFS", "estimate"] == 2.5
    bands = []
    original = matplotlib.axes.Axes.fill_between

    def spy(self, x, y1, y2=0, **kw):
        bands.append((np.asarray(x, float), np.asarray(y1, float), np.asarray(y2, float),
                      kw.get("label")))
        return original(self, x, y1, y2, **kw)

    monkeypatch.setattr(matplotlib.axes.Axes, "fill_between", spy)
    svg, _ = plot_km(sheet, "pfs", tmp_path / "km", alterations=None, outcomes=table.reset_index(),
                     split_by=None, statistics=cfg["statistics"], min_at_risk_fraction=0.0,
                     dpi=72)
    text = Path(svg).read_text()
    assert "median 2.5" in text and "median 2.0" not in text
    assert f"{level * 100:g}% CI" in text
    x, low, high, label = bands[0]
    km = kaplan_meier(sheet.pfs_months, sheet.pfs_event, conf_level=level, conf_type=conf_type)
    # the band is the survfit interval of the same conf.type (1 before the first event)
    assert same(low[1:], km["lower"]) and same(high[1:], km["upper"])
    r = load("survfit_curves.tsv").query("case == 1 and conf_type == @conf_type").iloc[0]
    if r.conf_level == level:
        assert same(low[1:], vec(r.lower)) and same(high[1:], vec(r.upper))
    med = kaplan_meier_median(sheet.pfs_months, sheet.pfs_event, conf_level=level,
                              conf_type=conf_type)
    assert same([table.loc["median_PFS", c] for c in ("estimate", "ci_low", "ci_high")], med)


def test_ctdna_pfs_median_is_the_same_estimate():
    from cohortmark import ctdna

    link = pd.DataFrame({"patient_id": list("ABCDEFGH"),
                         "molecular_status": ["responder"] * 4 + ["non_responder"] * 4,
                         "pfs_months": [1.0, 2, 3, 4, 1, 2, 3, 4],
                         "pfs_event": [1.0, 1, 1, 1, 1, 1, 0, 0]})
    got = ctdna.pfs_by_molecular_response(link).set_index("molecular_status")
    assert got.loc["responder", "median_pfs_months"] == 2.5  # R survfit
    assert got.loc["non_responder", "median_pfs_months"] == 3.0  # R: S = 0.5 from 2 to the end
