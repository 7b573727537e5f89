"""Size and time of the figures and the report (``make bench-figures``; not part of the tests).

For each case it writes the cohort tables (a synthetic cohort of N patients x G genes with
fusion calls, or the real TCGA-LAML MAF of maftools with a large panel), computes the
statistics with the workflow's own functions, then runs every figure job of the registry and
the report job as the workflow does - one Python process per job (the steps' own functions,
as Snakemake's ``script:`` runs them), at most ``--cores`` at a time, the report after the
figures - and measures the wall time of those jobs, each file's size, and the first render
of report.html in headless Chromium (load event plus two animation frames). A screenshot of
the report's first screen and of the whole page is kept beside it.

    python bench/bench_figures.py                      # the README's cases
    python bench/bench_figures.py --cases syn:500x18,syn:5000x500,laml:1536 --cores 2

Targets (issue 17): report.html <= 5 MB, each figure file <= 2 MB, first render <= 3 s,
figures + report <= 60 s at 5,000 patients x 500 genes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from cohortmark import schema  # noqa: E402
from cohortmark.config import resolve  # noqa: E402
from cohortmark.genome import load_genes  # noqa: E402
from cohortmark.tsv import write_tsv  # noqa: E402

WORK = ROOT / "bench" / "work" / "figures"
LAML = Path("/work/shared/external/maftools") if not (ROOT.parent / "shared").exists() else (
    ROOT.parent / "shared" / "external" / "maftools")
LIMITS = {"report_mb": 5.0, "figure_mb": 2.0, "render_s": 3.0, "wall_s": 60.0}


# --- cohorts --------------------------------------------------------------------------------

def synthetic(n: int, n_genes: int, seed: int = 11) -> dict:
    """A registry-like cohort: sheet with clinical columns, a panel of ``n_genes`` genes of the
    annotation, and alterations (copy number, mutations, fusions) with gene frequencies from
    0.5% to 30%, some patients not profiled for each assay."""
    rng = np.random.default_rng(seed)
    genes = load_genes("GRCh38")["gene"].drop_duplicates()
    panel_genes = ["MDM2", "CDK4", "TP53", "CDKN2A", "TWIST1"] + [
        g for g in genes.iloc[:: max(1, len(genes) // (n_genes * 2))] if g not in
        ("MDM2", "CDK4", "TP53", "CDKN2A", "TWIST1")][: n_genes - 5]
    panel = pd.DataFrame({"gene": panel_genes, "group": ""})
    pids = [f"S{i:05d}" for i in range(n)]
    resp = rng.choice(["CR", "PR", "SD", "PD", "NE"], size=n, p=[0.03, 0.17, 0.4, 0.33, 0.07])
    centre = {"CR": -100, "PR": -50, "SD": -5, "PD": 35, "NE": 0}
    pct = np.clip([centre[r] + rng.normal(0, 12) for r in resp], -100, 150)
    pct[resp == "NE"] = np.nan
    pfs = rng.exponential(6, n).round(2) + 0.1
    sheet = pd.DataFrame({
        "patient_id": pids, "best_response": resp, "best_pct_change": pct.round(1),
        "pfs_months": pfs, "pfs_event": (rng.random(n) < 0.8).astype(int),
        "os_months": (pfs + rng.exponential(8, n)).round(2),
        "os_event": (rng.random(n) < 0.6).astype(int), "treatment_months": (pfs * 0.9).round(2),
        "on_treatment": np.where(rng.random(n) < 0.05, "true", "false"),
        "evaluable": np.where(resp == "NE", "false", "true"),
        "sex": rng.choice(["female", "male"], n), "age": rng.integers(18, 90, n),
        "histology": rng.choice(["intimal sarcoma", "leiomyosarcoma", "liposarcoma",
                                 "angiosarcoma"], n),
        "new_lesions": np.where((resp == "PD") & (rng.random(n) < 0.3), "true", "false")})
    g = len(panel)
    freq = rng.uniform(0.005, 0.3, g)
    draw = rng.random((n, g))
    kind = rng.integers(0, 4, (n, g))
    altered = draw < freq
    cn_np = np.repeat(rng.random(n) < 0.06, g).reshape(n, g)
    mut_np = np.repeat(rng.random(n) < 0.08, g).reshape(n, g)
    sv_np = np.repeat(rng.random(n) < 0.3, g).reshape(n, g)
    calls = np.array(["AMP", "GAIN", "LOSS", "HOMDEL"])
    cn_call = np.where(altered & (kind < 3), calls[kind], "NEUTRAL")
    cn_call = np.where(rng.random((n, g)) < 0.05, "GAIN", cn_call)
    mut = altered & (kind >= 2) & ~mut_np
    fus = (rng.random((n, g)) < freq / 20) & ~sv_np
    classes = np.array(schema.MUTATION_CLASSES[:4])
    alt = pd.DataFrame({
        "patient_id": np.repeat(pids, g), "gene": np.tile(panel_genes, n),
        "cn_status": np.where(cn_np, "not_profiled",
                              np.where(np.isin(cn_call, ["AMP", "HOMDEL"]), "altered",
                                       "wildtype")).ravel(),
        "cn_call": np.where(cn_np, "", cn_call).ravel(),
        "cn_value": np.where(cn_np, np.nan, np.select(
            [cn_call == "AMP", cn_call == "GAIN", cn_call == "LOSS", cn_call == "HOMDEL"],
            [12.0, 3.0, 1.0, 0.1], 2.0)).ravel(),
        "mut_status": np.where(mut_np, "not_profiled", np.where(mut, "altered", "wildtype")
                               ).ravel(),
        "mutation_class": np.where(mut, classes[rng.integers(0, 4, (n, g))], "").ravel(),
        "sv_status": np.where(sv_np, "not_profiled", np.where(fus, "altered", "wildtype")
                              ).ravel(),
        "sv_partners": np.where(fus, "EWSR1", "").ravel()})
    alt = alt.replace({"cn_call": {"": None}, "mutation_class": {"": None},
                       "sv_partners": {"": None}})
    return {"sheet": sheet, "panel": panel, "alterations": alt, "build": "GRCh38"}


def laml(panel_size: int) -> dict:
    """TCGA-LAML (maftools): 193 patients' MAF read by the workflow's MAF reader against a panel
    of the ``panel_size`` most often mutated genes; survival from the annotation; no copy
    number (not profiled) and no response."""
    from cohortmark.genome import load_panel
    from cohortmark.variants import read_variants
    from cohortmark.variants.core import gene_mutations

    maf = LAML / "tcga_laml.maf.gz"
    annot = pd.read_csv(LAML / "tcga_laml_annot.tsv", sep="\t")
    days = pd.to_numeric(annot["days_to_last_followup"], errors="coerce")
    annot["days_to_last_followup"] = days.where(np.isfinite(days))  # -Inf in the file: unknown
    raw = pd.read_csv(maf, sep="\t", usecols=["Hugo_Symbol", "Tumor_Sample_Barcode"])
    known = set(load_genes("GRCh37")["gene"])
    top = [g for g in raw["Hugo_Symbol"].value_counts().index if g in known][:panel_size]
    panel_path = WORK / "laml_panel.tsv"
    panel_path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"gene": top}).to_csv(panel_path, sep="\t", index=False)
    panel = load_panel(panel_path, "GRCh37")
    rows = []
    for pid in annot["Tumor_Sample_Barcode"]:
        genes = gene_mutations(read_variants(maf, pid, panel=panel, build="GRCh37"), panel)
        rows.append(genes.assign(patient_id=pid))
    mut = pd.concat(rows, ignore_index=True)
    alt = mut.assign(cn_status="not_profiled", cn_call=None, cn_value=np.nan)
    sheet = pd.DataFrame({
        "patient_id": annot["Tumor_Sample_Barcode"],
        "os_months": (annot["days_to_last_followup"] / 30.44).round(2),
        "os_event": annot["Overall_Survival_Status"].where(days.notna() & np.isfinite(days)),
        "evaluable": "true", "fab_classification": annot["FAB_classification"]})
    for col in ("best_response", "best_pct_change", "pfs_months", "pfs_event",
                "treatment_months", "on_treatment"):
        sheet[col] = None
    return {"sheet": sheet, "panel": panel, "alterations": alt, "build": "GRCh37",
            "panel_path": panel_path}


# --- statistics and files -------------------------------------------------------------------

def write_case(case: dict, d: Path) -> dict:
    """Tables written as the workflow writes them, statistics computed by its functions;
    returns the paths and the config."""
    from cohortmark.sheets import load_samples
    from cohortmark.stats import associations, interactions, outcomes
    from cohortmark.tsv import read_tsv

    d.mkdir(parents=True, exist_ok=True)
    samples = d / "samples.tsv"
    case["sheet"].to_csv(samples, sep="\t", index=False, na_rep="")
    panel_path = case.get("panel_path") or d / "panel.tsv"
    if "panel_path" not in case:
        case["panel"][["gene"]].to_csv(panel_path, sep="\t", index=False)
    config = resolve({"samples": str(samples), "genome": case["build"],
                      "panel": str(panel_path),
                      "figures": {"heatmap_tracks": [c for c in ("histology", "sex")
                                                     if c in case["sheet"].columns],
                                  "report_date": "2026-12-01"}})
    res = d / "results" / "cohort"
    cols = schema.ALTERATION_COLUMNS + (["sv_status", "sv_partners"]
                                        if "sv_status" in case["alterations"] else [])
    write_tsv(case["alterations"].reindex(columns=cols), res / "alterations.tsv", cols)
    write_tsv(pd.DataFrame(columns=schema.MUTATION_COLUMNS), res / "mutations.tsv",
              schema.MUTATION_COLUMNS)
    sheet = load_samples(samples, check_files=False)
    alt = read_tsv(res / "alterations.tsv")
    t0 = time.perf_counter()
    write_tsv(outcomes(sheet, config), res / "outcomes.tsv", schema.OUTCOME_COLUMNS)
    assoc = associations(alt, sheet, config)
    write_tsv(assoc, res / "associations.tsv")
    write_tsv(interactions(alt, config), res / "interactions.tsv", schema.INTERACTION_COLUMNS)
    stats_s = time.perf_counter() - t0
    return {"samples": str(samples), "panel": str(panel_path), "config": config,
            "results": d / "results", "stats_s": stats_s}


def _job(spec: dict, d: Path) -> float:
    path = d / f"job_{spec['name']}.json"
    path.write_text(json.dumps(spec, default=str))
    t0 = time.perf_counter()
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "step_job.py"), str(path)],
                         capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"job {spec['name']} failed:\n{run.stderr[-3000:]}")
    return time.perf_counter() - t0


def run_jobs(files: dict, d: Path, cores: int) -> dict:
    """Every figure job, ``cores`` at a time, then the report: wall times."""
    from cohortmark.figures import registry

    cfg, res = files["config"], files["results"]
    where = {"sheet": files["samples"], "panel": files["panel"]}
    specs = []
    for f in registry.applicable(cfg):
        if f.own_rule:
            continue
        inputs = {n: where.get(n, str(d / registry.TABLES[n]))
                  for n in registry.tables_of(f, cfg)}
        specs.append({"name": f.name, "step": "figures", "input": inputs,
                      "output": {"svg": str(res / "figures" / f"{f.name}.svg"),
                                 "png": str(res / "figures" / f"{f.name}.png")},
                      "params": {"name": f.name, "settings": registry.settings_of(f, cfg),
                                 "build": cfg["genome"]},
                      "log": [str(d / "logs" / f"{f.name}.log")]})
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(cores) as pool:
        times = dict(zip([s["name"] for s in specs], pool.map(lambda s: _job(s, d), specs)))
    figures_s = time.perf_counter() - t0
    cohort = res / "cohort"
    report = {"name": "report", "step": "report",
              "input": {"samples": files["samples"], "panel": files["panel"],
                        **{k: str(cohort / f"{k}.tsv") for k in
                           ("alterations", "mutations", "outcomes", "associations",
                            "interactions")},
                        "eligibility": [], "ctdna_patients": [],
                        "figures": [s["output"]["svg"] for s in specs]},
              "output": [str(res / "report.html")],
              "params": {"config": cfg, "build": cfg["genome"]},
              "log": [str(d / "logs" / "report.log")]}
    times["report"] = _job(report, d)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime)
    return {"jobs": times, "figures_s": figures_s,
            "wall_s": time.perf_counter() - t0, "cpu_s": cpu}


def first_render(report: Path, shots: Path) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1300, "height": 900},
                                   offline=True).new_page()
        t0 = time.perf_counter()
        page.goto(report.resolve().as_uri(), wait_until="load")
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => "
                      "requestAnimationFrame(r)))")
        seconds = time.perf_counter() - t0
        page.screenshot(path=str(shots.with_name(shots.name + "_top.png")))
        page.screenshot(path=str(shots.with_name(shots.name + "_full.png")), full_page=True)
        browser.close()
    return seconds


def bench(case_name: str, cores: int) -> dict:
    kind, _, size = case_name.partition(":")
    if kind == "syn":
        n, g = (int(x) for x in size.split("x"))
        case = synthetic(n, g)
    else:
        case = laml(int(size))
    d = WORK / case_name.replace(":", "_")
    files = write_case(case, d)
    run = run_jobs(files, d, cores)
    res = files["results"]
    report = res / "report.html"
    render = first_render(report, d / "report")
    figs = {p.name: p.stat().st_size for p in sorted((res / "figures").glob("*.*"))}
    return {"case": case_name, "patients": len(case["sheet"]), "genes": len(case["panel"]),
            "figures_s": round(run["figures_s"], 1), "report_s": round(run["jobs"]["report"], 1),
            "wall_s": round(run["wall_s"], 1), "cpu_s": round(run["cpu_s"], 1),
            "load": round(__import__("os").getloadavg()[0], 1), "report_mb": round(report.stat().st_size / 1e6, 2),
            "largest_figure": max(figs, key=figs.get),
            "largest_figure_mb": round(max(figs.values()) / 1e6, 2),
            "render_s": round(render, 2), "slowest_job": max(run["jobs"], key=run["jobs"].get),
            "slowest_job_s": round(max(run["jobs"].values()), 1), "dir": str(d)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", default="syn:11x18,syn:500x18,laml:1536,syn:5000x500")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "bench" / "figures_results.tsv"))
    args = ap.parse_args()
    rows = []
    for case in args.cases.split(","):
        row = bench(case, args.cores)
        row["within_limits"] = (row["report_mb"] <= LIMITS["report_mb"]
                                and row["largest_figure_mb"] <= LIMITS["figure_mb"]
                                and row["render_s"] <= LIMITS["render_s"]
                                and row["wall_s"] <= LIMITS["wall_s"])
        print("\t".join(f"{k}={v}" for k, v in row.items()), flush=True)
        rows.append(row)
    pd.DataFrame(rows).drop(columns="dir").to_csv(args.out, sep="\t", index=False)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
