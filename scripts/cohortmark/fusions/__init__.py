"""Fusions and structural variants: a third kind of alteration beside copy number and mutations.

Readers registry (``READERS``), each returning schema.SV_COLUMNS rows for one tumour:

- ``arriba``      Arriba ``fusions.tsv`` (RNA; gene1 5', gene2 3'; confidence, reading frame)
- ``star-fusion`` STAR-Fusion ``*.abridged.tsv`` / ``*.abridged.coding_effect.tsv`` (RNA)
- ``cbioportal``  cBioPortal ``data_sv.txt`` (many samples per file, chosen like a MAF)
- ``vcf``         SV VCF/BCF with breakends or symbolic alleles (Manta, GRIDSS, DELLY, ...);
                  breakpoints given to the genes of the shipped annotation of the build

``read_structural_variants`` reads, filters (``structural_variants`` settings) and restricts
to calls with a panel gene; ``gene_fusions`` makes the per-gene three-state summary;
``patient_structural_variants`` is what ingest calls for one sheet row.
"""

from __future__ import annotations

import os

import pandas as pd

from .. import schema
from ..errors import InputError
from .core import (
    UNKNOWN_PARTNER,
    apply_filters,
    empty_calls,
    finish,
    gene_fusions,
    gene_index,
    not_profiled,
    restrict_to_panel,
)
from .tables import (
    header_of,
    looks_like_arriba,
    looks_like_cbioportal,
    looks_like_star_fusion,
    read_arriba,
    read_cbioportal,
    read_star_fusion,
)
from .vcf import looks_like_vcf, read_sv_vcf

__all__ = ["READERS", "detect_format", "read_structural_variants", "gene_fusions",
           "patient_structural_variants", "not_profiled", "empty_calls", "UNKNOWN_PARTNER"]


def _arriba(path, sample, genes, build, patient, strict):
    return read_arriba(path, patient)


def _star(path, sample, genes, build, patient, strict):
    return read_star_fusion(path, patient)


def _cbio(path, sample, genes, build, patient, strict):
    return read_cbioportal(path, sample, patient)


def _vcf(path, sample, genes, build, patient, strict):
    return read_sv_vcf(path, sample, genes, build, patient, strict)


READERS = {"arriba": _arriba, "star-fusion": _star, "cbioportal": _cbio, "vcf": _vcf}


def detect_format(path: str, patient: str | None = None) -> str:
    """The reader for a file, judged by its content (VCF magic or the table's header)."""
    if looks_like_vcf(path):
        return "vcf"
    columns = header_of(path)
    if looks_like_arriba(columns):
        return "arriba"
    if looks_like_star_fusion(columns):
        return "star-fusion"
    if looks_like_cbioportal(columns):
        return "cbioportal"
    shown = ", ".join(columns[:6]) + (", ..." if len(columns) > 6 else "")
    raise InputError("not a known fusion / structural-variant format (Arriba fusions.tsv, "
                     "STAR-Fusion abridged.tsv, cBioPortal data_sv.txt or an SV VCF); its "
                     f"header starts {shown or '(empty)'}", patient=patient, path=path)


def read_structural_variants(path, sample: str | None = None, *, fmt: str | None = None,
                             panel: pd.DataFrame | None = None, build: str = "GRCh38",
                             settings: dict, patient: str | None = None,
                             strict_sample: bool = False) -> pd.DataFrame:
    """The kept calls of one tumour (schema.SV_COLUMNS), in a stable order.

    ``settings`` is the config's ``structural_variants`` section (FILTER values, Arriba
    confidence levels, minimum supporting reads). With ``panel``, only calls with a breakpoint
    in a panel gene are kept. ``sample`` chooses the rows of a many-sample cBioPortal file or
    the tumour column of a VCF (with ``strict_sample`` a VCF without that column is an error;
    otherwise its reads are summed over the samples).
    """
    path = str(path)
    if not os.path.exists(path):
        raise InputError("file does not exist", patient=patient, path=path)
    if os.path.getsize(path) == 0:
        raise InputError("file is empty", patient=patient, path=path)
    fmt = fmt or detect_format(path, patient)
    if fmt not in READERS:
        raise InputError(f"unknown structural-variant format {fmt!r} (known: "
                         f"{', '.join(READERS)})", patient=patient, path=path, field="sv_format")
    genes = gene_index(build, panel)
    calls = finish(READERS[fmt](path, sample, genes, build, patient, strict_sample))
    calls = apply_filters(calls, settings)
    return restrict_to_panel(calls, panel)


def patient_structural_variants(record: dict, panel: pd.DataFrame, settings: dict,
                                build: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(genes schema.GENE_SV_COLUMNS, calls schema.SV_COLUMNS) of one sheet row.

    No ``sv_file``: every gene not_profiled and no calls. The sample of a many-sample file or
    VCF: ``sv_sample``, else ``tumor_sample``, else ``patient_id``.
    """
    path = record.get("sv_file")
    if not path:
        return not_profiled(panel), empty_calls()
    explicit = record.get("sv_sample") or None
    sample = explicit or record.get("tumor_sample") or record.get("patient_id")
    calls = read_structural_variants(path, sample, fmt=record.get("sv_format") or None,
                                     panel=panel, build=build, settings=settings,
                                     patient=record.get("patient_id"),
                                     strict_sample=bool(explicit))
    return gene_fusions(calls, panel), calls[schema.SV_COLUMNS]

