"""Panel scoring of a WGS-sized VCF: tabix-indexed region queries vs one full stream.

Generates (once, cached in --workdir) a bgzipped, tabix-indexed tumour/normal VCF of
--records records spread over the GRCh38 chromosomes (with a VEP-style CSQ on the records that
fall in panel genes), then times ``read_variants`` + ``gene_mutations`` with the index and with
``use_index: false``, checks both give identical tables, and prints seconds and the ratio.

    python bench/bench_variants.py [--records 5000000] [--workdir /tmp/cohortmark_bench_vcf]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from cohortmark.genome import chrom_lengths, load_panel  # noqa: E402
from cohortmark.variants import gene_mutations, read_variants  # noqa: E402

HEADER = """##fileformat=VCFv4.2
##source=cohortmark bench/bench_variants.py (synthetic)
##tumor_sample=TUMOR
{contigs}
##FILTER=<ID=PASS,Description="All filters passed">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">
##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. \
Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|HGVSp|CANONICAL">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR
"""
CHROMS = [str(i) for i in range(1, 23)] + ["X", "Y"]


def generate(path: Path, n: int, seed: int = 1) -> None:
    """Write a sorted bgzipped VCF of ``n`` SNVs and index it with tabix."""
    rng = np.random.default_rng(seed)
    lengths = chrom_lengths("GRCh38")
    sizes = np.array([lengths[c] for c in CHROMS], dtype=float)
    per_chrom = rng.multinomial(n, sizes / sizes.sum())
    panel = load_panel(build="GRCh38")
    contigs = "\n".join(f"##contig=<ID=chr{c},length={lengths[c]}>" for c in CHROMS)
    bases = np.array(list("ACGT"))
    proc = subprocess.Popen(["bgzip", "-@", "2", "-c"], stdin=subprocess.PIPE,
                            stdout=path.open("wb"))
    proc.stdin.write(HEADER.format(contigs=contigs).encode())
    for chrom, k in zip(CHROMS, per_chrom):
        pos = np.unique(rng.integers(1, lengths[chrom], size=k))
        ref_i = rng.integers(0, 4, size=len(pos))
        alt_i = (ref_i + rng.integers(1, 4, size=len(pos))) % 4
        dp = rng.integers(20, 400, size=len(pos))
        alt_n = rng.binomial(dp, 0.3)
        genes = panel[panel["chrom"] == chrom]
        info = np.full(len(pos), ".", dtype=object)
        for g in genes.itertuples():
            hit = (pos > g.start) & (pos <= g.end)
            info[hit] = (f"CSQ={{alt}}|missense_variant|MODERATE|{g.gene}|ENSG|Transcript|"
                         f"ENST|protein_coding|ENSP:p.Arg{{aa}}His|YES")
        lines = []
        for p, r, a, d, x, inf in zip(pos, bases[ref_i], bases[alt_i], dp, alt_n, info):
            if inf != ".":
                inf = inf.format(alt=a, aa=p % 900 + 1)
            lines.append(f"chr{chrom}\t{p}\t.\t{r}\t{a}\t.\tPASS\t{inf}\tGT:AD:DP\t"
                         f"0/0:{d},0:{d}\t0/1:{d - x},{x}:{d}\n")
        proc.stdin.write("".join(lines).encode())
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("bgzip failed")
    subprocess.run(["tabix", "-f", "-p", "vcf", str(path)], check=True)


def score(path: Path, panel: pd.DataFrame, use_index: bool):
    t0 = time.perf_counter()
    v = read_variants(path, panel=panel, build="GRCh38", config={"variants": {"use_index": use_index}})
    g = gene_mutations(v, panel)
    return time.perf_counter() - t0, v, g


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=5_000_000)
    ap.add_argument("--workdir", default="/tmp/cohortmark_bench_vcf")
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"wgs_{args.records}.vcf.gz"
    if not Path(str(path) + ".tbi").exists():
        t0 = time.perf_counter()
        generate(path, args.records)
        print(f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t0:.1f} s")
    n = int(subprocess.run(["bcftools", "index", "-n", str(path)], capture_output=True,
                           text=True, check=True).stdout)
    panel = load_panel(build="GRCh38")
    t_idx, v_idx, g_idx = score(path, panel, True)
    t_full, v_full, g_full = score(path, panel, False)
    pd.testing.assert_frame_equal(v_idx, v_full)
    pd.testing.assert_frame_equal(g_idx, g_full)
    print(f"records: {n}; panel genes: {len(panel)}; panel variants: {len(v_idx)}")
    print(f"indexed region queries: {t_idx:.3f} s")
    print(f"full stream:            {t_full:.3f} s")
    print(f"ratio full/indexed:     {t_full / t_idx:.0f}x")


if __name__ == "__main__":
    main()
