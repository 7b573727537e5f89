"""Somatic variants from VCF/BCF (VEP CSQ, SnpEff ANN or none) and MAF, restricted to the panel.

``read_variants`` -> schema.VARIANT_COLUMNS; ``gene_mutations`` -> schema.GENE_MUT_COLUMNS;
``patient_mutations`` is what ``cohortmark.ingest`` calls for each patient.
"""

from __future__ import annotations

import os
import stat
import warnings
from dataclasses import dataclass, field

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
from .index import companion_files
from .maf import looks_like_maf, read_maf
from .vcf import Reading, VariantWarning, read_vcf

__all__ = ["read_variants", "read_variant_file", "gene_mutations", "patient_mutations",
           "patient_variants", "settings", "detect_format", "companion_files", "VariantWarning",
           "VariantFile"]


@dataclass
class VariantFile:
    """One variant file read: its filtered variants (VARIANT_COLUMNS) and how it was read.

    ``genes_read``: panel genes whose region of the file was read (a gene outside it is
    never wild type); ``mode``: ``index``, ``full`` or ``maf``; ``notes``: warnings for the log
    and the report; ``companions``: the files the reading depended on besides the file itself
    (the index used).
    """
    variants: pd.DataFrame
    genes_read: set
    mode: str
    notes: list = field(default_factory=list)
    companions: list = field(default_factory=list)

    def counts(self) -> dict:
        """Per-file tallies for the patient table and the report."""
        v = self.variants
        return {"n_unannotated": int((v["mutation_class"] == "unannotated").sum()),
                "n_germline": int((v["origin"] == "germline").sum())}


def detect_format(path: str) -> str:
    """``maf`` or ``vcf`` (VCF/BCF, plain or compressed), judged by content."""
    return "maf" if looks_like_maf(path) else "vcf"


def read_variant_file(path, sample=None, *, panel=None, build="GRCh38", config=None,
                      patient=None, tissue: bool = True) -> VariantFile:
    """Filtered variants of one tumour with how they were read (see ``VariantFile``).

    With ``panel``, only variants within panel gene bodies (indexed region queries when a
    trusted .tbi/.csi index exists next to a VCF). ``config`` is the workflow config (its
    ``variants`` section is used; a bare section is refused). ``tissue=False`` (plasma) skips the read-support thresholds
    ``min_depth``/``min_alt_reads``/``min_vaf``: plasma detection is decided downstream.
    """
    path = str(path)
    cfg = settings(config)
    check_regular_file(path, patient)
    if detect_format(path) == "maf":
        rows = read_maf(path, sample, patient, panel, cfg)
        reading = Reading(rows, set(panel["gene"]) if panel is not None else set(), "maf")
    else:
        reading = read_vcf(path, sample, panel, build, cfg, patient)
    variants = finish(reading.rows)
    if tissue:
        variants = apply_thresholds(variants, cfg)
    variants = variants.reset_index(drop=True)
    variants["vaf"] = _significant(pd.to_numeric(variants["vaf"], errors="coerce"))
    variants["origin"] = variants["origin"].fillna("")
    return VariantFile(variants[schema.VARIANT_COLUMNS], reading.genes_read, reading.mode,
                       list(reading.notes), [reading.index] if reading.index else [])


def check_regular_file(path: str, patient=None) -> None:
    """InputError unless ``path`` is a readable, non-empty regular file (a named pipe or a
    device can be read only once, and the workflow reads a file more than once)."""
    if not os.path.exists(path):
        raise InputError("file does not exist", patient=patient, path=path)
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise InputError("is a directory, not a file", patient=patient, path=path)
    if not stat.S_ISREG(mode):
        kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "not a regular file"
        raise InputError(f"is {kind}; give the path of a regular file (it is read more than "
                         "once)", patient=patient, path=path)
    if os.path.getsize(path) == 0:
        raise InputError("file is empty", patient=patient, path=path)


def read_variants(path, sample=None, *, panel=None, build="GRCh38", config=None,
                  patient=None, tissue: bool = True) -> pd.DataFrame:
    """Filtered variants of one tumour, one row per distinct variant (VARIANT_COLUMNS).

    Warnings about the reading (e.g. an untrustworthy index, read in full instead) are issued
    as ``VariantWarning``; ``read_variant_file`` returns them instead.
    """
    result = read_variant_file(path, sample, panel=panel, build=build, config=config,
                               patient=patient, tissue=tissue)
    for note in result.notes:
        warnings.warn(note, VariantWarning, stacklevel=2)
    return result.variants


def _significant(values: pd.Series, digits: int = 7) -> pd.Series:
    """Round to ``digits`` significant digits: VCF FORMAT/AF is single precision, so 0.031
    arrives as 0.03099999949; seven digits give back what the caller wrote."""
    x = values.astype(float).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(x > 0, np.floor(np.log10(np.abs(x))), 0)
    scale = 10.0 ** (digits - 1 - mag)
    return pd.Series(np.round(x * scale) / scale, index=values.index)


def patient_variants(record: dict, panel: pd.DataFrame, config: dict, build: str) -> dict:
    """A patient's mutation results for ingest: ``genes`` (GENE_MUT_COLUMNS), ``variants``
    (VARIANT_COLUMNS), ``genes_read`` (the panel genes whose part of the file was read: the
    gene rows are ``gene_mutations(variants, panel, genes_read)``), ``notes`` (warnings for
    the log and the report), ``companions`` (index
    files the result depends on: part of the cache key), ``mode`` and the per-patient counts
    ``n_unannotated`` and ``n_germline``.

    No ``variant_file`` -> every gene not_profiled and no variants.
    """
    path = record.get("variant_file")
    if not path:
        return {"genes": not_profiled(panel), "variants": empty_variants(), "genes_read": set(),
                "notes": [],
                "companions": [], "mode": "", "n_unannotated": 0, "n_germline": 0}
    result = read_variant_file(path, record.get("tumor_sample") or None, panel=panel,
                               build=build, config=config, patient=record.get("patient_id"))
    return {"genes": gene_mutations(result.variants, panel, result.genes_read),
            "variants": result.variants, "genes_read": result.genes_read, "notes": result.notes,
            "companions": result.companions, "mode": result.mode, **result.counts()}


def patient_mutations(record: dict, panel: pd.DataFrame, config: dict, build: str):
    """(genes GENE_MUT_COLUMNS, variants VARIANT_COLUMNS) of one sheet row; notes are issued
    as ``VariantWarning`` (see ``patient_variants``)."""
    out = patient_variants(record, panel, config, build)
    for note in out["notes"]:
        warnings.warn(note, VariantWarning, stacklevel=2)
    return out["genes"], out["variants"][schema.VARIANT_COLUMNS]
