"""Snakemake's own report: every caption a rule names exists and is valid reStructuredText."""

import re
from pathlib import Path

import docutils.core
import docutils.utils
import pytest

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


@pytest.mark.workflow
def test_snakemake_report_renders_every_caption(tmp_path):
    """`snakemake --report` on a small workflow whose outputs carry our captions."""
    import subprocess
    import sys
    import zipfile

    names = sorted(captions_named_by_rules())
    src = {"png": ROOT / "docs/notes/report/report_top.png", "tsv": ROOT / "resources/panel.tsv"}
    rules = []
    for name in names:
        ext = "png" if name in FIGURES else "tsv"
        rules.append(f'''
rule make_{name}:
    output:
        report("out/{name}.{ext}", caption="{ROOT}/workflow/report/{name}.rst",
               category="Figures" if "{ext}" == "png" else "Tables")
    shell:
        "cp {src[ext]} {{output}}"
''')
    targets = ", ".join(f'"out/{n}.{"png" if n in FIGURES else "tsv"}"' for n in names)
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
    assert "hatched grey is not profiled" in text  # biomarker_heatmap.rst, rendered
    assert "Clopper-Pearson" in text  # outcomes.rst
    assert "Plasma ctDNA trajectories" in text  # trajectories.rst
