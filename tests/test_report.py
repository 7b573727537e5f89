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
FIGURES = ["biomarker_heatmap", "waterfall", "swimmer", "km_pfs", "km_os", "forest",
           "interactions"]


# --- a fake Snakemake object and the inputs of the figures/report rules ----------------------

class Files(list):
    """Like snakemake's Namedlist: a list with attribute access to named entries."""

    def __init__(self, items=(), **named):
        super().__init__(items)
        self._named = named
        for k, v in named.items():
            setattr(self, k, v)

    def items(self):
        return self._named.items()


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


def render_run(d: Path, config: dict, tables: dict | None = None) -> SimpleNamespace:
    """results/ of a run on the 11-patient trial: tables written, every figure of the registry
    drawn with the run's settings, the report rendered with its downloads."""
    from cohortmark.figures import registry
    from cohortmark.report import provenance as prov

    tables = tables or rf.trial_tables()
    samples = write_sheet(tables["sheet"], d / "samples.tsv")
    res = d / "results"
    files = {"sheet": str(samples)}
    for name, cols in (("alterations", schema.ALTERATION_COLUMNS),
                       ("associations", None), ("outcomes", schema.OUTCOME_COLUMNS),
                       ("interactions", schema.INTERACTION_COLUMNS)):
        path = res / f"cohort/{name}.tsv"
        write_tsv(tables[name], path, cols)
        files[name] = str(path)
    cfg = resolve({"samples": str(samples), **config})
    figures = {}
    for f in registry.applicable(cfg):
        svg, _ = registry.draw(f.name, tables, registry.settings_of(f, cfg),
                               res / "figures" / f.name)
        figures[f.name] = str(svg)
    p = prov(cfg, {"patient sheet": str(samples), **{f"{k}.tsv": v for k, v in files.items()
                                                       if k != "sheet"}}, ["patient sheet"])
    out = render_report(tables, figures, p, res / "report.html", files=files)
    return SimpleNamespace(dir=d, res=res, out=out, tables=tables, figures=figures, prov=p,
                           files=files)


CONFIG = {"genome": "GRCh38",
          "figures": {"heatmap_tracks": ["primary_site", "age"], "report_date": "2026-12-01",
                      "km_split_by": "TWIST1:amplification", "dpi": 100}}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return render_run(tmp_path_factory.mktemp("run"), CONFIG)


def test_every_figure_and_the_report_written(workdir):
    for name in FIGURES:
        for ext in ("svg", "png"):
            assert (workdir.res / f"figures/{name}.{ext}").stat().st_size > 5000
    assert (workdir.res / "report.html").exists()


def test_steps_draw_registry_figures_and_the_report(workdir, tmp_path):
    """The glue the rules call: steps.figures draws one registry entry from its rule's inputs
    and params; steps.report embeds the figures and offers the tables for download."""
    from cohortmark import steps
    from cohortmark.figures import registry

    cfg = resolve({"samples": str(workdir.dir / "samples.tsv"), **CONFIG})
    where = {"sheet": str(workdir.dir / "samples.tsv"), "panel": str(ROOT / "resources/panel.tsv")}
    svgs = []
    for name in ("km_pfs", "forest"):
        fig = registry.BY_NAME[name]
        inputs = {n: where.get(n, str(workdir.dir / registry.TABLES[n]))
                  for n in registry.tables_of(fig, cfg)}
        assert ("alterations" in inputs) == (name == "km_pfs")  # split by TWIST1 here
        out = tmp_path / f"{name}.svg"
        smk = SimpleNamespace(input=Files(**inputs),
                              output=Files(svg=str(out), png=str(out.with_suffix(".png"))),
                              log=Files([str(tmp_path / f"{name}.log")]),
                              params=SimpleNamespace(name=name, build="GRCh38",
                                                     settings=registry.settings_of(fig, cfg)))
        steps.run(steps.figures, smk)
        assert out.read_bytes() == (workdir.res / "figures" / f"{name}.svg").read_bytes()
        svgs.append(str(out))
    res = workdir.res / "cohort"
    write_tsv(pd.DataFrame(columns=schema.MUTATION_COLUMNS), res / "mutations.tsv")
    rep = SimpleNamespace(
        input=Files(samples=where["sheet"], panel=where["panel"],
                    alterations=str(res / "alterations.tsv"), mutations=str(res / "mutations.tsv"),
                    outcomes=str(res / "outcomes.tsv"), associations=str(res / "associations.tsv"),
                    interactions=str(res / "interactions.tsv"), eligibility=Files([]),
                    ctdna_patients=Files([]), figures=Files(svgs)),
        output=Files([str(tmp_path / "report.html")]), log=Files([str(tmp_path / "r.log")]),
        params=SimpleNamespace(build="GRCh38", config=cfg))
    steps.run(steps.report, rep)
    html = (tmp_path / "report.html").read_text()
    assert html.count("<img ") == 2 and 'download="associations.tsv"' in html


def test_report_is_deterministic(workdir):
    first = (workdir.res / "report.html").read_bytes()
    render_report(workdir.tables, workdir.figures, workdir.prov, workdir.res / "report.html",
                  files=workdir.files)
    assert (workdir.res / "report.html").read_bytes() == first


def test_report_is_self_contained(workdir):
    html = (workdir.res / "report.html").read_text()
    assert "http://" not in html and "https://" not in html
    srcs = re.findall(r'\b(?:src|href)="([^"]*)"', html)
    assert srcs and all(s.startswith(("data:", "#")) for s in srcs), set(srcs)
    assert not re.search(r"<link\b|@import|url\(", html)
    imgs = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert len(imgs) == len(FIGURES)
    assert '<a class="download" href="data:text/tab-separated-values;base64,' in html
    for b64 in imgs:  # each embedded figure is the SVG written by the figures step
        svg = base64.b64decode(b64)
        assert svg.startswith(b"<?xml") and b"</svg>" in svg


def test_report_content(workdir):
    html = (workdir.res / "report.html").read_text()
    # ORR 2/10 = 20.0%, exact CI 2.5-55.6% (the published milademetan numbers)
    assert re.search(r"<td>ORR</td><td[^>]*>10</td><td[^>]*>2</td><td[^>]*>20\.0%</td>"
                     r"<td[^>]*>2\.5\u201355\.6</td>", html)
    # key findings first: ORR with its interval, the primary association with q
    findings = html[html.index('id="findings"'):html.index('id="cohort"')]
    assert "20.0%" in findings and "95% CI 2.5%\u201355.6%" in findings
    assert "TWIST1 amp vs response" in findings and "Fisher" in findings
    assert "PFS at 3 months" in findings
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
    assert rows["DCR"]["estimate"] == "60.0%" and rows["median PFS"]["estimate"] == "3.9 months"


def test_table_one_and_readable_labels(workdir):
    html = workdir.out.read_text()
    t1 = html[html.index('id="table-one"'):]
    t1 = t1[:t1.index("</table>")]
    # age: median (range) of the 11 patients; primary site: counts and % with unknown
    assert "57 (39\u201370)" in t1 and "pulmonary artery" in t1 and "5 (45%)" in t1
    assert "unknown" in t1 and "1 (9%)" in t1
    assert "<th>n_assessed</th>" not in html and "<th>assessed</th>" in html


def test_downloads_are_the_files_and_large_ones_are_linked(workdir, tmp_path):
    html = workdir.out.read_text()
    m = re.search(r'href="data:text/tab-separated-values;base64,([^"]+)" '
                  r'download="associations.tsv"', html)
    assert m and base64.b64decode(m.group(1)) == Path(workdir.files["associations"]).read_bytes()
    small = dict(CONFIG, figures={**CONFIG["figures"], "report_embed_table_max_kb": 1})
    run = render_run(tmp_path, small)
    html = run.out.read_text()
    assert 'href="cohort/alterations.tsv"' in html  # too large to embed: linked beside it
    assert 'download="outcomes.tsv"' in html  # 1 kB: still embedded


def test_confidence_level_follows_the_setting(tmp_path):
    run = render_run(tmp_path, dict(CONFIG, statistics={"conf_level": 0.9}))
    html = run.out.read_text()
    assert "<th>90% CI</th>" in html and "95%" not in html.split('id="provenance"')[0]


def copy_report(workdir, dest: Path) -> Path:
    shutil.copy(workdir.res / "report.html", dest)
    return dest


def test_ctdna_summary_and_patient_figures(tmp_path):
    """One sentence with numbers (emergent TP53 at progression among progressing patients with
    plasma, by best response) and the per-patient figures, collapsible, emergent first."""
    from cohortmark.figures.ctdna import plot_ctdna_patient

    sheet, panel, alt, assoc, outcomes = rf.trial()
    traj = pd.DataFrame({"patient_id": ["P08", "P08", "P03", "P03"], "gene": ["TP53"] * 4,
                         "variant": ["17:7673776:G>A"] * 2 + ["17:1:C>T"] * 2,
                         "protein_change": ["p.R248Q"] * 2 + ["p.R175H"] * 2,
                         "timepoint": ["baseline", "progression"] * 2, "day": [0, 56, 0, 240],
                         "vaf": [0.0, 0.042, 0.01, 0.02], "detected": [False, True, True, True],
                         "emergent": [True, True, False, False], "in_tissue": [True] * 4,
                         "baseline": [True, False, True, False]})
    emergent = pd.DataFrame({"patient_id": ["P08"], "gene": ["TP53"], "resistance_gene": [True],
                             "flag": [True]})
    figs = {pid: str(plot_ctdna_patient(traj, pid, tmp_path / pid, sheet, None, None)[0])
            for pid in ("P03", "P08")}
    html = render_report({"sheet": sheet, "panel": panel, "alterations": alt,
                          "trajectories": traj, "emergent": emergent}, {},
                         provenance({}, {}), tmp_path / "r.html",
                         patient_figures=figs).read_text()
    # P03 (SD) and P08 (PD) progressed and have plasma; P08 has emergent TP53 at progression
    assert ("Emergent TP53 variants present at progression in 1 of 2 progressing patients "
            "with plasma samples (by best response: SD 0/1, PD 1/1)") in html
    details = html[html.index('id="ctdna-patients"'):]
    assert details.index("ctdna-patient-P08") < details.index("ctdna-patient-P03")
    assert html.count('<img src="data:image/svg+xml') == 2
