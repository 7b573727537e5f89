"""Trial outcomes: ORR and DCR with exact intervals, Kaplan-Meier median PFS and OS, and
progression-free / overall survival rates at landmark times."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from .association import settings
from .exact import clopper_pearson
from .survival import conf_type_words, interval_settings, kaplan_meier_median, survival_at


def landmark_metric(endpoint: str, months: float) -> str:
    """``PFS_3mo``, ``OS_6mo``, ``PFS_1.5mo``: the outcomes.tsv name of a landmark rate."""
    return f"{endpoint.upper()}_{months:g}mo"


def outcomes(sheet: pd.DataFrame, config: dict | None = None) -> pd.DataFrame:
    """Rows ORR, DCR, then per endpoint (PFS, OS) the median and the landmark rates
    (schema.OUTCOME_COLUMNS).

    Rates: over evaluable patients, exact Clopper-Pearson interval (R's binom.test); an
    evaluable patient without a recorded best response counts as a non-responder
    (``statistics.unassessed_response: non_responder``) or is left out (``exclude``).
    Medians and landmark rates: Kaplan-Meier, interval of ``statistics.km_conf_type`` as R
    survfit (``quantile`` and ``summary(fit, times = )``); empty estimate/limit = not reached,
    or, for a rate, follow-up ending before the landmark. ``count`` = responders, events
    (medians) or patients still at risk at the landmark (rates).
    """
    cfg = settings(config)
    level = float(cfg["conf_level"])
    interval = interval_settings(cfg)
    pct = f"{level * 100:g}%"
    evaluable = sheet["evaluable"].astype(bool)
    has_resp = sheet["best_response"].notna()
    unassessed = int((evaluable & ~has_resp).sum())
    count_unassessed = cfg["unassessed_response"] == "non_responder"
    pop = evaluable if count_unassessed else evaluable & has_resp
    excluded = int((~evaluable).sum())
    rows = []
    for metric, members in (("ORR", cfg["responders"]), ("DCR", cfg["disease_control"])):
        n = int(pop.sum())
        count = int((pop & sheet["best_response"].isin(members)).sum())
        low, high = clopper_pearson(count, n, level) if n else (np.nan, np.nan)
        method = (f"proportion {'/'.join(members)} among evaluable patients; Clopper-Pearson "
                  f"exact {pct} CI (as R binom.test)")
        extra = []
        if excluded:
            extra.append(f"{excluded} non-evaluable excluded")
        if unassessed:
            extra.append(f"{unassessed} evaluable without a best response "
                         + ("counted as non-responders" if count_unassessed else "excluded")
                         + " (statistics.unassessed_response)")
        rows.append({"metric": metric, "n": n, "count": count,
                     "estimate": count / n if n else np.nan, "ci_low": low, "ci_high": high,
                     "method": method + ("; " + ", ".join(extra) if extra else "")})
    pop_surv = evaluable if cfg["survival_population"] == "evaluable" else pd.Series(
        True, index=sheet.index)
    ci_words = f"{pct} CI: {conf_type_words(cfg['km_conf_type'])}"
    population = f"population: {cfg['survival_population']} patients with time and event"
    landmarks = [float(x) for x in cfg["landmarks_months"]]
    for name in ("pfs", "os"):
        t = sheet[f"{name}_months"].to_numpy(float)
        e = sheet[f"{name}_event"].to_numpy(float)
        ok = pop_surv.to_numpy() & np.isfinite(t) & np.isfinite(e)
        n, events = int(ok.sum()), int(e[ok].sum())
        med, low, high = kaplan_meier_median(t[ok], e[ok], **interval)
        rows.append({"metric": f"median_{name.upper()}", "n": n, "count": events,
                     "estimate": med, "ci_low": low, "ci_high": high,
                     "method": f"Kaplan-Meier median (months); {ci_words}; empty = not reached; "
                     f"count = events; {population}"})
        at = survival_at(t[ok], e[ok], landmarks, **interval)
        for k, months in enumerate(landmarks):
            rows.append({"metric": landmark_metric(name, months), "n": n,
                         "count": int(at["n_risk"][k]), "estimate": at["surv"][k],
                         "ci_low": at["lower"][k], "ci_high": at["upper"][k],
                         "method": f"Kaplan-Meier {name.upper()} rate at {months:g} months (as R "
                         f"summary(survfit, times = {months:g})); {ci_words}; count = patients "
                         f"still at risk at {months:g} months; empty = follow-up ends before "
                         f"{months:g} months; {population}"})
    return pd.DataFrame(rows, columns=schema.OUTCOME_COLUMNS)
