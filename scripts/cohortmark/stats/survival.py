"""Survival statistics: the one implementation of Kaplan-Meier, log-rank and Cox used by the
statistics tables, the figures and the ctDNA analysis.

- ``kaplan_meier`` / ``km_table`` / ``kaplan_meier_median`` / ``survival_at``: the Kaplan-Meier
  curve, its pointwise interval, its median and its value at landmark times, exactly as R's
  ``survival::survfit`` (Greenwood variance of log S; the interval scale is ``conf_type``, one
  of survfit's ``conf.type`` values, default there and here ``"log"``; the median and its
  limits read off the curves as ``quantile.survfit`` does, with the mid-point rule where a
  curve sits exactly on 0.5; landmark values as ``summary(fit, times = )``).
- ``logrank``: the two-group log-rank test of ``survdiff`` (rho = 0) for many columns at once;
  ``logrank_permutation``: its exact (enumerated) or Monte Carlo permutation version for small
  groups, conditional on the observed times.
- ``cox_hr``: Cox proportional hazards with one binary covariate, Efron ties (coxph's default),
  Newton-Raphson for many columns at once; Wald interval and p, as ``summary(coxph)``.

Interval settings come from the ``statistics`` config section (``conf_level``,
``km_conf_type``); ``interval_settings(section)`` turns the section into the keyword arguments.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
from scipy import stats

_TOL = math.sqrt(np.finfo(float).eps)  # quantile.survfit's tolerance
_CHUNK = 4_000_000  # patients x columns per chunk
CONF_TYPES = ("log", "log-log", "plain", "logit", "arcsin")  # survfit's conf.type values


def interval_settings(statistics: dict) -> dict:
    """``conf_level`` and ``conf_type`` keyword arguments from the ``statistics`` section."""
    return {"conf_level": float(statistics["conf_level"]),
            "conf_type": str(statistics["km_conf_type"])}


def conf_type_words(conf_type: str) -> str:
    """How the Kaplan-Meier interval is made, for ``method`` cells, captions and the report."""
    scale = {"log": "log S", "log-log": "log(-log S)", "plain": "S",
             "logit": "logit S", "arcsin": "arcsin sqrt(S)"}[conf_type]
    return (f"Greenwood variance, interval on the {scale} scale (R survfit conf.type "
            f"'{conf_type}')")


def confidence_limits(surv, std_err, conf_level: float, conf_type: str):
    """Pointwise limits of S from the standard error of log S, as survival's survfit_confint
    (limits of 0 or 1 where survfit gives them, NaN where survfit gives NA)."""
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {', '.join(CONF_TYPES)}, not {conf_type!r}")
    p = np.asarray(surv, dtype=float)
    se = np.asarray(std_err, dtype=float)
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if conf_type == "plain":
            se2 = se * p * z
            return np.maximum(p - se2, 0), np.minimum(p + se2, 1)
        if conf_type == "log":
            xx = np.where(p == 0, np.nan, p)
            se2 = z * se
            return np.exp(np.log(xx) - se2), np.minimum(np.exp(np.log(xx) + se2), 1.0)
        if conf_type == "log-log":
            xx = np.where((p == 0) | (p == 1), np.nan, p)
            se2 = z * se / np.log(xx)
            return (np.exp(-np.exp(np.log(-np.log(xx)) - se2)),
                    np.exp(-np.exp(np.log(-np.log(xx)) + se2)))
        if conf_type == "logit":
            xx = np.where(p == 0, np.nan, p)
            se2 = z * se * (1 + xx / (1 - xx))
            logit = np.log(p / (1 - p))
            return 1 - 1 / (1 + np.exp(logit - se2)), 1 - 1 / (1 + np.exp(logit + se2))
        xx = np.where(p == 0, np.nan, p)  # arcsin
        se2 = 0.5 * z * se * np.sqrt(xx / (1 - xx))
        a = np.arcsin(np.sqrt(xx))
        return np.sin(np.maximum(0, a - se2)) ** 2, np.sin(np.minimum(np.pi / 2, a + se2)) ** 2


def kaplan_meier(time, event, *, conf_level: float, conf_type: str) -> dict:
    """KM curve at every distinct time (censored ones too, as survfit): dict of arrays
    time, n_risk, n_event, n_censor, surv, std_err (of log S), lower, upper. Rows with a
    missing time or event are left out."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    ok = ~(np.isnan(time) | np.isnan(event))
    time, event = time[ok], event[ok]
    ut, inv = np.unique(time, return_inverse=True)
    d = np.bincount(inv, weights=event, minlength=len(ut))
    c = np.bincount(inv, minlength=len(ut)).astype(float)
    n = c[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1 - d / n)
        var = np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0))
    se = np.sqrt(var)
    se = np.where(np.isinf(se), np.nan, se)  # survfit: NaN once the curve reaches 0
    lower, upper = confidence_limits(surv, se, conf_level, conf_type)
    return {"time": ut, "n_risk": n, "n_event": d, "n_censor": c - d, "surv": surv,
            "std_err": se, "lower": lower, "upper": upper}


def km_table(time, event, *, conf_level: float, conf_type: str) -> pd.DataFrame:
    """The KM curve as a table for drawing: a row at time 0 (S = 1) and one per distinct time.

    Columns time, n_risk, n_event, n_censor, survival, ci_low, ci_high. The interval is that
    of ``kaplan_meier``; where S is still 1 (no event yet) it is drawn as [1, 1] (survfit has no
    log-log limit there), where S has reached 0 it is empty."""
    km = kaplan_meier(time, event, conf_level=conf_level, conf_type=conf_type)
    df = pd.DataFrame({"time": km["time"], "n_risk": km["n_risk"].astype(int),
                       "n_event": km["n_event"].astype(int),
                       "n_censor": km["n_censor"].astype(int), "survival": km["surv"],
                       "ci_low": km["lower"], "ci_high": km["upper"]})
    one = df["survival"] == 1
    df.loc[one, ["ci_low", "ci_high"]] = 1.0
    if len(df) and df["time"].iloc[0] == 0:
        return df
    start = pd.DataFrame([{"time": 0.0, "n_risk": int(km["n_risk"][0]) if len(df) else 0, "n_event": 0, "n_censor": 0,
                           "survival": 1.0, "ci_low": 1.0, "ci_high": 1.0}])
    return pd.concat([start, df], ignore_index=True)


def _findq(x, y, p, tol=_TOL):
    """Time at which the cumulative curve y (= 1 - S) reaches p, as survival's findq."""
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return math.nan
    xmax = x[-1]
    # drop duplicated y values (NaN counts as a value), keeping the first
    key = np.where(np.isnan(y), np.inf, y)
    _, first = np.unique(key, return_index=True)
    keep = np.sort(first)
    x, y = x[keep], y[keep]
    idx = np.flatnonzero(~np.isnan(y))
    yv = y[idx]

    def approx(xs):
        # R's approx(xs, 1:n, p, method = "constant", f = 1): xs sorted first (an upper
        # limit curve need not be monotone), the index of the first xs >= p
        order = np.argsort(xs, kind="stable")
        ordered = xs[order]
        if p < ordered[0] or p > ordered[-1]:
            return None
        return idx[order[int(np.searchsorted(ordered, p, side="left"))]]

    i1, i2 = approx(yv + tol), approx(yv - tol)
    quant = (x[i1] + x[i2]) / 2 if i1 is not None and i2 is not None else math.nan
    if not np.isnan(y[-1]) and abs(p - y[-1]) < tol and i1 is not None:
        quant = (x[i1] + xmax) / 2
    return float(quant)


def _curve_quantile(km: dict, which: str, p: float = 0.5) -> float:
    x = np.concatenate([[0.0], km["time"]])
    return _findq(x, np.concatenate([[0.0], 1 - km[which]]), p)


def kaplan_meier_median(time, event, *, conf_level: float, conf_type: str):
    """(median, ci_low, ci_high) of the KM curve, as R's print(survfit(...)) and
    quantile(survfit(...), 0.5); NaN = not reached."""
    km = kaplan_meier(time, event, conf_level=conf_level, conf_type=conf_type)
    if len(km["time"]) == 0:
        return math.nan, math.nan, math.nan
    return (_curve_quantile(km, "surv"), _curve_quantile(km, "lower"),
            _curve_quantile(km, "upper"))


def median_survival(time, event) -> float:
    """The KM median alone (no interval needed, so no interval settings); NaN = not reached.
    The same reading of the same curve as ``kaplan_meier_median``."""
    km = kaplan_meier(time, event, conf_level=0.95, conf_type="log")
    return _curve_quantile(km, "surv") if len(km["time"]) else math.nan


def survival_at(time, event, landmarks, *, conf_level: float, conf_type: str) -> dict:
    """KM survival at landmark times, as R's ``summary(survfit(...), times = landmarks)``:
    S, its limits, and the number still at risk (time >= landmark), per landmark.

    A landmark after the last follow-up time has no estimate (NaN; R's summary refuses it)
    unless the curve has already reached 0, which it keeps. Returns dict of arrays
    time, n_risk, surv, lower, upper.
    """
    km = kaplan_meier(time, event, conf_level=conf_level, conf_type=conf_type)
    t = np.asarray(landmarks, dtype=float)
    out = {"time": t, "n_risk": np.zeros(len(t)), "surv": np.full(len(t), np.nan),
           "lower": np.full(len(t), np.nan), "upper": np.full(len(t), np.nan)}
    if len(km["time"]) == 0:
        return out
    row = np.searchsorted(km["time"], t, side="right") - 1  # last time <= landmark
    before = row < 0
    beyond = t > km["time"][-1]
    r = np.clip(row, 0, None)
    # before the first time: S = 1 with limits 1 (survfit's start row), whatever conf_type
    out["surv"] = np.where(before, 1.0, km["surv"][r])
    out["lower"] = np.where(before, 1.0, km["lower"][r])
    out["upper"] = np.where(before, 1.0, km["upper"][r])
    nxt = np.searchsorted(km["time"], t, side="left")  # first time >= landmark
    last = len(km["time"]) - 1
    out["n_risk"] = np.where(nxt <= last, km["n_risk"][np.clip(nxt, 0, last)], 0.0)
    gone = beyond & (km["surv"][-1] > 0)
    for key in ("surv", "lower", "upper"):
        out[key] = np.where(gone, np.nan, out[key])
    return out


def _risk_tables(time, event, group, mask):
    """Per distinct event time (rows) x column: n at risk, n1 at risk, deaths d, d1 in group 1."""
    order = np.argsort(time, kind="stable")
    t, e = time[order], event[order]
    # counts in 32-bit integers (exact, half the memory traffic of floats), as floats at the end
    m = mask[order].astype(np.int32)
    g = (group[order] != 0).astype(np.int32) * m
    starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
    has_event = np.add.reduceat(e, starts) > 0
    rows = starts[has_event]
    n = m[::-1].cumsum(axis=0, dtype=np.int32)[::-1][rows].astype(float)
    n1 = g[::-1].cumsum(axis=0, dtype=np.int32)[::-1][rows].astype(float)
    died = (e > 0).astype(np.int32)[:, None]
    d = np.add.reduceat(m * died, starts, axis=0)[has_event].astype(float)
    d1 = np.add.reduceat(g * died, starts, axis=0)[has_event].astype(float)
    return n, n1, d, d1


def _chunks(n_rows: int, n_cols: int):
    step = max(1, _CHUNK // max(n_rows, 1))
    for start in range(0, n_cols, step):
        yield slice(start, min(n_cols, start + step))


def _prepare(time, event, group, mask):
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    group = np.asarray(group)
    if group.ndim == 1:
        group = group[:, None]
    mask = np.ones(group.shape, bool) if mask is None else np.asarray(mask, bool)
    if mask.ndim == 1:
        mask = mask[:, None]
    ok = ~(np.isnan(time) | np.isnan(event))
    mask = mask & ok[:, None]
    time, event = np.where(ok, time, 0.0), np.where(ok, event, 0.0)
    group = np.where(mask, np.nan_to_num(group.astype(float)), 0.0)
    return time, event, group, mask


def risk_tables(time, event, group, mask=None) -> list:
    """The risk tables of every column of ``group`` as ``logrank`` and ``cox_hr`` compute
    them, by column chunk: hand them to both (``tables=``) to count once."""
    time, event, group, mask = _prepare(time, event, group, mask)
    return [(cols, _risk_tables(time, event, group[:, cols], mask[:, cols]))
            for cols in _chunks(len(time), group.shape[1])]


def logrank(time, event, group, mask=None, *, tables=None) -> dict:
    """Two-group log-rank test (survdiff, rho = 0) for each column of ``group`` (0/1).

    ``mask`` (same shape) marks the patients counted in each column. Returns dict of arrays:
    observed (events in group 1), expected, variance, chisq, p_value (NaN when there is no event).
    """
    tables = risk_tables(time, event, group, mask) if tables is None else tables
    k = max((cols.stop for cols, _ in tables), default=0)
    out = {key: np.full(k, np.nan) for key in ("observed", "expected", "variance", "chisq",
                                                "p_value")}
    for cols, (n, n1, d, d1) in tables:
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(n > 0, n1 / n, 0.0)
            var = np.where(n > 1, d * frac * (1 - frac) * (n - d) / (n - 1), 0.0)
        o, e, v = d1.sum(axis=0), (d * frac).sum(axis=0), var.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            # as survdiff: no variance (e.g. events only while one group is at risk) -> 0
            chisq = np.where(v > 0, (o - e) ** 2 / v, 0.0)
        chisq = np.where(d.sum(axis=0) > 0, chisq, np.nan)
        out["observed"][cols], out["expected"][cols], out["variance"][cols] = o, e, v
        out["chisq"][cols] = chisq
        out["p_value"][cols] = stats.chi2.sf(chisq, 1)
    return out


def logrank_scores(time, event) -> np.ndarray:
    """Log-rank scores a_i = event_i - H(t_i), H the Nelson-Aalen cumulative hazard of the
    pooled sample (tied event times counted together, as survdiff). The sum of the scores of a
    group is its observed minus expected events (O - E of survdiff), and the scores sum to 0."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    ut, inv = np.unique(time, return_inverse=True)
    d = np.bincount(inv, weights=event, minlength=len(ut))
    n = np.bincount(inv, minlength=len(ut))[::-1].cumsum()[::-1]
    hazard = np.cumsum(d / n)
    return event - hazard[inv]


def logrank_permutation(time, event, group, *, max_enumerate: int, resamples: int,
                        seed, scores=None) -> dict:
    """Two-sided permutation log-rank test of ``group`` (0/1), conditional on the observed
    times and events: every assignment of the group labels to the patients is equally likely
    under the null, and the p-value is P(|O - E| >= |O - E observed|) over them.

    All C(n, k) assignments of the smaller group (k patients) are enumerated when there are at
    most ``max_enumerate``; otherwise ``resamples`` random assignments are drawn with
    ``numpy.random.default_rng(seed)``, p = (1 + hits) / (1 + resamples) (never 0) and its
    Monte Carlo standard error is returned. dict: p_value, exact (bool), n_permutations, se,
    observed_minus_expected. ``scores``: ``logrank_scores(time, event)`` when the caller has
    them (many genes of one cohort share their patients)."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    group = np.asarray(group).astype(bool)
    a = logrank_scores(time, event) if scores is None else scores
    n, n1 = len(a), int(group.sum())
    small = group if n1 <= n - n1 else ~group
    k = int(small.sum())
    u_alt = float(a[group].sum())
    out = {"p_value": math.nan, "exact": False, "n_permutations": 0, "se": math.nan,
           "observed_minus_expected": u_alt}
    if k == 0 or not (event > 0).any():
        return out
    obs = abs(float(a[small].sum()))
    tol = 1e-9 * max(1.0, float(np.abs(a).sum()))
    total = math.comb(n, k)
    if total <= max_enumerate:
        hits = 0
        block = max(1, 2_000_000 // max(k, 1))
        combos = itertools.combinations(range(n), k)
        while True:
            chunk = np.fromiter(itertools.chain.from_iterable(itertools.islice(combos, block)),
                                dtype=np.int64)
            if not len(chunk):
                break
            sums = a[chunk.reshape(-1, k)].sum(axis=1)
            hits += int((np.abs(sums) >= obs - tol).sum())
        out.update(p_value=hits / total, exact=True, n_permutations=total, se=0.0)
        return out
    rng = np.random.default_rng(seed)
    sums = np.empty(resamples)
    if k * k < n:  # draw with replacement, redraw the few with a repeated patient
        idx = rng.integers(0, n, size=(resamples, k))
        while True:
            srt = np.sort(idx, axis=1)
            dup = (srt[:, 1:] == srt[:, :-1]).any(axis=1)
            if not dup.any():
                break
            idx[dup] = rng.integers(0, n, size=(int(dup.sum()), k))
        sums[:] = a[idx].sum(axis=1)
    else:  # random keys: the k smallest of n uniforms are a uniform k-subset
        step = max(1, 2_000_000 // n)
        for start in range(0, resamples, step):
            stop = min(resamples, start + step)
            keys = rng.random((stop - start, n))
            sums[start:stop] = a[np.argpartition(keys, k - 1, axis=1)[:, :k]].sum(axis=1)
    hits = int((np.abs(sums) >= obs - tol).sum())
    p = (1 + hits) / (1 + resamples)
    out.update(p_value=p, n_permutations=resamples, se=math.sqrt(p * (1 - p) / resamples))
    return out


def _efron(beta, n, n1, d, d1, tie_rows):
    """Log-likelihood, score and information of a binary covariate, Efron ties.

    ``tie_rows[l]`` lists the event times where some column has more than l deaths, so the
    l-th Efron term is computed only there.
    """
    eb = np.exp(beta)[None, :]
    loglik = (beta[None, :] * d1).sum(axis=0)
    score = d1.sum(axis=0)
    info = np.zeros_like(beta)
    for ell, rows in enumerate(tie_rows):
        nr, n1r, dr, d1r = n[rows], n1[rows], d[rows], d1[rows]
        active = dr > ell
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(active, ell / dr, 0.0)
            s0 = (nr - n1r) + n1r * eb - frac * ((dr - d1r) + d1r * eb)
            s1 = n1r * eb - frac * d1r * eb
            r = np.where(active, s1 / s0, 0.0)
            loglik -= np.log(np.where(active, s0, 1.0)).sum(axis=0)
        score -= r.sum(axis=0)
        info += (r - r * r).sum(axis=0)
    return loglik, score, info


def cox_hr(time, event, group, mask=None, *, conf_level: float, max_iter: int = 30,
           tables=None) -> dict:
    """Cox model ``Surv(time, event) ~ group`` (binary, Efron ties) for each column.

    Returns dict of arrays: coef, se, hr, ci_low, ci_high, p_value (Wald), and ``estimable``
    (False where the likelihood has no finite maximum, e.g. no events in one group, or the
    iteration does not converge - R's coxph then warns of an infinite coefficient).
    """
    tables = risk_tables(time, event, group, mask) if tables is None else tables
    k = max((cols.stop for cols, _ in tables), default=0)
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    out = {key: np.full(k, np.nan) for key in ("coef", "se", "hr", "ci_low", "ci_high",
                                                "p_value")}
    out["estimable"] = np.zeros(k, bool)
    for cols, (n, n1, d, d1) in tables:
        kc = n.shape[1]
        if n.shape[0] == 0:
            continue
        dmax = d.max(axis=1)
        tie_rows = [np.flatnonzero(dmax > ell) for ell in range(int(dmax.max()))]
        beta = np.zeros(kc)
        d1_tot, d0_tot = d1.sum(axis=0), (d - d1).sum(axis=0)
        converged = np.zeros(kc, bool)
        act = np.flatnonzero((d1_tot > 0) & (d0_tot > 0))  # else no finite maximum
        ll_all, sc_all, in_all = np.zeros(kc), np.zeros(kc), np.zeros(kc)
        if len(act):
            ll_all[act], sc_all[act], in_all[act] = _efron(
                beta[act], n[:, act], n1[:, act], d[:, act], d1[:, act], tie_rows)
        for _ in range(max_iter):
            if not len(act):
                break
            na, n1a, da, d1a = n[:, act], n1[:, act], d[:, act], d1[:, act]
            b, loglik = beta[act], ll_all[act]
            with np.errstate(divide="ignore", invalid="ignore"):
                step = np.where(in_all[act] > 0, sc_all[act] / in_all[act], 0.0)
            new = b + step
            ll_new, sc_new, in_new = _efron(new, na, n1a, da, d1a, tie_rows)
            for _half in range(20):  # step halving, as coxph, when the likelihood falls
                worse = ll_new < loglik - 1e-12 * np.abs(loglik)
                if not worse.any():
                    break
                new = np.where(worse, (b + new) / 2, new)
                ll_new, sc_new, in_new = _efron(new, na, n1a, da, d1a, tie_rows)
            beta[act], ll_all[act], sc_all[act], in_all[act] = new, ll_new, sc_new, in_new
            done = np.abs(new - b) < 1e-10 * np.maximum(1, np.abs(new))
            converged[act[done]] = True
            act = act[~done & (np.abs(new) < 15)]  # |coef| >= 15: drifting to infinity
        info = in_all
        estimable = converged & (np.abs(beta) < 15) & (info > 1e-10) & (d1_tot > 0) & (d0_tot > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.where(estimable, 1 / np.sqrt(info), np.nan)
        coef = np.where(estimable, beta, np.nan)
        out["coef"][cols], out["se"][cols] = coef, se
        out["hr"][cols] = np.exp(coef)
        out["ci_low"][cols], out["ci_high"][cols] = np.exp(coef - z * se), np.exp(coef + z * se)
        out["p_value"][cols] = 2 * stats.norm.sf(np.abs(coef / se))
        out["estimable"][cols] = estimable
    return out
