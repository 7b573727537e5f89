"""Gene-level copy number and calls from one sample's segments (pure functions).

Definitions (docs/DESIGN.md, copy number, has the decisions behind them):

- Absolute copy number from a log2 ratio ``l`` with tumour purity ``p`` and ploidy ``P``
  (normal cells diploid, log2 centred on the sample's average copy number)::

      CN = (2**l * (p*P + 2*(1-p)) - 2*(1-p)) / p        (clipped at 0)

  With ``p = 1, P = 2`` this is ``CN = 2 * 2**l``.
- ``cn_min`` / ``cn_max``: lowest / highest copy number of the segments overlapping the gene
  body; ``cn_coverage``: fraction of the gene body covered by segments.
- ``cn_value``: ``cn_min`` when ``cn_min`` alone is a call listed in ``partial_gene_calls``
  (default HOMDEL: a homozygous deletion of part of a gene inactivates it), otherwise the copy
  number of the segment covering most of the gene (a hemizygous loss of a quarter of MDM2
  beside three quarters at 2.44 copies is not a LOSS of MDM2).
- Copy numbers are rounded to ``value_decimals`` before they are called, so that the printed
  value and the call agree (a homozygous deletion is 0, not 1.08e-09).
- A ``cn`` segment value of NaN is the sample's baseline ploidy (regions that events-only
  formats do not list).
- ``cn_call`` is made from ``cn_value`` and the ploidy: HOMDEL, then AMP, LOSS, GAIN, else
  NEUTRAL; each needs every non-null threshold of its kind (absolute ``*_cn``, relative
  ``*_fold`` = CN / ploidy).
- ``cn_segment_length``: length of the run of consecutive segments (same chromosome) that
  carry the same call as the gene's segment, with gaps of at most run_max_gap; ``cn_focal`` = that length < focal_max_length
  (empty for NEUTRAL); ``cn_coamplified``: other panel AMP genes on the same run.
- ``gene_thresholds`` overrides the call thresholds for named genes (e.g. MDM2 >= 12 copies).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import schema
from ..errors import InputError
from .config import resolve

DISCRETE_CALLS = {-2: "HOMDEL", -1: "LOSS", 0: "NEUTRAL", 1: "GAIN", 2: "AMP"}
_OFF = np.int64(1) << np.int64(32)  # chromosome offset in the genome-wide coordinate


def log2_to_copy_number(log2, purity: float = 1.0, ploidy: float = 2.0) -> np.ndarray:
    """Absolute total copy number from a log2 ratio, purity and ploidy (see module doc)."""
    r = np.exp2(np.asarray(log2, dtype=float))
    normal = 2.0 * (1.0 - purity)
    cn = (r * (purity * ploidy + normal) - normal) / purity
    return np.maximum(cn, 0.0)


def _ge(cn, fold, min_cn, min_fold):
    if min_cn is None and min_fold is None:
        return np.zeros(cn.shape, bool)
    ok = np.ones(cn.shape, bool)
    if min_cn is not None:
        ok &= cn >= min_cn
    if min_fold is not None:
        ok &= fold >= min_fold
    return ok


def _le(cn, fold, max_cn, max_fold):
    if max_cn is None and max_fold is None:
        return np.zeros(cn.shape, bool)
    ok = np.ones(cn.shape, bool)
    if max_cn is not None:
        ok &= cn <= max_cn
    if max_fold is not None:
        ok &= fold <= max_fold
    return ok


def call_copy_number(cn, ploidy: float, config: dict | None = None) -> np.ndarray:
    """AMP/GAIN/NEUTRAL/LOSS/HOMDEL for absolute copy numbers (None where cn is NaN)."""
    return _call(np.asarray(cn, dtype=float), ploidy, resolve(config))


def _call(cn: np.ndarray, ploidy: float, cfg: dict) -> np.ndarray:
    fold = cn / ploidy
    conds = [_le(cn, fold, cfg["homdel_max_cn"], cfg["homdel_max_fold"]),
             _ge(cn, fold, cfg["amp_min_cn"], cfg["amp_min_fold"]),
             _le(cn, fold, cfg["loss_max_cn"], cfg["loss_max_fold"]),
             _ge(cn, fold, cfg["gain_min_cn"], cfg["gain_min_fold"])]
    out = np.select(conds, ["HOMDEL", "AMP", "LOSS", "GAIN"], "NEUTRAL").astype(object)
    out[np.isnan(cn)] = None
    return out


def _number(x, default: float) -> float:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x == "":
        return float(default)
    return float(x)


def _to_cn(values, unit: str, purity: float, ploidy: float, decimals: int) -> np.ndarray:
    """Absolute copy number, rounded to ``decimals``; a NaN 'cn' value is the baseline."""
    if unit == "log2":
        cn = log2_to_copy_number(values, purity, ploidy)
    elif unit == "cn":
        cn = np.asarray(values, dtype=float)
        cn = np.where(np.isnan(cn), ploidy, cn)
    else:
        return np.full(len(values), np.nan)
    return np.round(cn, decimals)


_FLOATS = {"cn_value", "cn_min", "cn_max", "cn_fold", "cn_coverage", "cn_segment_length"}


def not_profiled(panel: pd.DataFrame) -> pd.DataFrame:
    """Every panel gene not_profiled (no copy-number data for the patient)."""
    n = len(panel)
    out = pd.DataFrame({"gene": panel["gene"].to_numpy(), "cn_status": "not_profiled"})
    for col in schema.GENE_CN_COLUMNS[2:]:
        out[col] = np.full(n, np.nan) if col in _FLOATS else np.full(n, None, dtype=object)
    return out[schema.GENE_CN_COLUMNS]


def gene_copy_number(segments: pd.DataFrame, panel: pd.DataFrame, *, purity=None, ploidy=None,
                     config: dict | None = None, patient: str | None = None) -> pd.DataFrame:
    """One row per panel gene (panel order) with schema.GENE_CN_COLUMNS.

    ``segments``: schema.CN_SEGMENT_COLUMNS (as from read_segments; segment rows must not
    overlap). ``config`` is the copy_number section. Genes without data are not_profiled.
    """
    cfg = resolve(config)
    p = _number(purity, cfg["default_purity"])
    P = _number(ploidy, cfg["default_ploidy"])
    n = len(panel)
    r = {"cn_call": np.full(n, None, dtype=object), "cn_value": np.full(n, np.nan),
         "cn_min": np.full(n, np.nan), "cn_max": np.full(n, np.nan),
         "cn_coverage": np.full(n, np.nan), "cn_segment_length": np.full(n, np.nan),
         "cn_focal": np.full(n, None, dtype=object),
         "cn_coamplified": np.full(n, None, dtype=object)}
    profiled = np.zeros(n, bool)
    if len(segments):
        units = pd.unique(segments["unit"])
        if len(units) != 1:
            raise InputError(f"segments mix units {sorted(units)}", patient=patient)
        unit = units[0]
        if "gene" in segments and segments["gene"].notna().any():
            profiled = _by_gene(segments, panel, unit, p, P, cfg, r)
        else:
            profiled = _by_overlap(segments, panel, unit, p, P, cfg, r, patient)
    altered = np.isin(r["cn_call"], list(cfg["altered_calls"]))
    r["gene"] = panel["gene"].to_numpy()
    r["cn_status"] = np.where(profiled, np.where(altered, "altered", "wildtype"),
                              "not_profiled").astype(object)
    r["cn_fold"] = np.round(r["cn_value"] / P, cfg["value_decimals"])
    return pd.DataFrame({c: r[c] for c in schema.GENE_CN_COLUMNS})


def _by_gene(segments, panel, unit, p, P, cfg, r) -> np.ndarray:
    """Gene-level formats: match panel genes (current HGNC symbols) by symbol, the file's
    previous and alias symbols resolved to current ones (a name already current wins)."""
    from ..symbols import current_symbols

    names = segments["gene"].tolist()
    current, _ = current_symbols(names)
    row_of: dict = {}
    for i in sorted(range(len(names)), key=lambda i: names[i] != current[i]):
        row_of.setdefault(current[i], i)
    idx = np.array([row_of.get(g, -1) for g in panel["gene"]], dtype=np.int64)
    profiled = idx >= 0
    rows = segments.iloc[idx[profiled]]
    if unit == "discrete":
        r["cn_call"][profiled] = [DISCRETE_CALLS[int(v)] for v in rows["value"]]
        return profiled
    d = cfg["value_decimals"]
    cn = _to_cn(rows["value"].to_numpy(), unit, p, P, d)
    mx = rows["max_value"].to_numpy(dtype=float)
    cmax = np.where(np.isnan(mx), cn, _to_cn(mx, unit, p, P, d))
    r["cn_value"][profiled] = cn
    r["cn_min"][profiled] = np.minimum(cn, cmax)
    r["cn_max"][profiled] = cmax
    calls = np.empty(len(cn), dtype=object)
    names = panel["gene"].to_numpy()[profiled]
    for gcfg, mask in _threshold_groups(names, cfg):
        calls[mask] = _call(cn[mask], P, gcfg)
    r["cn_call"][profiled] = calls
    return profiled


def _threshold_groups(genes, cfg: dict):
    """(config, boolean mask over genes) per distinct threshold set (gene_thresholds)."""
    over = cfg.get("gene_thresholds") or {}
    special = np.array([g in over for g in genes], dtype=bool)
    if (~special).any():
        yield cfg, ~special
    for g in dict.fromkeys(genes[special]):
        yield {**cfg, **over[g]}, genes == g


def _by_overlap(segments, panel, unit, p, P, cfg, r, patient) -> np.ndarray:
    """Segment formats: overlap every panel gene with the segments, genome-wide at once."""
    n = len(panel)
    seg_chrom, gene_chrom = segments["chrom"].tolist(), panel["chrom"].tolist()
    code = {c: i for i, c in enumerate(dict.fromkeys(seg_chrom + gene_chrom))}
    s_off = np.array([code[c] for c in seg_chrom], dtype=np.int64) * _OFF
    ss = s_off + segments["start"].to_numpy(dtype=np.int64)
    se = s_off + segments["end"].to_numpy(dtype=np.int64)
    order = np.argsort(ss, kind="stable")
    ss, se = ss[order], se[order]
    if (se[:-1] > ss[1:]).any():
        raise InputError("segments overlap", patient=patient)
    cn_seg = _to_cn(segments["value"].to_numpy(dtype=float)[order], unit, p, P,
                    cfg["value_decimals"])
    g_off = np.array([code[c] for c in gene_chrom], dtype=np.int64) * _OFF
    gs = g_off + panel["start"].to_numpy(dtype=np.int64)
    ge = g_off + panel["end"].to_numpy(dtype=np.int64)

    lo = np.searchsorted(se, gs, side="right")  # first segment ending after the gene start
    hi = np.searchsorted(ss, ge, side="left")  # segments starting before the gene end
    cnt = np.maximum(hi - lo, 0)
    total = int(cnt.sum())
    if total == 0:
        return np.zeros(n, bool)
    gi = np.repeat(np.arange(n), cnt)
    first = np.cumsum(cnt) - cnt
    si = np.repeat(lo, cnt) + (np.arange(total) - np.repeat(first, cnt))
    ovl = np.minimum(se[si], ge[gi]) - np.maximum(ss[si], gs[gi])
    cov = np.bincount(gi, weights=ovl, minlength=n) / (ge - gs)
    has = cnt > 0
    starts = first[has]
    pair_cn = cn_seg[si]
    cmin = np.minimum.reduceat(pair_cn, starts)
    cmax = np.maximum.reduceat(pair_cn, starts)
    major = si[np.lexsort((si, -ovl, gi))[starts]]  # segment covering most of the gene
    lowest = si[np.lexsort((si, pair_cn, gi))[starts]]

    profiled = has & (cov >= cfg["min_coverage"])
    keep = profiled[has]
    idx = np.flatnonzero(profiled)
    genes = panel["gene"].to_numpy()
    m = len(idx)
    value, call = np.empty(m), np.empty(m, dtype=object)
    rep, seglen = np.empty(m, np.int64), np.empty(m)
    run_lo, run_hi = np.empty(m, np.int64), np.empty(m, np.int64)
    cmin, cmax, lowest, major = cmin[keep], cmax[keep], lowest[keep], major[keep]
    for gcfg, mask in _threshold_groups(genes[idx], cfg):
        min_call = _call(cmin[mask], P, gcfg)
        rp = np.where(np.isin(min_call, list(gcfg["partial_gene_calls"])), lowest[mask],
                      major[mask])
        rep[mask], value[mask] = rp, cn_seg[rp]
        call[mask] = _call(cn_seg[rp], P, gcfg)
        # runs of consecutive segments with the same call on the same chromosome
        seg_call = _call(cn_seg, P, gcfg)
        new = np.ones(len(ss), bool)
        new[1:] = ((ss[1:] // _OFF != ss[:-1] // _OFF) | (seg_call[1:] != seg_call[:-1]) |
                   (ss[1:] - se[:-1] > cfg["run_max_gap"]))
        run_id = np.cumsum(new) - 1
        run_first = np.flatnonzero(new)
        run_last = np.append(run_first[1:] - 1, len(ss) - 1)
        rid = run_id[rp]
        run_lo[mask], run_hi[mask] = run_first[rid], run_last[rid]
        seglen[mask] = (se[run_last[rid]] - ss[run_first[rid]]).astype(float)

    r["cn_value"][idx] = value
    r["cn_min"][idx] = cmin
    r["cn_max"][idx] = cmax
    r["cn_coverage"][idx] = cov[idx]
    r["cn_call"][idx] = call
    r["cn_segment_length"][idx] = seglen
    called = call != "NEUTRAL"
    r["cn_focal"][idx[called]] = seglen[called] < cfg["focal_max_length"]
    amp = np.flatnonzero(call == "AMP")
    for a in amp:  # other AMP genes whose segment lies in this gene's amplified run
        others = [genes[idx[b]] for b in amp
                  if b != a and run_lo[a] <= rep[b] <= run_hi[a]]
        if others:
            r["cn_coamplified"][idx[a]] = ";".join(others)
    return profiled
