"""Stage 1, ingest: per-patient copy number and variants, in shards, cached by input checksum.

A shard is a fixed bucket of patients (``shard_of``); one Snakemake job processes a shard in
one interpreter, so 5,000 patients cost a handful of interpreter starts rather than 10,000.
Each patient's result is cached under a key made of the checksums of its input files, its
sheet values, the relevant config, the panel and the package's own source code; rerunning a
shard recomputes only the patients whose key changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import schema
from .errors import InputError

CACHE_FORMAT = 1


def shard_of(patient_id: str, shards: int) -> int:
    """The shard (0..shards-1) of a patient: stable across runs, machines and sheet order."""
    return int(hashlib.sha1(patient_id.encode()).hexdigest(), 16) % shards


_DIGESTS: dict[tuple, str] = {}


def file_sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Checksum of a file's contents, memoised per (path, size, mtime) within a process.

    A cohort-wide file (one MAF or GISTIC matrix for every patient) is then read once per
    shard job rather than once per patient.
    """
    st = os.stat(path)
    memo = (os.path.realpath(path), st.st_size, st.st_mtime_ns)
    if memo not in _DIGESTS:
        _DIGESTS[memo] = _sha256(path, chunk)
    return _DIGESTS[memo]


def _sha256(path, chunk):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Checksum of the package's source: a code change invalidates every cached result."""
    h = hashlib.sha256()
    root = Path(__file__).parent
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def cache_key(record: dict, panel: pd.DataFrame, config: dict, build: str) -> str:
    """The key of one patient's ingest result (hex sha256)."""
    files = {col: file_sha256(record[col]) if record.get(col) else None
             for col in ("cn_file", "variant_file")}
    payload = {
        "format": CACHE_FORMAT, "code": code_fingerprint(), "build": build,
        "panel": panel[["gene", "chrom", "start", "end"]].to_dict("list"),
        "config": {k: config.get(k) for k in ("copy_number", "variants")},
        "record": {k: record.get(k) for k in ("patient_id", "cn_file", "cn_format",
                                              "variant_file", "tumor_sample", "purity",
                                              "ploidy")},
        "files": files,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _write_atomic(obj, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def ingest_patient(record: dict, panel: pd.DataFrame, config: dict, build: str):
    """One patient's gene-level table (panel order) and panel variants.

    Returns (genes, variants): genes has schema.GENE_CN_COLUMNS + GENE_MUT_COLUMNS merged on
    gene; variants has schema.VARIANT_COLUMNS.
    """
    from .copynumber import patient_copy_number
    from .variants import patient_mutations

    cn = patient_copy_number(record, panel, config, build)
    mut, variants = patient_mutations(record, panel, config, build)
    genes = cn.merge(mut, on="gene", how="outer", validate="one_to_one")
    genes = genes.set_index("gene").reindex(panel["gene"]).reset_index()
    return genes, variants


def run_shard(records: list[dict], panel: pd.DataFrame, config: dict, build: str,
              cache_dir: str | os.PathLike, log=print):
    """Ingest every patient of a shard; return (alterations, mutations) tables.

    A patient whose files are bad does not stop the others: everyone else is computed and
    cached, then one InputError lists every failed patient (one line each).
    Returns DataFrames with schema.ALTERATION_COLUMNS and schema.MUTATION_COLUMNS.
    """
    cache_dir = Path(cache_dir)
    groups = dict(zip(panel["gene"], panel["group"]))
    gene_rows, variant_rows, errors = [], [], []
    hits = 0
    for record in records:
        pid = record["patient_id"]
        try:
            key = cache_key(record, panel, config, build)
            path = cache_dir / key[:2] / f"{key}.pkl"
            if path.exists():
                genes, variants = pickle.loads(path.read_bytes())
                hits += 1
            else:
                genes, variants = ingest_patient(record, panel, config, build)
                _write_atomic((genes, variants), path)
        except InputError as err:
            errors.append(err.with_context(patient=pid))
            continue
        gene_rows.append(genes.assign(patient_id=pid))
        variant_rows.append(variants.assign(patient_id=pid))
    log(f"ingest: {len(records)} patients, {hits} from cache, {len(errors)} failed")
    if errors:
        raise InputError("\n".join(str(e) for e in errors))
    alterations = _concat(gene_rows, schema.ALTERATION_COLUMNS)
    alterations["gene_group"] = alterations["gene"].map(groups)
    return (alterations[schema.ALTERATION_COLUMNS],
            _concat(variant_rows, schema.MUTATION_COLUMNS))


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True).reindex(columns=columns)
