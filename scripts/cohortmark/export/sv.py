"""Fusions and rearrangements as cBioPortal's structural variant file (``data_sv.txt``).

From results/cohort/structural_variants.tsv (one row per call: ``patient_id``, ``gene_a``,
``gene_b`` - the 5' and 3' partners when known -, ``chrom_a``/``pos_a``, ``chrom_b``/``pos_b``
(1-based), ``sv_type``, ``frame`` (in-frame, out-of-frame, empty), ``split_reads``,
``spanning_reads``, ``caller``); columns absent from the table are left empty. A partner
written ``intergenic`` or ``unknown`` (a single breakend) by the readers is an empty symbol.

cBioPortal's SV format (docs "Structural Variant Data"; validateData.py
StructuralVariantValidator): ``Sample_Id`` and ``SV_Status`` (SOMATIC) are required, at least one
of the two sites needs a gene, ``NCBI_Build`` is GRCh37 or GRCh38, rows are unique over the
site columns. An intergenic partner is an empty ``Site*_Hugo_Symbol``.
"""

from __future__ import annotations

import math

import pandas as pd

SV_FILE_COLUMNS = [
    "Sample_Id", "SV_Status", "Site1_Hugo_Symbol", "Site1_Chromosome", "Site1_Position",
    "Site2_Hugo_Symbol", "Site2_Chromosome", "Site2_Position", "Site2_Effect_On_Frame",
    "NCBI_Build", "DNA_Support", "RNA_Support", "Tumor_Split_Read_Count",
    "Tumor_Paired_End_Read_Count", "Class", "Event_Info", "Comments",
]
CLASS = {"translocation": "TRANSLOCATION", "deletion": "DELETION", "duplication": "DUPLICATION",
         "inversion": "INVERSION", "insertion": "INSERTION"}
FRAME = {"in-frame": "IN_FRAME", "out-of-frame": "FRAMESHIFT"}
NO_GENE = {"intergenic", "unknown"}  # cohortmark.fusions' partners without a gene
RNA_CALLERS = {"arriba", "star-fusion"}
DNA_CALLERS = {"manta", "gridss", "delly", "vcf"}


def _text(v) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    return str(v)


def sv_rows(table: pd.DataFrame, samples: set[str], build: str) -> list[list[str]]:
    """The data rows of the calls of ``samples`` (the samples profiled for fusions)."""
    rows, seen = [], set()
    for r in table.to_dict("records"):
        pid = _text(r.get("patient_id"))
        if pid not in samples:
            continue
        g1, g2 = (_text(r.get(k)) for k in ("gene_a", "gene_b"))
        g1, g2 = ("" if g in NO_GENE else g for g in (g1, g2))
        caller = _text(r.get("caller")).lower()
        row = [pid, "SOMATIC", g1, _text(r.get("chrom_a")), _text(r.get("pos_a")), g2,
               _text(r.get("chrom_b")), _text(r.get("pos_b")),
               FRAME.get(_text(r.get("frame")), ""), build,
               "yes" if caller in DNA_CALLERS else ("no" if caller in RNA_CALLERS else ""),
               "yes" if caller in RNA_CALLERS else ("no" if caller in DNA_CALLERS else ""),
               _text(r.get("split_reads")), _text(r.get("spanning_reads")),
               CLASS.get(_text(r.get("sv_type")).lower(), ""),
               f"{g1 or 'intergenic'}-{g2 or 'intergenic'} "
               f"{_text(r.get('sv_type')).lower() or 'rearrangement'}",
               f"caller {caller}" if caller else ""]
        key = tuple(row[:8])
        if key in seen:  # the validator refuses repeated calls; keep the first
            continue
        seen.add(key)
        rows.append(row)
    return rows


def sv_text(table: pd.DataFrame, samples: set[str], build: str) -> str:
    lines = ["\t".join(SV_FILE_COLUMNS)]
    lines += ["\t".join(r) for r in sv_rows(table, samples, build)]
    return "\n".join(lines) + "\n"
