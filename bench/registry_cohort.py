"""One synthetic registry cohort, generated once and resumably, and the benchmark's run
directories cut from it (``make bench``; not part of the tests).

The source cohort (``<data>/cohort_<patients>/``: ``data/{cn,vcf,plasma}/``, ``samples.tsv``,
``ctdna.tsv``, ``truth.tsv``) is written in chunks of patients; each finished chunk leaves its
sheet rows under ``cohort/chunks/``, so a generation that was killed resumes at the first
unfinished chunk and a finished one is never redone. Generating 100,000 patients takes over an
hour on 2 cores and is not what the benchmark measures.

A run directory ``<data>/n{N}/`` holds the first N patients of the source (sheet paths point
into the source's files) and its own ``data/`` for the patients a benchmark adds. Patient seeds
are spawned from one ``SeedSequence``, so the first N patients of a 100,000-patient source are
the same patients whatever the size of the source.

    python bench/registry_cohort.py --data /work/bench-data --patients 100000
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import cohortmark_synthetic as synth  # noqa: E402
from cohortmark.schema import CTDNA_COLUMNS, SAMPLE_COLUMNS  # noqa: E402
from cohortmark.tsv import atomic_path  # noqa: E402

SEED = 20_260_121
CHUNK = int(os.environ.get("COHORTMARK_BENCH_CHUNK", 1000))
SHEETS = {"samples": SAMPLE_COLUMNS, "ctdna": CTDNA_COLUMNS, "truth": synth.TRUTH_COLUMNS}


def _chunk(args) -> tuple[int, dict[str, str]]:
    """Write one chunk's patient files; return its sheet rows as TSV text (header included)."""
    root, index, items, n_background, plasma_fraction = args
    rows, plasma, truth = synth._make_chunk((root, "data", items, n_background, plasma_fraction))
    texts = {}
    for name, data in (("samples", rows), ("ctdna", plasma), ("truth", truth)):
        frame = synth._frame(data, SHEETS[name])
        texts[name] = frame.to_csv(sep="\t", index=False, lineterminator="\n") if len(frame) else ""
    return index, texts


def generate(source: Path, n_patients: int, *, upto: int | None = None, seed: int = SEED,
             workers: int = 2, n_background: int = 3000, plasma_fraction: float = 0.1) -> Path:
    """Generate (or finish generating) the source cohort of ``n_patients`` in ``source``;
    with ``upto``, only the chunks holding its first ``upto`` patients."""
    source.mkdir(parents=True, exist_ok=True)
    done_mark = source / "generated.txt"
    if done_mark.exists():
        if int(done_mark.read_text().split()[0]) != n_patients:
            raise SystemExit(f"{source} holds a cohort of another size ({done_mark.read_text()})")
        return source
    chunks_dir = source / "chunks"
    chunks_dir.mkdir(exist_ok=True)
    seeds = np.random.SeedSequence(seed).spawn(n_patients)
    items = [(f"P{i + 1:06d}", s) for i, s in enumerate(seeds)]
    todo = []
    for index, start in enumerate(range(0, min(upto or n_patients, n_patients), CHUNK)):
        if not (chunks_dir / f"{index:05d}.done").exists():
            todo.append((str(source), index, items[start:start + CHUNK], n_background,
                         plasma_fraction))
    n_chunks = -(-n_patients // CHUNK)
    print(f"{source}: {n_chunks - len(todo)} of {n_chunks} chunks already generated", flush=True)
    start_time = time.perf_counter()

    def save(index: int, texts: dict[str, str]) -> None:
        for name, text in texts.items():
            with atomic_path(chunks_dir / f"{index:05d}.{name}.tsv") as tmp:
                Path(tmp).write_text(text)
        (chunks_dir / f"{index:05d}.done").write_text("")
        print(f"chunk {index + 1}/{n_chunks} done at {time.perf_counter() - start_time:.0f} s",
              flush=True)

    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            for index, texts in pool.map(_chunk, todo):
                save(index, texts)
    else:
        for args in todo:
            save(*_chunk(args))
    if not _chunks_done(source, n_patients):
        return source
    for name in SHEETS:
        parts = [chunks_dir / f"{i:05d}.{name}.tsv" for i in range(n_chunks)]
        with atomic_path(source / f"{name}.tsv") as tmp, open(tmp, "w") as out:
            header = None
            for part in parts:
                text = part.read_text()
                if not text:
                    continue
                first, _, body = text.partition("\n")
                if header is None:
                    header = first
                    out.write(first + "\n")
                elif first != header:
                    raise SystemExit(f"{part}: columns differ from the first chunk's")
                out.write(body)
    done_mark.write_text(f"{n_patients} patients, seed {seed}\n")
    return source


def _chunks_done(source: Path, n: int) -> bool:
    """Whether the first n patients of the source are written (the whole source, or chunks)."""
    return (source / "generated.txt").exists() or n > 0 and all(
        (source / "chunks" / f"{i:05d}.done").exists() for i in range(-(-n // CHUNK)))


def _source_table(source: Path, name: str, n: int) -> pd.DataFrame:
    """Sheet ``name`` (samples, ctdna, truth) of the first n patients of the source: from the
    assembled sheet, or from the finished chunks while the rest is still being generated."""
    paths = [source / "chunks" / f"{i:05d}.{name}.tsv" for i in range(-(-n // CHUNK))]
    if (source / "generated.txt").exists():
        paths = [source / f"{name}.tsv"]
    parts = [pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False)
             for p in paths if p.exists() and p.stat().st_size]
    if not parts:
        return pd.DataFrame()
    table = pd.concat(parts, ignore_index=True)
    number = table["patient_id"].str.slice(1).astype(int)
    return table[number <= n]


def run_dir(data: Path, n: int, source_n: int, *, reuse: bool = True,
            workers: int = 2) -> Path:
    """``<data>/n{n}``: the first n patients of the source cohort, with no results yet.

    Sheets are restored from the copies kept under ``generated/`` (so a patient added by an
    earlier benchmark is gone) and every workflow output is deleted; the per-patient files are
    the source's, never regenerated.
    """
    source = data / f"cohort_{source_n}"
    if not _chunks_done(source, n):
        generate(source, source_n, upto=n, workers=workers)
    workdir = data / f"n{n}"
    kept = workdir / "generated"
    if not (reuse and kept.is_dir()):
        if workdir.exists():
            shutil.rmtree(workdir)
        kept.mkdir(parents=True)
        rel = os.path.relpath(source, workdir)
        for name in ("samples", "ctdna", "truth"):
            table = _source_table(source, name, n)
            for col in ("cn_file", "variant_file") if name != "truth" else ():
                if col in table:
                    table[col] = table[col].where(table[col] == "", rel + "/" + table[col])
            if len(table):
                table.to_csv(kept / f"{name}.tsv", sep="\t", index=False, lineterminator="\n")
        has_ctdna = (kept / "ctdna.tsv").exists()
        (kept / "config.yaml").write_text(synth._config_text(has_ctdna))
    for name in ("results", "logs", ".snakemake", "benchmarks", "data", "snakemake.log"):
        target = workdir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    for name in ("samples.tsv", "ctdna.tsv", "truth.tsv", "config.yaml"):
        if (workdir / name).exists():
            (workdir / name).unlink()
        if (kept / name).exists():
            shutil.copyfile(kept / name, workdir / name)
    return workdir


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT / "bench" / "work")
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    start = time.perf_counter()
    generate(args.data / f"cohort_{args.patients}", args.patients, workers=args.workers)
    print(f"source cohort of {args.patients} ready in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
