"""Write the bundled example cohort (``make example``): example/ plus config/samples.tsv and
config/ctdna.tsv, shaped like the phase Ib/II milademetan trial in MDM2-amplified intimal
sarcoma. Synthetic data from a fixed seed: rerunning gives byte-identical files.

    python scripts/make_example_cohort.py [ROOT]     (ROOT defaults to the repository root)

What is planted is written to example/truth.tsv; example/README.md describes the cohort.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cohortmark_synthetic as syn  # noqa: E402
from cohortmark import genome  # noqa: E402
from cohortmark.schema import (  # noqa: E402
    BIOMARKER_SHEET_COLUMNS,
    CTDNA_COLUMNS,
    SAMPLE_COLUMNS,
)
from cohortmark_synthetic import Mutation, PatientPlan, TumourCall  # noqa: E402

SEED = 20_240_611
N_BACKGROUND = 120  # background records per tumour VCF (the benchmark uses thousands)
EXTRA_COLUMNS = ["sex", "age", "primary_site", "new_lesions", "exclusion_reason"]
HOT = syn.TP53_HOTSPOTS

# Tissue variants of the example (inside their genes; only the TP53 hotspots and DNMT3A R882H
# sit at their real GRCh38 positions).
ATM_STOP = Mutation("ATM", "11", 108_330_412, "C", "T", "stop_gained", "c.7327C>T",
                    "p.Arg2443Ter", "50/63")
ATM_SPLICE = Mutation("ATM", "11", 108_301_733, "G", "A", "splice_donor_variant",
                      "c.6198+1G>A", "", "", "42/62")
ERBB3_V104M = Mutation("ERBB3", "12", 56_084_921, "G", "A", "missense_variant", "c.310G>A",
                       "p.Val104Met", "3/28")
PPM1D_FS = Mutation("PPM1D", "17", 60_663_480, "AG", "A", "frameshift_variant", "c.1384del",
                    "p.Glu462ArgfsTer7", "6/6")
PPM1D_CHIP = Mutation("PPM1D", "17", 60_663_750, "C", "T", "stop_gained", "c.1654C>T",
                      "p.Arg552Ter", "6/6")
DNMT3A_R882H = Mutation("DNMT3A", "2", 25_234_373, "C", "T", "missense_variant", "c.2645G>A",
                        "p.Arg882His", "23/23", existing="rs147001633")
# Decoys in panel genes that no sensible caller reports (not PASS, or not protein-altering).
MDM2_INTRON = Mutation("MDM2", "12", 68_829_911, "T", "C", "intron_variant", "c.420+77T>C",
                       intron="5/10")
CHEK2_WEAK = Mutation("CHEK2", "22", 28_711_960, "G", "A", "missense_variant", "c.1036C>T",
                      "p.Arg346Cys", "9/15")
CDKN1A_SYN = Mutation("CDKN1A", "6", 36_684_840, "C", "T", "synonymous_variant", "c.447C>T",
                      "p.Asp149=", "3/3")
TP53_SYN_GERMLINE = Mutation("TP53", "17", 7_674_894, "T", "C", "synonymous_variant",
                             "c.639A>G", "p.Arg213=", "6/11")
EGFR_UTR = Mutation("EGFR", "7", 55_208_950, "C", "T", "3_prime_UTR_variant", "c.*1208C>T")

# patient: response, best % change, PFS (months, event), OS, treatment months, on treatment,
# sex, age, primary site; '' = unknown. Best % change: PR <= -30, PD >= +20 or new lesions.
CLINICAL = {
    "P01": ("SD", "-12.0", 5.6, 1, 14.2, 1, 5.6, False, "female", 58, "pulmonary_artery"),
    "P02": ("PR", "-48.0", 11.3, 1, 22.5, 0, 11.5, False, "male", 46, "pulmonary_artery"),
    "P03": ("PD", "38.0", 1.4, 1, 6.1, 1, 1.4, False, "male", 63, "left_atrium"),
    "P04": ("SD", "5.0", 7.2, 1, 16.8, 1, 7.4, False, "female", 51, "pulmonary_artery"),
    "P05": ("PD", "27.0", 1.5, 1, 8.3, 1, 1.5, False, "female", 67, "aorta"),
    "P06": ("SD", "-8.0", 9.1, 0, 9.1, 0, 9.1, True, "female", 39, "pulmonary_artery"),
    "P07": ("PR", "-35.0", 8.4, 1, 19.7, 0, 8.6, False, "female", 55, "left_atrium"),
    "P08": ("NE", "", 2.3, 1, 10.4, 1, 0.9, False, "male", 60, "pulmonary_artery"),
    "P09": ("SD", "14.0", 3.9, 1, 11.0, 1, 3.9, False, "male", 71, "pulmonary_artery"),
    "P10": ("PD", "22.0", 1.3, 1, 4.6, 1, 1.3, False, "female", 44, "aorta"),
    "P11": ("PD", "9.0", 1.6, 1, 7.5, 1, 1.6, False, "male", 66, "pulmonary_artery"),
}
PURITY = {"P01": .62, "P02": .71, "P03": .84, "P04": .79, "P05": .81, "P06": .68, "P07": .66,
          "P08": .74, "P09": .58, "P10": .88, "P11": .77}


def progression_day(pid: str) -> int:
    return int(round(CLINICAL[pid][2] * 30.44))


def plans(panel: pd.DataFrame, rng: np.random.Generator) -> list[PatientPlan]:
    """The eleven planted patients (amplicon margins are drawn from ``rng``)."""
    amp = lambda genes, cn: syn.amplicon(panel, genes, rng, cn)  # noqa: E731
    mdm2_cdk4 = {"P01": 24, "P02": 32, "P04": 20, "P05": 26, "P06": 28, "P07": 40, "P08": 22,
                 "P09": 16, "P10": 30, "P11": 20}
    events = {pid: [amp(["CDK4", "MDM2"], cn)] for pid, cn in mdm2_cdk4.items()}
    events["P03"] = [amp(["MDM2"], 18)]  # MDM2 without CDK4
    events["P01"].append(("7", 2_100_000, 41_300_000, 3.0))  # 7p gain: TWIST1 3 copies
    events["P02"].append(amp(["TWIST1"], 14))  # responders: TWIST1 amplified
    events["P07"].append(amp(["TWIST1"], 10))
    events["P09"].append(("7", 10_000, 159_335_973, 3.0))  # trisomy 7: EGFR, TWIST1 gained
    events["P11"].append(("1", 145_000_000, 248_946_422, 3.0))  # 1q gain: MDM4 gained
    events["P04"].append(amp(["PDGFRA"], 12))  # 4q12 amplicon
    events["P10"].append(amp(["PDGFRA"], 14))
    for pid in ("P03", "P04", "P10"):  # 9p21 homozygous deletion in non-responders
        events[pid] += syn.cdkn2a_deletion(panel, rng, homozygous=True)
    events["P05"] += syn.cdkn2a_deletion(panel, rng, homozygous=False)
    calls = {
        "P01": [TumourCall(CHEK2_WEAK, 0.02, filter="weak_evidence")],
        "P02": [TumourCall(CDKN1A_SYN, 0.21)],
        "P03": [TumourCall(ATM_STOP, 0.38)],
        "P04": [TumourCall(TP53_SYN_GERMLINE, 0.48, normal_vaf=0.5, filter="germline")],
        "P05": [TumourCall(ERBB3_V104M, 0.36)],
        "P06": [TumourCall(EGFR_UTR, 0.18)],
        "P07": [TumourCall(MDM2_INTRON, 0.09)],
        "P08": [TumourCall(HOT["R175H"], 0.71)],  # found after enrolment: not evaluable
        "P10": [TumourCall(PPM1D_FS, 0.41)],
        "P11": [TumourCall(ATM_SPLICE, 0.33),
                TumourCall(PPM1D_CHIP, 0.006, normal_vaf=0.012, normal_depth=250,
                           filter="normal_artifact")],
    }
    plasma = {  # variant: VAF at baseline (day 0), C2D1 (~day 28), progression
        "P01": {HOT["R248Q"]: (0, 0, 0.031)},
        "P02": {HOT["Y220C"]: (0, 0, 0.012), HOT["R273H"]: (0, 0, 0.006)},
        "P03": {ATM_STOP: (0.082, 0.11, 0.15)},
        "P04": {HOT["G245S"]: (0, 0.004, 0.058)},
        "P05": {ERBB3_V104M: (0.11, 0.09, 0.19), DNMT3A_R882H: (0.021, 0.019, 0.024)},
        "P07": {HOT["R282W"]: (0, 0, 0.022)},
        "P10": {PPM1D_FS: (0.21, 0.18, 0.30)},
        "P11": {PPM1D_CHIP: (0.013, 0.011, 0.014)},
    }
    c2d1_day = {"P01": 28, "P02": 29, "P03": 28, "P04": 30, "P05": 28, "P07": 28, "P10": 28,
                "P11": 29}
    out = []
    for pid, (resp, pct, pfs, pfs_ev, os_m, os_ev, treat, on, sex, age, site) in CLINICAL.items():
        plan = PatientPlan(pid, sex, PURITY[pid], n_background=N_BACKGROUND,
                           n_segments=int(rng.integers(92, 109)))
        plan.cn_events = syn.random_cn_events(rng, panel, int(rng.integers(3, 7)), sex)
        plan.cn_events += events.get(pid, [])
        plan.tumour_calls = calls.get(pid, [])
        plan.has_cn = pid != "P06"
        plan.has_variants = pid != "P09"
        if pid in plasma:
            days = {"baseline": 0, "C2D1": c2d1_day[pid], "progression": progression_day(pid)}
            plan.plasma = [(tp, day, {m: v[i] for m, v in plasma[pid].items()})
                           for i, (tp, day) in enumerate(days.items())]
        plan.clinical = {
            "best_response": resp, "best_pct_change": pct, "pfs_months": f"{pfs:.1f}",
            "pfs_event": str(pfs_ev), "os_months": f"{os_m:.1f}", "os_event": str(os_ev),
            "treatment_months": f"{treat:.1f}", "on_treatment": "true" if on else "false",
            "evaluable": "false" if resp == "NE" else "true", "sex": sex, "age": str(age),
            "primary_site": site, "new_lesions": "true" if pid == "P11" else "false",
            "exclusion_reason": ("TP53 mutation found after enrolment" if resp == "NE" else ""),
        }
        out.append(plan)
    return out


def build_example(root: Path) -> dict[str, Path]:
    """Write example/ and config/{samples,ctdna}.tsv under ``root``; return their paths."""
    root = Path(root)
    for sub in ("cn", "vcf", "plasma"):
        shutil.rmtree(root / "example" / sub, ignore_errors=True)
    panel = genome.load_panel(build=syn.BUILD)
    rng = np.random.default_rng(SEED)
    rows, plasma_rows, truth = [], [], []
    for plan, seed in zip(plans(panel, rng), np.random.SeedSequence(SEED).spawn(11)):
        row, p, t = syn.write_patient(plan, root, "example", panel, np.random.default_rng(seed))
        rows.append(row)
        plasma_rows += p
        truth += t
    paths = {"samples": root / "config" / "samples.tsv", "ctdna": root / "config" / "ctdna.tsv",
             "truth": root / "example" / "truth.tsv"}
    # the trial example has no fusion or MSI data: its sheet leaves those optional columns out
    columns = [c for c in SAMPLE_COLUMNS if c not in BIOMARKER_SHEET_COLUMNS]
    syn.write_tsv(syn._frame(rows, columns + EXTRA_COLUMNS), paths["samples"])
    syn.write_tsv(syn._frame(plasma_rows, CTDNA_COLUMNS), paths["ctdna"])
    syn.write_tsv(syn._frame(truth, syn.TRUTH_COLUMNS), paths["truth"])
    return paths


def summary(root: Path) -> pd.DataFrame:
    """Outcomes and the TWIST1/CDKN2A associations of the written example (scipy)."""
    from scipy import stats

    sheet = pd.read_csv(root / "config" / "samples.tsv", sep="\t", keep_default_na=False,
                        na_values=[""])
    truth = pd.read_csv(root / "example" / "truth.tsv", sep="\t", keep_default_na=False,
                        na_values=[""])
    ev = sheet[sheet["evaluable"].astype(str).str.lower() == "true"]
    rows = []
    for metric, codes in (("ORR", {"CR", "PR"}), ("DCR", {"CR", "PR", "SD"})):
        k = int(ev["best_response"].isin(codes).sum())
        ci = stats.binomtest(k, len(ev)).proportion_ci(method="exact")
        rows.append((metric, "", len(ev), k / len(ev), ci.low, ci.high))
    genes = truth[truth["kind"] == "gene"].merge(ev[["patient_id", "best_pct_change",
                                                     "best_response", "purity"]])
    for gene in ("TWIST1", "CDKN2A"):
        g = genes[(genes["gene"] == gene) & genes["log2"].notna()]
        absolute = (2 * 2 ** g["log2"] - 2 * (1 - g["purity"])) / g["purity"]
        for name, x in (("planted_cn", g["cn"]), ("log2", g["log2"]),
                        ("absolute_cn", absolute)):
            r = stats.spearmanr(x, g["best_pct_change"])
            rows.append((f"spearman_{gene}", name, len(g), r.statistic, r.pvalue, ""))
            r = stats.pearsonr(x, g["best_pct_change"])
            rows.append((f"pearson_{gene}", name, len(g), r.statistic, r.pvalue, ""))
        altered = g["cn_call"].isin(["AMP"] if gene == "TWIST1" else ["HOMDEL", "LOSS"])
        responder = g["best_response"].isin(["CR", "PR"])
        table = pd.crosstab(altered, responder).reindex(index=[True, False],
                                                        columns=[True, False], fill_value=0)
        res = stats.fisher_exact(table.to_numpy())
        rows.append((f"fisher_{gene}_response", "AMP" if gene == "TWIST1" else "loss",
                     len(g), res.statistic, res.pvalue, ""))
    return pd.DataFrame(rows, columns=["statistic", "value", "n", "estimate", "p_or_ci_low",
                                       "ci_high"])


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
    paths = build_example(root)
    total = sum(p.stat().st_size for p in (root / "example").rglob("*") if p.is_file())
    print(summary(root).to_string(index=False))
    print(f"wrote {root / 'example'} ({total / 1024:.0f} KiB), {paths['samples']}, "
          f"{paths['ctdna']}")


if __name__ == "__main__":
    main()
