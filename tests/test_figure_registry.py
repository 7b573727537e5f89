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
        assert f.section in ("outcomes", "genomics", "associations", "ctdna")
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
