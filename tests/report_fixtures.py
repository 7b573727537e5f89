"""Small realistic tables for the figure and report tests.

``trial()`` is shaped like the milademetan intimal-sarcoma trial (11 patients: 2 PR, 4 SD,
4 PD, 1 NE; the shipped 18-gene panel; MDM2 amplified throughout, TWIST1 amplification in the
responders, CDKN2A deletion in progressors; one patient without copy number, one without
variant calls). ``synthetic(n)`` is a registry-scale cohort drawn from a fixed seed. The
statistics tables are computed here with scipy so the figures get internally consistent input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from cohortmark import schema
from cohortmark.genome import load_panel
from scipy.stats import binomtest, fisher_exact
from scipy.stats.contingency import odds_ratio


def _sheet(rows: list[dict]) -> pd.DataFrame:
    """A table shaped like cohortmark.sheets.load_samples output."""
    df = pd.DataFrame(rows)
    for col in schema.SAMPLE_COLUMNS:
        if col not in df.columns:
            df[col] = None
    for col in ("purity", "ploidy", "best_pct_change", "pfs_months", "pfs_event", "os_months",
                "os_event", "treatment_months"):
        df[col] = pd.to_numeric(df[col]).astype(float)
    df["evaluable"] = df["evaluable"].fillna(True).astype(bool)
    df["_line"] = range(2, len(df) + 2)
    return df


TRIAL = [
    # id, response, pct, pfs, pfs_event, os, os_event, treat, on_treat, evaluable, site, age
    ("P01", "PR", -48.0, 16.2, 0, 22.0, 0, 16.2, True, True, "pulmonary artery", 54),
    ("P02", "PR", -33.5, 11.0, 1, 19.5, 0, 11.5, False, True, "heart", 61),
    ("P03", "SD", -12.0, 8.1, 1, 17.0, 1, 8.3, False, True, "pulmonary artery", 47),
    ("P04", "SD", 0.0, 5.6, 1, 14.2, 1, 5.9, False, True, "aorta", 66),
    ("P05", "SD", 6.5, 4.2, 1, 12.1, 1, 4.4, False, True, "heart", 58),
    ("P06", "SD", 14.0, 3.9, 1, 9.8, 0, 4.1, False, True, "pulmonary artery", 39),
    ("P07", "PD", 22.0, 1.8, 1, 6.0, 1, 1.9, False, True, "heart", 70),
    ("P08", "PD", 41.0, 1.6, 1, 7.4, 1, 1.8, False, True, "pulmonary artery", 52),
    ("P09", "PD", 63.0, 1.3, 1, 4.9, 1, 1.4, False, True, None, 45),
    ("P10", "PD", None, 1.1, 1, 3.2, 1, 1.2, False, True, "aorta", 63),
    ("P11", "NE", None, 0.9, 1, 2.5, 1, 0.9, False, False, "pulmonary artery", 57),
]


def trial_sheet() -> pd.DataFrame:
    rows = []
    for pid, resp, pct, pfs, pe, os_, oe, tr, on, ev, site, age in TRIAL:
        rows.append({"patient_id": pid, "best_response": resp, "best_pct_change": pct,
                     "pfs_months": pfs, "pfs_event": pe, "os_months": os_, "os_event": oe,
                     "treatment_months": tr, "on_treatment": on, "evaluable": ev,
                     "cn_file": None if pid == "P09" else f"data/{pid}.cns",
                     "variant_file": None if pid == "P10" else f"data/{pid}.vcf.gz",
                     "primary_site": site, "age": None if age is None else str(age)})
    return _sheet(rows)


def trial_alterations(sheet: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """Every patient x panel gene, three-state, as cohortmark.cohort would write it."""
    calls = {  # patient -> {gene: call}; unspecified genes NEUTRAL
        "P01": {"MDM2": "AMP", "CDK4": "AMP", "TWIST1": "AMP"},
        "P02": {"MDM2": "AMP", "TWIST1": "AMP", "PDGFRA": "AMP"},
        "P03": {"MDM2": "AMP", "CDK4": "AMP", "TWIST1": "AMP", "EGFR": "GAIN"},
        "P04": {"MDM2": "AMP", "CDK4": "AMP", "CDKN2A": "LOSS"},
        "P05": {"MDM2": "AMP", "PDGFRA": "AMP", "EGFR": "AMP"},
        "P06": {"MDM2": "AMP", "CDKN2A": "HOMDEL", "CDKN2B": "HOMDEL"},
        "P07": {"MDM2": "AMP", "CDK4": "AMP", "CDKN2A": "HOMDEL", "CDKN2B": "HOMDEL"},
        "P08": {"MDM2": "AMP", "CDKN2A": "HOMDEL", "MDM4": "GAIN"},
        "P10": {"MDM2": "AMP", "CDK4": "AMP", "CDKN2A": "HOMDEL", "ATM": "LOSS"},
        "P11": {"MDM2": "AMP", "CDKN2A": "LOSS", "PPM1D": "GAIN"},
    }
    muts = {("P05", "ATM"): ("truncating", "p.R2547*", 0.31),
            ("P08", "TP53"): ("missense", "p.R248Q", 0.12),
            ("P07", "CHEK2"): ("splice", "c.444+1G>A", 0.22),
            ("P03", "ERBB3"): ("missense", "p.V104M", 0.18),
            ("P11", "AKT1"): ("inframe", "p.E17del", 0.09)}
    values = {"AMP": 14.0, "GAIN": 3.4, "NEUTRAL": 2.0, "LOSS": 1.0, "HOMDEL": 0.1}
    rows = []
    for pid, cn_file, var_file in sheet[["patient_id", "cn_file", "variant_file"]].itertuples(
            index=False):
        for gene, group in panel[["gene", "group"]].itertuples(index=False):
            row = {"patient_id": pid, "gene": gene, "gene_group": group}
            if cn_file:
                call = calls.get(pid, {}).get(gene, "NEUTRAL")
                row.update(cn_status="wildtype" if call == "NEUTRAL" else "altered",
                           cn_call=call, cn_value=values[call])
            else:
                row.update(cn_status="not_profiled", cn_call=None, cn_value=np.nan)
            if var_file:
                m = muts.get((pid, gene))
                if m:
                    row.update(mut_status="altered", mutation_class=m[0], protein_change=m[1],
                               vaf=m[2], n_mutations=1)
                else:
                    row.update(mut_status="wildtype", n_mutations=0)
            else:
                row.update(mut_status="not_profiled")
            rows.append(row)
    return pd.DataFrame(rows).reindex(columns=schema.ALTERATION_COLUMNS)


def fisher_associations(alterations: pd.DataFrame, sheet: pd.DataFrame) -> pd.DataFrame:
    """Response (PR/CR vs rest, evaluable only) against amplification / deletion / mutation:
    scipy's Fisher test with the conditional MLE odds ratio and exact interval; BH q-values."""
    ev = sheet[sheet["evaluable"]].set_index("patient_id")
    resp = ev["best_response"].isin(["CR", "PR"])
    rows = []
    for gene, df in alterations.groupby("gene", sort=False):
        df = df.set_index("patient_id").reindex(ev.index)
        for kind, altered, assessed in (
                ("amplification", df["cn_call"] == "AMP", df["cn_status"] != "not_profiled"),
                ("deletion", df["cn_call"].isin(["HOMDEL", "LOSS"]),
                 df["cn_status"] != "not_profiled"),
                ("mutation", df["mut_status"] == "altered", df["mut_status"] != "not_profiled")):
            a, r = altered[assessed], resp[assessed]
            if a.sum() == 0 or a.all():
                continue
            table = [[int((a & r).sum()), int((a & ~r).sum())],
                     [int((~a & r).sum()), int((~a & ~r).sum())]]
            _, p = fisher_exact(table)
            res = odds_ratio(table, kind="conditional")
            ci = res.confidence_interval(0.95)
            odds = res.statistic
            rows.append({"gene": gene, "alteration": kind, "endpoint": "response",
                         "test": "fisher", "n_assessed": int(assessed.sum()),
                         "n_altered": int(a.sum()), "effect": odds,
                         "ci_low": ci.low, "ci_high": ci.high,
                         "p_value": p, "note": None})
    out = pd.DataFrame(rows)
    p = out["p_value"].to_numpy()
    order = np.argsort(p)
    q = p[order] * len(p) / np.arange(1, len(p) + 1)
    q = np.minimum.accumulate(q[::-1])[::-1].clip(max=1)
    out.loc[order, "q_value"] = q
    return out.reindex(columns=schema.ASSOCIATION_COLUMNS)


def outcomes(sheet: pd.DataFrame) -> pd.DataFrame:
    ev = sheet[sheet["evaluable"]]
    rows = []
    for metric, ok in (("ORR", ["CR", "PR"]), ("DCR", ["CR", "PR", "SD"])):
        k, n = int(ev["best_response"].isin(ok).sum()), len(ev)
        ci = binomtest(k, n).proportion_ci(method="exact")
        rows.append({"metric": metric, "n": n, "count": k, "estimate": k / n,
                     "ci_low": ci.low, "ci_high": ci.high, "method": "Clopper-Pearson exact"})
    rows.append({"metric": "median_PFS", "n": len(sheet), "count": int(sheet["pfs_event"].sum()),
                 "estimate": 3.9, "ci_low": 1.6, "ci_high": 8.1, "method": "Kaplan-Meier"})
    return pd.DataFrame(rows).reindex(columns=schema.OUTCOME_COLUMNS)


def trial():
    """(sheet, panel, alterations, associations, outcomes) of the 11-patient trial."""
    sheet = trial_sheet()
    panel = load_panel()
    alt = trial_alterations(sheet, panel)
    return sheet, panel, alt, fisher_associations(alt, sheet), outcomes(sheet)


def synthetic(n: int, seed: int = 7):
    """A registry-scale cohort: (sheet, panel, alterations) with realistic call frequencies."""
    rng = np.random.default_rng(seed)
    panel = load_panel()
    pids = [f"R{i:05d}" for i in range(n)]
    resp = rng.choice(["CR", "PR", "SD", "PD", "NE"], size=n, p=[0.03, 0.15, 0.4, 0.35, 0.07])
    centre = {"CR": -100, "PR": -50, "SD": 0, "PD": 40, "NE": 0}
    pct = np.array([centre[r] + rng.normal(0, 12) for r in resp])
    pct = np.clip(pct, -100, 150)
    pct[resp == "NE"] = np.nan
    pfs = rng.exponential(6, size=n).round(2)
    sheet = _sheet([{"patient_id": p, "best_response": r, "best_pct_change": c,
                     "pfs_months": t, "pfs_event": int(rng.random() < 0.8),
                     "os_months": t + rng.exponential(8), "os_event": int(rng.random() < 0.6),
                     "treatment_months": t * 0.9, "on_treatment": bool(rng.random() < 0.05),
                     "evaluable": r != "NE", "cn_file": "x" if rng.random() > 0.08 else None,
                     "variant_file": "y" if rng.random() > 0.1 else None,
                     "sex": rng.choice(["F", "M"])}
                    for p, r, c, t in zip(pids, resp, pct, pfs)])
    freq = rng.uniform(0.02, 0.5, size=len(panel))
    calls = np.array(["AMP", "GAIN", "NEUTRAL", "LOSS", "HOMDEL"])
    rows = []
    for pid, cn_file, var_file in sheet[["patient_id", "cn_file", "variant_file"]].itertuples(
            index=False):
        draws = rng.random(len(panel))
        kinds = rng.integers(0, 5, len(panel))
        mut = rng.random(len(panel)) < freq / 3
        mclass = rng.choice(["missense", "truncating", "splice", "inframe"], len(panel))
        for j, (gene, group) in enumerate(panel[["gene", "group"]].itertuples(index=False)):
            call = calls[kinds[j]] if draws[j] < freq[j] else "NEUTRAL"
            rows.append({
                "patient_id": pid, "gene": gene, "gene_group": group,
                "cn_status": ("not_profiled" if not cn_file else
                              "wildtype" if call == "NEUTRAL" else "altered"),
                "cn_call": call if cn_file else None,
                "mut_status": ("not_profiled" if not var_file else
                               "altered" if mut[j] else "wildtype"),
                "mutation_class": mclass[j] if var_file and mut[j] else None})
    alt = pd.DataFrame(rows).reindex(columns=schema.ALTERATION_COLUMNS)
    return sheet, panel, alt


def with_family(assoc: pd.DataFrame) -> pd.DataFrame:
    """associations.tsv as the statistics write it since the multiplicity design (issue 16):
    a ``family`` column, Fisher tests of response primary, the rest exploratory."""
    primary = (assoc["endpoint"] == "response") & (assoc["test"] == "fisher")
    return assoc.assign(family=np.where(primary, "primary", "exploratory"))


def interactions_table() -> pd.DataFrame:
    return pd.DataFrame({"gene1": ["CDKN2A", "CDK4", "MDM2"], "gene2": ["CDKN2B", "TWIST1", "CDK4"],
                         "n_both": [3, 2, 5], "n_gene1_only": [0, 3, 4],
                         "n_gene2_only": [0, 1, 0], "n_neither": [6, 3, 0],
                         "n_assessed": [9, 9, 9], "odds_ratio": [np.inf, 2.0, np.nan],
                         "p_value": [0.012, 0.5, np.nan], "q_value": [0.036, 0.75, np.nan],
                         "relation": ["co-occurrence", "", ""]}).reindex(
        columns=schema.INTERACTION_COLUMNS)


def trial_tables() -> dict:
    """The 11-patient trial as the tables a figure's draw function takes (see
    cohortmark.figures.registry.TABLES); outcomes with 3- and 6-month PFS landmarks."""
    sheet, panel, alt, assoc, out = trial()
    landmarks = pd.DataFrame({"metric": ["PFS_3mo", "PFS_6mo"], "n": [11, 11],
                              "count": [10, 10], "estimate": [0.6364, 0.2727],
                              "ci_low": [0.3, 0.1], "ci_high": [0.9, 0.6],
                              "method": ["Kaplan-Meier", "Kaplan-Meier"]})
    return {"sheet": sheet, "panel": panel, "alterations": alt,
            "associations": with_family(assoc), "interactions": interactions_table(),
            "outcomes": pd.concat([out, landmarks], ignore_index=True)}
