"""Trial outcomes: ORR and DCR with exact intervals, KM median PFS and OS."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from .association import settings
from .exact import clopper_pearson
from .survival import conf_type_words, interval_settings, kaplan_meier_median


def outcomes(sheet: pd.DataFrame, config: dict | None = None) -> pd.DataFrame:
    """Rows ORR, DCR, median_PFS, median_OS (schema.OUTCOME_COLUMNS).

    Rates: over evaluable patients with a recorded best response, exact Clopper-Pearson
    interval (R's binom.test). Medians: Kaplan-Meier, interval as R survfit's default
    (conf.type "log"); empty estimate/limit = not reached. ``count`` = responders or events.
    """
    cfg = settings(config)
    level = float(cfg["conf_level"])
    pct = f"{level * 100:g}%"
    evaluable = sheet["evaluable"].astype(bool)
    has_resp = sheet["best_response"].notna()
    pop = evaluable & has_resp
    missing = int((evaluable & ~has_resp).sum())
    excluded = int((~evaluable).sum())
    rows = []
    for metric, members in (("ORR", cfg["responders"]), ("DCR", cfg["disease_control"])):
        n = int(pop.sum())
        count = int((pop & sheet["best_response"].isin(members)).sum())
        low, high = clopper_pearson(count, n, level) if n else (np.nan, np.nan)
        method = (f"proportion {'/'.join(members)} among evaluable patients with a best "
                  f"response; Clopper-Pearson exact {pct} CI (as R binom.test)")
        extra = []
        if excluded:
            extra.append(f"{excluded} non-evaluable excluded")
        if missing:
            extra.append(f"{missing} evaluable without best response excluded")
        rows.append({"metric": metric, "n": n, "count": count,
                     "estimate": count / n if n else np.nan, "ci_low": low, "ci_high": high,
                     "method": method + ("; " + ", ".join(extra) if extra else "")})
    pop_surv = evaluable if cfg["survival_population"] == "evaluable" else pd.Series(
        True, index=sheet.index)
    for metric, name in (("median_PFS", "pfs"), ("median_OS", "os")):
        t = sheet[f"{name}_months"].to_numpy(float)
        e = sheet[f"{name}_event"].to_numpy(float)
        ok = pop_surv.to_numpy() & np.isfinite(t) & np.isfinite(e)
        med, low, high = kaplan_meier_median(t[ok], e[ok], **interval_settings(cfg))
        rows.append({"metric": metric, "n": int(ok.sum()), "count": int(e[ok].sum()),
                     "estimate": med, "ci_low": low, "ci_high": high,
                     "method": f"Kaplan-Meier median (months); {pct} CI: "
                     f"{conf_type_words(cfg['km_conf_type'])}; empty = not reached; "
                     f"count = events; population: {cfg['survival_population']} patients with "
                     "time and event"})
    return pd.DataFrame(rows, columns=schema.OUTCOME_COLUMNS)
