"""Clinical attributes of the export: cBioPortal patient/sample files and maftools' clinicalData.

cBioPortal conventions followed (docs.cbioportal.org File-Formats "Clinical Data", and the rules
of cbioportal-core's validateData.py ClinicalValidator):

- four ``#`` header rows (display name, description, datatype STRING/NUMBER/BOOLEAN,
  priority) above the attribute names, which are upper case;
- survival as ``<PREFIX>_MONTHS`` + ``<PREFIX>_STATUS`` pairs, the status written ``0:...`` (no
  event) or ``1:...`` (event): ``OS_STATUS`` 0:LIVING / 1:DECEASED, ``PFS_STATUS``
  0:CENSORED / 1:PROGRESSION (progression or death, as the sheet's ``pfs_event``);
- attributes the validator pins to a level (``PRIMARY_SITE``, ``SAMPLE_TYPE``, ... are sample
  attributes; ``AGE``, ``SEX``, ... patient attributes) go to that file, with the datatype it
  requires; ``MUTATION_COUNT`` and ``FRACTION_GENOME_ALTERED`` are computed by cBioPortal and
  may not be given; a sheet column that would break one of these rules is exported as
  ``SHEET_<NAME>`` and said so in the notes;
- a missing value is ``NA``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import schema
from ..errors import InputError

# Sheet columns that locate input files rather than describe the patient: not exported.
LOCATORS = ["cn_file", "cn_format", "variant_file", "tumor_sample", "cn_sample", "sv_file",
            "sv_format", "sv_sample"]
# validateData.py ClinicalValidator.NULL_VALUES (compared lower-case)
NULL_VALUES = {"[not applicable]", "[not available]", "[pending]", "[discrepancy]",
               "[completed]", "[null]", "", "na"}
# validateData.py PREDEFINED_ATTRIBUTES: level ('1' patient, '0' sample) and datatype
PREDEFINED = {
    "AGE": ("1", "NUMBER"), "CANCER_TYPE": (None, "STRING"),
    "CANCER_TYPE_DETAILED": (None, "STRING"), "DFS_STATUS": ("1", "STRING"),
    "DFS_MONTHS": ("1", "NUMBER"), "GENDER": ("1", "STRING"), "HISTOLOGY": (None, "STRING"),
    "KNOWN_MOLECULAR_CLASSIFIER": (None, "STRING"), "METASTATIC_SITE": ("0", "STRING"),
    "OS_STATUS": ("1", "STRING"), "OS_MONTHS": ("1", "NUMBER"),
    "OTHER_SAMPLE_ID": ("0", "STRING"), "PATIENT_DISPLAY_NAME": ("1", "STRING"),
    "PRIMARY_SITE": ("0", "STRING"), "SAMPLE_CLASS": ("0", "STRING"),
    "SAMPLE_DISPLAY_NAME": ("0", "STRING"), "SAMPLE_TYPE": ("0", "STRING"),
    "SEX": ("1", "STRING"), "TUMOR_SITE": ("1", "STRING"),
    "TUMOR_TISSUE_SITE": ("0", "STRING"), "TUMOR_TYPE": ("0", "STRING"),
}
# By convention on cBioPortal's sample level although the validator allows either.
SAMPLE_LEVEL = {name for name, (level, _) in PREDEFINED.items() if level == "0"} | {
    "CANCER_TYPE", "CANCER_TYPE_DETAILED"}
BANNED = {"MUTATION_COUNT", "FRACTION_GENOME_ALTERED"}
DFS_VALUES = {"0:DiseaseFree", "1:Recurred/Progressed", "1:Recurred", "1:Progressed",
              "DiseaseFree", "Recurred/Progressed", "Recurred", "Progressed"}
OS_VALUES = {"LIVING", "DECEASED", "0:LIVING", "1:DECEASED"}
TRUE_WORDS, FALSE_WORDS = {"true"}, {"false"}


@dataclass
class Attribute:
    """One clinical attribute column: values are already the text written in the file."""

    name: str
    display: str
    description: str
    datatype: str
    values: list[str]
    priority: int = 1


@dataclass
class Clinical:
    patient: list[Attribute] = field(default_factory=list)
    sample: list[Attribute] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _missing(v) -> bool:
    if v is None or v is pd.NA:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and v.strip().lower() in NULL_VALUES


def _num(v) -> str:
    return "NA" if _missing(v) else f"{float(v):.10g}"


def _bool(v) -> str:
    return "NA" if _missing(v) else ("TRUE" if bool(v) else "FALSE")


def _status(v, no_event: str, event: str) -> str:
    if _missing(v):
        return "NA"
    return event if float(v) == 1 else no_event


# Whole columns at once (registry sheets have 100,000 rows x dozens of columns): a numeric or
# boolean column takes a vectorised path; anything else goes value by value through the
# functions above, so both paths write the same text.

def _floats(values) -> np.ndarray | None:
    """A numeric column as floats (NaN = missing), or None when it is not numeric."""
    if (isinstance(values, pd.Series) and isinstance(values.dtype, np.dtype)
            and values.dtype.kind in "fiu"):
        return values.to_numpy(dtype=float)
    return None


def nums(values, n: int) -> list[str]:
    """``_num`` of every value (None: a column the sheet does not have)."""
    if values is None:
        return ["NA"] * n
    arr = _floats(values)
    if arr is None:
        return [_num(v) for v in values]
    return ["NA" if v != v else f"{v:.10g}" for v in arr.tolist()]


def statuses(values, n: int, no_event: str, event: str) -> list[str]:
    """``_status`` of every value."""
    if values is None:
        return ["NA"] * n
    arr = _floats(values)
    if arr is None:
        return [_status(v, no_event, event) for v in values]
    return ["NA" if v != v else (event if v == 1 else no_event) for v in arr.tolist()]


def bools(values, n: int, missing: bool | None = None) -> list[str]:
    """``_bool`` of every value; ``missing`` (when given) stands for a missing value."""
    if values is None:
        return ["NA" if missing is None else ("TRUE" if missing else "FALSE")] * n
    if isinstance(values, pd.Series) and isinstance(values.dtype, np.dtype) \
            and values.dtype == bool:
        return np.where(values.to_numpy(), "TRUE", "FALSE").tolist()
    if missing is None:
        return [_bool(v) for v in values]
    return [_bool(missing if _missing(v) else v) for v in values]


def attribute_name(column: str) -> str:
    """A sheet column name as a cBioPortal attribute name: upper case, [A-Z0-9_] only (with
    ``SHEET_`` in front of a name without a letter, which the validator would not call upper
    case)."""
    name = re.sub(r"[^A-Z0-9_]", "_", column.strip().upper())
    return name if name.isupper() else f"SHEET_{name}"


def infer(values: list) -> tuple[str, list[str]]:
    """(datatype, text values) of a free-text column: NUMBER when every known value is a
    finite number, BOOLEAN when every one is true/false, else STRING."""
    arr = _floats(values)
    if arr is not None and values.dtype.kind == "f":
        known_mask = ~np.isnan(arr)
        if not known_mask.any():
            return "STRING", ["NA"] * len(arr)
        if np.isfinite(arr[known_mask]).all():
            return "NUMBER", ["NA" if v != v else str(v) for v in arr.tolist()]
    known = [str(v).strip() for v in values if not _missing(v)]

    def number(text: str) -> bool:
        try:
            return math.isfinite(float(text))
        except ValueError:
            return False

    if known and all(number(t) for t in known):
        return "NUMBER", ["NA" if _missing(v) else str(v).strip() for v in values]
    if known and all(t.lower() in TRUE_WORDS | FALSE_WORDS for t in known):
        return "BOOLEAN", ["NA" if _missing(v) else str(v).strip().upper() for v in values]
    return "STRING", ["NA" if _missing(v) else str(v).strip() for v in values]


def _survival_problem(name: str, values: list[str], names: set[str]) -> str | None:
    """Why a column would break the validator's survival-status rules, or None."""
    known = [v for v in values if v.lower() not in NULL_VALUES]
    if name == "DFS_STATUS" and any(v not in DFS_VALUES for v in known):
        return "DFS_STATUS must be 0:DiseaseFree or 1:Recurred/Progressed"
    if name == "OS_STATUS" and any(v not in OS_VALUES for v in known):
        return "OS_STATUS must be 0:LIVING or 1:DECEASED"
    if name.endswith("_STATUS") and name[:-7] + "_MONTHS" in names:
        if any(v.split(":")[0] not in ("0", "1") or ":" not in v for v in known):
            return f"{name} pairs with {name[:-7]}_MONTHS, so its values need a 0: or 1: prefix"
    return None


def aligned_rows(by_id: pd.DataFrame, ids: list) -> pd.DataFrame | None:
    """``by_id`` (indexed by patient id) in the order of ``ids`` when it has every id (the
    usual case: patients.tsv has a row per sheet patient), else None. One lookup for the whole
    table instead of one per patient and column (100,000 patients x 15 columns)."""
    if not set(ids) <= set(by_id.index):
        return None
    return by_id.loc[ids]


def clinical_attributes(sheet: pd.DataFrame, patients: pd.DataFrame | None = None) -> Clinical:
    """The patient and sample attributes of every sheet patient (sheet order).

    ``sheet``: the typed patient sheet (cohortmark.sheets.load_samples). ``patients``: the
    per-patient table (results/cohort/patients.tsv) when present; its columns become sample
    attributes (a tumour's purity, ploidy, TMB, MSI...) and win over the sheet's purity and
    ploidy. Raises InputError when two sheet columns map to one attribute name.
    """
    out = Clinical()
    n = len(sheet)

    def col(c):
        return sheet[c] if c in sheet.columns else None

    out.patient += [
        Attribute("OS_MONTHS", "Overall Survival (Months)",
                  "Overall survival in months (sheet os_months)", "NUMBER",
                  nums(col("os_months"), n)),
        Attribute("OS_STATUS", "Overall Survival Status",
                  "Overall survival status: 1:DECEASED = death, 0:LIVING = censored "
                  "(sheet os_event)", "STRING",
                  statuses(col("os_event"), n, "0:LIVING", "1:DECEASED")),
        Attribute("PFS_MONTHS", "Progression Free Survival (Months)",
                  "Progression-free survival in months (sheet pfs_months)", "NUMBER",
                  nums(col("pfs_months"), n)),
        Attribute("PFS_STATUS", "Progression Free Status",
                  "Progression-free survival status: 1:PROGRESSION = progression or death, "
                  "0:CENSORED (sheet pfs_event)", "STRING",
                  statuses(col("pfs_event"), n, "0:CENSORED", "1:PROGRESSION")),
        Attribute("BEST_RESPONSE", "Best Overall Response",
                  "RECIST 1.1 best overall response: CR, PR, SD, PD or NE", "STRING",
                  ["NA"] * n if col("best_response") is None else
                  ["NA" if _missing(v) else str(v) for v in col("best_response")]),
        Attribute("BEST_PCT_CHANGE", "Best % Change of Target Lesions",
                  "Best percent change of the sum of target lesions from baseline "
                  "(negative = shrinkage)", "NUMBER", nums(col("best_pct_change"), n)),
        Attribute("TREATMENT_MONTHS", "Time on Treatment (Months)", "Time on treatment in months",
                  "NUMBER", nums(col("treatment_months"), n)),
        Attribute("ON_TREATMENT", "On Treatment", "Still on treatment at the data cut-off",
                  "BOOLEAN", bools(col("on_treatment"), n)),
        Attribute("EVALUABLE", "Evaluable", "Evaluable for response (FALSE: kept in every "
                  "table, out of response statistics)", "BOOLEAN",
                  bools(col("evaluable"), n, missing=True)),
    ]
    purity, ploidy = col("purity"), col("ploidy")
    extra_sample: list[Attribute] = []
    if patients is not None and len(patients):
        by_id = patients.drop_duplicates("patient_id").set_index("patient_id")
        ids = list(sheet["patient_id"])
        rows = aligned_rows(by_id, ids)
        for c in by_id.columns:
            values = (rows[c] if rows is not None else
                      [by_id[c].get(pid) if pid in by_id.index else None for pid in ids])
            if c == "purity":
                purity = values
            elif c == "ploidy":
                ploidy = values
            else:
                datatype, text = infer(values)
                extra_sample.append(Attribute(attribute_name(c), c, f"{c} (patients.tsv)",
                                              datatype, text))
    out.sample += [
        Attribute("PURITY", "Tumour Purity", "Tumour purity (0-1) used for copy number", "NUMBER",
                  nums(purity, n)),
        Attribute("PLOIDY", "Tumour Ploidy", "Tumour ploidy used for copy number", "NUMBER",
                  nums(ploidy, n)),
    ] + extra_sample

    known = set(schema.SAMPLE_COLUMNS) | set(LOCATORS) | {"_line", "patient_id"}
    taken = {a.name for a in out.patient + out.sample} | {"PATIENT_ID", "SAMPLE_ID"}
    seen: dict[str, str] = {}
    extras = [c for c in sheet.columns if c not in known]
    names = {attribute_name(c) for c in extras}
    for c in extras:
        name = attribute_name(c)
        if name in seen:
            raise InputError(f"sheet columns {seen[name]!r} and {c!r} both become the cBioPortal "
                             f"attribute {name}; rename one", field=c)
        seen[name] = c
        datatype, text = infer(sheet[c])
        required = PREDEFINED.get(name, (None, None))[1]
        why = None
        if name in taken:
            why = f"{name} is written by cohortmark from the sheet's own columns"
        elif name in BANNED:
            why = f"cBioPortal computes {name} itself and refuses it in clinical files"
        elif required == "NUMBER" and datatype != "NUMBER":
            why = f"cBioPortal's {name} must be a number"
        else:
            why = _survival_problem(name, text, names | taken)
        if why:
            out.notes.append(f"sheet column {c!r} exported as SHEET_{name}: {why}")
            name, required = f"SHEET_{name}", None
        if required == "STRING" and datatype != "STRING":
            datatype = "STRING"
            text = ["NA" if _missing(v) else str(v).strip() for v in sheet[c]]
        attr = Attribute(name, c, f"{c} (patient sheet)", datatype, text)
        (out.sample if name in SAMPLE_LEVEL else out.patient).append(attr)
        taken.add(name)
    return out


def clinical_file(ids: list[str], attributes: list[Attribute], *, samples: bool) -> str:
    """A cBioPortal clinical data file: the four '#' rows, the header and one row per id."""
    first = ([("PATIENT_ID", "Patient Identifier"), ("SAMPLE_ID", "Sample Identifier")]
             if samples else [("PATIENT_ID", "Patient Identifier")])
    rows = [
        [d for _, d in first] + [a.display for a in attributes],
        [d for _, d in first] + [a.description for a in attributes],
        ["STRING"] * len(first) + [a.datatype for a in attributes],
        ["1"] * len(first) + [str(a.priority) for a in attributes],
    ]
    lines = ["#" + "\t".join(_clean(x) for x in r) for r in rows]
    lines.append("\t".join([n for n, _ in first] + [a.name for a in attributes]))
    lead = [list(ids), list(ids)] if samples else [list(ids)]
    columns = lead + [clean_column(a.values) for a in attributes]
    lines += ["\t".join(row) for row in zip(*columns)]
    return "\n".join(lines) + "\n"


def _clean(text: str) -> str:
    """No tab or newline may reach a cell."""
    return " ".join(str(text).split()) if any(c in str(text) for c in "\t\r\n") else str(text)


def clean_column(values: list) -> list[str]:
    """``_clean`` of every value: the column as it is when no value holds a tab or newline."""
    text = [v if type(v) is str else str(v) for v in values]
    joined = "".join(text)
    if "\t" in joined or "\r" in joined or "\n" in joined:
        return [_clean(v) for v in text]
    return text
