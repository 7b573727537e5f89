"""The figure registry: one entry per figure, its settings are schema keys, captions follow the
confidence level, and no label hard-codes "95%"."""

import re
from pathlib import Path

import pytest
from cohortmark.config import default_config, load_schema
from cohortmark.figures import registry

ROOT = Path(__file__).resolve().parents[1]


def test_every_figure_once_with_schema_settings():
    names = [f.name for f in registry.FIGURES]
    assert len(names) == len(set(names))
    schema = load_schema()["properties"]
    for f in registry.FIGURES:
        for key in f.settings:
            sec, name = key.split(".", 1)
            assert name in schema[sec]["properties"], (f.name, key)
            assert schema[sec]["properties"][name].get("description"), key
        assert set(f.tables) <= set(registry.TABLES), f.name
        assert f.section in ("outcomes", "genomics", "associations", "ctdna", "trials")
        assert f.caption.strip() and f.title.strip()


def test_settings_of_is_exactly_what_the_figure_declares():
    cfg = default_config(figures={"dpi": 123})
    s = registry.settings_of(registry.BY_NAME["forest"], cfg)
    assert s == {"figures": {"forest_max_rows": 30, "dpi": 123},
                 "statistics": {"conf_level": 0.95}}


def test_ctdna_figures_only_with_plasma():
    assert "ctdna_vaf" not in [f.name for f in registry.applicable(default_config())]
    with_plasma = default_config(ctdna="plasma.tsv")
    assert "ctdna_vaf" in [f.name for f in registry.applicable(with_plasma)]


@pytest.mark.parametrize("level, label", [(0.95, "95%"), (0.9, "90%"), (0.975, "97.5%")])
def test_captions_follow_the_confidence_level(level, label):
    text = registry.caption(registry.BY_NAME["forest"], level)
    assert f"{label} interval" in text and "{conf}" not in text


def test_no_hard_coded_95_percent():
    """Labels follow statistics.conf_level: no literal 95% in the figure and report code or the
    report template (data and docs aside)."""
    offenders = []
    for path in [*(ROOT / "scripts/cohortmark/figures").glob("*.py"),
                 *(ROOT / "scripts/cohortmark/report").rglob("*.py"),
                 *(ROOT / "scripts/cohortmark/report/templates").glob("*.j2")]:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"95 ?%", line) and "conf_label" not in line:
                offenders.append(f"{path.name}:{n}: {line.strip()}")
    assert offenders == []


def test_trial_figure_only_with_trial_rules():
    assert "trial_matches" not in [f.name for f in registry.applicable(default_config())]
    with_rules = default_config(cohorts={"BRAF": "BRAF: V600E"})
    assert "trial_matches" in [f.name for f in registry.applicable(with_rules)]
    assert registry.BY_NAME["trial_matches"].section == "trials"


def test_measured_tmb_and_msi_are_heatmap_tracks(tmp_path):
    """patients.tsv's tmb / msi_status / msi_score are merged into the sheet, so
    figures.heatmap_tracks can name them."""
    import pandas as pd
    from cohortmark.tsv import write_tsv

    sheet = pd.DataFrame({"patient_id": ["P1", "P2"], "variant_file": [None, None],
                          "cn_file": [None, None]})
    sheet.to_csv(tmp_path / "samples.tsv", sep="\t", index=False)
    write_tsv(pd.DataFrame({"patient_id": ["P2", "P1"], "tmb": [12.5, None],
                            "msi_status": ["HIGH", "unknown"], "msi_score": [31.0, None]}),
              tmp_path / "patients.tsv")
    t = registry.load_tables({"sheet": tmp_path / "samples.tsv",
                              "patients": tmp_path / "patients.tsv"}, "GRCh38")
    assert t["sheet"]["tmb"].tolist()[1] == 12.5 and pd.isna(t["sheet"]["tmb"].iloc[0])
    assert t["sheet"]["msi_status"].tolist() == ["unknown", "HIGH"]
