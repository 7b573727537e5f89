"""The self-contained HTML report: one file, figures inline, no request to the network.

``render_report(tables, figures, provenance, out_path)`` renders ``templates/report.html.j2``
(Jinja2, autoescaped: every string from a user's file is escaped). Figures are embedded as
base64 ``data:`` URIs of their SVG (an SVG in an ``<img>`` cannot run script). The output
depends only on its inputs: the run date comes from the config (``figures.report_date``),
``SOURCE_DATE_EPOCH`` or the newest input file - never the wall clock.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import math
import os
import platform
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..config import section
from ..schema import BEST_RESPONSES
from .registry import biomarker_context, trial_context

TEMPLATES = Path(__file__).parent / "templates"
PACKAGES = ["cohortmark", "snakemake", "pandas", "numpy", "scipy", "matplotlib", "lifelines",
            "jinja2", "cyvcf2", "pysam"]
FIGURE_TITLES = {
    "biomarker_heatmap": "Biomarker heatmap", "waterfall": "Waterfall: best % change",
    "swimmer": "Swimmer: time on treatment", "km_pfs": "Kaplan-Meier: progression-free survival",
    "km_os": "Kaplan-Meier: overall survival", "forest": "Forest plot of associations",
    "ctdna_vaf": "ctDNA variant allele fractions",
    "trial_matches": "Patients x trials",
}
TEST_WORDS = {
    "fisher": "Fisher's exact test (two-sided) of response against the alteration; effect is the "
              "conditional maximum-likelihood odds ratio with its exact 95% interval (as R's "
              "fisher.test).",
    "mannwhitney": "Mann-Whitney U test (two-sided) of best % change between altered and "
                   "non-altered patients.",
    "spearman": "Spearman rank correlation of the continuous copy-number value with the "
                "endpoint.",
    "pearson": "Pearson correlation of the continuous copy-number value with the endpoint.",
    "logrank": "Log-rank test of survival between altered and non-altered patients.",
    "cox": "Cox proportional-hazards model; effect is the hazard ratio (altered vs not) with "
           "its Wald 95% interval.",
}
LIST_LIMIT = 100  # patients listed by name in a section before "and N more"


# --------------------------------------------------------------------------------------
# provenance (I/O: checksums, versions, dates)

def sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def software_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            if name == "cohortmark":
                from .. import __version__ as v  # noqa: PLC0415
                out[name] = v
    return out


def run_date(config: dict, inputs: dict[str, str]) -> tuple[str, str]:
    """(date, where it came from): config ``figures.report_date``, else ``SOURCE_DATE_EPOCH``,
    else the modification date (UTC) of the newest of ``inputs`` (pass the user's files -
    sheets, panel - not tables the run itself writes)."""
    date = section(config, "figures")["report_date"]
    if date:
        return str(date), "config figures.report_date"
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return (dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y-%m-%d"),
                "SOURCE_DATE_EPOCH")
    mtimes = [os.stat(p).st_mtime for p in inputs.values() if p and os.path.exists(p)]
    if not mtimes:
        return "unknown", "no input file"
    return (dt.datetime.fromtimestamp(max(mtimes), dt.UTC).strftime("%Y-%m-%d"),
            "newest input file")


def provenance(config: dict, inputs: dict[str, str], date_from: list[str] | None = None) -> dict:
    """Config, input files with SHA-256 checksums and sizes, software versions, run date
    (from the inputs labelled in ``date_from``; default all)."""
    files = []
    for label, path in inputs.items():
        if path and os.path.exists(path):
            files.append({"label": label, "path": str(path), "bytes": os.path.getsize(path),
                          "sha256": sha256(path)})
    dated = inputs if date_from is None else {k: v for k, v in inputs.items() if k in date_from}
    date, source = run_date(config, dated)
    return {"config": config, "inputs": files, "versions": software_versions(), "date": date,
            "date_source": source}


# --------------------------------------------------------------------------------------
# pure: tables -> template context

def fmt(value, digits: int = 3) -> str:
    """A cell as text: empty for missing, integers without decimals, floats to 3 significant."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isinf(value):
            return "\u221e" if value > 0 else "\u2212\u221e"
        if float(value).is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.{digits}g}"
    return str(value)


def sort_key(value) -> str:
    """A data-v attribute for sorting: numbers as numbers, text as text, missing last."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "Infinity" if value == math.inf else "-Infinity" if value == -math.inf else repr(
            float(value))
    return str(value)


def table(df: pd.DataFrame | None, limit: int | None = None, columns=None) -> dict | None:
    """A DataFrame as {columns, rows: [[(text, key)]], total, shown} for the template."""
    if df is None:
        return None
    if columns:
        df = df[[c for c in columns if c in df.columns]]
    shown = df if limit is None else df.head(limit)
    rows = [[(fmt(v), sort_key(v)) for v in rec] for rec in shown.itertuples(index=False)]
    return {"columns": list(df.columns), "rows": rows, "total": len(df), "shown": len(shown)}


def _names(ids) -> str:
    ids = list(ids)
    text = ", ".join(ids[:LIST_LIMIT])
    return text + (f" and {len(ids) - LIST_LIMIT} more" if len(ids) > LIST_LIMIT else "")


def cohort_summary(sheet: pd.DataFrame, alterations: pd.DataFrame) -> dict:
    """Counts for the cohort section and the patients set aside, with the reason."""
    per_patient = alterations.groupby("patient_id").agg(
        cn=("cn_status", lambda s: (s != "not_profiled").any()),
        mut=("mut_status", lambda s: (s != "not_profiled").any()))
    per_patient = per_patient.reindex(sheet["patient_id"]).fillna(False)
    response = sheet["best_response"].fillna("unknown").value_counts()
    responses = [(r, int(response.get(r, 0))) for r in BEST_RESPONSES + ["unknown"]
                 if response.get(r, 0)]
    set_aside = []
    for label, mask, why in (
            ("not evaluable", ~sheet["evaluable"].to_numpy(),
             "evaluable = false in the patient sheet: kept in every table and figure, left "
             "out of response statistics"),
            ("no best response", sheet["best_response"].isna().to_numpy() & sheet["evaluable"],
             "best_response empty in the sheet: left out of response statistics"),
            ("copy number not profiled", ~per_patient["cn"].to_numpy(),
             "no cn_file: copy number counted as not profiled, never as wild type"),
            ("mutations not profiled", ~per_patient["mut"].to_numpy(),
             "no variant_file: mutations counted as not profiled, never as wild type")):
        ids = sheet.loc[mask, "patient_id"].tolist()
        if ids:
            set_aside.append({"what": label, "n": len(ids), "patients": _names(ids),
                              "why": why})
    return {"n": len(sheet), "n_evaluable": int(sheet["evaluable"].sum()),
            "n_cn": int(per_patient["cn"].sum()), "n_mut": int(per_patient["mut"].sum()),
            "n_both": int((per_patient["cn"] & per_patient["mut"]).sum()),
            "responses": responses, "set_aside": set_aside}


def outcome_rows(outcomes: pd.DataFrame | None) -> list[dict]:
    rows = []
    if outcomes is None:
        return rows
    for r in outcomes.itertuples(index=False):
        rate = r.metric in ("ORR", "DCR")
        scale, unit = (100.0, "%") if rate else (1.0, " months")

        def f(v, scale=scale, rate=rate):
            # For a Kaplan-Meier median an empty value means the curve never got that low.
            if pd.isna(v) or np.isinf(v):
                return "" if rate and pd.isna(v) else "not reached"
            return f"{v * scale:.1f}"
        est = f(r.estimate)
        ci = f"{f(r.ci_low)}\u2013{f(r.ci_high)}" if not (pd.isna(r.ci_low) and pd.isna(
            r.ci_high)) else ""
        ci = ci.replace("not reached", "NR")
        rows.append({"metric": r.metric, "n": fmt(r.n), "count": fmt(r.count),
                     "estimate": est + (unit if est and est != "not reached" else ""),
                     "ci": ci, "method": fmt(r.method)})
    return rows


def gene_pages(panel: pd.DataFrame, alterations: pd.DataFrame, associations: pd.DataFrame | None,
               sheet: pd.DataFrame) -> list[dict]:
    """Per panel gene: call and mutation counts, altered patients, its association rows."""
    resp = sheet.set_index("patient_id")["best_response"]
    pages = []
    for gene, group in panel[["gene", "group"]].itertuples(index=False):
        df = alterations[alterations["gene"] == gene]
        cn = df.loc[df["cn_status"] != "not_profiled", "cn_call"].fillna("NEUTRAL")
        counts = [(k, int((cn == k).sum())) for k in ("AMP", "GAIN", "NEUTRAL", "LOSS",
                                                       "HOMDEL")]
        counts.append(("copy number not profiled", int((df["cn_status"] == "not_profiled").sum())))
        mut = df[df["mut_status"] == "altered"]
        mcounts = mut["mutation_class"].fillna("other").value_counts()
        mcounts = [(k, int(v)) for k, v in sorted(mcounts.items())]
        mcounts.append(("mutations not profiled",
                        int((df["mut_status"] == "not_profiled").sum())))
        altered = df[(df["cn_status"] == "altered") | (df["mut_status"] == "altered")].copy()
        altered["best_response"] = altered["patient_id"].map(resp)
        cols = ["patient_id", "best_response", "cn_call", "cn_value", "mutation_class",
                "protein_change", "vaf"]
        assoc = None
        if associations is not None:
            a = associations[associations["gene"] == gene].sort_values(
                ["p_value", "alteration", "endpoint", "test"], kind="mergesort")
            assoc = table(a.drop(columns=["gene"]))
        pages.append({"gene": gene, "group": group or "", "cn_counts": counts,
                      "mut_counts": mcounts, "n_altered": len(altered),
                      "altered": table(altered, LIST_LIMIT, cols), "associations": assoc})
    return pages


def methods(associations: pd.DataFrame | None, config: dict) -> dict:
    tests = [] if associations is None else [
        (t, TEST_WORDS.get(t, "")) for t in dict.fromkeys(associations["test"].dropna())]
    response = section(config, "response")
    thresholds = []
    for name in ("copy_number", "variants", "statistics", "ctdna_analysis", "figures"):
        values = config.get(name) or {}
        for key, value in sorted(values.items()) if isinstance(values, dict) else []:
            thresholds.append((f"{name}.{key}", str(value)))
    return {"tests": tests,
            "responders": ", ".join(response["responders"]),
            "disease_control": ", ".join(response["disease_control"]),
            "thresholds": thresholds}


def figure_uri(path: str | os.PathLike) -> str:
    """A figure file as a base64 data URI (SVG or PNG by extension)."""
    p = Path(path)
    mime = "image/svg+xml" if p.suffix == ".svg" else "image/png"
    return f"data:{mime};base64," + base64.b64encode(p.read_bytes()).decode("ascii")


def build_context(tables: dict, figures: dict, provenance: dict) -> dict:
    """Everything the template shows, from the tables (see ``render_report``)."""
    sheet, alt, panel = tables["sheet"], tables["alterations"], tables["panel"]
    assoc = tables.get("associations")
    config = provenance.get("config") or {}
    if assoc is not None:
        assoc = assoc.sort_values(["q_value", "p_value", "gene", "alteration", "endpoint",
                                   "test"], na_position="last", kind="mergesort")
    inter = tables.get("interactions")
    if inter is not None and "p_value" in inter.columns:
        inter = inter.sort_values("p_value", na_position="last", kind="mergesort")
    ctdna = []
    for key, title in (("molecular_response", "Molecular response"),
                       ("emergent", "Variants emerging in plasma"),
                       ("trajectories", "Trajectories (every variant x plasma sample)")):
        if tables.get(key) is not None:
            ctdna.append({"id": f"ctdna-{key}", "title": title,
                          "table": table(tables[key], 2000)})
    elig = tables.get("eligibility")
    elig_summary = None
    if elig is not None:
        elig_summary = table(elig.groupby(["rule", "status"]).size().rename("patients")
                             .reset_index())
        elig = elig[elig["status"] != "eligible"]
    figs = [{"name": n, "title": FIGURE_TITLES.get(n, n), "uri": figure_uri(p)}
            for n, p in figures.items() if p]
    names = {f["name"] for f in figs}
    title = section(config, "figures")["report_title"]
    return {
        "title": title, "cohort": cohort_summary(sheet, alt),
        "outcomes": outcome_rows(tables.get("outcomes")),
        "figures": {f["name"]: f for f in figs},
        "clinical_figures": [n for n in ("waterfall", "swimmer", "km_pfs", "km_os") if n in names],
        "associations": table(assoc), "interactions": table(inter),
        "genes": gene_pages(panel, alt, assoc, sheet), "ctdna": ctdna,
        "eligibility_summary": elig_summary, "eligibility": table(elig, 1000),
        "methods": methods(assoc, config), "provenance": provenance,
        "config_text": _yaml(config), "population": tables.get("population"),
        "trials": trial_context(tables), "biomarkers": biomarker_context(tables, config),
    }


def _yaml(config: dict) -> str:
    import yaml

    return yaml.safe_dump(_plain(config), sort_keys=True, default_flow_style=False,
                          allow_unicode=True)


def _plain(obj):
    """Snakemake's config may hold its own mapping/list types: make them plain for YAML."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def render_html(context: dict) -> str:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html", "j2"]), keep_trailing_newline=True)
    env.filters["e_attr"] = lambda s: html.escape(str(s), quote=True)
    return env.get_template("report.html.j2").render(**context)


def render_report(tables: dict, figures: dict, provenance: dict, out_path) -> Path:
    """Write the report to ``out_path`` atomically.

    ``tables``: sheet, panel, alterations (required); outcomes, associations, interactions,
    eligibility, trajectories, molecular_response, emergent (optional DataFrames or None).
    ``figures``: name -> SVG (or PNG) path. ``provenance``: from ``provenance()``.
    """
    text = render_html(build_context(tables, figures, provenance))
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name("." + out.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out
