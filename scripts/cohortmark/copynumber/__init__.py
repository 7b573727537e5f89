"""Copy number from any common caller: format registry, gene-level values and calls.

``patient_copy_number_values`` is what ingest calls: one patient's gene rows and the
patient-level values (format, sample, purity/ploidy and where they came from).
``read_segments`` and ``gene_copy_number`` are its two halves (file -> segments, segments ->
one row per panel gene). The formats are in ``formats/``, one module each.
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
    cfg = resolve((config or {}).get("copy_number"))
    path = record.get("cn_file")
    if not path:
        values = purity_ploidy(record, None, None, cfg, profiled=False)
        return not_profiled(panel), {"cn_format": None, "cn_sample": None, **values}
    pid = record.get("patient_id")
    segments, reader, chosen, table = read_sample(
        path, record.get("cn_format") or None, sample_request(record), patient=pid,
        config=cfg, build=build)
    values = purity_ploidy(record, caller_fit(reader, path, table), segment_unit(segments), cfg)
    genes = gene_copy_number(segments, panel, purity=values["purity"], ploidy=values["ploidy"],
                             config=cfg, patient=pid)
    return genes, {"cn_format": reader.name, "cn_sample": chosen, **values}


def segment_unit(segments: pd.DataFrame) -> str | None:
    """The unit of a sample's segment values (``log2``, ``cn``, ``discrete``)."""
    units = pd.unique(segments["unit"])
    return str(units[0]) if len(units) else None


def patient_copy_number(record: dict, panel: pd.DataFrame, config: dict | None,
                        build: str) -> pd.DataFrame:
    """The gene rows of ``patient_copy_number_values``."""
    return patient_copy_number_values(record, panel, config, build)[0]
