"""Benchmark of copy-number ingest: gene-level calls for many CNVkit .cns files.

Generates N synthetic CNVkit .cns files (~100 segments each over GRCh38, log2 with a few
amplicons and deletions; seeded) and times, over the shipped 18-gene panel:
  1. patient_copy_number (read + detect + check + gene-level) for every file, and
  2. gene_copy_number alone on already-read segments.
Prints seconds and patients per second (single process, one core).

    .venv/bin/python bench/bench_copynumber.py [--patients 5000] [--segments 100]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from cohortmark.copynumber import gene_copy_number, patient_copy_number, read_segments  # noqa: E402
from cohortmark.genome import chrom_lengths, load_panel  # noqa: E402

HEADER = "chromosome\tstart\tend\tgene\tlog2\tdepth\tprobes\tweight\n"


def make_cns(path: Path, rng: np.random.Generator, n_segments: int, sizes: dict) -> None:
    chroms = [c for c in sizes if c not in ("MT",)]
    lengths = np.array([sizes[c] for c in chroms], float)
    per = np.maximum(1, np.round(n_segments * lengths / lengths.sum()).astype(int))
    lines = [HEADER]
    for chrom, k, length in zip(chroms, per, lengths.astype(int)):
        cuts = np.unique(rng.integers(20, (length - 10_000) // 1000, size=k - 1)) * 1000
        bounds = np.concatenate([[10_000], cuts, [length - 10_000]])
        k = len(bounds) - 1
        log2 = rng.normal(0, 0.15, size=k)
        events = rng.random(k)
        log2[events < 0.04] = rng.uniform(1.6, 4, size=(events < 0.04).sum())  # amplicons
        log2[events > 0.97] = rng.uniform(-6, -1.2, size=(events > 0.97).sum())  # deletions
        for a, b, v in zip(bounds[:-1], bounds[1:], log2):
            lines.append(f"chr{chrom}\t{a}\t{b}\t-\t{v:.5f}\t{rng.uniform(50, 500):.3f}\t"
                         f"{rng.integers(5, 400)}\t{rng.uniform(5, 300):.3f}\n")
    path.write_text("".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=5000)
    ap.add_argument("--segments", type=int, default=100)
    args = ap.parse_args()
    panel = load_panel(build="GRCh38")
    sizes = chrom_lengths("GRCh38")
    rng = np.random.default_rng(20261201)
    with tempfile.TemporaryDirectory() as tmp:
        files = [Path(tmp) / f"P{i:05d}.cns" for i in range(args.patients)]
        t0 = time.perf_counter()
        for f in files:
            make_cns(f, rng, args.segments, sizes)
        gen = time.perf_counter() - t0
        n_seg = sum(1 for _ in open(files[0])) - 1
        records = [{"patient_id": f.stem, "cn_file": str(f), "cn_format": None,
                    "tumor_sample": None, "purity": 0.7, "ploidy": 2.4} for f in files]
        config = {"copy_number": {}}
        patient_copy_number(records[0], panel, config, "GRCh38")  # warm caches and imports
        t0, c0 = time.perf_counter(), time.process_time()
        calls = 0
        for rec in records:
            out = patient_copy_number(rec, panel, config, "GRCh38")
            calls += int((out["cn_call"] == "AMP").sum())
        full, full_cpu = time.perf_counter() - t0, time.process_time() - c0
        segs = [read_segments(f, build="GRCh38") for f in files[:1000]]
        t0, c0 = time.perf_counter(), time.process_time()
        for s in segs:
            gene_copy_number(s, panel, purity=0.7, ploidy=2.4)
        gl, gl_cpu = time.perf_counter() - t0, time.process_time() - c0
    n = args.patients
    print(f"copy-number benchmark: {n} CNVkit .cns files of {n_seg} segments, "
          f"{len(panel)}-gene panel, GRCh38 (generation {gen:.1f} s)")
    print(f"  read + gene-level calls : wall {full:.2f} s -> {n / full:,.0f} patients/s; "
          f"CPU {full_cpu:.2f} s -> {n / full_cpu:,.0f} patients/s "
          f"({1000 * full_cpu / n:.2f} ms/patient; {calls} AMP calls)")
    print(f"  gene-level only (1000)  : wall {gl:.2f} s -> {len(segs) / gl:,.0f} patients/s; "
          f"CPU {gl_cpu:.2f} s -> {len(segs) / gl_cpu:,.0f} patients/s "
          f"({1000 * gl_cpu / len(segs):.2f} ms/patient)")
    print(f"  projected 100,000 patients on one core (CPU time): "
          f"{100_000 * full_cpu / n / 60:.1f} min")


if __name__ == "__main__":
    main()
