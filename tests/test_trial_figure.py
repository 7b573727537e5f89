"""The patients x trials figure: layout (ordering, bins), cell shares, deterministic files."""

import numpy as np
import pandas as pd
from cohortmark.figures.trials import cell_shares, match_layout, plot_trial_matches


def eligibility(n_patients, rules, seed=3):
    rng = np.random.default_rng(seed)
    status = rng.choice(["eligible", "unknown", "ineligible"], p=[0.2, 0.2, 0.6],
                        size=(n_patients, len(rules)))
    return pd.DataFrame({
        "patient_id": np.repeat([f"P{i:04d}" for i in range(n_patients)], len(rules)),
        "rule": np.tile(rules, n_patients), "status": status.ravel(), "reason": "",
        "undecided": np.where(status.ravel() == "unknown", "TMB not measured", None)})


def test_layout_orders_by_trials_matched_and_bins_above_the_limit():
    rules = ["a", "b", "c"]
    table = eligibility(40, rules)
    layout = match_layout(table, rules, max_columns=50)
    assert not layout["binned"].any() and list(layout["column"]) == list(range(40))
    assert (np.diff(layout["n_eligible"]) <= 0).all()
    counted = table[table["status"] == "eligible"].groupby("patient_id").size()
    assert (layout.set_index("patient_id")["n_eligible"]
            == counted.reindex(layout["patient_id"]).fillna(0)).all()
    binned = match_layout(table, rules, max_columns=10, bins=8)
    assert binned["binned"].all() and binned["column"].nunique() == 8
    assert binned["column"].value_counts().between(5, 5).all()


def test_cell_shares_sum_to_one():
    rules = ["a", "b"]
    table = eligibility(100, rules)
    shares = cell_shares(table, match_layout(table, rules, max_columns=10, bins=10))
    assert np.allclose(shares[["eligible", "unknown", "ineligible"]].sum(axis=1), 1)
    assert shares["n"].sum() == 200


def test_figure_files_are_deterministic(tmp_path):
    rules = [f"trial_{i}" for i in range(12)]
    for n, name in ((8, "small"), (600, "binned")):
        table = eligibility(n, rules)
        for run in ("a", "b"):
            svg, png = plot_trial_matches(table, rules, tmp_path / f"{name}_{run}",
                                          max_columns=150, bins=60)
            assert svg.stat().st_size > 1000 and png.stat().st_size > 1000
        assert (tmp_path / f"{name}_a.svg").read_bytes() == (tmp_path / f"{name}_b.svg"
                                                              ).read_bytes()


def test_svg_does_not_depend_on_the_png_dpi(tmp_path):
    """figures.dpi redraws the PNG only: the SVG embeds the cells unresampled."""
    import numpy as np

    rng = np.random.default_rng(3)
    rules = ["a", "b", "c"]
    for n in (20, 400):  # cells drawn one per patient, and binned
        elig = pd.DataFrame([(f"P{i:03d}", r, rng.choice(["eligible", "unknown", "ineligible"]))
                             for i in range(n) for r in rules],
                            columns=["patient_id", "rule", "status"])
        elig["undecided"] = np.where(elig["status"] == "unknown", "X not profiled", "")
        svgs = []
        for dpi in (100, 200):
            svg, _ = plot_trial_matches(elig, rules, tmp_path / f"m{n}_{dpi}", max_columns=150,
                                        dpi=dpi)
            svgs.append(svg.read_bytes())
        assert svgs[0] == svgs[1]
