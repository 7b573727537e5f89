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
import re
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..config import section
from ..figures import conf_label, registry
from ..schema import BEST_RESPONSES
from ..stats.describe import methods_text
from ..tsv import atomic_write
from .biomarkers import biomarker_context, trial_context
from .content import (
    ctdna_summary,
    key_findings,
    label,
    order_patients_for_figures,
    table_one,
    value_words,
)

TEMPLATES = Path(__file__).parent / "templates"
PACKAGES = ["cohortmark", "snakemake", "pandas", "numpy", "scipy", "matplotlib", "lifelines",
            "jinja2", "cyvcf2", "pysam"]
LIST_LIMIT = 30  # patients listed by name in a section before "and N more"
# alterations.tsv columns the report shows (a registry's table is millions of rows)
ALTERATION_COLUMNS = ["patient_id", "gene", "cn_status", "cn_call", "cn_value", "mut_status",
                      "mutation_class", "protein_change", "vaf", "sv_status", "sv_partners"]
GENE_PAGE_ROWS = 30  # altered patients listed on a gene's page (all in alterations.tsv)


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
    for name, path in inputs.items():
        if path and os.path.exists(path):
            files.append({"label": name, "path": str(path), "bytes": os.path.getsize(path),
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
    """A DataFrame as {columns, labels, rows: [[(text, key)]], total, shown} for the template;
    text in a reader's words (``not profiled``, ``log-rank``), keys raw for sorting."""
    if df is None:
        return None
    if columns:
        df = df[[c for c in columns if c in df.columns]]
    shown = df if limit is None else df.head(limit)
    rows = [[(value_words(fmt(v)), sort_key(v)) for v in rec]
            for rec in shown.itertuples(index=False)]
    return {"columns": list(df.columns), "labels": [label(c) for c in df.columns],
            "rows": rows, "total": len(df), "shown": len(shown)}


def download(name: str, path, max_kb: int, report_dir) -> dict | None:
    """A table's TSV for download: embedded as a data URI up to ``max_kb``, else linked by its
    path relative to the report."""
    if not path or not os.path.exists(path):
        return None
    size = os.path.getsize(path)
    if size <= max_kb * 1000:
        href = ("data:text/tab-separated-values;base64,"
                + base64.b64encode(Path(path).read_bytes()).decode("ascii"))
        embedded = True
    else:
        href = os.path.relpath(Path(path).resolve(), Path(report_dir).resolve())
        embedded = False
    return {"name": name, "file": Path(path).name, "href": href, "embedded": embedded,
            "kb": f"{size / 1000:,.0f}"}


def _names(ids) -> str:
    ids = list(ids)
    text = ", ".join(ids[:LIST_LIMIT])
    return text + (f" and {len(ids) - LIST_LIMIT} more" if len(ids) > LIST_LIMIT else "")


def cohort_summary(sheet: pd.DataFrame, alterations: pd.DataFrame) -> dict:
    """Counts for the cohort section and the patients set aside, with the reason."""
    per_patient = pd.DataFrame({  # three columns, not a copy of the whole table
        "patient_id": alterations["patient_id"].to_numpy(),
        "cn": (alterations["cn_status"] != "not_profiled").to_numpy(),
        "mut": (alterations["mut_status"] != "not_profiled").to_numpy(),
    }).groupby("patient_id")[["cn", "mut"]].any()  # vectorised: 100,000 patients
    per_patient = per_patient.reindex(sheet["patient_id"]).fillna(False)
    response = sheet["best_response"].fillna("unknown").value_counts()
    responses = [(r, int(response.get(r, 0))) for r in BEST_RESPONSES + ["unknown"]
                 if response.get(r, 0)]
    set_aside = []
    for what, mask, why in (
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
            set_aside.append({"what": what, "n": len(ids), "patients": _names(ids),
                              "why": why})
    return {"n": len(sheet), "n_evaluable": int(sheet["evaluable"].sum()),
            "n_cn": int(per_patient["cn"].sum()), "n_mut": int(per_patient["mut"].sum()),
            "n_both": int((per_patient["cn"] & per_patient["mut"]).sum()),
            "responses": responses, "set_aside": set_aside}


def metric_words(metric: str) -> str:
    """ORR -> ORR, median_PFS -> median PFS, PFS_3mo -> PFS at 3 months."""
    what, _, when = str(metric).partition("_")
    if what in ("PFS", "OS") and when.endswith("mo"):
        return f"{what} at {when[:-2]} months"
    return str(metric).replace("_", " ")


def outcome_rows(outcomes: pd.DataFrame | None) -> list[dict]:
    rows = []
    if outcomes is None:
        return rows
    for r in outcomes.itertuples(index=False):
        rate = r.metric in ("ORR", "DCR") or bool(re.fullmatch(r"(PFS|OS)_[0-9.]+mo", r.metric))
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
        rows.append({"metric": metric_words(r.metric), "n": fmt(r.n), "count": fmt(r.count),
                     "estimate": est + (unit if est and est != "not reached" else ""),
                     "ci": ci, "method": fmt(r.method)})
    return rows


def gene_pages(panel: pd.DataFrame, alterations: pd.DataFrame, associations: pd.DataFrame | None,
               sheet: pd.DataFrame, max_genes: int, max_rows: int) -> tuple[list[dict], int]:
    """Per panel gene (at most ``max_genes``: all of a small panel, else the smallest primary
    q, then the most often altered): call and mutation counts, altered patients, its
    association rows. Returns (pages, number of panel genes)."""
    from ..figures.heatmap_data import gene_associations, gene_frequencies, select_genes

    resp = sheet.set_index("patient_id")["best_response"]
    assoc, _ = gene_associations(associations, "response")
    chosen = select_genes(panel, gene_frequencies(alterations), assoc, max_genes)
    chosen = panel[panel["gene"].isin(set(chosen["gene"]))]
    rows_of = alterations.groupby("gene", sort=False).indices  # the chosen genes' rows only
    by_gene_assoc = ({} if associations is None else
                     dict(tuple(associations.groupby("gene", sort=False))))
    pages = []
    for gene, group in chosen[["gene", "group"]].itertuples(index=False):
        df = alterations.iloc[rows_of[gene]] if gene in rows_of else alterations.head(0)
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
        if gene in by_gene_assoc:
            a = by_gene_assoc[gene].sort_values(["p_value", "alteration", "endpoint", "test"],
                                                kind="mergesort")
            assoc = table(a.drop(columns=["gene"]), max_rows)
        pages.append({"gene": gene, "group": group or "", "cn_counts": counts,
                      "mut_counts": mcounts, "n_altered": len(altered),
                      "altered": table(altered, GENE_PAGE_ROWS, cols), "associations": assoc})
    return pages, len(panel)


def methods(associations: pd.DataFrame | None, config: dict) -> dict:
    text = methods_text(config)  # written from the settings that made the numbers
    conf = conf_label(section(config, "statistics")["conf_level"])
    tests = [] if associations is None else [
        (value_words(t), text["tests"].get(t, ""))
        for t in dict.fromkeys(associations["test"].dropna())]
    response = section(config, "response")
    return {"tests": tests, "text": text, "conf": conf,
            "responders": ", ".join(response["responders"]),
            "disease_control": ", ".join(response["disease_control"])}


def caption_html(text: str) -> str:
    """A figure caption (reStructuredText, as Snakemake's report renders it) as HTML."""
    from docutils.core import publish_parts

    return publish_parts(text, writer="html5",
                         settings_overrides={"report_level": 5})["body"]


def figure_uri(path: str | os.PathLike) -> str:
    """A figure file as a base64 data URI (SVG or PNG by extension)."""
    p = Path(path)
    mime = "image/svg+xml" if p.suffix == ".svg" else "image/png"
    return f"data:{mime};base64," + base64.b64encode(p.read_bytes()).decode("ascii")


def build_context(tables: dict, figures: dict, provenance: dict, files: dict | None = None,
                  patient_figures: dict | None = None, report_dir=".") -> dict:
    """Everything the template shows, from the tables (see ``render_report``)."""
    sheet, alt, panel = tables["sheet"], tables["alterations"], tables["panel"]
    assoc = tables.get("associations")
    config = provenance.get("config") or {}
    fig_cfg = section(config, "figures")
    conf_level = section(config, "statistics")["conf_level"]
    conf = conf_label(conf_level)
    max_rows = fig_cfg["report_max_rows"]
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
            ctdna.append({"id": f"ctdna-{key}", "title": title, "key": key,
                          "table": table(tables[key], max_rows)})
    elig = tables.get("eligibility")
    elig_summary = None
    if elig is not None:
        elig_summary = table(elig.groupby(["rule", "status"]).size().rename("patients")
                             .reset_index())
        elig = elig[elig["status"] != "eligible"]
    figs = {}
    for f in registry.FIGURES:
        if figures.get(f.name):
            figs[f.name] = {"name": f.name, "title": f.title, "section": f.section,
                            "caption": caption_html(registry.caption(f, conf_level)),
                            "uri": figure_uri(figures[f.name])}
    pfigs = []
    if patient_figures:
        order = order_patients_for_figures(patient_figures, tables.get("emergent"))
        cap = fig_cfg["report_max_patient_figures"]
        pfigs = [{"patient": p, "uri": figure_uri(patient_figures[p])} for p in order[:cap]]
    downloads = {name: download(name, path, fig_cfg["report_embed_table_max_kb"], report_dir)
                 for name, path in (files or {}).items()}
    genes, n_panel = gene_pages(panel, alt, assoc, sheet, fig_cfg["report_max_genes"], max_rows)
    plasma = tables.get("trajectories")
    return {
        "title": fig_cfg["report_title"], "conf": conf, "cohort": cohort_summary(sheet, alt),
        "findings": key_findings(tables.get("outcomes"), assoc, conf),
        "table_one": table_one(sheet, fig_cfg["table1_columns"]),
        "outcomes": outcome_rows(tables.get("outcomes")),
        "figures": figs,
        "sections": {sec: [f for f in figs.values() if f["section"] == sec]
                     for sec in ("outcomes", "genomics", "associations", "ctdna", "trials")},
        "associations": table(assoc, max_rows), "interactions": table(inter, max_rows),
        "genes": genes, "n_panel": n_panel, "ctdna": ctdna,
        "ctdna_summary": ctdna_summary(tables.get("emergent"), sheet,
                                       [] if plasma is None else plasma["patient_id"]),
        "patient_figures": pfigs,
        "n_patient_figures": len(patient_figures or {}),
        "eligibility_summary": elig_summary, "eligibility": table(elig, max_rows),
        "methods": methods(assoc, config), "provenance": provenance,
        "downloads": downloads, "config_text": _yaml(config),
        "population": tables.get("population"),
        "cn_fit": purity_ploidy_sources(tables.get("patients")),
        "renamed": panel.attrs.get("renamed", []),
        "data_warnings": data_warnings(tables.get("patients"), tables.get("ctdna_failures")),
        "trials": trial_context(tables), "biomarkers": biomarker_context(tables, config),
    }


def purity_ploidy_sources(patients) -> dict | None:
    """How many patients' purity and ploidy came from the sheet, the caller's own files or
    the defaults (patients.tsv), and the notes (a default ploidy for absolute copy numbers)."""
    if patients is None or "purity_source" not in patients.columns or not len(patients):
        return None
    rows = []
    for key in ("purity", "ploidy"):
        counts = patients[f"{key}_source"].value_counts()
        rows.append({"what": key, **{s: int(counts.get(s, 0))
                                      for s in ("sheet", "caller", "default")}})
    noted = patients.dropna(subset=["cn_note"])
    return {"rows": rows, "n_notes": len(noted),
            "notes": [{"patient": r.patient_id, "note": r.cn_note}
                      for r in noted.head(LIST_LIMIT).itertuples()]}


def data_warnings(patients, ctdna_failures) -> list[str]:
    """Sentences for the report about how the variant data were read: variants counted
    without consequence annotation, germline variants set aside, variant files read in full
    because their index could not be trusted, plasma samples that could not be read."""
    out = []
    if patients is not None and len(patients):
        def total(col):
            values = pd.to_numeric(patients.get(col), errors="coerce") \
                if col in patients.columns else pd.Series(dtype=float)
            return int(values.fillna(0).sum()), int((values.fillna(0) > 0).sum())

        n, who = total("n_unannotated")
        if n:
            out.append(f"{n} variant(s) in {who} patient(s) were counted without consequence "
                       "annotation (class unannotated: in a coding exon or splice site by "
                       "position; annotate the VCFs with VEP or SnpEff for their effect).")
        n, who = total("n_germline")
        if n:
            out.append(f"{n} variant(s) in {who} patient(s) were also present in the matched "
                       "normal: germline, kept in mutations.tsv (origin germline) and not "
                       "counted as alterations.")
        if "variant_warnings" in patients.columns:
            for text in patients["variant_warnings"].dropna():
                out.extend(t for t in str(text).split(" | ") if t)
    if ctdna_failures is not None:
        out.extend(f"Not read, patient left out of the ctDNA results: {m}"
                   for m in ctdna_failures["message"].astype(str))
    return out


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


def render_report(tables: dict, figures: dict, provenance: dict, out_path,
                  files: dict | None = None, patient_figures: dict | None = None) -> Path:
    """Write the report to ``out_path`` atomically.

    ``tables``: sheet, panel, alterations (required); outcomes, associations, interactions,
    eligibility, trajectories, molecular_response, emergent (optional DataFrames or None).
    ``figures``: name -> SVG (or PNG) path (names of ``figures.registry``).
    ``provenance``: from ``provenance()``. ``files``: table name -> its TSV file, offered for
    download. ``patient_figures``: patient -> its ctDNA figure (SVG).
    """
    out = Path(out_path)
    text = render_html(build_context(tables, figures, provenance, files, patient_figures,
                                     out.parent))
    atomic_write(out, text)
    return out
