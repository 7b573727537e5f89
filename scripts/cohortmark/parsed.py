"""The patient sheet and the gene panel, parsed once per run and shared by its jobs.

Every job of a run reads the same sheet and panel; at registry size parsing them costs about
1.3 s (a 100,000-row sheet) and 0.5 s (the panel against the gene annotation and HGNC
symbols) in each of a dozen jobs. With a memo directory set (``enable``; the Snakemake steps
set ``results/cache/parsed``), the first job stores the parsed table as a pickle under a key
of everything the parse depends on - the file's content checksum, the package's code, the
resource files (panel), pandas and Python versions - and the other jobs load it in ~0.1 s.

Only successful parses are stored: bad input raises in each job as without the memo. A
pickle that cannot be loaded (an interrupted write is impossible: writes are atomic; a pandas
upgrade is in the key) is parsed again. One entry per kind is kept.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

import pandas as pd

from .fingerprint import code_fingerprint, digest, file_sha256, stat_fingerprint

_DIR: Path | None = None


def enable(directory: str | os.PathLike | None) -> None:
    """Memoise parsed sheets and panels under ``directory`` (None: parse every time)."""
    global _DIR
    _DIR = Path(directory) if directory is not None else None


def _memo(kind: str, key_parts: list, parse):
    if _DIR is None:
        return parse()
    key = digest([kind, key_parts, code_fingerprint(), pd.__version__, sys.version])
    path = _DIR / f"{kind}-{key[:32]}.pkl"
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except Exception:  # absent, or unreadable by this pandas: parse again
        pass
    value = parse()
    from .tsv import atomic_path

    _DIR.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
    for old in _DIR.glob(f"{kind}-*.pkl"):
        if old != path:
            old.unlink(missing_ok=True)
    return value


def samples(path: str | os.PathLike) -> pd.DataFrame:
    """``sheets.load_samples(path, check_files=False)``, memoised by the sheet's content."""
    from .sheets import load_samples

    return _memo("samples", [str(path), file_sha256(path)],
                 lambda: load_samples(path, check_files=False))


def panel(path: str | os.PathLike | None, build: str) -> pd.DataFrame:
    """``genome.load_panel(path, build)``, memoised by the panel's content, the build and the
    annotation and symbol resources it is joined to."""
    from .genome import DEFAULT_PANEL, RESOURCES, load_panel

    if not Path(path or DEFAULT_PANEL).is_file():
        return load_panel(path, build)  # the one error message of load_panel
    resources = [RESOURCES / f"genes.{build}.tsv.gz", RESOURCES / "hgnc_symbols.tsv.gz"]
    parts = [str(path), file_sha256(path or DEFAULT_PANEL), build,
             [stat_fingerprint(r) if r.exists() else None for r in resources]]
    return _memo("panel", parts, lambda: load_panel(path, build))
