"""Snakemake's own report: every caption a rule names exists and is valid reStructuredText."""

import re
from pathlib import Path

import docutils.core
import docutils.utils
import yaml
from cohortmark.figures.settings import DEFAULTS

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ["biomarker_heatmap", "waterfall", "swimmer", "km_pfs", "km_os", "forest", "ctdna_vaf"]


def captions_named_by_rules() -> set[str]:
    names = set()
    for smk in (ROOT / "workflow/rules").glob("*.smk"):
        text = smk.read_text()
        names |= set(re.findall(r'caption="\.\./report/(\w+)\.rst"', text))
        if 'caption=f"../report/{name}.rst"' in text:
            names |= set(FIGURES)
    return names


def test_every_caption_exists_and_parses():
    names = captions_named_by_rules()
    assert {"alterations", "outcomes", "associations", "trajectories", "forest"} <= names
    for name in sorted(names):
        path = ROOT / "workflow/report" / f"{name}.rst"
        assert path.exists(), path
        text = path.read_text()
        assert "{{" not in text  # Snakemake renders captions through Jinja2 first
        doc = docutils.core.publish_doctree(
            text, settings_overrides={"report_level": docutils.utils.Reporter.WARNING_LEVEL,
                                      "halt_level": docutils.utils.Reporter.WARNING_LEVEL})
        assert doc.astext().strip()


def test_schema_defaults_match_the_code():
    schema = yaml.safe_load((ROOT / "config/schemas/figures.schema.yaml").read_text())
    assert {k: v.get("default") for k, v in schema["properties"].items()} == DEFAULTS
