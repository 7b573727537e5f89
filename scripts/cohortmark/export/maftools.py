"""Companion tables of results/export/cohort.maf for maftools' ``read.maf``.

- ``cohort_clinical.tsv`` (``clinicalData=``): ``Tumor_Sample_Barcode`` (= patient id, the
  MAF's barcode) first, then the sheet's clinical columns under their own names (numbers as
  numbers, events 0/1 as maftools' ``mafSurvival`` wants them, booleans TRUE/FALSE), the
  per-patient table's columns when present, and ``mutations_profiled``, ``cn_profiled``
  (``sv_profiled``): whether the patient was profiled at all.
- ``cohort_cn.tsv`` (``cnTable=``): gene, sample and ``Amp``/``Del`` for every altered
  copy-number call (``cn_status`` altered; AMP/GAIN -> Amp, HOMDEL/LOSS -> Del), the form
  maftools documents for copy number without GISTIC.

maftools has no notion of "not profiled": it knows a sample only through its variants, so a
patient profiled with no variant, or not profiled at all, is absent from its summaries alike.
The ``*_profiled`` columns say which is which; ``oncoplot(m, cohortSize = n)`` with n the
number of profiled patients gives the right denominators.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .clinical import LOCATORS, aligned_rows

CN_TABLE_COLUMNS = ["Hugo_Symbol", "Tumor_Sample_Barcode", "Variant_Classification"]
CN_DIRECTION = {"AMP": "Amp", "GAIN": "Amp", "HOMDEL": "Del", "LOSS": "Del"}


def _cell(v) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool | np.bool_):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return f"{v:.10g}"
    return " ".join(str(v).split())


def cells(values: pd.Series) -> list[str]:
    """``_cell`` of every value of a column, a numeric or boolean column at once (a registry
    sheet has 100,000 rows x dozens of columns)."""
    kind = values.dtype.kind if isinstance(values.dtype, np.dtype) else "O"  # not pd.NA types
    if kind == "b":
        return np.where(values.to_numpy(), "TRUE", "FALSE").tolist()
    if kind == "f":
        return ["" if v != v else f"{v:.10g}" for v in values.tolist()]
    if kind in "iu":
        return [str(v) for v in values.tolist()]
    items = values.tolist()
    if all(type(v) is str for v in items):
        return [" ".join(v.split()) for v in items]
    return [_cell(v) for v in items]


def clinical_table(sheet: pd.DataFrame, alterations: pd.DataFrame,
                   patients: pd.DataFrame | None = None) -> pd.DataFrame:
    """maftools clinicalData: one row per sheet patient (sheet order), cells as text."""
    keep = [c for c in sheet.columns if c not in LOCATORS and c != "_line"]
    out = pd.DataFrame({"Tumor_Sample_Barcode": sheet["patient_id"].astype(str)})
    for c in keep:
        out[c] = cells(sheet[c])
    if patients is not None and len(patients):
        by_id = patients.drop_duplicates("patient_id").set_index("patient_id")
        ids = out["Tumor_Sample_Barcode"].tolist()
        rows = aligned_rows(by_id, ids)
        for c in by_id.columns:
            out[c] = (cells(rows[c]) if rows is not None else
                      [_cell(by_id[c].get(p)) if p in by_id.index else "" for p in ids])
    alt = alterations.assign(patient_id=alterations["patient_id"].astype(str))
    for status, name in (("mut_status", "mutations_profiled"), ("cn_status", "cn_profiled"),
                         ("sv_status", "sv_profiled")):
        if status not in alt.columns:
            continue
        profiled = set(alt.loc[alt[status].notna() & (alt[status] != "not_profiled"),
                               "patient_id"])
        out[name] = ["TRUE" if p in profiled else "FALSE" for p in out["Tumor_Sample_Barcode"]]
    return out


def cn_table(alterations: pd.DataFrame) -> pd.DataFrame:
    """maftools cnTable: the altered copy-number calls as Amp/Del, in cohort order."""
    alt = alterations[(alterations["cn_status"] == "altered") &
                      alterations["cn_call"].isin(list(CN_DIRECTION))]
    return pd.DataFrame({"Hugo_Symbol": alt["gene"].astype(str).to_numpy(),
                         "Tumor_Sample_Barcode": alt["patient_id"].astype(str).to_numpy(),
                         "Variant_Classification": alt["cn_call"].map(CN_DIRECTION).to_numpy()},
                        columns=CN_TABLE_COLUMNS)


def tsv_text(df: pd.DataFrame, *, text: bool = False) -> str:
    """A text table: header and rows, tab-separated (each cell as ``_cell`` writes it;
    ``text``: the cells are that text already, as ``clinical_table`` makes them)."""
    lines = ["\t".join(df.columns)]
    columns = (df[c].tolist() if text else cells(df[c]) for c in df.columns)
    lines += ["\t".join(row) for row in zip(*columns)]
    return "\n".join(lines) + "\n"
