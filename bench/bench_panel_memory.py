"""Memory of the cohort steps as the panel grows (``make bench-registry`` first; not part of
the tests).

From the shards' columnar stores of ``bench/bench_registry.py``'s 5,000-patient registry
(500-gene panel) it writes stores of 1,000 and 2,000 genes (each gene repeated under new
names, so every gene carries the same data), then measures in a fresh process per case the
time and peak resident memory of what the cohort steps read:

- ``eligibility``: the rules' genes only (``read_store(..., where={"gene": ...})``, the
  columns rules use), mutations.tsv, structural_variants.tsv and patients.tsv, and
  ``cohorts.evaluate`` of the 36 benchmark rules;
- ``cohort table``: every column of every row as the statistics and export steps read it
  (identifiers and states as categoricals);
- ``alterations.tsv``: for the 500-gene panel, the same table read as text by pandas (what
  the steps would cost without the stores).

    python bench/bench_panel_memory.py [--factors 1,2,4]

Results: printed and written to bench/panel_memory_results.tsv.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))
BENCH = ROOT / "bench" / "work" / "registry_n5000"
OUT = ROOT / "bench" / "work" / "panel_scaling"

CHILD = r"""
import json, sys, time
def hwm():  # peak resident memory of this process in kB (VmHWM: not inherited from the parent)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1])
sys.path.insert(0, {scripts!r})
sys.path.insert(0, {bench!r})
import pandas as pd
from cohortmark.store import read_store, store_values
from cohortmark.steps import RULE_COLUMNS, STATE_COLUMNS
base = hwm()
t = time.perf_counter()
case, paths = {case!r}, {paths!r}
if case == "eligibility":
    from bench_registry import RULES
    from cohortmark.cohorts import evaluate, parse_rule
    from cohortmark.sheets import load_samples
    sheet = load_samples({sheet!r}, check_files=False)
    rules = {{k: parse_rule(v) for k, v in RULES.items()}}
    genes = sorted({{g for r in rules.values() for g in r.genes() + r.fusion_genes()}})
    panel = store_values(paths, "gene")
    alt = read_store(paths, columns=RULE_COLUMNS, categorical=STATE_COLUMNS,
                     where={{"gene": genes}})
    alt = alt.astype({{c: object for c in alt.columns
                      if isinstance(alt[c].dtype, pd.CategoricalDtype)}})
    from cohortmark.tsv import read_tsv
    tables = {{name: read_tsv(f"results/cohort/{{name}}.tsv")
              for name in ("mutations", "structural_variants", "patients")}}
    table = evaluate(rules, alt, sheet, **tables)
    rows = len(alt)
elif case == "cohort table":
    alt = read_store(paths, categorical=STATE_COLUMNS)
    rows = len(alt)
else:
    from cohortmark.tsv import read_tsv
    alt = read_tsv(paths[0])
    rows = len(alt)
peak = hwm()
print(json.dumps({{"seconds": round(time.perf_counter() - t, 1), "rows": rows,
                  "peak_mb": round(peak / 1024), "above_imports_mb": round((peak - base) / 1024)}}))
"""


def scaled_stores(factor: int) -> list[str]:
    """The registry's shard stores with every gene repeated ``factor`` times."""
    from cohortmark.store import read_store, write_store

    shards = sorted(BENCH.glob("results/ingest/shard_*.alterations.npz"),
                    key=lambda p: int(p.name.split("_")[1].split(".")[0]))
    if not shards:
        raise SystemExit("run bench/bench_registry.py --sizes 5000 first")
    if factor == 1:
        return [str(p) for p in shards]
    out = OUT / f"x{factor}"
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for p in shards:
        target = out / p.name
        if not target.exists():
            df = read_store(p)
            copies = [df] + [df.assign(gene=df["gene"] + f"_{k}") for k in range(1, factor)]
            # patient blocks of panel-many rows, as a shard writes them
            big = pd.concat(copies, keys=range(factor), names=["copy", "row"]).reset_index()
            big = big.sort_values(["row", "copy"], kind="stable")
            order = big["patient_id"].map({pid: i for i, pid in
                                            enumerate(dict.fromkeys(df["patient_id"]))})
            big = big.iloc[order.argsort(kind="stable")].drop(columns=["copy", "row"])
            write_store(big.reset_index(drop=True), target)
        paths.append(str(target))
    return paths


def measure(case: str, paths: list[str]) -> dict:
    code = CHILD.format(scripts=str(ROOT / "scripts"), bench=str(ROOT / "bench"), case=case,
                        paths=paths, sheet=str(BENCH / "samples.tsv"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=BENCH)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--factors", default="1,2,4")
    args = ap.parse_args()
    rows = []
    for factor in [int(f) for f in args.factors.split(",")]:
        paths = scaled_stores(factor)
        for case in ("eligibility", "cohort table"):
            rows.append({"patients": 5000, "panel_genes": 500 * factor, "case": case,
                         **measure(case, paths)})
            print(rows[-1], flush=True)
        if factor == 1:
            rows.append({"patients": 5000, "panel_genes": 500, "case": "alterations.tsv",
                         **measure("tsv", [str(BENCH / "results/cohort/alterations.tsv")])})
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    out = ROOT / "bench" / "panel_memory_results.tsv"
    table.to_csv(out, sep="\t", index=False)
    print(table.to_string(index=False))
    print(f"written {out}")


if __name__ == "__main__":
    main()
