"""Somatic variants from VCF/BCF (VEP CSQ, SnpEff ANN or none) and MAF, restricted to the panel.

``read_variants`` -> schema.VARIANT_COLUMNS; ``gene_mutations`` -> schema.GENE_MUT_COLUMNS;
``patient_mutations`` is what ``cohortmark.ingest`` calls for each patient.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from .. import schema
from ..errors import InputError
from .core import (
    apply_thresholds,
    empty_variants,
    finish,
    gene_mutations,
    not_profiled,
    settings,
)
from .maf import looks_like_maf, read_maf
from .vcf import read_vcf

__all__ = ["read_variants", "gene_mutations", "patient_mutations", "settings",
           "detect_format", "companion_files"]


def companion_files(path: str) -> list[str]:
    """The files read beside a variant file that can change its result: a VCF's ``.tbi`` /
    ``.csi`` index (region queries go through it). Caches and change detection key on them."""
    return [path + ext for ext in (".tbi", ".csi") if os.path.exists(path + ext)]


def detect_format(path: str) -> str:
    """``maf`` or ``vcf`` (VCF/BCF, plain or compressed), judged by content."""
    return "maf" if looks_like_maf(path) else "vcf"


def read_variants(path, sample=None, *, panel=None, build="GRCh38", config=None,
                  patient=None) -> pd.DataFrame:
    """Filtered variants of one tumour, one row per distinct variant (VARIANT_COLUMNS).

    With ``panel``, only variants within panel gene bodies (indexed region queries when a
    .tbi/.csi index exists next to a VCF). ``config`` is the workflow config or its
    ``variants`` section.
    """
    path = str(path)
    cfg = settings(config)
    if not os.path.exists(path):
        raise InputError("file does not exist", patient=patient, path=path)
    if os.path.getsize(path) == 0:
        raise InputError("file is empty", patient=patient, path=path)
    if detect_format(path) == "maf":
        rows = read_maf(path, sample, patient, panel, cfg)
    else:
        rows = read_vcf(path, sample, panel, build, cfg, patient)
    variants = finish(rows)
    variants = apply_thresholds(variants, cfg).reset_index(drop=True)
    variants["vaf"] = _significant(pd.to_numeric(variants["vaf"], errors="coerce"))
    return variants


def _significant(values: pd.Series, digits: int = 7) -> pd.Series:
    """Round to ``digits`` significant digits: VCF FORMAT/AF is single precision, so 0.031
    arrives as 0.03099999949; seven digits give back what the caller wrote."""
    x = values.astype(float).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(x > 0, np.floor(np.log10(np.abs(x))), 0)
    scale = 10.0 ** (digits - 1 - mag)
    return pd.Series(np.round(x * scale) / scale, index=values.index)


def patient_mutations(record: dict, panel: pd.DataFrame, config: dict, build: str):
    """(genes GENE_MUT_COLUMNS, variants VARIANT_COLUMNS) of one sheet row.

    No ``variant_file`` -> every gene not_profiled and no variants. A MAF without rows for the
    patient -> profiled, every gene wildtype.
    """
    path = record.get("variant_file")
    if not path:
        return not_profiled(panel), empty_variants()
    variants = read_variants(path, record.get("tumor_sample") or None, panel=panel,
                             build=build, config=config, patient=record.get("patient_id"))
    return gene_mutations(variants, panel), variants[schema.VARIANT_COLUMNS]
