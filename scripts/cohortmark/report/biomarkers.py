"""Report sections of the registry biomarkers: trial matching (per-trial summary, the
patients x trials figure, each patient's trials), fusions and structural variants, TMB and
MSI - with the definitions used, written from the run's settings."""

from __future__ import annotations

import pandas as pd

from ..config import section


def _table(df, limit=None):
    from . import table

    return table(df, limit)


def trial_context(tables: dict) -> dict | None:
    """The trial-matching section, or None without trial tables."""
    summary, matches = tables.get("trial_summary"), tables.get("trial_matches")
    if summary is None:
        return None
    shown = summary.rename(columns={"top_unknown_reason": "most common reason for unknown",
                                    "top_unknown_count": "patients with that reason"})
    shown = shown.drop(columns=["undecided_because"], errors="ignore")
    out = {"summary": _table(shown), "n_rules": len(summary)}
    if matches is not None:
        some = matches[(matches["n_eligible"] > 0) | (matches["n_unknown"] > 0)]
        out.update(matches=_table(some, 1000), n_patients=len(matches),
                   n_any=int((matches["n_eligible"] > 0).sum()),
                   n_maybe=int(((matches["n_eligible"] + matches["n_unknown"]) > 0).sum()))
    return out


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def biomarker_context(tables: dict, config: dict) -> dict | None:
    """Fusions, TMB and MSI: counts, the most frequent fusions and the definitions."""
    patients, calls = tables.get("patients"), tables.get("structural_variants")
    alterations = tables.get("alterations")
    out = {}
    if alterations is not None and "sv_status" in alterations.columns:
        per = alterations.groupby("patient_id")["sv_status"].first()
        profiled = int((per != "not_profiled").sum())
        altered = alterations[alterations["sv_status"] == "altered"]
        fusions = None
        if calls is not None and len(calls):
            named = calls.assign(
                fusion=calls["gene_a"].fillna("-").replace("", "-") + "::"
                + calls["gene_b"].fillna("-").replace("", "-"))
            fusions = (named.groupby("fusion")["patient_id"].nunique().rename("patients")
                       .sort_values(ascending=False, kind="mergesort").reset_index().head(30))
        sv_cfg = section(config, "structural_variants")
        out["fusions"] = {
            "profiled": profiled, "n": len(per),
            "patients_altered": int(altered["patient_id"].nunique()),
            "genes_altered": int(altered["gene"].nunique()),
            "calls": 0 if calls is None else len(calls), "top": _table(fusions),
            "filters": (f"FILTER in [{', '.join(sv_cfg['filter']) or 'any'}], Arriba confidence "
                        f"in [{', '.join(sv_cfg['arriba_confidence'])}], at least "
                        f"{sv_cfg['min_support']:g} supporting reads"),
        }
    if patients is not None and "tmb" in patients.columns:
        tmb = pd.to_numeric(patients["tmb"], errors="coerce")
        tmb_cfg = section(config, "tmb")
        if tmb.notna().any() or tmb_cfg.get("territory_mb") or tmb_cfg.get("targets"):
            where = (f"the targets of {tmb_cfg['targets']}" if tmb_cfg.get("targets") else
                     f"{tmb_cfg['territory_mb']:g} Mb" if tmb_cfg.get("territory_mb") else
                     "no territory configured (values from the sheet only)")
            out["tmb"] = {"measured": int(tmb.notna().sum()), "n": len(tmb),
                          "median": _fmt(tmb.median()) if tmb.notna().any() else "-",
                          "high": int((tmb >= 10).sum()), "territory": where,
                          "sources": ", ".join(f"{k}: {v}" for k, v in
                                               patients["tmb_source"].value_counts().items())}
        status = patients["msi_status"]
        if status.notna().any():
            msi_cfg = section(config, "msi")
            out["msi"] = {"counts": [(k, int(v)) for k, v in status.value_counts().items()],
                          "measured": int(status.notna().sum()), "n": len(status),
                          "high": _fmt(msi_cfg["high_min_score"]),
                          "indeterminate": _fmt(msi_cfg["indeterminate_min_score"]),
                          "sources": ", ".join(f"{k}: {v}" for k, v in
                                               patients["msi_source"].value_counts().items())}
    return out or None
