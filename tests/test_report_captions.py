"""Snakemake's own report: every caption a rule names exists and is valid reStructuredText; the
figures' captions come from the registry (workflow/report/figure.rst renders the rule's
``caption`` param) and parse too."""

import re
from pathlib import Path

import docutils.core
import docutils.utils
import pytest
from cohortmark.figures import registry

ROOT = Path(__file__).resolve().parents[1]


def _parse(text: str):
    return docutils.core.publish_doctree(
        text, settings_overrides={"report_level": docutils.utils.Reporter.WARNING_LEVEL,
                                  "halt_level": docutils.utils.Reporter.WARNING_LEVEL})


def captions_named_by_rules() -> set[str]:
    names = set()
    for smk in (ROOT / "workflow/rules").glob("*.smk"):
        names |= set(re.findall(r'caption="\.\./report/(\w+)\.rst"', smk.read_text()))
    return names


def test_every_caption_exists_and_parses():
    names = captions_named_by_rules()
    assert {"alterations", "outcomes", "associations", "trajectories", "figure"} <= names
    for name in sorted(names - {"figure"}):
        path = ROOT / "workflow/report" / f"{name}.rst"
        assert path.exists(), path
        assert "{{" not in path.read_text()
        assert _parse(path.read_text()).astext().strip()
    assert (ROOT / "workflow/report/figure.rst").read_text().strip() == (
        "{{ snakemake.params.caption }}")


@pytest.mark.parametrize("figure", registry.FIGURES, ids=lambda f: f.name)
def test_registry_captions_are_valid_rst(figure):
    text = registry.caption(figure, 0.95)
    assert _parse(text).astext().strip()


@pytest.mark.workflow
def test_snakemake_report_renders_the_registry_captions(tmp_path):
    """`snakemake --report` on a small workflow whose figure rules pass their registry caption
    as a param to workflow/report/figure.rst, as present.smk does."""
    import subprocess
    import sys
    import zipfile

    png = next((ROOT / "tests/data").rglob("*.png"), None) or ROOT / "resources/panel.tsv"
    rules = []
    for f in registry.FIGURES[:3]:
        caption = registry.caption(f, 0.9).replace('"', '\\"')
        rules.append(f'''
rule make_{f.name}:
    output:
        report("out/{f.name}.png", caption="{ROOT}/workflow/report/figure.rst",
               category="Figures")
    params:
        caption="{caption}"
    shell:
        "cp {png} {{output}}"
''')
    targets = ", ".join(f'"out/{f.name}.png"' for f in registry.FIGURES[:3])
    (tmp_path / "Snakefile").write_text(f"rule all:\n    input: {targets}\n" + "".join(rules))
    smk = [sys.executable, "-m", "snakemake", "--cores", "1", "--directory", str(tmp_path),
           "--snakefile", str(tmp_path / "Snakefile")]
    run = subprocess.run(smk, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    rep = subprocess.run(smk + ["--report", str(tmp_path / "report.zip")], capture_output=True,
                         text=True)
    assert rep.returncode == 0, rep.stderr[-3000:]
    with zipfile.ZipFile(tmp_path / "report.zip") as z:
        text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                       if n.endswith((".html", ".js")))
    assert "hatched grey is not profiled" in text  # the heatmap's caption, rendered
    assert "progression by new" in text and "longest follow-up" in text  # waterfall, swimmer
