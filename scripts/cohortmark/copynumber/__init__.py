"""Copy number from any common caller: format registry, gene-level values and calls.

``patient_copy_number_values``: one patient's gene rows and patient-level values (format,
sample, purity/ploidy and where they came from), without caches - ingest
(``cohortmark.ingest.PatientIngest.copy_number``) does the same with its caches, calling the
halves directly: ``read_sample`` (file -> segments, cached) and ``gene_copy_number`` (segments
-> one row per panel gene). The formats are in ``formats/``, one module each.
"""

from __future__ import annotations

import pandas as pd

from .config import resolve
from .fit import PATIENT_CN_COLUMNS, caller_fit, purity_ploidy, side_files
from .formats import FORMATS, READERS, Reader, SampleRequest
from .genelevel import (
    call_copy_number,
    gene_copy_number,
    log2_to_copy_number,
    not_profiled,
)
from .readers import detect_format, read_sample, read_segments

__all__ = ["FORMATS", "PATIENT_CN_COLUMNS", "READERS", "Reader", "SampleRequest",
           "call_copy_number", "caller_fit", "sample_request", "detect_format", "gene_copy_number", "log2_to_copy_number",
           "not_profiled", "patient_copy_number", "patient_copy_number_values",
           "purity_ploidy", "read_sample", "read_segments", "resolve", "side_files"]


def sample_request(record: dict) -> SampleRequest:
    """The sheet's sample columns for a copy-number file: cn_sample, else tumor_sample, then
    patient_id (see SampleRequest)."""
    return SampleRequest(cn_sample=record.get("cn_sample") or None,
                         tumor_sample=record.get("tumor_sample") or None,
                         patient_id=record.get("patient_id") or None)


def patient_copy_number_values(record: dict, panel: pd.DataFrame, config: dict | None,
                               build: str) -> tuple[pd.DataFrame, dict]:
    """One patient's gene-level copy number (schema.GENE_CN_COLUMNS, panel order) and its
    patient-level values (PATIENT_CN_COLUMNS).

    ``record`` is the patient's sheet row; ``config`` the whole workflow config (its
    ``copy_number`` section is used). No ``cn_file`` -> every gene not_profiled.
    """
    from ..ingest import PatientIngest  # the one implementation (ingest adds its caches)

    settings = {"copy_number": (config or {}).get("copy_number")}
    return PatientIngest(panel, settings, build, None).copy_number(record)


def segment_unit(segments: pd.DataFrame) -> str | None:
    """The unit of a sample's segment values (``log2``, ``cn``, ``discrete``)."""
    units = pd.unique(segments["unit"])
    return str(units[0]) if len(units) else None


def patient_copy_number(record: dict, panel: pd.DataFrame, config: dict | None,
                        build: str) -> pd.DataFrame:
    """The gene rows of ``patient_copy_number_values``."""
    return patient_copy_number_values(record, panel, config, build)[0]
