"""Export of the cohort to the tools the field already uses: cBioPortal and maftools.

``export_cohort`` turns the cohort tables into every exported file's text (pure);
``write_export`` writes them under results/export/; ``read_study`` reads a written study back
with cohortmark's own readers (gene panel matrix applied), which is how the round trip is
checked. Module docs: cbioportal (study folder), clinical (attributes), maf (MAF conventions),
maftools (clinicalData and cnTable), sv (structural variants), readback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import schema
from ..tsv import atomic_write
from .cbioportal import Study, cbioportal_study, panel_id, write_study
from .maf import maf_text
from .maftools import clinical_table, cn_table, tsv_text
from .readback import profiled_genes, read_study

__all__ = ["Export", "export_cohort", "write_export", "read_study", "profiled_genes",
           "cbioportal_study", "panel_id", "Study"]

MAF_NAME, CLINICAL_NAME, CN_NAME, STUDY_DIR = ("cohort.maf", "cohort_clinical.tsv",
                                               "cohort_cn.tsv", "cbioportal")


@dataclass
class Export:
    """Every exported file's text, and notes on what the formats could not carry."""

    study: Study
    maf: str
    clinical: str
    cn: str
    notes: list[str] = field(default_factory=list)


def export_cohort(alterations: pd.DataFrame, mutations: pd.DataFrame, sheet: pd.DataFrame,
                  settings: dict, build: str, non_alterations, *,
                  patients: pd.DataFrame | None = None,
                  structural_variants: pd.DataFrame | None = None) -> Export:
    """The cBioPortal study and the maftools files of the cohort (see cbioportal_study for the
    arguments). The MAF for maftools is the study's data_mutations.txt (same variants, same
    barcodes = patient ids); without any patient profiled for mutations it is a header only."""
    study = cbioportal_study(alterations, mutations, sheet, settings, build, non_alterations,
                             patients=patients, structural_variants=structural_variants)
    maf = study.files.get("data_mutations.txt")
    if maf is None:
        maf = maf_text(pd.DataFrame(columns=schema.MAF_COLUMNS))
    return Export(study, maf, tsv_text(clinical_table(sheet, alterations, patients), text=True),
                  tsv_text(cn_table(alterations)), list(study.notes))


def write_export(export: Export, outdir: str | os.PathLike) -> dict[str, Path]:
    """Write results/export/ (``outdir``): cbioportal/, cohort.maf, cohort_clinical.tsv,
    cohort_cn.tsv. Returns the paths written."""
    outdir = Path(outdir)
    paths = {"cbioportal": outdir / STUDY_DIR, "maf": outdir / MAF_NAME,
             "clinical": outdir / CLINICAL_NAME, "cn": outdir / CN_NAME}
    write_study(export.study, paths["cbioportal"])
    atomic_write(paths["maf"], export.maf)
    atomic_write(paths["clinical"], export.clinical)
    atomic_write(paths["cn"], export.cn)
    return paths
