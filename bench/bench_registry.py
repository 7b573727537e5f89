"""Registry-scale benchmark with the registry biomarkers in play (``make bench-registry``; not
part of the tests).

For each cohort size N it writes a synthetic registry in per-patient files - CNVkit .cns and a
bgzipped, indexed tumour/normal VEP VCF per patient (``cohortmark_synthetic.make_cohort``), an
Arriba ``fusions.tsv`` for every patient (driver fusions of the registry example, 8% of
patients) and an MSIsensor output - with a 500-gene panel (the registry example's 320 genes and
180 more from the annotation), TMB over the panel's territory and 36 trial rules (fusions,
named variants, exon classes, TMB, MSI, copy number). It runs the workflow from scratch, then
adds one patient and reruns, measuring wall time, CPU time of every process, peak summed
memory (RSS of the whole process tree, sampled every 0.1 s) and jobs; the slowest jobs of each
run are listed from Snakemake's log. Results: printed and written to
bench/registry_results.tsv.

    python bench/bench_registry.py [--sizes 500,5000] [--background 300] [--cores 2] [--reuse]

The VCFs are small (300 background records, as a 500-gene panel's sequencing gives) but their
variants are spread over the exome (the synthetic generator thins an exome), so TMB is counted
over a 30 Mb territory (``tmb.territory_mb``). ``--background 3000`` (the trial benchmark's
exome-like files) costs about 40 ms more per patient, mostly the TMB scan of the whole file.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))
from bench_workflow import run_workflow  # noqa: E402
from cohortmark import genome  # noqa: E402
from cohortmark_synthetic import add_patient, make_cohort  # noqa: E402
from make_registry_example import ARRIBA_COLUMNS, FUSIONS, _arriba_row  # noqa: E402

WORK = ROOT / "bench" / "work"
PANEL_SIZE = 500
TERRITORY_MB = 30.0  # the synthetic VCFs thin an exome (variants genome-wide)
RULES = {
    "braf_v600e": "BRAF: V600E", "braf_v600": "BRAF: V600", "kras_g12c": "KRAS: G12C",
    "kras_codon12": "KRAS: G12 | NRAS: Q61", "egfr_sensitising": "EGFR: EXON19_DEL | EGFR: L858R",
    "egfr_exon20": "EGFR: EXON20_INS", "met_exon14": "MET: EXON14_SKIPPING | MET: AMP",
    "erbb2": "ERBB2: AMP | ERBB2: EXON20_INS", "pik3ca": "PIK3CA: H1047R | PIK3CA: E545K",
    "idh1": "IDH1: R132", "alk": "ALK: FUSION", "eml4_alk": "EML4::ALK", "ros1": "ROS1: FUSION",
    "ret": "RET: FUSION", "kif5b_ret": "KIF5B::RET", "ntrk": "NTRK1: FUSION | NTRK2: FUSION | "
    "NTRK3: FUSION", "fgfr2": "FGFR2: FUSION | FGFR2: AMP", "fgfr3": "FGFR3: FUSION | FGFR3: MUT",
    "nrg1": "NRG1: FUSION", "ewsr1": "EWSR1::", "mdm2_tp53wt": "MDM2: AMP & TP53: WT",
    "mantra2": "MDM2: CN >= 12 & TP53: WT", "cdk4": "CDK4: AMP & CDKN2A: WT",
    "cdkn2a": "CDKN2A: HOMDEL", "tp53_truncating": "TP53: TRUNC", "tp53_hotspot":
    "TP53: R175H | TP53: R248Q | TP53: R273H", "atm": "ATM: truncating | ATM: HOMDEL",
    "brca": "BRCA1: MUT | BRCA2: MUT", "pten": "PTEN: HOMDEL | PTEN: truncating",
    "tmb_high": "TMB >= 10", "tmb_20": "TMB >= 20", "msi_high": "MSI: HIGH",
    "checkpoint": "TMB >= 10 | MSI: HIGH", "ppm1d": "PPM1D: MUT & TP53: WT",
    "twist1": "TWIST1: AMP", "egfr_any": "EGFR: ALT",
}


def bench_panel(path: Path) -> None:
    """The registry example's 320 genes and 180 more annotation genes (fixed seed)."""
    panel = pd.read_csv(ROOT / "config" / "registry" / "panel.tsv", sep="\t", comment="#")
    genes = genome.load_genes("GRCh38")
    names = genes["gene"]
    ok = names.str.match(r"^[A-Z][A-Z0-9]{2,}$") & ~names.str.match(
        r"^(LINC|MIR|SNOR|RNU|LOC|RNA|ENSG|OR\d|AC\d|AL\d)") & genes["chrom"].str.match(r"^\d+$")
    pool = sorted(set(names[ok]) - set(panel["gene"]))
    rng = np.random.default_rng(500)
    extra = rng.choice(pool, PANEL_SIZE - len(panel), replace=False)
    out = pd.concat([panel, pd.DataFrame({"gene": sorted(extra), "group": "other_bench"})])
    out.to_csv(path, sep="\t", index=False)


def add_registry_files(workdir: Path, patients: list[str], seed: int) -> None:
    """An Arriba fusions.tsv and an MSIsensor output for every patient, and the sheet columns."""
    genes = genome.load_genes("GRCh38").drop_duplicates("gene").set_index("gene")
    (workdir / "data" / "sv").mkdir(parents=True, exist_ok=True)
    (workdir / "data" / "msi").mkdir(parents=True, exist_ok=True)
    sheet = pd.read_csv(workdir / "samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    names = list(FUSIONS)
    for pid in patients:
        rng = np.random.default_rng(np.random.SeedSequence([seed, int(pid[1:])]))
        rows = []
        if rng.random() < 0.08:
            a, b, frame = FUSIONS[names[rng.integers(len(names))]]
            rows.append(_arriba_row(a, b, frame, genes, rng))
        pd.DataFrame(rows, columns=ARRIBA_COLUMNS).to_csv(
            workdir / "data" / "sv" / f"{pid}.fusions.tsv", sep="\t", index=False)
        total = int(rng.integers(80, 140))
        k = int(round(total * (rng.uniform(0.25, 0.5) if rng.random() < 0.05
                               else rng.uniform(0, 0.03))))
        (workdir / "data" / "msi" / f"{pid}.msisensor.txt").write_text(
            f"Total_Number_of_Sites\tNumber_of_Somatic_Sites\t%\n{total}\t{k}\t"
            f"{100 * k / total:.2f}\n")
    sheet["sv_file"] = "data/sv/" + sheet["patient_id"] + ".fusions.tsv"
    sheet["msi_file"] = "data/msi/" + sheet["patient_id"] + ".msisensor.txt"
    sheet.to_csv(workdir / "samples.tsv", sep="\t", index=False)


def config_text(shards: int) -> str:
    lines = ["samples: samples.tsv", "panel: panel.tsv", "genome: GRCh38",
             f"ingest:\n  shards: {shards}", f"tmb:\n  territory_mb: {TERRITORY_MB}",
             "cohorts:"]
    lines += [f'  {name}: "{rule}"' for name, rule in RULES.items()]
    return "\n".join(lines) + "\n"


def prepare(n: int, background: int, shards: int, reuse: bool) -> Path:
    workdir = WORK / f"registry_n{n}"
    kept = workdir / "generated"
    if reuse and kept.is_dir():
        for name in ("results", "logs", ".snakemake", "snakemake.log"):
            target = workdir / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        shutil.copyfile(kept / "samples.tsv", workdir / "samples.tsv")
        (workdir / "config.yaml").write_text(config_text(shards))
        print(f"reusing the generated registry of N={n} in {workdir}", flush=True)
        return workdir
    if workdir.exists():
        shutil.rmtree(workdir)
    start = time.perf_counter()
    make_cohort(workdir, n_patients=n, seed=n, n_background=background, plasma_fraction=0.0)
    sheet = pd.read_csv(workdir / "samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    add_registry_files(workdir, list(sheet["patient_id"]), seed=n)
    bench_panel(workdir / "panel.tsv")
    (workdir / "config.yaml").write_text(config_text(shards))
    kept.mkdir()
    shutil.copyfile(workdir / "samples.tsv", kept / "samples.tsv")
    print(f"generated the registry of N={n} in {time.perf_counter() - start:.1f} s", flush=True)
    return workdir


def measured(n: int, run: str, result: dict) -> dict:
    """One results row from ``bench_workflow.run_workflow``'s measurements of a run."""
    row, jobs = result["row"], result["jobs"]
    slowest = jobs.sort_values("wall_s", ascending=False).head(6)
    return {"n_patients": n, "genes": PANEL_SIZE, "rules": len(RULES), "run": run,
            "wall_s": row["wall_s"], "planning_s": row["planning_s"],
            "cpu_s": round(row["controller_cpu_s"] + row["jobs_cpu_s"], 1),
            "controller_share": row["controller_share"],
            "peak_mem_mb": row["peak_tree_mem_mb"], "largest_job_mem_mb": row["largest_job_mem_mb"],
            "jobs": row["jobs"], "report_mb": row["report_mb"],
            "slowest_jobs": ", ".join(f"{j} {w:.0f}s" for j, w in
                                      zip(slowest["job"], slowest["wall_s"]))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="500,5000")
    ap.add_argument("--background", type=int, default=300,
                    help="background VCF records per patient: panel sequencing (a 500-gene "
                         "panel); bench/bench_workflow.py uses 3000 (exome-like)")
    ap.add_argument("--shards", type=int, default=16)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--reuse", action="store_true")
    args = ap.parse_args()
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        workdir = prepare(n, args.background, args.shards, args.reuse)
        rows.append(measured(n, "from scratch", run_workflow(workdir, args.cores)))
        print(rows[-1], flush=True)
        pid = add_patient(workdir, seed=n + 1, n_background=args.background,
                          plasma_fraction=0.0)
        add_registry_files(workdir, [pid], seed=n)
        rows.append(measured(n + 1, "one patient added", run_workflow(workdir, args.cores)))
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    out = ROOT / "bench" / "registry_results.tsv"
    table.to_csv(out, sep="\t", index=False)
    print(table.to_string(index=False))
    print(f"written {out}")


if __name__ == "__main__":
    main()
