"""What the report says before its tables: the key findings, Table 1 of baseline
characteristics, the ctDNA summary sentence, human-readable labels (pure functions)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..figures.heatmap_data import ALTERATION_SHORT, TEST_NAMES, p_text, primary_rows
from ..schema import BEST_RESPONSES, SAMPLE_COLUMNS

# Column headers as a reader says them (anything not listed: underscores become spaces).
LABELS = {
    "patient_id": "patient", "gene": "gene", "alteration": "alteration", "endpoint": "endpoint",
    "test": "test", "family": "family", "n_assessed": "assessed", "n_altered": "altered",
    "effect": "effect", "ci_low": "CI low", "ci_high": "CI high", "p_value": "p", "q_value": "q",
    "note": "note", "gene1": "gene 1", "gene2": "gene 2", "n_both": "both altered",
    "n_gene1_only": "gene 1 only", "n_gene2_only": "gene 2 only", "n_neither": "neither",
    "odds_ratio": "odds ratio", "relation": "relation", "best_response": "best response",
    "cn_call": "copy-number call", "cn_value": "copy number", "mutation_class": "mutation class",
    "protein_change": "protein change", "vaf": "VAF (fraction 0-1)", "day": "day",
    "timepoint": "timepoint", "detected": "detected", "emergent": "emergent",
    "in_tissue": "in tissue", "baseline": "baseline", "variant": "variant", "status": "status",
    "reason": "reason", "rule": "rule", "undecided": "undecided because",
    "first_vaf": "first VAF (fraction)", "max_vaf": "max VAF (fraction)",
    "progression_vaf": "VAF at progression (fraction)", "first_day": "first day",
    "first_timepoint": "first detected", "baseline_max_vaf": "baseline max VAF (fraction)",
    "on_treatment_max_vaf": "on-treatment max VAF (fraction)",
    "max_vaf_change": "max VAF change (fraction)", "sv_status": "fusion status",
    "sv_partners": "fusion partners", "resistance_gene": "resistance gene",
    "at_progression": "at progression", "flag": "flagged",
}
VALUE_WORDS = {"not_profiled": "not profiled", "wildtype": "wild type",
               "not_evaluable": "not measurable", "non_responder": "non-responder",
               "best_pct_change": "best % change", "pfs": "PFS", "os": "OS",
               "copy_number": "copy number", "logrank": "log-rank", "mannwhitney": "Mann-Whitney"}
ENDPOINT_WORDS = {"response": "response", "best_pct_change": "best % change",
                  "pfs": "progression-free survival", "os": "overall survival"}
# Sheet columns that are not baseline characteristics even when not in the contract.
NOT_BASELINE = {"_line", "sv_file", "exclusion_reason", "response_months", "new_lesions"}


def label(column: str) -> str:
    return LABELS.get(column, column.replace("_", " "))


def value_words(text: str) -> str:
    return VALUE_WORDS.get(text, text)


def _num(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def _interval(lo, hi, conf: str, scale=1.0, unit="") -> str:
    lo, hi = _num(lo), _num(hi)
    if math.isnan(lo) and math.isnan(hi):
        return ""
    def f(v):
        return "NR" if math.isnan(v) else f"{v * scale:.1f}{unit}"
    return f"{conf} CI {f(lo)}\u2013{f(hi)}"


def key_findings(outcomes: pd.DataFrame | None, associations: pd.DataFrame | None, conf: str,
                 n_assoc: int = 5) -> dict:
    """{'outcomes': [(label, value, detail)], 'associations': [text], 'source': ...}: ORR and
    DCR with intervals, median PFS/OS, landmark rates, the primary associations with the
    smallest q."""
    rows = []
    if outcomes is not None:
        o = outcomes.set_index("metric")
        for metric, name in (("ORR", "Objective response rate"),
                             ("DCR", "Disease control rate")):
            if metric in o.index and pd.notna(o.at[metric, "estimate"]):
                r = o.loc[metric]
                rows.append((name, _pct(_num(r["estimate"])),
                             f"{int(r['count'])} of {int(r['n'])}; "
                             + _interval(r["ci_low"], r["ci_high"], conf, 100, "%")))
        for metric, name in (("median_PFS", "Median PFS"), ("median_OS", "Median OS")):
            if metric in o.index:
                r = o.loc[metric]
                est = _num(r["estimate"])
                value = "not reached" if math.isnan(est) else f"{est:.1f} months"
                rows.append((name, value, f"{int(r['count'])} events in {int(r['n'])}; "
                             + _interval(r["ci_low"], r["ci_high"], conf)))
        for metric in [m for m in o.index if str(m).startswith(("PFS_", "OS_"))]:
            r = o.loc[metric]
            what, _, when = str(metric).partition("_")
            est = _num(r["estimate"])
            rows.append((f"{what} at {when.replace('mo', ' months')}",
                         "" if math.isnan(est) else _pct(est),
                         _interval(r["ci_low"], r["ci_high"], conf, 100, "%")))
    assoc_lines, source = [], "none"
    if associations is not None and len(associations):
        prim, source = primary_rows(associations)
        prim = prim[prim["q_value"].notna()].sort_values(["q_value", "p_value", "gene"],
                                                          kind="mergesort").head(n_assoc)
        for r in prim.to_dict("records"):
            eff = ""
            if pd.notna(r.get("effect")):
                eff = f"effect {r['effect']:.3g}"
                if pd.notna(r.get("ci_low")) or pd.notna(r.get("ci_high")):
                    eff += f" ({conf} CI {_num(r['ci_low']):.3g}\u2013{_num(r['ci_high']):.3g})"
                eff += ", "
            assoc_lines.append(
                f"{r['gene']} {ALTERATION_SHORT.get(r['alteration'], r['alteration'])} vs "
                f"{ENDPOINT_WORDS.get(r['endpoint'], r['endpoint'])}: {eff}"
                f"p {p_text(r['p_value'])}, q {p_text(r['q_value'])} "
                f"({TEST_NAMES.get(r['test'], r['test'])}, {int(r['n_altered'])} of "
                f"{int(r['n_assessed'])} altered)")
    return {"outcomes": rows, "associations": assoc_lines, "source": source}


def table_one(sheet: pd.DataFrame, columns: list[str] | None) -> list[dict]:
    """Table 1 of baseline characteristics: one block per column; numbers as median (range)
    with the count known, categories as count (%) of all patients, unknown counted."""
    n = len(sheet)
    if columns is None:
        columns = [c for c in sheet.columns if c not in SAMPLE_COLUMNS and c not in NOT_BASELINE
                   and not c.startswith("_")]
    blocks = []
    for col in columns:
        if col not in sheet.columns:
            continue
        values = sheet[col]
        num = pd.to_numeric(values, errors="coerce")
        known = values.notna() & (values.astype(str).str.strip() != "")
        if known.sum() and (num.notna() == known).all():
            k = num.dropna()
            blocks.append({"name": label(col), "rows": [
                ("median (range)", f"{k.median():g} ({k.min():g}\u2013{k.max():g})"),
                ("known", f"{len(k)} of {n}")]})
            continue
        counts = values[known].astype(str).value_counts()
        if len(counts) > 15:  # free text (notes, ids): not a characteristic to tabulate
            continue
        rows = [(value_words(v).replace("_", " "), f"{c} ({100 * c / n:.0f}%)")
                for v, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        if (~known).sum():
            rows.append(("unknown", f"{int((~known).sum())} ({100 * (~known).sum() / n:.0f}%)"))
        blocks.append({"name": label(col), "rows": rows})
    return blocks


def ctdna_summary(emergent: pd.DataFrame | None, sheet: pd.DataFrame,
                  plasma_patients) -> list[str]:
    """Sentences with numbers: per resistance gene, the patients with an emergent variant
    present at progression among the progressing patients with plasma, by best response."""
    if emergent is None:
        return []
    plasma_patients = set(plasma_patients)
    prog = sheet[(sheet["pfs_event"] == 1) & sheet["patient_id"].isin(plasma_patients)]
    resp = sheet.set_index("patient_id")["best_response"].fillna("unknown")
    flagged = emergent[emergent["flag"].astype(str).str.lower() == "true"]
    out = []
    genes = sorted(set(emergent.loc[emergent["resistance_gene"].astype(str).str.lower() == "true",
                                    "gene"]) | set(flagged["gene"]))
    for gene in genes:
        hit = set(flagged.loc[flagged["gene"] == gene, "patient_id"]) & set(prog["patient_id"])
        parts = []
        for r in BEST_RESPONSES + ["unknown"]:
            members = prog[resp.reindex(prog["patient_id"]).to_numpy() == r]["patient_id"]
            if len(members):
                parts.append(f"{r} {len(hit & set(members))}/{len(members)}")
        out.append(f"Emergent {gene} variants present at progression in {len(hit)} of "
                   f"{len(prog)} progressing patients with plasma samples"
                   + (f" (by best response: {', '.join(parts)})" if parts else "") + ".")
    n_emergent = emergent["patient_id"].nunique()
    out.append(f"{n_emergent} of {len(plasma_patients)} patients with plasma had at least one "
               "variant first detected after baseline.")
    return out


def order_patients_for_figures(pids, emergent: pd.DataFrame | None) -> list[str]:
    """Patients with emergent variants first, then the others, each in their order."""
    first = set() if emergent is None else set(emergent["patient_id"])
    pids = list(pids)
    return [p for p in pids if p in first] + [p for p in pids if p not in first]


def table_kb(path) -> float:
    import os

    return os.path.getsize(path) / 1000 if path and os.path.exists(path) else np.nan
