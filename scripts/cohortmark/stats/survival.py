"""Survival statistics, vectorised over many groupings of the same patients.

- ``kaplan_meier`` / ``kaplan_meier_median``: the Kaplan-Meier curve and its median with the
  interval of R's ``survival::survfit`` default (``conf.type = "log"``: S(t) exp(+-z se), se of
  log S by Greenwood's formula, upper limit capped at 1) and the median read off the curves
  exactly as ``quantile.survfit`` does (mid-point where a curve sits exactly on 0.5).
- ``logrank``: the two-group log-rank test of ``survdiff`` (rho = 0) for many columns at once.
- ``cox_hr``: Cox proportional hazards with one binary covariate, Efron ties (coxph's default),
  Newton-Raphson for many columns at once; Wald interval and p, as ``summary(coxph)``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

_TOL = math.sqrt(np.finfo(float).eps)  # quantile.survfit's tolerance
_CHUNK = 4_000_000  # patients x columns per chunk


def kaplan_meier(time, event, conf_level: float = 0.95) -> dict:
    """KM curve at every distinct time (censored ones too, as survfit): dict of arrays
    time, n_risk, n_event, surv, std_err (of log S), lower, upper."""
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
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    xx = np.where(surv == 0, np.nan, surv)
    with np.errstate(invalid="ignore", over="ignore"):
        lower = np.exp(np.log(xx) - z * se)
        upper = np.minimum(np.exp(np.log(xx) + z * se), 1.0)
    return {"time": ut, "n_risk": n, "n_event": d, "surv": surv, "std_err": se,
            "lower": lower, "upper": upper}


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
        if p < xs[0] or p > xs[-1]:
            return None
        return idx[int(np.searchsorted(xs, p, side="left"))]

    i1, i2 = approx(yv + tol), approx(yv - tol)
    quant = (x[i1] + x[i2]) / 2 if i1 is not None and i2 is not None else math.nan
    if not np.isnan(y[-1]) and abs(p - y[-1]) < tol and i1 is not None:
        quant = (x[i1] + xmax) / 2
    return float(quant)


def kaplan_meier_median(time, event, conf_level: float = 0.95):
    """(median, ci_low, ci_high) of the KM curve, as R's print(survfit(...)); NaN = not reached."""
    km = kaplan_meier(time, event, conf_level)
    if len(km["time"]) == 0:
        return math.nan, math.nan, math.nan
    x = np.concatenate([[0.0], km["time"]])
    med = _findq(x, np.concatenate([[0.0], 1 - km["surv"]]), 0.5)
    low = _findq(x, np.concatenate([[0.0], 1 - km["lower"]]), 0.5)
    high = _findq(x, np.concatenate([[0.0], 1 - km["upper"]]), 0.5)
    return med, low, high


def _risk_tables(time, event, group, mask):
    """Per distinct event time (rows) x column: n at risk, n1 at risk, deaths d, d1 in group 1."""
    order = np.argsort(time, kind="stable")
    t, e = time[order], event[order]
    g, m = group[order].astype(float), mask[order].astype(float)
    g = g * m
    starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
    has_event = np.add.reduceat(e, starts) > 0
    n = m[::-1].cumsum(axis=0)[::-1][starts][has_event]
    n1 = g[::-1].cumsum(axis=0)[::-1][starts][has_event]
    d = np.add.reduceat(m * e[:, None], starts, axis=0)[has_event]
    d1 = np.add.reduceat(g * e[:, None], starts, axis=0)[has_event]
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


def logrank(time, event, group, mask=None) -> dict:
    """Two-group log-rank test (survdiff, rho = 0) for each column of ``group`` (0/1).

    ``mask`` (same shape) marks the patients counted in each column. Returns dict of arrays:
    observed (events in group 1), expected, variance, chisq, p_value (NaN when there is no event).
    """
    time, event, group, mask = _prepare(time, event, group, mask)
    k = group.shape[1]
    out = {key: np.full(k, np.nan) for key in ("observed", "expected", "variance", "chisq",
                                                "p_value")}
    for cols in _chunks(len(time), k):
        n, n1, d, d1 = _risk_tables(time, event, group[:, cols], mask[:, cols])
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


def cox_hr(time, event, group, mask=None, conf_level: float = 0.95, max_iter: int = 30) -> dict:
    """Cox model ``Surv(time, event) ~ group`` (binary, Efron ties) for each column.

    Returns dict of arrays: coef, se, hr, ci_low, ci_high, p_value (Wald), and ``estimable``
    (False where the likelihood has no finite maximum, e.g. no events in one group, or the
    iteration does not converge - R's coxph then warns of an infinite coefficient).
    """
    time, event, group, mask = _prepare(time, event, group, mask)
    k = group.shape[1]
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    out = {key: np.full(k, np.nan) for key in ("coef", "se", "hr", "ci_low", "ci_high",
                                                "p_value")}
    out["estimable"] = np.zeros(k, bool)
    for cols in _chunks(len(time), k):
        n, n1, d, d1 = _risk_tables(time, event, group[:, cols], mask[:, cols])
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
