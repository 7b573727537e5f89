"""A patient's tumour purity and ploidy, and where they came from.

Lookup order for each of the two: the sheet's cell; else the caller's own file beside the
copy-number file (PURPLE ``*.purple.purity.tsv``, Sequenza ``*_confints_CP.txt`` /
``*_alternative_solutions.txt``, facets-suite ``*.out``, ASCAT ``*.purityploidy.txt`` /
``*.samplestatistics.txt``, Control-FREEC ``*_info.txt``; each format module declares its
own); else ``copy_number.default_purity`` / ``default_ploidy``. The source is reported per
patient (``sheet``, ``caller``, ``default``). Absolute copy numbers do not use the purity
(callers adjust for it) but do use the ploidy for the ``*_fold`` thresholds, so a default
ploidy for an absolute format comes with a note instead of passing silently.
"""

from __future__ import annotations

import math
import os

from ..errors import InputError
from .formats import FORMATS, CallerFit, Reader
from .formats.base import sibling

# per-patient copy-number values (one row per patient in results/cohort/patients.tsv)
PATIENT_CN_COLUMNS = ["cn_format", "cn_sample", "purity", "purity_source", "ploidy",
                      "ploidy_source", "caller_fit_file", "cn_note"]


def _given(value) -> float | None:
    if value is None or value == "":
        return None
    value = float(value)
    return None if math.isnan(value) else value


def side_files(cn_file: str | None) -> list[str]:
    """Existing files a caller wrote beside ``cn_file`` that may supply purity/ploidy (every
    format's names are tried): what a per-patient cache must also fingerprint."""
    if not cn_file:
        return []
    found = []
    for reader in FORMATS:
        for suffix, replacement in reader.side_files:
            other = sibling(str(cn_file), suffix, replacement)
            if other is not None and os.path.isfile(other) and other not in found:
                found.append(other)
    return found


def caller_fit(reader: Reader | None, cn_file: str | None, table) -> CallerFit | None:
    """Purity/ploidy the caller wrote beside ``cn_file`` (None when the format has no such
    file or it is absent)."""
    if reader is None or reader.caller_fit is None or not cn_file:
        return None
    return reader.caller_fit(str(cn_file), table)


def purity_ploidy(record: dict, caller: CallerFit | None, unit: str | None, cfg: dict,
                  *, profiled: bool = True) -> dict:
    """Purity, ploidy, their sources, the caller file and a note for one patient
    (PATIENT_CN_COLUMNS less format and sample). ``caller`` is what ``caller_fit`` found;
    ``unit`` the unit of the patient's copy-number values; ``cfg`` the copy_number section;
    ``profiled`` False for a patient without copy-number file (nothing is used)."""
    if not profiled:
        return {"purity": None, "purity_source": None, "ploidy": None, "ploidy_source": None,
                "caller_fit_file": None, "cn_note": None}
    pid = record.get("patient_id")
    out = {"caller_fit_file": caller.path if caller is not None else None, "cn_note": None}
    for key, low, high in (("purity", 0.0, 1.0), ("ploidy", 0.0, math.inf)):
        sheet = _given(record.get(key))
        from_caller = getattr(caller, key) if caller is not None else None
        if sheet is not None:
            value, source = sheet, "sheet"
        elif from_caller is not None:
            if not low < from_caller <= high:
                raise InputError(f"{key} {from_caller:g} read from the caller's file is "
                                 f"outside ({low:g}, {high:g}]", patient=pid, path=caller.path)
            value, source = from_caller, "caller"
        else:
            value, source = float(cfg[f"default_{key}"]), "default"
        out[key], out[f"{key}_source"] = value, source
    if unit == "cn" and out["ploidy_source"] == "default":
        out["cn_note"] = (f"absolute copy numbers with no ploidy in the sheet or the caller's "
                          f"files: default ploidy {out['ploidy']:g} used for the fold "
                          "thresholds")
    return out
