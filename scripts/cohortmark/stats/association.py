"""Biomarker associations: every gene x alteration x endpoint x test, vectorised over genes.

Alterations (configurable, ``statistics.amplification_calls`` / ``deletion_calls``):
``amplification`` = cn_call in [AMP], ``deletion`` = cn_call in [HOMDEL], ``mutation`` =
mut_status altered, ``fusion`` = sv_status altered (only when the table has sv_status, i.e.
fusions were read), ``any`` = any of these (known altered if one assay shows it; known
unaltered only if every assay was done), ``copy_number`` = the continuous cn_value.
A patient ``not_profiled`` for the assay behind an alteration is not assessed for it.

Pearson correlation uses log2(copy number / ploidy) (``cn_fold``, floored at
``statistics.cn_fold_floor``); Spearman and Mann-Whitney the copy number itself (ranks).

Endpoints: ``response`` (best_response in ``response.responders``; evaluable patients, those
without a recorded best response counted as non-responders unless
``statistics.unassessed_response`` is ``exclude``), ``best_pct_change`` (evaluable patients
with a value), ``pfs`` and ``os`` (patients with time and event; all patients, or only
evaluable ones when ``statistics.survival_population`` is ``evaluable``).

Multiplicity: rows of the tests in ``statistics.primary_tests`` form the ``primary`` family,
Benjamini-Hochberg adjusted together over genes x alterations; every other row is
``exploratory``, adjusted test by test, so that two views of one hypothesis (Spearman and
Pearson, log-rank and Cox) never share an adjustment.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from scipy import stats

from .. import schema
from ..config import section
from ..errors import InputError
from ..store import is_in as store_is_in
from ..store import positions
from .exact import (
    benjamini_hochberg,
    fisher_tables,
    spearman_p,
    wilcox_exact_p,
    wilcox_exact_tied_p,
)
from .survival import cox_hr, logrank, logrank_permutation, logrank_scores, risk_tables

BINARY = ["amplification", "deletion", "mutation", "fusion", "any"]  # fusion: when read
PLAN = [  # (alteration kinds, endpoint, test)
    (BINARY, "response", "fisher"),
    (["copy_number"], "response", "mannwhitney"),
    (BINARY, "best_pct_change", "mannwhitney"),
    (["copy_number"], "best_pct_change", "spearman"),
    (["copy_number"], "best_pct_change", "pearson"),
    (BINARY, "pfs", "logrank"),
    (BINARY, "pfs", "cox"),
    (BINARY, "os", "logrank"),
    (BINARY, "os", "cox"),
]
# two tests of one hypothesis (same endpoint, same alterations): never in one family
VIEWS = [{"spearman", "pearson"}, {"logrank", "cox"}]


def settings(config: dict | None) -> dict:
    """The ``statistics`` section of a (whole) config, completed from the schema, with the
    ``response`` section's ``responders`` and ``disease_control``."""
    out = section(config, "statistics")
    response = section(config, "response")
    out["responders"] = list(response["responders"])
    out["disease_control"] = list(response["disease_control"])
    return out


def primary_tests(cfg: dict) -> set[tuple[str, str]]:
    """(endpoint, test) pairs of ``statistics.primary_tests``, checked: each must be a test the
    table makes, and two views of one hypothesis (Spearman/Pearson, log-rank/Cox of one
    endpoint) cannot both be primary."""
    made = {(endpoint, test) for _, endpoint, test in PLAN}
    out = set()
    for item in cfg["primary_tests"]:
        endpoint, _, test = item.partition(":")
        if (endpoint, test) not in made:
            raise InputError(f"{item!r} is not a test of the association table (made: "
                             + ", ".join(f"{e}:{t}" for e, t in sorted(made)) + ")",
                             field="statistics.primary_tests")
        out.add((endpoint, test))
    for view in VIEWS:
        for endpoint in {e for e, _ in out}:
            both = sorted(t for e, t in out if e == endpoint and t in view)
            if len(both) > 1:
                raise InputError(f"{endpoint}: {' and '.join(both)} test the same hypothesis; "
                                 "choose one of them as primary", field="statistics.primary_tests")
    return out


def row_seed(seed: int, *key) -> int:
    """A row's own random seed from the configured seed and the row's identity (gene,
    alteration, endpoint), so a Monte Carlo p-value does not depend on the other rows."""
    digest = hashlib.sha256(":".join(map(str, (seed, *key))).encode()).digest()
    return int.from_bytes(digest[:8], "little")


# --- one-off versions (used by tests against R, and as the definition) --------------------

def mannwhitney_one(x, y, exact_ties: bool = True) -> dict:
    """Two-sided Wilcoxon rank-sum test of x vs y: dict(statistic W, p_value, exact).

    As R's wilcox.test (exact = NULL, correct = TRUE) - exact when both groups have fewer than
    50 values and there are no ties, else the normal approximation - except that small groups
    with ties get the exact distribution conditional on the ties (``exact_ties``; False gives
    R's normal approximation there)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    nx, ny = len(x), len(y)
    ranks = stats.rankdata(np.concatenate([x, y]))
    w = ranks[:nx].sum() - nx * (nx + 1) / 2
    _, counts = np.unique(np.concatenate([x, y]), return_counts=True)
    ties = bool((counts > 1).any())
    p, exact = _mw_p(np.array([w]), np.array([nx]), np.array([ny]),
                     np.array([(counts ** 3 - counts).sum()], float), np.array([ties]),
                     (lambda i: (x, y)) if exact_ties else None)
    return {"statistic": float(w), "p_value": float(p[0]), "exact": bool(exact[0])}


def spearman_one(x, y) -> dict:
    """Spearman's rho and two-sided p as R's cor.test(method = "spearman")."""
    rx, ry = stats.rankdata(x), stats.rankdata(y)
    rho = float(np.corrcoef(rx, ry)[0, 1])
    ties = len(np.unique(x)) < len(x) or len(np.unique(y)) < len(y)
    p, _ = spearman_p(rho, len(rx), ties)
    return {"estimate": rho, "p_value": p}


def pearson_one(x, y, conf_level: float = 0.95) -> dict:
    """Pearson's r, two-sided t-test p and Fisher-z interval as R's cor.test."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    r, p, lo, hi = _pearson(x[:, None], np.ones((len(x), 1), bool), y, conf_level)
    return {"estimate": float(r[0]), "p_value": float(p[0]), "ci_low": float(lo[0]),
            "ci_high": float(hi[0])}


# --- vectorised pieces --------------------------------------------------------------------

def _mw_p(w, n1, n0, tie_sum, ties, tied_values=None):
    """p-values of rank-sum statistics: exact when n1, n0 < 50 (R's rule), the exact
    distribution conditional on the ties where there are ties (``tied_values(i)`` gives the
    two groups' values of column i; without it R's normal approximation is used there), else
    normal with continuity and tie correction."""
    p = np.full(len(w), np.nan)
    small = (n1 < 50) & (n0 < 50) & (n1 > 0) & (n0 > 0)
    exact = small & (~ties if tied_values is None else True)
    for i in np.flatnonzero(exact):
        if ties[i]:
            p[i] = wilcox_exact_tied_p(*tied_values(i))
        else:
            p[i] = wilcox_exact_p(w[i], int(n1[i]), int(n0[i]))
    approx = ~exact & (n1 > 0) & (n0 > 0)
    if approx.any():
        n = n1 + n0
        z = w - n1 * n0 / 2
        with np.errstate(divide="ignore", invalid="ignore"):
            sigma = np.sqrt(n1 * n0 / 12 * ((n + 1) - tie_sum / (n * (n - 1))))
            zc = (z - np.sign(z) * 0.5) / sigma
        pa = 2 * np.minimum(stats.norm.cdf(zc), stats.norm.sf(zc))
        p[approx] = np.where(sigma[approx] > 0, pa[approx], np.nan)
    return p, exact


def _pearson(x, mask, y, conf_level, y_matrix=False):
    """Pearson r of each column of x (P x G) with y over the rows in mask; p, Fisher-z CI.

    ``y`` is one vector for all columns, or (``y_matrix``) a matrix like x."""
    yy = y if y_matrix else np.broadcast_to(y[:, None], x.shape)
    m = mask & np.isfinite(x) & np.isfinite(yy)
    n = m.sum(axis=0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = np.where(m, x, 0).sum(axis=0) / n
        ym = np.where(m, yy, 0).sum(axis=0) / n
        xc = np.where(m, x - xm, 0)
        yc = np.where(m, yy - ym, 0)
        r = (xc * yc).sum(axis=0) / np.sqrt((xc ** 2).sum(axis=0) * (yc ** 2).sum(axis=0))
        r = np.clip(r, -1, 1)
        df = n - 2
        t = np.sqrt(df) * r / np.sqrt(1 - r ** 2)
        p = 2 * np.minimum(stats.t.cdf(t, df), stats.t.sf(t, df))
        zq = stats.norm.ppf((1 + conf_level) / 2)
        half = zq / np.sqrt(n - 3)
        lo = np.where(n > 3, np.tanh(np.arctanh(r) - half), np.nan)
        hi = np.where(n > 3, np.tanh(np.arctanh(r) + half), np.nan)
    p = np.where(n >= 3, p, np.nan)
    return r, p, lo, hi


def _mask_groups(mask):
    """Group the columns of a boolean matrix by identical content: list of column indices."""
    if mask.shape[1] == 0:
        return []
    packed = np.packbits(mask, axis=0).T
    _, inverse = np.unique(packed, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    bounds = np.flatnonzero(np.diff(inverse[order])) + 1
    return np.split(order, bounds)


def _masked_median(values_sorted, member):
    """Median of the sorted values where member (P x K, rows in sorted order) is True."""
    count = member.sum(axis=0)
    csum = member.cumsum(axis=0)
    lo_k = np.maximum((count + 1) // 2, 1)  # 1-based positions of the middle element(s)
    hi_k = np.maximum(count // 2 + 1, 1)
    lo_i = np.argmax(csum >= lo_k, axis=0)
    hi_i = np.argmax(csum >= hi_k, axis=0)
    med = (values_sorted[lo_i] + values_sorted[hi_i]) / 2
    return np.where(count > 0, med, np.nan)


def _rank_sum(y, group, mask, chunk_cells=4_000_000):
    """Rank-sum W per column (see _rank_sum_block), in blocks of columns to bound memory."""
    step = max(1, chunk_cells // max(len(y), 1))
    parts = [_rank_sum_block(y, group[:, i:i + step], mask[:, i:i + step])
             for i in range(0, group.shape[1], step)]
    if not parts:
        empty = np.empty(0)
        return empty, empty, empty, empty, np.empty(0, bool), empty
    return tuple(np.concatenate(p) for p in zip(*parts))


def _rank_sum_block(y, group, mask):
    """Rank-sum W of group 1 vs group 0 for each column, within each column's mask.

    One sort of y serves every column: a patient's mid-rank within a column's mask is the
    number of masked patients below its tie group plus half the masked patients in it.
    Returns W, n1, n0, tie_sum (sum t^3 - t of the ranked values), ties flag, median difference.
    """
    y = np.where(np.isfinite(y), y, 0.0)
    order = np.argsort(y, kind="stable")
    ys = y[order]
    starts = np.flatnonzero(np.r_[True, ys[1:] != ys[:-1]])
    m = mask[order].astype(np.float64)
    g = (group & mask)[order].astype(np.float64)
    c = np.add.reduceat(m, starts, axis=0)  # masked patients per tie group
    a = np.add.reduceat(g, starts, axis=0)  # group-1 patients per tie group
    rank = c.cumsum(axis=0) - c + (c + 1) / 2
    n1 = g.sum(axis=0)
    n0 = m.sum(axis=0) - n1
    w = (a * rank).sum(axis=0) - n1 * (n1 + 1) / 2
    tie_sum = (c ** 3 - c).sum(axis=0)
    diff = (_masked_median(ys, g > 0) - _masked_median(ys, (m > 0) & (g == 0)))
    return w, n1, n0, tie_sum, tie_sum > 0, diff


def _spearman(x, mask, y):
    """Spearman rho of each column of x with y within masks; (rho, n, ties)."""
    m = mask & np.isfinite(x) & np.isfinite(y)[:, None]
    xv = np.where(m, x, np.nan)
    rx = stats.rankdata(xv, axis=0, nan_policy="omit")
    ry = stats.rankdata(np.where(m, y[:, None], np.nan), axis=0, nan_policy="omit")
    rho, _, _, _ = _pearson(rx, m, ry, 0.95, y_matrix=True)
    sx = np.sort(xv, axis=0)
    sy = np.sort(np.where(m, y[:, None], np.nan), axis=0)
    ties = (np.diff(sx, axis=0) == 0).any(axis=0) | (np.diff(sy, axis=0) == 0).any(axis=0)
    return rho, m.sum(axis=0), ties


# --- the table ----------------------------------------------------------------------------

def _matrices(alterations: pd.DataFrame, patients: list[str], cfg: dict):
    """Patient x gene matrices: dict kind -> (altered bool, known bool), the copy number,
    log2(copy number / ploidy) (``cn_fold`` floored at ``cn_fold_floor``; NaN where the table
    has no ``cn_fold``), and the genes."""
    genes = list(pd.unique(alterations["gene"]))

    # identifiers and states are categoricals in the cohort steps (2.5 million rows at
    # 5,000 x 500): looked up and compared by category, then spread by code
    pi = positions(alterations["patient_id"], patients)
    gi = positions(alterations["gene"], genes)
    keep = pi >= 0
    pi, gi = pi[keep], gi[keep]
    shape = (len(patients), len(genes))

    def column(name):
        return alterations[name].to_numpy()[keep]

    def is_in(name, allowed) -> np.ndarray:
        """Rows (kept) whose ``name`` is one of ``allowed`` (a missing value is not)."""
        return store_is_in(alterations[name], allowed)[keep]

    def fill(values, default):
        out = np.full(shape, default, dtype=np.asarray(values).dtype)
        out[pi, gi] = values
        return out

    def numbers(name):
        if name not in alterations.columns:
            return np.full(shape, np.nan)
        return fill(pd.to_numeric(pd.Series(column(name)), errors="coerce").to_numpy(float),
                    np.nan)

    cn_known = fill(~is_in("cn_status", ["not_profiled"]), False)
    amp = fill(is_in("cn_call", cfg["amplification_calls"]), False) & cn_known
    dele = fill(is_in("cn_call", cfg["deletion_calls"]), False) & cn_known
    mut_known = fill(~is_in("mut_status", ["not_profiled"]), False)
    mut = fill(is_in("mut_status", ["altered"]), False) & mut_known
    cn_value = np.where(cn_known, numbers("cn_value"), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        fold = np.where(cn_known, numbers("cn_fold"), np.nan)
        log2_fold = np.log2(np.maximum(fold, float(cfg["cn_fold_floor"])))
    cn_altered = fill(is_in("cn_status", ["altered"]), False)
    any_alt = amp | dele | mut
    kinds = {
        "amplification": (amp, cn_known),
        "deletion": (dele, cn_known),
        "mutation": (mut, mut_known),
        "any": (any_alt, any_alt | (cn_known & mut_known)),
        "copy_number": (cn_altered, cn_known & np.isfinite(cn_value)),
    }
    if "sv_status" in alterations.columns:  # fusions / structural variants were read
        sv_known = fill(is_in("sv_status", ["altered", "wildtype"]), False)
        fusion = fill(is_in("sv_status", ["altered"]), False)
        kinds["fusion"] = (fusion, sv_known)
        any_alt = any_alt | fusion
        kinds["any"] = (any_alt, any_alt | (cn_known & mut_known & sv_known))
    return kinds, cn_value, log2_fold, genes


def _endpoints(sheet: pd.DataFrame, cfg: dict) -> dict:
    """endpoint -> dict(ok: bool per patient, and the values)."""
    evaluable = sheet["evaluable"].astype(bool).to_numpy()
    resp = sheet["best_response"]
    assessed = resp.notna().to_numpy()
    counted = evaluable if cfg["unassessed_response"] == "non_responder" else evaluable & assessed
    surv_pop = evaluable if cfg["survival_population"] == "evaluable" else np.ones(len(sheet), bool)
    out = {
        "response": {"ok": counted, "y": resp.isin(cfg["responders"]).to_numpy()},
        "best_pct_change": {"ok": evaluable & sheet["best_pct_change"].notna().to_numpy(),
                            "y": sheet["best_pct_change"].to_numpy(float)},
    }
    for name in ("pfs", "os"):
        t = sheet[f"{name}_months"].to_numpy(float)
        e = sheet[f"{name}_event"].to_numpy(float)
        out[name] = {"ok": surv_pop & np.isfinite(t) & np.isfinite(e), "time": t, "event": e}
    return out


def _untestable(n_assessed, n_altered, min_altered, min_group=None):
    """Notes of rows that are not tested (empty string = testable). ``min_group`` (survival
    rows): both the altered and the unaltered group need at least that many patients."""
    note = np.full(len(n_assessed), "", dtype=object)
    if min_altered > 1:
        note[n_altered < min_altered] = (f"not tested: fewer than {min_altered} altered "
                                         "patients assessed (statistics.min_altered)")
    if min_group is not None and min_group > 1:
        n_un = n_assessed - n_altered
        small = np.minimum(n_altered, n_un) < min_group
        note[small] = [f"not tested: {a} altered and {u} unaltered patients; survival tests "
                       f"need {min_group} in each group (statistics.min_altered_survival)"
                       for a, u in zip(n_altered[small], n_un[small])]
    note[n_altered == 0] = "not tested: no altered patient among those assessed"
    note[(n_altered == n_assessed) & (n_assessed > 0)] = "not tested: every assessed patient altered"
    note[n_assessed == 0] = "not tested: no patient assessed"
    return note


def _mw_how(exact, ties):
    return np.where(exact, np.where(ties, "exact, conditional on ties (permutation distribution)",
                                    "exact"),
                    np.where(ties, "normal approximation with continuity and tie correction "
                             "(a group >= 50)", "normal approximation with continuity "
                             "correction (a group >= 50)")).astype(object)


def _logrank_rows(ep, grp, mask, genes, kind, endpoint, n_assessed, n_altered, note, cfg,
                  tables=None):
    """p-values and notes of log-rank rows: the survdiff chi-square, or the permutation test
    (exact enumeration or Monte Carlo) where a group is small."""
    lr = logrank(ep["time"], ep["event"], grp, mask, tables=tables)
    p = lr["p_value"].copy()
    ok = np.isfinite(p) & (lr["variance"] > 0)
    note = np.where((note == "") & ~ok, "not tested: no event, or no event while both groups "
                    "were at risk", note)
    events = (mask & (np.nan_to_num(ep["event"]) > 0)[:, None]).sum(axis=0)
    e1 = lr["expected"]
    small = ((np.minimum(n_altered, n_assessed - n_altered) < cfg["logrank_permutation_below"])
             | (np.minimum(e1, events - e1) < cfg["logrank_permutation_min_expected"]))
    how = np.full(len(genes), "asymptotic (survdiff chi-square, 1 df)", dtype=object)
    scores = {}  # by the set of patients counted: most genes share theirs
    for i in np.flatnonzero(small & (note == "")):
        sel = mask[:, i]
        key = np.packbits(sel).tobytes()
        if key not in scores:
            scores[key] = logrank_scores(ep["time"][sel], ep["event"][sel])
        res = logrank_permutation(
            ep["time"][sel], ep["event"][sel], grp[sel, i],
            max_enumerate=int(cfg["permutation_max_enumerate"]),
            resamples=int(cfg["permutation_resamples"]),
            seed=row_seed(int(cfg["permutation_seed"]), genes[i], kind, endpoint),
            scores=scores[key])
        asym = f"asymptotic p {p[i]:.2g}"
        p[i] = res["p_value"]
        if res["exact"]:
            how[i] = (f"permutation, exact over all {res['n_permutations']} group assignments "
                      f"({asym})")
        else:
            how[i] = (f"permutation, Monte Carlo: {res['n_permutations']} random group "
                      f"assignments (statistics.permutation_seed), SE of p {res['se']:.2g} "
                      f"({asym})")
    note = np.where(note == "", "log-rank " + how + "; observed " + _fmt(lr["observed"])
                    + " vs expected " + _fmt(lr["expected"]) + " events in altered", note)
    return p, note


def _cox_rows(ep, grp, mask, note, level, cfg, tables=None):
    cx = cox_hr(ep["time"], ep["event"], grp, mask, conf_level=level, tables=tables)
    ev = np.nan_to_num(ep["event"])[:, None] > 0
    ev_alt = (grp & mask & ev).sum(axis=0)
    ev_un = (mask & ~grp & ev).sum(axis=0)
    note = np.where((note == "") & ~cx["estimable"],
                    "not estimable: no finite maximum (e.g. no events in one group)", note)
    few = cx["estimable"] & (np.minimum(ev_alt, ev_un) < cfg["cox_min_events"])
    counts = np.array([f"{a} events altered, {u} unaltered" for a, u in zip(ev_alt, ev_un)],
                      dtype=object)
    words = "hazard ratio altered vs unaltered, Efron ties; Wald CI and p; "
    note = np.where(note == "", np.where(
        few, "unstable: fewer than " + str(cfg["cox_min_events"]) + " events in a group "
        "(statistics.cox_min_events); " + words + counts, words + counts), note)
    res = {"effect": cx["hr"], "ci_low": cx["ci_low"], "ci_high": cx["ci_high"],
           "p_value": cx["p_value"]}
    return res, note


def associations(alterations: pd.DataFrame, sheet: pd.DataFrame, config: dict | None = None
                 ) -> pd.DataFrame:
    """One row per gene x alteration x endpoint x test (schema.ASSOCIATION_COLUMNS)."""
    cfg = settings(config)
    primary = primary_tests(cfg)
    level = float(cfg["conf_level"])
    patients = list(sheet["patient_id"])
    kinds, cn_value, log2_fold, genes = _matrices(alterations, patients, cfg)
    ends = _endpoints(sheet, cfg)
    tests = set(cfg["tests"])
    min_survival = max(int(cfg["min_altered"]), int(cfg["min_altered_survival"]))
    blocks, cox_later = [], {}
    for alts, endpoint, test in PLAN:
        if test not in tests:
            continue
        ep = ends[endpoint]
        for kind in alts:
            if kind not in kinds:  # fusion without structural-variant data
                continue
            altered, known = kinds[kind]
            mask = known & ep["ok"][:, None]
            grp = altered & mask
            n_assessed, n_altered = mask.sum(axis=0), grp.sum(axis=0)
            res = {"effect": np.full(len(genes), np.nan), "ci_low": np.full(len(genes), np.nan),
                   "ci_high": np.full(len(genes), np.nan), "p_value": np.full(len(genes), np.nan)}
            survival = test in ("logrank", "cox")
            note = _untestable(n_assessed, n_altered, int(cfg["min_altered"]),
                               min_survival if survival else None)
            if test == "fisher":
                y = ep["y"][:, None]
                a = (grp & y).sum(axis=0)
                b = n_altered - a
                c = (mask & ~altered & y).sum(axis=0)
                d = n_assessed - n_altered - c
                o, lo, hi, p = fisher_tables(a, b, c, d, level)
                res.update(effect=o, ci_low=lo, ci_high=hi, p_value=p)
                flat = ((a + c) == 0) | ((b + d) == 0)
                note = np.where((note == "") & flat,
                                "not tested: no variation in response among assessed", note)
                counts = np.array([f"responders: altered {w}/{w + x}, unaltered {y}/{y + z}; "
                                   for w, x, y, z in zip(a, b, c, d)], dtype=object)
                note = np.where(note == "", counts + "conditional MLE odds ratio, exact CI",
                                note)
            elif test == "mannwhitney":
                if kind == "copy_number":  # copy number of responders vs non-responders
                    values = np.where(mask, cn_value, np.nan)
                    res.update(_mw_block_values(values, mask, ep["y"]))
                    note = np.where(n_assessed < 2, "not tested: fewer than 2 patients", "")
                    note = np.where(note == "", res.pop("note"), note)
                else:
                    y = ep["y"]
                    w, n1, n0, tie_sum, ties, diff = _rank_sum(y, grp, mask)

                    def groups(i, y=y, grp=grp, mask=mask):
                        sel = mask[:, i]
                        return y[sel][grp[sel, i]], y[sel][~grp[sel, i]]

                    p, exact = _mw_p(w, n1, n0, tie_sum, ties, groups)
                    res.update(effect=diff, p_value=p)
                    note = np.where(note == "", "effect: median altered - median unaltered; "
                                    + _mw_how(exact, ties), note)
            elif test in ("spearman", "pearson"):
                if test == "pearson":
                    values = np.where(mask, log2_fold, np.nan)
                    r, p, lo, hi = _pearson(values, mask, ep["y"], level)
                    res.update(effect=r, p_value=p, ci_low=lo, ci_high=hi)
                    n_used = (mask & np.isfinite(values) & np.isfinite(ep["y"])[:, None]).sum(
                        axis=0)
                    method = np.full(len(genes), "Pearson r of log2(copy number / ploidy), "
                                     "t test; Fisher z CI", dtype=object)
                else:
                    values = np.where(mask, cn_value, np.nan)
                    r, n_used, ties = _spearman(values, mask, ep["y"])
                    p, how = spearman_p(r, n_used, ties)
                    res.update(effect=r, p_value=p)
                    method = "Spearman rho of copy number; " + how.astype(object)
                few = np.where((n_used < n_assessed) & (test == "pearson"),
                               " with copy number / ploidy (cn_fold)", "").astype(object)
                note = np.where(n_used < 3, "not tested: fewer than 3 patients" + few,
                                np.where(np.isnan(r), "not tested: copy number constant",
                                         method))
            elif test == "logrank":
                # the log-rank test and the Cox model count the same risk tables: count them
                # once, computing the Cox rows now for their turn in PLAN
                tables = risk_tables(ep["time"], ep["event"], grp, mask)
                if "cox" in tests:
                    cox_later[(kind, endpoint)] = _cox_rows(ep, grp, mask, note, level, cfg,
                                                            tables)
                p, note = _logrank_rows(ep, grp, mask, genes, kind, endpoint, n_assessed,
                                        n_altered, note, cfg, tables)
                del tables
                res.update(p_value=p)
            else:
                cox, note = (cox_later.pop((kind, endpoint)) if (kind, endpoint) in cox_later
                             else _cox_rows(ep, grp, mask, note, level, cfg))
                res.update(cox)
            untested = np.char.startswith(note.astype(str), "not ")
            for key in ("effect", "ci_low", "ci_high", "p_value"):
                res[key] = np.where(untested, np.nan, res[key])
            blocks.append(pd.DataFrame({
                "gene": genes, "alteration": kind, "endpoint": endpoint, "test": test,
                "n_assessed": n_assessed, "n_altered": n_altered, **res,
                "family": "primary" if (endpoint, test) in primary else "exploratory",
                "note": note}))
    if not blocks:
        return pd.DataFrame(columns=schema.ASSOCIATION_COLUMNS)
    table = pd.concat(blocks, ignore_index=True)
    table["q_value"] = np.nan
    # primary: one family over every primary test; exploratory: test by test, so that two
    # views of one hypothesis (Spearman/Pearson, log-rank/Cox) never share an adjustment
    family_key = np.where(table["family"] == "primary", "primary", "exploratory:" + table["test"])
    for _, idx in table.groupby(family_key, sort=False).groups.items():
        table.loc[idx, "q_value"] = benjamini_hochberg(table.loc[idx, "p_value"].to_numpy())
    rank = {name: i for i, name in enumerate(genes)}
    table["_g"] = table["gene"].map(rank)
    table["_a"] = table["alteration"].map(schema.ALTERATION_KINDS.index)
    table["_e"] = table["endpoint"].map(schema.ENDPOINTS.index)
    table["_t"] = table["test"].map(schema.TESTS.index)
    table = table.sort_values(["_g", "_a", "_e", "_t"], kind="stable")
    return table[schema.ASSOCIATION_COLUMNS].reset_index(drop=True)


def _fmt(values):
    return np.array([f"{v:.3g}" if np.isfinite(v) else "NA" for v in values], dtype=object)


def _mw_block_values(values, mask, responder):
    """Rank-sum of copy number in responders vs non-responders, for each gene (column)."""
    m = mask & np.isfinite(values)
    v = np.where(m, values, np.nan)
    ranks = stats.rankdata(v, axis=0, nan_policy="omit")
    run = (stats.rankdata(v, method="max", axis=0, nan_policy="omit")
           - stats.rankdata(v, method="min", axis=0, nan_policy="omit") + 1)
    r = responder[:, None] & m
    n1 = r.sum(axis=0).astype(float)
    n0 = m.sum(axis=0) - n1
    w = np.where(r, ranks, 0).sum(axis=0) - n1 * (n1 + 1) / 2
    tie_sum = np.where(m, run ** 2 - 1, 0).sum(axis=0)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        diff = (np.nanmedian(np.where(r, v, np.nan), axis=0)
                - np.nanmedian(np.where(m & ~r, v, np.nan), axis=0))
    ties = tie_sum > 0

    def groups(i):
        return v[r[:, i], i], v[m[:, i] & ~r[:, i], i]

    p, exact = _mw_p(w, n1, n0, tie_sum, ties, groups)
    note = np.where((n1 == 0) | (n0 == 0), "not tested: responders or non-responders missing",
                    "effect: median copy number responders - non-responders; "
                    + _mw_how(exact, ties))
    return {"effect": diff, "p_value": p, "note": note}
