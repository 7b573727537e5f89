"""The HTML report: self-contained, escaped, deterministic; and the figures/report step glue."""

import base64
import hashlib
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import report_fixtures as rf
from cohortmark import schema
from cohortmark.config import resolve
from cohortmark.report import (
    cohort_summary,
    fmt,
    outcome_rows,
    provenance,
    render_report,
    run_date,
)
from cohortmark.tsv import write_tsv

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ["biomarker_heatmap", "waterfall", "swimmer", "km_pfs", "km_os", "forest"]


# --- a fake Snakemake object and the inputs of the figures/report rules ----------------------

class Files(list):
    """Like snakemake's Namedlist: a list with attribute access to named entries."""

    def __init__(self, items=(), **named):
        super().__init__(items)
        for k, v in named.items():
            setattr(self, k, v)


def write_sheet(sheet: pd.DataFrame, path: Path, extra=("primary_site", "age")) -> Path:
    cols = ["patient_id", "best_response", "best_pct_change", "pfs_months", "pfs_event",
            "os_months", "os_event", "treatment_months", "on_treatment", "evaluable", *extra]
    out = sheet[cols].copy()
    for c in ("pfs_event", "os_event"):
        out[c] = out[c].map(lambda v: "" if pd.isna(v) else str(int(v)))
    for c in ("on_treatment", "evaluable"):
        out[c] = out[c].map(lambda v: "" if v is None else str(bool(v)).lower())
    out.to_csv(path, sep="\t", index=False, na_rep="")
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """results/ of a run on the 11-patient trial: tables written, figures and report made by
    the real step functions."""
    from cohortmark import steps

    d = tmp_path_factory.mktemp("run")
    sheet, panel, alt, assoc, outcomes = rf.trial()
    samples = write_sheet(sheet, d / "samples.tsv")
    res = d / "results"
    write_tsv(alt, res / "cohort/alterations.tsv", schema.ALTERATION_COLUMNS)
    write_tsv(alt.head(0), res / "cohort/mutations.tsv")
    write_tsv(assoc, res / "cohort/associations.tsv", schema.ASSOCIATION_COLUMNS)
    write_tsv(outcomes, res / "cohort/outcomes.tsv", schema.OUTCOME_COLUMNS)
    inter = pd.DataFrame({"gene_a": ["CDKN2A", "CDK4"], "gene_b": ["CDKN2B", "TWIST1"],
                          "n_both": [3, 2], "p_value": [0.02, 0.5]})
    write_tsv(inter, res / "cohort/interactions.tsv")
    config = {"samples": str(samples), "genome": "GRCh38",
              "figures": {"heatmap_tracks": ["primary_site", "age"], "report_date": "2026-12-01",
                          "km_split_by": "TWIST1:amplification"}}
    panel_path = str(ROOT / "resources/panel.tsv")
    svgs = [str(res / f"figures/{n}.svg") for n in FIGURES]
    fig_smk = SimpleNamespace(
        input=Files(samples=str(samples), panel=panel_path,
                    alterations=str(res / "cohort/alterations.tsv"),
                    associations=str(res / "cohort/associations.tsv")),
        output=Files(svg=svgs, png=[s[:-4] + ".png" for s in svgs]),
        log=Files([str(d / "logs/figures.log")]),
        params=SimpleNamespace(build="GRCh38", figures=config["figures"], settings={}))
    steps.run(steps.figures, fig_smk)
    rep_smk = SimpleNamespace(
        input=Files(samples=str(samples), panel=panel_path,
                    alterations=str(res / "cohort/alterations.tsv"),
                    mutations=str(res / "cohort/mutations.tsv"),
                    outcomes=str(res / "cohort/outcomes.tsv"),
                    associations=str(res / "cohort/associations.tsv"),
                    interactions=str(res / "cohort/interactions.tsv"),
                    eligibility=Files([]), figures=Files(svgs)),
        output=Files([str(res / "report.html")]), log=Files([str(d / "logs/report.log")]),
        params=SimpleNamespace(build="GRCh38", config=resolve(config)))
    steps.run(steps.report, rep_smk)
    return SimpleNamespace(dir=d, res=res, rep_smk=rep_smk, steps=steps)


def test_steps_write_every_figure_and_the_report(workdir):
    for name in FIGURES:
        for ext in ("svg", "png"):
            assert (workdir.res / f"figures/{name}.{ext}").stat().st_size > 5000
    assert (workdir.res / "report.html").exists()


def test_report_is_deterministic(workdir):
    first = (workdir.res / "report.html").read_bytes()
    workdir.steps.run(workdir.steps.report, workdir.rep_smk)
    assert (workdir.res / "report.html").read_bytes() == first


def test_report_is_self_contained(workdir):
    html = (workdir.res / "report.html").read_text()
    assert "http://" not in html and "https://" not in html
    srcs = re.findall(r'\b(?:src|href)="([^"]*)"', html)
    assert srcs and all(s.startswith(("data:", "#")) for s in srcs), set(srcs)
    assert not re.search(r"<link\b|@import|url\(", html)
    imgs = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert len(imgs) == len(FIGURES)
    for b64 in imgs:  # each embedded figure is the SVG written by the figures step
        svg = base64.b64decode(b64)
        assert svg.startswith(b"<?xml") and b"</svg>" in svg


def test_report_content(workdir):
    html = (workdir.res / "report.html").read_text()
    # ORR 2/10 = 20.0%, exact CI 2.5-55.6% (the published milademetan numbers)
    assert re.search(r"<td>ORR</td><td[^>]*>10</td><td[^>]*>2</td><td[^>]*>20\.0%</td>"
                     r"<td[^>]*>2\.5\u201355\.6</td>", html)
    assert "P11" in html and "evaluable = false" in html  # set aside, with the reason
    assert 'id="assoc-table"' in html and 'id="inter-table"' in html
    assert html.count('<details id="gene-') == 18
    assert "run date 2026-12-01" in html
    checksum = hashlib.sha256((workdir.dir / "samples.tsv").read_bytes()).hexdigest()
    assert checksum in html
    assert "Fisher&#39;s exact test" in html or "Fisher's exact test" in html


def test_user_strings_are_escaped(tmp_path):
    sheet, panel, alt, assoc, outcomes = rf.trial()
    evil = '<script>alert("x")</script>'
    panel = panel.assign(group=panel["group"].where(panel["gene"] != "MDM2", evil))
    alt.loc[alt["patient_id"] == "P05", "protein_change"] = evil
    out = render_report({"sheet": sheet, "panel": panel, "alterations": alt,
                         "associations": assoc, "outcomes": outcomes}, {},
                        provenance({"samples": evil}, {}), tmp_path / "r.html")
    html = out.read_text()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert html.count("<script>") == 1  # only the report's own sorting/filtering script


def test_optional_ctdna_and_eligibility_tables(tmp_path):
    sheet, panel, alt, assoc, outcomes = rf.trial()
    traj = pd.DataFrame({"patient_id": ["P08", "P08"], "gene": ["TP53", "TP53"],
                         "variant": ["17:7673776:G>A"] * 2, "protein_change": ["p.R248Q"] * 2,
                         "timepoint": ["baseline", "progression"], "day": [0, 56],
                         "vaf": [0.0, 0.042], "detected": [False, True],
                         "emergent": [False, True], "in_tissue": [True, True]})
    elig = pd.DataFrame({"patient_id": ["P01", "P09"], "rule": ["mdm2", "mdm2"],
                         "status": ["eligible", "unknown"],
                         "reason": ["MDM2 AMP", "MDM2 copy number not profiled"]})
    out = render_report({"sheet": sheet, "panel": panel, "alterations": alt,
                         "associations": assoc, "outcomes": outcomes, "trajectories": traj,
                         "eligibility": elig}, {}, provenance({}, {}), tmp_path / "r.html")
    html = out.read_text()
    assert 'id="ctdna-trajectories"' in html and "p.R248Q" in html
    assert 'id="eligibility-summary"' in html and "MDM2 copy number not profiled" in html
    without = render_report({"sheet": sheet, "panel": panel, "alterations": alt}, {},
                            provenance({}, {}), tmp_path / "s.html").read_text()
    assert 'id="ctdna"' not in without and 'id="eligibility"' not in without


def test_run_date_never_from_the_clock(tmp_path, monkeypatch):
    f = tmp_path / "a.tsv"
    f.write_text("x\n")
    import os

    os.utime(f, (0, 86400 * 365))  # 1971-01-01
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert run_date({}, {"a": str(f)}) == ("1971-01-01", "newest input file")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert run_date({}, {"a": str(f)})[0] == "2023-11-14"
    assert run_date({"figures": {"report_date": "2026-01-31"}}, {})[0] == "2026-01-31"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    newer = tmp_path / "results.tsv"
    newer.write_text("y\n")  # written by the run: must not move the date
    prov = provenance({}, {"sheet": str(f), "associations.tsv": str(newer)}, ["sheet"])
    assert prov["date"] == "1971-01-01" and len(prov["inputs"]) == 2


def test_provenance_checksums(tmp_path):
    f = tmp_path / "in.tsv"
    f.write_bytes(b"a\tb\n1\t2\n")
    prov = provenance({"samples": str(f)}, {"sheet": str(f)})
    assert prov["inputs"][0]["sha256"] == hashlib.sha256(b"a\tb\n1\t2\n").hexdigest()
    assert prov["inputs"][0]["bytes"] == 8
    assert prov["versions"]["pandas"] == pd.__version__


def test_formatting_and_summaries():
    assert fmt(float("nan")) == "" and fmt(3.0) == "3" and fmt(0.083333) == "0.0833"
    assert fmt(float("inf")) == "\u221e"
    sheet, panel, alt, assoc, outcomes = rf.trial()
    c = cohort_summary(sheet, alt)
    assert (c["n"], c["n_evaluable"], c["n_cn"], c["n_mut"], c["n_both"]) == (11, 10, 10, 10, 9)
    assert dict(c["responses"]) == {"PR": 2, "SD": 4, "PD": 4, "NE": 1}
    rows = {r["metric"]: r for r in outcome_rows(outcomes)}
    assert rows["DCR"]["estimate"] == "60.0%" and rows["median_PFS"]["estimate"] == "3.9 months"


def copy_report(workdir, dest: Path) -> Path:
    shutil.copy(workdir.res / "report.html", dest)
    return dest
