"""Start-up cost of planning a run (not part of the tests): `snakemake -n` on a registry-sized
sheet whose files exist (tiny placeholders: planning stats files, it does not read them).

    .venv/bin/python bench/bench_startup.py --patients 5000 [--snakefile OTHER/Snakefile]

Prints the wall time of a dry run on a finished-nothing directory (every job planned), and of
the change detection alone (cohortmark.ingest.shard_fingerprint over every shard: the stat of
every patient file and index). Run it against an older checkout's Snakefile to compare.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))


def make_sheet(workdir: Path, n: int) -> Path:
    files = workdir / "files"
    files.mkdir(parents=True, exist_ok=True)
    rows = ["patient_id\tcn_file\tvariant_file\tbest_response\tpfs_months\tpfs_event"]
    for i in range(n):
        pid = f"R{i:06d}"
        for name in (f"{pid}.cns", f"{pid}.vcf.gz", f"{pid}.vcf.gz.tbi"):
            (files / name).write_bytes(b"x")
        rows.append(f"{pid}\tfiles/{pid}.cns\tfiles/{pid}.vcf.gz\tSD\t3.0\t1")
    sheet = workdir / "samples.tsv"
    sheet.write_text("\n".join(rows) + "\n")
    (workdir / "config.yaml").write_text("samples: samples.tsv\n")
    return sheet


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--patients", type=int, default=5000)
    ap.add_argument("--snakefile", default=str(ROOT / "Snakefile"))
    ap.add_argument("--workdir", default=str(ROOT / "bench" / "work" / "startup"))
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    workdir = Path(args.workdir) / str(args.patients)
    if not (workdir / "samples.tsv").exists():
        make_sheet(workdir, args.patients)
    cmd = [sys.executable, "-m", "snakemake", "-n", "--snakefile", args.snakefile,
           "--directory", str(workdir), "--configfile", str(workdir / "config.yaml")]
    walls = []
    for _ in range(args.repeats):
        start = time.monotonic()
        res = subprocess.run(cmd, capture_output=True, text=True)
        walls.append(time.monotonic() - start)
        if res.returncode != 0:
            sys.exit(res.stderr[-3000:])
    print(f"{args.patients} patients, {args.snakefile}: dry run {min(walls):.1f} s "
          f"(best of {args.repeats}; all {', '.join(f'{w:.1f}' for w in walls)})")

    import os

    from cohortmark import sheets
    from cohortmark.ingest import ingest_record, shard_fingerprint, shard_of

    os.chdir(workdir)
    sheet = sheets.load_samples("samples.tsv")
    shards: dict[int, list] = {}
    for row in sheet.to_dict("records"):
        shards.setdefault(shard_of(row["patient_id"], 16), []).append(ingest_record(row))
    start = time.monotonic()
    for records in shards.values():
        shard_fingerprint(records)
    print(f"change detection alone (stat of {3 * args.patients} files, 16 shard digests): "
          f"{time.monotonic() - start:.2f} s")


if __name__ == "__main__":
    main()
