"""Our gene-level copy number side by side with the real CNVkit (`cnvkit.py call`, `genemetrics`).

Needs a CNVkit install (e.g. a separate venv: ``python -m venv /tmp/cnvkit && /tmp/cnvkit/bin/pip
install cnvkit==0.9.14``). For each CNVkit example (.cns, and .cnr for genemetrics), over the
18-gene panel (GRCh37, the build of those files):

1. ``cnvkit.py call -m clonal`` (purity 1 and 0.6): CNVkit's integer copy number of the
   segment under each gene vs ours (rounded) from the log2 of the same .cns;
2. ``cnvkit.py call`` (default threshold method): our call from CNVkit's integer cn vs our
   call from the continuous log2 (same thresholds);
3. ``cnvkit.py genemetrics -s``: CNVkit's per-gene segment log2 vs the log2 of our cn_value.

    .venv/bin/python bench/compare_cnvkit.py --cnvkit /tmp/cnvkit/bin/cnvkit.py \\
        --data ../shared/external/cnvkit
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from cohortmark.copynumber import call_copy_number, gene_copy_number, read_segments  # noqa: E402
from cohortmark.genome import load_panel  # noqa: E402

SAMPLES = ["p2-9_2", "tr95t", "amplicon"]


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, capture_output=True, text=True)


# cn = 0 below log2 -1.1, 1 below -0.25, 2 below 0.2, 3 below 0.7, 4+ above (diploid, pure)
CNVKIT_THRESHOLDS = {"homdel_max_cn": None, "homdel_max_fold": 2 ** -1.1 * 0.999999,
                     "loss_max_fold": 2 ** -0.25 * 0.999999, "gain_min_fold": 2 ** 0.2,
                     "amp_min_fold": 2 ** 0.7}


def ours(path: Path, purity=None, use_cn=False, config=None) -> pd.DataFrame:
    cfg = {"cnvkit_use_cn": use_cn, **(config or {})}
    segs = read_segments(path, "cnvkit", config=cfg, build="GRCh37")
    return gene_copy_number(segs, PANEL, purity=purity, ploidy=2.0, config=cfg).set_index("gene")


PANEL = load_panel(build="GRCh37")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cnvkit", required=True, help="path of cnvkit.py")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "external" / "cnvkit"))
    args = ap.parse_args()
    data = Path(args.data)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for s in SAMPLES:
            cns = data / f"{s}.cns"
            base = ours(cns)
            for purity, tag in ((None, "clonal"), (0.6, "clonal60")):
                out = tmp / f"{s}.{tag}.call.cns"
                run([args.cnvkit, "call", "-m", "clonal", *(["--purity", "0.6"] if purity else []),
                     str(cns), "-o", str(out)])
                theirs = ours(out, use_cn=True)
                mine = ours(cns, purity=purity)
                for g in PANEL["gene"]:
                    if mine.loc[g, "cn_status"] == "not_profiled":
                        continue
                    rows.append({"sample": s, "check": f"call -m clonal purity={purity or 1}",
                                 "gene": g, "ours": round(float(mine.loc[g, "cn_value"]), 3),
                                 "cnvkit": theirs.loc[g, "cn_value"],
                                 "agree": int(np.rint(mine.loc[g, "cn_value"])) ==
                                 int(theirs.loc[g, "cn_value"])})
            out = tmp / f"{s}.thr.call.cns"
            run([args.cnvkit, "call", str(cns), "-o", str(out)])
            theirs = ours(out, use_cn=True)
            # CNVkit's default log2 thresholds (-1.1, -0.25, 0.2, 0.7) written as our config
            same = ours(cns, config=CNVKIT_THRESHOLDS)
            level = {0: "HOMDEL", 1: "LOSS", 2: "NEUTRAL", 3: "GAIN"}
            for g in PANEL["gene"]:
                if base.loc[g, "cn_status"] == "not_profiled":
                    continue
                cn = int(theirs.loc[g, "cn_value"])
                rows.append({"sample": s, "check": "call (threshold) vs CNVkit-like config",
                             "gene": g, "ours": same.loc[g, "cn_call"],
                             "cnvkit": f"cn {cn}",
                             "agree": same.loc[g, "cn_call"] == level.get(cn, "AMP")})
            for g in PANEL["gene"]:
                if base.loc[g, "cn_status"] == "not_profiled":
                    continue
                their_call = call_copy_number([theirs.loc[g, "cn_value"]], 2.0)[0]
                rows.append({"sample": s, "check": "call (threshold) -> our thresholds",
                             "gene": g, "ours": base.loc[g, "cn_call"],
                             "cnvkit": f"{their_call} (cn {int(theirs.loc[g, 'cn_value'])})",
                             "agree": their_call == base.loc[g, "cn_call"]})
            cnr = data / f"{s}.cnr"
            if cnr.exists():
                out = tmp / f"{s}.genemetrics.tsv"
                run([args.cnvkit, "genemetrics", str(cnr), "-s", str(cns), "-t", "0", "-m", "1",
                     "-o", str(out)])
                gm = pd.read_csv(out, sep="\t")  # one row per gene x segment
                for g in PANEL["gene"]:
                    theirs = gm.loc[gm["gene"] == g, "log2"].to_numpy()
                    if not len(theirs) or base.loc[g, "cn_status"] == "not_profiled":
                        continue
                    mine = float(np.log2(base.loc[g, "cn_value"] / 2.0))
                    rows.append({"sample": s, "check": "genemetrics -s log2", "gene": g,
                                 "ours": round(mine, 4),
                                 "cnvkit": ", ".join(f"{v:.4f}" for v in theirs),
                                 "agree": bool(np.abs(theirs - mine).min() < 1e-4),
                                 "note": f"{len(theirs)} segments" if len(theirs) > 1 else ""})
    table = pd.DataFrame(rows).fillna("")
    pd.set_option("display.width", 200)
    pd.set_option("display.max_rows", 500)
    print(table[~table["agree"] | (table["note"] != "")].to_string(index=False))
    summary = table.groupby(["check", "sample"])["agree"].agg(["sum", "count"])
    print(summary.to_string())
    print(f"overall: {int(table['agree'].sum())} of {len(table)} gene comparisons agree")


if __name__ == "__main__":
    main()
