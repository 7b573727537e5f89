"""Fusions as a statistics alteration: assessed only where fusions were profiled, tested like
the others (Fisher's exact test checked against scipy), and part of 'any'."""

import numpy as np
import pandas as pd
import pytest
from cohortmark import schema
from cohortmark.config import default_config
from cohortmark.stats import associations
from scipy.stats import fisher_exact


def cohort(with_sv=True):
    rng = np.random.default_rng(7)
    n = 40
    pids = [f"P{i:02d}" for i in range(n)]
    responders = rng.random(n) < 0.4
    sv = np.where(np.arange(n) < 8, "not_profiled",
                  np.where(rng.random(n) < 0.3 + 0.4 * responders, "altered", "wildtype"))
    rows = []
    for i, pid in enumerate(pids):
        rows.append({"patient_id": pid, "gene": "ALK", "cn_status": "wildtype",
                     "cn_call": "NEUTRAL", "cn_value": 2.0, "mut_status": "wildtype",
                     "sv_status": sv[i], "sv_partners": "EML4" if sv[i] == "altered" else ""})
    alterations = pd.DataFrame(rows).reindex(
        columns=schema.ALTERATION_COLUMNS + (schema.ALTERATION_SV_COLUMNS if with_sv else []))
    sheet = pd.DataFrame({"patient_id": pids,
                          "best_response": np.where(responders, "PR", "PD"),
                          "best_pct_change": np.where(responders, -40.0, 25.0),
                          "evaluable": True, "pfs_months": rng.exponential(6, n),
                          "pfs_event": 1.0, "os_months": rng.exponential(12, n),
                          "os_event": 1.0})
    return alterations, sheet, sv, responders


def test_fusion_rows_match_scipy():
    alterations, sheet, sv, responders = cohort()
    table = associations(alterations, sheet, default_config())
    row = table[(table["alteration"] == "fusion") & (table["test"] == "fisher")].iloc[0]
    profiled = sv != "not_profiled"
    altered = sv == "altered"
    assert row["n_assessed"] == profiled.sum() == 32
    assert row["n_altered"] == altered.sum()
    a = int((altered & responders).sum())
    b = int((altered & ~responders).sum())
    c = int((profiled & ~altered & responders).sum())
    d = int((profiled & ~altered & ~responders).sum())
    assert row["p_value"] == pytest.approx(fisher_exact([[a, b], [c, d]])[1], rel=1e-9)
    assert {"fisher", "mannwhitney", "logrank", "cox"} <= set(
        table.loc[table["alteration"] == "fusion", "test"])


def test_any_includes_fusions_and_needs_every_assay():
    alterations, sheet, sv, _ = cohort()
    table = associations(alterations, sheet, default_config())
    row = table[(table["alteration"] == "any") & (table["test"] == "fisher")].iloc[0]
    assert row["n_altered"] == (sv == "altered").sum()
    assert row["n_assessed"] == (sv != "not_profiled").sum()  # CN and mutations known for all


def test_no_fusion_rows_without_structural_variant_data():
    alterations, sheet, *_ = cohort(with_sv=False)
    table = associations(alterations, sheet, default_config())
    assert "fusion" not in set(table["alteration"])
