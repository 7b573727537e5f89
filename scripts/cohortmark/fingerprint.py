"""Change detection: the one place where files and settings are fingerprinted and hashed.

Two levels, because they cost differently:

- ``stat_fingerprint(path)``: size and modification time (ns), compared for *equality*, not
  for "newer than" as Snakemake's own check does. Free to compute for 100,000 files when the
  workflow is planned, and it changes when a file is replaced even by a copy with an *older*
  date (``cp -p``, ``rsync -a``: the copy carries its source's time, not the replaced file's).
  Snakemake sees these fingerprints as rule params, so a changed one reruns exactly the jobs
  that read the file - while a project copied or moved whole (``cp -a``, ``rsync -a``) keeps its
  times and reruns nothing. Inode and status-change time are deliberately left out of this
  level: they change on every copy of a project.
- ``file_sha256(path)``: the content. Per-patient caches are keyed by it, so a file that was
  only touched or copied unchanged is not recomputed. Its per-job memo (``stat_identity``)
  does include inode and ctime, so a checksum is never reused for a file that was replaced.

``digest(obj)`` hashes any JSON-able value (settings, sheet rows) canonically.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def stat_fingerprint(path: str | os.PathLike) -> list[int]:
    """``[size, mtime_ns]`` of a file (following symlinks): what planning compares."""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns]


def stat_identity(path: str | os.PathLike) -> list[int]:
    """``[size, mtime_ns, ctime_ns, inode]``: a file's identity for reusing its checksum."""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


_SHA256: dict[tuple, str] = {}


def file_sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Checksum of a file's content, memoised per (real path, stat identity) in a process.

    A cohort-wide file (one MAF or GISTIC matrix for every patient) is then read once per
    job rather than once per patient.
    """
    memo = (os.path.realpath(path), *stat_identity(path))
    if memo not in _SHA256:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            while block := fh.read(chunk):
                h.update(block)
        _SHA256[memo] = h.hexdigest()
    return _SHA256[memo]


def digest(obj) -> str:
    """sha256 of the canonical JSON of ``obj`` (keys sorted; non-JSON values by ``str``)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Checksum of the package's own source: a code change invalidates every cached result."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        h.update(str(path.relative_to(PACKAGE)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()
