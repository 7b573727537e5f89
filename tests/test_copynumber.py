"""Gene-level copy number: hand-worked examples, the purity/ploidy formula, thresholds."""

import math

import numpy as np
import pandas as pd
import pytest
from cohortmark import schema
from cohortmark.copynumber import (
    call_copy_number,
    gene_copy_number,
    log2_to_copy_number,
    patient_copy_number,
    resolve,
)
from cohortmark.errors import InputError


def close(a, b, tol=5e-5):
    """Equal to the copy-number precision (copy_number.value_decimals = 4, half a unit)."""
    return math.isclose(a, b, rel_tol=0, abs_tol=tol)

def segs(rows, unit="cn", chrom="12"):
    df = pd.DataFrame(rows, columns=["start", "end", "value"])
    df.insert(0, "chrom", chrom)
    df["unit"] = unit
    for c in ("minor_cn", "major_cn", "max_value"):
        df[c] = np.nan
    df["gene"] = None
    return df[schema.CN_SEGMENT_COLUMNS]


def panel(rows):
    return pd.DataFrame(rows, columns=["gene", "chrom", "start", "end"]).assign(group="g")


# segments on chr12 (0-based half-open) and genes, worked by hand below
SEGS = segs([(0, 1000, 2.0), (1000, 2000, 10.0), (2000, 2500, 9.0), (2500, 5000, 2.0),
             (5000, 6000, 0.2)])
PANEL = panel([("G1", "12", 1200, 1800), ("G2", "12", 1900, 2300), ("G3", "12", 4800, 5400),
               ("G4", "12", 5500, 7000), ("G5", "3", 100, 200), ("G6", "12", 100, 900)])


def test_hand_worked_gene_level():
    out = gene_copy_number(SEGS, PANEL).set_index("gene")
    assert list(out.index) == ["G1", "G2", "G3", "G4", "G5", "G6"]
    assert list(out.columns) == schema.GENE_CN_COLUMNS[1:]
    # G1 lies inside the CN 10 segment: AMP (10 / 2 = 5-fold >= 3), amplified run 1000-2500
    g1 = out.loc["G1"]
    assert (g1.cn_status, g1.cn_call, g1.cn_value, g1.cn_min, g1.cn_max) == \
        ("altered", "AMP", 10.0, 10.0, 10.0)
    assert g1.cn_fold == 5.0 and g1.cn_coverage == 1.0
    assert g1.cn_segment_length == 1500 and bool(g1.cn_focal) is True
    assert g1.cn_coamplified == "G2"
    # G2: 100 bp on CN 10, 300 bp on CN 9 -> value of the segment covering most (9)
    g2 = out.loc["G2"]
    assert (g2.cn_call, g2.cn_value, g2.cn_min, g2.cn_max) == ("AMP", 9.0, 9.0, 10.0)
    assert g2.cn_coamplified == "G1" and g2.cn_segment_length == 1500
    # G3: 200 bp on CN 2, 400 bp on CN 0.2 -> the minimum is a HOMDEL, so the value is 0.2
    g3 = out.loc["G3"]
    assert (g3.cn_status, g3.cn_call, g3.cn_value, g3.cn_min, g3.cn_max) == \
        ("altered", "HOMDEL", 0.2, 0.2, 2.0)
    assert g3.cn_coverage == 1.0 and g3.cn_segment_length == 1000
    assert pd.isna(g3.cn_coamplified)
    # G4: only 500 of its 1500 bp covered
    g4 = out.loc["G4"]
    assert g4.cn_call == "HOMDEL" and close(g4.cn_coverage, 1 / 3)
    # G5: no segment on chromosome 3 -> not_profiled, never wildtype
    g5 = out.loc["G5"]
    assert g5.cn_status == "not_profiled" and pd.isna(g5.cn_call) and pd.isna(g5.cn_value)
    # G6: neutral, no focal flag
    g6 = out.loc["G6"]
    assert (g6.cn_status, g6.cn_call, g6.cn_value) == ("wildtype", "NEUTRAL", 2.0)
    assert g6.cn_segment_length == 1000 and pd.isna(g6.cn_focal)


def test_min_coverage_and_focal_length():
    out = gene_copy_number(SEGS, PANEL, config={"min_coverage": 0.5, "focal_max_length": 1500})
    out = out.set_index("gene")
    assert out.loc["G4", "cn_status"] == "not_profiled"
    assert out.loc["G3", "cn_status"] == "altered"
    assert bool(out.loc["G1", "cn_focal"]) is False  # 1500 is not < 1500


def test_run_breaks_at_a_gap():
    s = segs([(0, 1000, 10.0), (1000, 2000, 12.0), (5000, 6000, 11.0)])
    p = panel([("A", "12", 100, 200), ("B", "12", 5100, 5200)])
    out = gene_copy_number(s, p, config={"run_max_gap": 2000}).set_index("gene")
    assert out.loc["A", "cn_segment_length"] == 2000 and pd.isna(out.loc["A", "cn_coamplified"])
    out = gene_copy_number(s, p, config={"run_max_gap": 3000}).set_index("gene")
    assert out.loc["A", "cn_segment_length"] == 6000 and out.loc["A", "cn_coamplified"] == "B"


def hand_cn(l2, p, P):
    ratio = 2 ** l2
    return max(0.0, (ratio * (p * P + 2 * (1 - p)) - 2 * (1 - p)) / p)


@pytest.mark.parametrize("l2,p,P", [(0, 1, 2), (1, 1, 2), (-1, 1, 2), (1, 0.6, 3), (1, 0.6, 2),
                                    (2.817, 0.4, 2.5), (-3, 0.5, 2), (0, 0.3, 4.2)])
def test_log2_to_copy_number_against_hand_formula(l2, p, P):
    assert math.isclose(float(log2_to_copy_number(l2, p, P)), hand_cn(l2, p, P), abs_tol=1e-12)


def test_log2_conversion_worked_values():
    # pure diploid: CN = 2 * 2^l
    assert log2_to_copy_number(1.0) == 4.0 and log2_to_copy_number(-1.0) == 1.0
    # purity 0.6, ploidy 3, l = 1: (2 * (1.8 + 0.8) - 0.8) / 0.6 = 7.3333
    assert close(float(log2_to_copy_number(1.0, 0.6, 3.0)), 4.4 / 0.6)
    # with ploidy 2 this is CNVkit's rescaling (call --purity): (2 * 2^l - 2(1-p)) / p
    assert close(float(log2_to_copy_number(1.0, 0.6, 2.0)), (4 - 0.8) / 0.6)
    # log2 = 0 is the sample's ploidy whatever the purity
    assert close(float(log2_to_copy_number(0.0, 0.37, 3.3)), 3.3)
    # below what the normal admixture explains: clipped at 0
    assert log2_to_copy_number(-3.0, 0.5, 2.0) == 0.0


def test_gene_level_uses_purity_and_ploidy():
    s = segs([(0, 1000, 1.0)], unit="log2")
    p = panel([("A", "12", 100, 200)])
    out = gene_copy_number(s, p, purity=0.6, ploidy=3.0).iloc[0]
    assert close(out.cn_value, 4.4 / 0.6)
    assert close(out.cn_fold, 4.4 / 0.6 / 3.0)
    assert out.cn_call == "GAIN"  # 2.44-fold: above 1.25, below 3
    out = gene_copy_number(s, p, purity=None, ploidy=None).iloc[0]  # defaults 1 and 2
    assert out.cn_value == 4.0 and out.cn_fold == 2.0


def test_default_thresholds():
    cn = np.array([0.0, 0.5, 0.51, 1.5, 1.51, 2.49, 2.5, 5.99, 6.0, np.nan])
    got = list(call_copy_number(cn, 2.0))
    assert got == ["HOMDEL", "HOMDEL", "LOSS", "LOSS", "NEUTRAL", "NEUTRAL", "GAIN", "GAIN",
                   "AMP", None]
    # relative thresholds move with the ploidy: ploidy 4 -> AMP from 12, LOSS up to 3
    assert list(call_copy_number([11.9, 12.0, 3.0, 3.1], 4.0)) == ["GAIN", "AMP", "LOSS",
                                                                   "NEUTRAL"]


def test_trial_rules_are_expressible():
    # MANTRA-2: MDM2 copy number >= 12, whatever the ploidy
    mantra = {"amp_min_cn": 12, "amp_min_fold": None}
    assert list(call_copy_number([11.9, 12, 40], 2.0, mantra)) == ["GAIN", "AMP", "AMP"]
    assert list(call_copy_number([11.9, 12], 6.0, mantra)) == ["GAIN", "AMP"]
    # milademetan phase Ib/II: MDM2 amplification >= 4-fold (over the ploidy)
    fold4 = {"amp_min_fold": 4}
    assert list(call_copy_number([7.9, 8, 11.9, 12], 2.0, fold4)) == ["GAIN", "AMP", "AMP", "AMP"]
    assert list(call_copy_number([11.9, 12], 3.0, fold4)) == ["GAIN", "AMP"]
    # both: CN >= 12 and >= 4-fold
    both = {"amp_min_cn": 12, "amp_min_fold": 4}
    assert list(call_copy_number([12, 16], 4.0, both)) == ["GAIN", "AMP"]
    assert list(call_copy_number([11, 12], 2.0, both)) == ["GAIN", "AMP"]


def test_altered_calls_configurable():
    s = segs([(0, 1000, 3.0), (1000, 2000, 1.0)])
    p = panel([("A", "12", 100, 200), ("B", "12", 1100, 1200)])
    assert list(gene_copy_number(s, p)["cn_status"]) == ["wildtype", "wildtype"]
    out = gene_copy_number(s, p, config={"altered_calls": ["AMP", "GAIN", "LOSS", "HOMDEL"]})
    assert list(out["cn_call"]) == ["GAIN", "LOSS"]
    assert list(out["cn_status"]) == ["altered", "altered"]


def naive(segments, genes, P=2.0):
    """Per-gene loop over every segment: the reference for the vectorised overlap."""
    rows = []
    for g in genes.itertuples():
        hits = [(min(s.end, g.end) - max(s.start, g.start), s.value, k)
                for k, s in enumerate(segments.itertuples())
                if s.chrom == g.chrom and s.start < g.end and s.end > g.start]
        if not hits:
            rows.append((g.gene, np.nan, np.nan, np.nan, np.nan))
            continue
        lo, hi = min(h[1] for h in hits), max(h[1] for h in hits)
        best = sorted(hits, key=lambda h: (-h[0], h[2]))[0][1]
        value = lo if lo <= 0.5 else best  # partial_gene_calls [HOMDEL]: <= 0.5 copies
        rows.append((g.gene, value, lo, hi, sum(h[0] for h in hits) / (g.end - g.start)))
    return pd.DataFrame(rows, columns=["gene", "cn_value", "cn_min", "cn_max", "cn_coverage"])


@pytest.mark.parametrize("seed", range(8))
def test_vectorised_overlap_matches_naive_loop(seed):
    rng = np.random.default_rng(seed)
    parts = []
    for chrom in ("1", "2", "X"):
        cuts = np.sort(rng.choice(np.arange(1, 100_000), size=30, replace=False))
        starts, ends = cuts[:-1], cuts[1:]
        keep = rng.random(len(starts)) > 0.2  # leave gaps
        vals = rng.choice([0.0, 0.3, 1.0, 2.0, 3.0, 5.0, 9.0], size=len(starts))
        parts.append(segs(list(zip(starts[keep], ends[keep], vals[keep])), chrom=chrom))
    s = pd.concat(parts, ignore_index=True)
    gs = rng.integers(0, 99_000, size=40)
    genes = panel([(f"g{i}", rng.choice(["1", "2", "X", "5"]), int(a), int(a + rng.integers(1, 6000)))
                   for i, a in enumerate(gs)])
    got = gene_copy_number(s.sample(frac=1, random_state=seed), genes)  # order must not matter
    want = naive(s, genes)
    for col in ("cn_value", "cn_min", "cn_max", "cn_coverage"):
        np.testing.assert_allclose(got[col].to_numpy(float), want[col].to_numpy(float))
    assert (got["cn_status"] == "not_profiled").sum() == want["cn_value"].isna().sum()


def test_patient_without_cn_file_is_not_profiled():
    p = panel([("A", "12", 100, 200), ("B", "1", 1, 5)])
    out = patient_copy_number({"patient_id": "P1", "cn_file": None}, p, {}, "GRCh38")
    assert list(out.columns) == schema.GENE_CN_COLUMNS
    assert list(out["cn_status"]) == ["not_profiled"] * 2
    assert out["cn_call"].isna().all()


def test_config_errors_name_the_key():
    with pytest.raises(InputError, match="config key 'copy_number.amp_fold' is not a known key"):
        resolve({"amp_fold": 3})
    with pytest.raises(InputError, match="'copy_number.amp_min_cn': 'twelve' is not of type"):
        resolve({"amp_min_cn": "twelve"})
    with pytest.raises(InputError, match=r"'copy_number.altered_calls.0': 'AMPLIFIED' is not one"):
        resolve({"altered_calls": ["AMPLIFIED"]})
    with pytest.raises(InputError, match="'copy_number.seg_values': 'ratio' is not one of"):
        resolve({"seg_values": "ratio"})


def test_gene_thresholds_override_one_gene():
    # one amplicon: CDK4 and MDM2 at 10 copies (5-fold); MANTRA-2's rule only for MDM2
    s = segs([(0, 1000, 2.0), (1000, 5000, 10.0), (5000, 9000, 2.0)])
    p = panel([("CDK4", "12", 1200, 1400), ("MDM2", "12", 4000, 4500)])
    out = gene_copy_number(s, p).set_index("gene")
    assert list(out["cn_call"]) == ["AMP", "AMP"] and out.loc["CDK4", "cn_coamplified"] == "MDM2"
    cfg = {"gene_thresholds": {"MDM2": {"amp_min_cn": 12, "amp_min_fold": None}}}
    out = gene_copy_number(s, p, config=cfg).set_index("gene")
    assert list(out["cn_call"]) == ["AMP", "GAIN"]
    assert list(out["cn_status"]) == ["altered", "wildtype"]
    assert pd.isna(out.loc["CDK4", "cn_coamplified"])  # MDM2 is no longer AMP
    assert out.loc["MDM2", "cn_segment_length"] == 4000  # its GAIN run: the 10-copy segment
    # gene-level formats too
    g = s.iloc[:0].copy()
    g = pd.concat([g, pd.DataFrame({"chrom": [None, None], "start": 0, "end": 0,
                                    "value": [10.0, 10.0], "unit": "cn", "minor_cn": np.nan,
                                    "major_cn": np.nan, "gene": ["CDK4", "MDM2"],
                                    "max_value": np.nan})], ignore_index=True)
    assert list(gene_copy_number(g, p, config=cfg)["cn_call"]) == ["AMP", "GAIN"]
    with pytest.raises(InputError, match="gene_thresholds.MDM2.amp_min"):
        resolve({"gene_thresholds": {"MDM2": {"amp_min": 12}}})
