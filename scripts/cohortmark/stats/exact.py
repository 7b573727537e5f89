"""Exact small-sample statistics, vectorised: Clopper-Pearson, Fisher (as R's fisher.test),
Benjamini-Hochberg, the exact Wilcoxon rank-sum (R's, and conditional on ties) and Spearman
null distributions.

Every function here is checked against R in tests/test_stats_vs_r.py (fixtures made by
tests/r/make_fixtures.R).
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

import numpy as np
from scipy import special, stats

# R's fisher.test counts d <= d_obs * (1 + 1e-7) as "as or more extreme".
_FISHER_REL_ERR = 1 + 1e-7
_THETA_MAX = 60.0  # bracket for log odds ratio roots (OR from 1e-26 to 1e26)
_CHUNK_CELLS = 2_000_000  # tables x support cells evaluated at once


def clopper_pearson(count, n, conf_level: float = 0.95):
    """Exact (Clopper-Pearson) interval for count/n, as R's binom.test. Arrays or scalars.

    Returns (low, high); both NaN where n == 0.
    """
    x = np.asarray(count, dtype=float)
    n = np.asarray(n, dtype=float)
    alpha = 1 - conf_level
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(x > 0, stats.beta.ppf(alpha / 2, x, n - x + 1), 0.0)
        high = np.where(x < n, stats.beta.ppf(1 - alpha / 2, x + 1, n - x), 1.0)
    bad = n <= 0
    low, high = np.where(bad, np.nan, low), np.where(bad, np.nan, high)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def benjamini_hochberg(p):
    """BH-adjusted q-values, as R's p.adjust(method = "BH"); NaN stays NaN and is not counted."""
    p = np.asarray(p, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return q
    pv = p[ok]
    order = np.argsort(-pv, kind="stable")
    ranks = np.arange(m, 0, -1)
    adj = np.minimum.accumulate(m / ranks * pv[order])
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    q[ok] = out
    return q


# --- Fisher's exact test ------------------------------------------------------------------
# Table [[a, b], [c, d]]; as R's fisher.test: m = a + c, n = b + d, k = a + b, x = a, and the
# conditional distribution of x given the margins is (noncentral) hypergeometric on lo..hi.

def _log_choose(n, k):
    return special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)


def _margins(a, b, c, d):
    m, n, k = a + c, b + d, a + b
    return m, n, k, np.maximum(0, k - n), np.minimum(k, m)


def _fisher_p(a, b, c, d):
    """Two-sided p-values at OR = 1: P(tables with probability <= that observed x (1 + 1e-7)).

    The hypergeometric is unimodal, so those tables are a lower prefix and an upper suffix of
    the support; both ends are found by vectorised bisection and summed with the hypergeometric
    cdf and survival function (O(log support) per table instead of O(support)).
    """
    m, n, k, lo, hi = _margins(a, b, c, d)
    big = m + n

    def logpmf(s):
        return _log_choose(m, s) + _log_choose(n, k - s)

    mode = np.clip(((k + 1) * (m + 1)) // (big + 2), lo, hi)
    thr = logpmf(a) + math.log1p(1e-7)
    # largest s in [lo, mode] with logpmf(s) <= thr (lo - 1 if none): pmf non-decreasing there
    left, right = lo - 1, mode + 1
    while np.any(right - left > 1):
        mid = (left + right) // 2
        ok = (right - left > 1) & (logpmf(np.clip(mid, lo, hi)) <= thr)
        left = np.where((right - left > 1) & ok, mid, left)
        right = np.where((right - left > 1) & ~ok, mid, right)
    a_star = left
    # smallest s in [mode, hi] with logpmf(s) <= thr (hi + 1 if none): pmf non-increasing
    left, right = mode - 1, hi + 1
    while np.any(right - left > 1):
        mid = (left + right) // 2
        ok = (right - left > 1) & (logpmf(np.clip(mid, lo, hi)) <= thr)
        right = np.where((right - left > 1) & ok, mid, right)
        left = np.where((right - left > 1) & ~ok, mid, left)
    b_star = right
    dist = stats.hypergeom(big, m, k)
    p = np.where(a_star >= lo, dist.cdf(a_star), 0.0) + np.where(b_star <= hi,
                                                                  dist.sf(b_star - 1), 0.0)
    p = np.where(a_star >= b_star - 1, 1.0, p)  # the mode qualifies: every table counts
    return np.minimum(p, 1.0)


def _fisher_roots(a, b, c, d, conf_level, half_width):
    """Conditional MLE odds ratio and exact interval for distinct tables of one chunk.

    The support is cut to x +- half_width; returns (or, low, high, ok) where ok is False
    when the cut was too narrow for the solution found (the caller then recomputes).
    """
    m, n, k, lo, hi = _margins(a, b, c, d)
    x = a
    wlo = np.maximum(lo, x - half_width)
    whi = np.minimum(hi, x + half_width)
    length = whi - wlo + 1
    width = int(length.max())
    j = np.arange(width)
    valid = j[None, :] < length[:, None]
    s = np.where(valid, wlo[:, None] + j[None, :], wlo[:, None])
    logdc = np.where(valid, _log_choose(m[:, None], s) + _log_choose(n[:, None], k[:, None] - s),
                     -np.inf)
    xi = (x - wlo)[:, None]
    le_x = valid & (j[None, :] <= xi)
    ge_x = valid & (j[None, :] >= xi)
    sf = (s - x[:, None]).astype(float)  # centred at x for numerical range

    def probs(theta, rows):
        w = logdc[rows] + theta[:, None] * sf[rows]
        w = np.exp(w - w.max(axis=1, keepdims=True))
        return w / w.sum(axis=1, keepdims=True)

    def solve(rows, fn, increasing, start):
        """Root in theta of fn (value, derivative) per row: Newton kept inside a bracket."""
        lo_t = np.full(len(rows), -_THETA_MAX)
        hi_t = np.full(len(rows), _THETA_MAX)
        theta = np.clip(start, -_THETA_MAX + 1, _THETA_MAX - 1)
        active = np.arange(len(rows))
        for _ in range(200):
            if not len(active):
                break
            r = rows[active]
            val, der = fn(probs(theta[active], r), r)
            if not increasing:
                val, der = -val, -der
            above = val > 0
            hi_t[active] = np.where(above, theta[active], hi_t[active])
            lo_t[active] = np.where(above, lo_t[active], theta[active])
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                step = theta[active] - val / der
            mid = (lo_t[active] + hi_t[active]) / 2
            ok = np.isfinite(step) & (step > lo_t[active]) & (step < hi_t[active]) & (der > 0)
            new = np.where(val == 0, theta[active], np.where(ok, step, mid))
            done = ((np.abs(new - theta[active]) < 1e-11) | (val == 0)
                    | (hi_t[active] - lo_t[active] < 1e-11))
            theta[active] = new
            active = active[~done]
        return theta

    def mean_fn(P, r):
        mu = (P * sf[r]).sum(axis=1)
        var = (P * sf[r] ** 2).sum(axis=1) - mu ** 2
        return mu, np.maximum(var, 0)

    def cdf_fn(mask, target):
        def fn(P, r):
            mu = (P * sf[r]).sum(axis=1, keepdims=True)
            cm = np.where(mask[r], P, 0)
            return cm.sum(axis=1) - target, (cm * (sf[r] - mu)).sum(axis=1)
        return fn

    alpha = (1 - conf_level) / 2
    z = stats.norm.ppf(1 - alpha)
    start = np.log((a + .5) * (d + .5) / ((b + .5) * (c + .5)))
    se = np.sqrt(1 / (a + .5) + 1 / (b + .5) + 1 / (c + .5) + 1 / (d + .5))
    nan = np.full(len(a), np.nan)
    theta = {"or": nan.copy(), "low": nan.copy(), "high": nan.copy()}
    odds, low, high = nan.copy(), nan.copy(), nan.copy()
    odds[x == lo] = 0.0
    odds[(x == hi) & (x != lo)] = np.inf
    rows = np.flatnonzero((x > lo) & (x < hi))
    if len(rows):
        theta["or"][rows] = solve(rows, mean_fn, True, start[rows])
    high[x == hi] = np.inf  # ncp.U: P(S <= x; or) = alpha
    rows = np.flatnonzero(x < hi)
    if len(rows):
        theta["high"][rows] = solve(rows, cdf_fn(le_x, alpha), False, start[rows] + z * se[rows])
    low[x == lo] = 0.0  # ncp.L: P(S >= x; or) = alpha
    rows = np.flatnonzero(x > lo)
    if len(rows):
        theta["low"][rows] = solve(rows, cdf_fn(ge_x, alpha), True, start[rows] - z * se[rows])
    ok = np.ones(len(a), bool)
    cut_lo, cut_hi = wlo > lo, whi < hi
    if cut_lo.any() or cut_hi.any():
        for th in theta.values():
            rows = np.flatnonzero(np.isfinite(th) & (cut_lo | cut_hi))
            if len(rows):
                P = probs(th[rows], rows)
                first = P[:, 0]
                last = np.take_along_axis(P, (length[rows] - 1)[:, None], axis=1)[:, 0]
                bad = (cut_lo[rows] & (first > 1e-30)) | (cut_hi[rows] & (last > 1e-30))
                ok[rows[bad]] = False
    for key, arr in (("or", odds), ("low", low), ("high", high)):
        fin = np.isfinite(theta[key])
        arr[fin] = np.exp(theta[key][fin])
    return odds, low, high, ok


def fisher_tables(a, b, c, d, conf_level: float = 0.95):
    """Fisher's exact test for many 2x2 tables [[a, b], [c, d]] at once, as R's fisher.test.

    Returns arrays (odds_ratio, ci_low, ci_high, p_value): the conditional maximum-likelihood
    odds ratio, its exact two-sided interval and the two-sided p-value (tables more or equally
    extreme by probability, R's relative tolerance 1e-7). Each distinct table is computed once.
    A table whose margins allow only one value (a row or column total of 0) gets p = 1 and NaN
    odds ratio/interval (R's estimate is degenerate there).
    """
    tab = np.stack([np.asarray(v, dtype=np.int64).ravel() for v in (a, b, c, d)], axis=1)
    if tab.size == 0:
        empty = np.empty(0)
        return empty, empty.copy(), empty.copy(), empty.copy()
    if (tab < 0).any():
        raise ValueError("negative count in a 2x2 table")
    uniq, inverse = np.unique(tab, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    ua, ub, uc, ud = uniq.T
    m, n, k, lo, hi = _margins(ua, ub, uc, ud)
    big = m + n
    with np.errstate(invalid="ignore", divide="ignore"):
        var0 = np.where(big > 1, k * m * n * (big - k) / (big.astype(float) ** 2 * (big - 1)), 0)
    half = (20 * np.sqrt(var0) + 25).astype(np.int64)
    out = np.full((len(uniq), 4), np.nan)
    out[:, 3] = _fisher_p(ua, ub, uc, ud)
    todo = np.arange(len(uniq))
    for attempt in range(2):
        if attempt == 1:
            half[todo] = np.iinfo(np.int64).max // 4  # the whole support
        length = np.minimum(hi, ua + half) - np.maximum(lo, ua - half) + 1
        order = todo[np.argsort(length[todo], kind="stable")]
        redo = []
        start = 0
        while start < len(order):
            stop = start + 1
            while stop < len(order) and (stop - start + 1) * int(length[order[stop]]) <= _CHUNK_CELLS:
                stop += 1
            idx = order[start:stop]
            o, low, high, ok = _fisher_roots(ua[idx], ub[idx], uc[idx], ud[idx], conf_level,
                                             half[idx])
            out[idx, 0], out[idx, 1], out[idx, 2] = o, low, high
            redo.extend(idx[~ok])
            start = stop
        todo = np.array(redo, dtype=np.int64)
        if not len(todo):
            break
    degenerate = lo == hi  # a single possible table: no information
    out[degenerate, :3] = np.nan
    res = out[inverse]
    return res[:, 0], res[:, 1], res[:, 2], res[:, 3]


def fisher_exact_or(a: int, b: int, c: int, d: int, conf_level: float = 0.95) -> dict:
    """One 2x2 table: dict(odds_ratio, ci_low, ci_high, p_value) as R's fisher.test."""
    o, lo, hi, p = fisher_tables([a], [b], [c], [d], conf_level)
    return {"odds_ratio": float(o[0]), "ci_low": float(lo[0]), "ci_high": float(hi[0]),
            "p_value": float(p[0])}


# --- Wilcoxon rank-sum (Mann-Whitney) exact distribution ---------------------------------

@lru_cache(maxsize=4096)
def _wilcox_counts(nx: int, ny: int) -> tuple[int, ...]:
    """Number of arrangements giving each W = 0..nx*ny (Gaussian binomial coefficients)."""
    poly = [1]
    for i in range(1, nx + 1):
        shift = ny + i
        new = poly + [0] * shift
        for t in range(len(new) - 1, shift - 1, -1):  # times (1 - q^shift)
            new[t] -= new[t - shift]
        for t in range(i, len(new)):  # divided by (1 - q^i)
            new[t] += new[t - i]
        poly = new[: i * ny + 1]
    return tuple(poly)


def wilcox_exact_p(w: float, nx: int, ny: int) -> float:
    """Two-sided exact p of the rank-sum statistic W (altered ranks minus nx(nx+1)/2), as R."""
    counts = _wilcox_counts(nx, ny)
    total = math.comb(nx + ny, nx)
    w_int = int(round(w))
    if w > nx * ny / 2:
        tail = sum(counts[max(w_int, 0):])  # P(W >= w)
    else:
        tail = sum(counts[: w_int + 1])  # P(W <= w)
    return min(1.0, 2 * tail / total)


def wilcox_exact_tied_p(x, y) -> float:
    """Two-sided exact p of the rank-sum statistic conditional on the observed ties.

    Mid-ranks of the pooled values are fixed; every one of the C(n, nx) ways of choosing which
    nx of them belong to x is equally likely under the null (the permutation distribution of
    W). The p-value is P(|W - E W| >= |w - E W|), E W = nx (n + 1) / 2, computed exactly by
    counting subsets per sum of doubled mid-ranks (integers). Without ties this equals R's
    exact wilcox.test p (the distribution is then symmetric).
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    nx, ny = len(x), len(y)
    if nx == 0 or ny == 0:
        return math.nan
    pooled = np.concatenate([x, y])
    scores = np.rint(2 * stats.rankdata(pooled)).astype(np.int64)  # doubled mid-ranks
    k = min(nx, ny)  # count subsets of the smaller group (same |W - E W|)
    obs = int(scores[:nx].sum()) if nx <= ny else int(scores[nx:].sum())
    n = nx + ny
    top = int(np.sort(scores)[::-1][:k].sum())
    counts = np.zeros((k + 1, top + 1))
    counts[0, 0] = 1.0
    for v in scores:
        # subsets using this value: shift by v one size up (from larger sizes down: no reuse)
        counts[1:, v:] += counts[:-1, : top + 1 - v].copy()
    dist = counts[k]
    mean2 = k * (n + 1)  # doubled mean of the smaller group's rank sum
    sums = np.arange(top + 1)
    extreme = np.abs(sums - mean2) >= abs(obs - mean2)
    return float(min(1.0, dist[extreme].sum() / math.comb(n, k)))


# --- Spearman's rho null distribution (AS 89, as R's cor.test) ----------------------------

@lru_cache(maxsize=16)
def _spearman_exact_sums(n: int) -> np.ndarray:
    """Sum of squared rank differences over all n! permutations (n <= 9)."""
    perms = np.array(list(itertools.permutations(range(n))), dtype=np.int64)
    return ((perms - np.arange(n)) ** 2).sum(axis=1)


# Edgeworth series coefficients of Best & Roberts (1975), Algorithm AS 89, Appl. Statist. 24:377.
_AS89 = (.2274, .2531, .1745, .0758, .1033, .3932, .0879, .0151, .0072, .0831, .0131, 4.6e-4)


def _prho(n: int, s: float, lower: bool) -> float:
    """P(S >= s) (or P(S < s) when lower) for Spearman's S under independence (AS 89)."""
    p = 0.0 if lower else 1.0
    if n <= 1 or s <= 0:
        return p
    n3 = n * (n * n - 1) / 3
    if s > n3:
        return 1 - p
    if n <= 9:
        sums = _spearman_exact_sums(n)
        ge = int((sums >= s).sum()) if s != n3 else 1
        total = math.factorial(n)
        return (total - ge) / total if lower else ge / total
    c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12 = _AS89
    y = float(n)
    b = 1 / y
    x = (6 * (s - 1) * b / (y * y - 1) - 1) * math.sqrt(y - 1)
    y = x * x
    u = x * b * (c1 + b * (c2 + c3 * b) + y * (-c4 + b * (c5 + c6 * b) - y * b * (
        c7 + c8 * b - y * (c9 - c10 * b + y * b * (c11 - c12 * y)))))
    y = u / math.exp(y / 2)
    pv = (-y if lower else y) + (stats.norm.cdf(x) if lower else stats.norm.sf(x))
    return min(max(pv, 0.0), 1.0)


def spearman_p(rho, n, ties):
    """Two-sided p of Spearman's rho as R's cor.test (exact = NULL), vectorised.

    Without ties and n <= 1290: AS 89 (exact enumeration for n <= 9, Edgeworth series above);
    otherwise the t approximation. Returns (p, note) arrays (scalars for scalar input).
    """
    scalar = np.ndim(rho) == 0
    rho, n, ties = np.broadcast_arrays(np.asarray(rho, float), np.asarray(n, float),
                                       np.asarray(ties, bool))
    rho, n, ties = rho.ravel(), n.ravel(), ties.ravel()
    p = np.full(len(rho), np.nan)
    note = np.full(len(rho), "", dtype=object)
    ok = np.isfinite(rho) & (n >= 2)
    q = (n ** 3 - n) * (1 - rho) / 6
    upper = q > (n ** 3 - n) / 6
    exact = ok & (n <= 1290) & ~ties
    for i in np.flatnonzero(exact & (n <= 9)):
        p[i] = _prho(int(n[i]), round(q[i]) + 2 * (not upper[i]), lower=not upper[i])
        note[i] = "exact null distribution (n <= 9)"
    edge = np.flatnonzero(exact & (n > 9))
    if len(edge):
        c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12 = _AS89
        lower = ~upper[edge]
        s = np.round(q[edge]) + 2 * lower
        y = n[edge]
        b = 1 / y
        x = (6 * (s - 1) * b / (y * y - 1) - 1) * np.sqrt(y - 1)
        yy = x * x
        u = x * b * (c1 + b * (c2 + c3 * b) + yy * (-c4 + b * (c5 + c6 * b) - yy * b * (
            c7 + c8 * b - yy * (c9 - c10 * b + yy * b * (c11 - c12 * yy)))))
        corr = u / np.exp(yy / 2)
        pv = np.where(lower, -corr + stats.norm.cdf(x), corr + stats.norm.sf(x))
        pv = np.clip(pv, 0, 1)
        n3 = y * (y * y - 1) / 3
        pv = np.where(s <= 0, np.where(lower, 0.0, 1.0), pv)
        pv = np.where(s > n3, np.where(lower, 1.0, 0.0), pv)
        p[edge] = pv
        note[edge] = "AS 89 Edgeworth series"
    approx = np.flatnonzero(ok & ~exact & (n > 2))
    if len(approx):
        nn = n[approx]
        r = 1 - q[approx] / (nn * (nn ** 2 - 1) / 6)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = r / np.sqrt((1 - r ** 2) / (nn - 2))
        p[approx] = np.where(upper[approx], stats.t.cdf(t, nn - 2), stats.t.sf(t, nn - 2))
        note[approx] = np.where(ties[approx], "t approximation (ties)",
                                "t approximation (n > 1290)")
    p = np.minimum(2 * p, 1.0)
    if scalar:
        return float(p[0]), note[0]
    return p, note
