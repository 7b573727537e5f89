"""Copy number from any common caller: readers registry, gene-level values and calls.

``patient_copy_number`` is what ingest calls; ``read_segments`` and ``gene_copy_number`` are
its two halves (file -> segments, segments -> one row per panel gene).
"""

from __future__ import annotations

import pandas as pd

from .config import resolve
from .genelevel import (
    call_copy_number,
    gene_copy_number,
    log2_to_copy_number,
    not_profiled,
)
from .readers import READERS, Reader, detect_format, read_segments

__all__ = ["READERS", "Reader", "call_copy_number", "detect_format",
           "gene_copy_number", "log2_to_copy_number", "not_profiled", "patient_copy_number",
           "read_segments", "resolve"]


def patient_copy_number(record: dict, panel: pd.DataFrame, config: dict | None,
                        build: str) -> pd.DataFrame:
    """One patient's gene-level copy number (schema.GENE_CN_COLUMNS, panel order).

    ``record`` is the patient's sheet row; ``config`` the whole workflow config (its
    ``copy_number`` section is used). No ``cn_file`` -> every gene not_profiled.
    """
    cfg = resolve((config or {}).get("copy_number"))
    path = record.get("cn_file")
    if not path:
        return not_profiled(panel)
    pid = record.get("patient_id")
    segments = read_segments(path, record.get("cn_format") or None,
                             record.get("tumor_sample") or None, patient=pid, config=cfg,
                             build=build)
    return gene_copy_number(segments, panel, purity=record.get("purity"),
                            ploidy=record.get("ploidy"), config=cfg, patient=pid)
