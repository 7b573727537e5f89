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


def purity_ploidy(record: dict, reader: Reader | None, table, unit: str | None,
                  cfg: dict) -> dict:
    """Purity, ploidy, their sources and a note, for one patient (PATIENT_CN_COLUMNS less
    format and sample). ``reader``/``table`` are the patient's copy-number format and parsed
    file (None when not profiled); ``unit`` the unit of its values; ``cfg`` the copy_number
    section."""
    pid = record.get("patient_id")
    caller: CallerFit | None = None
    if reader is not None and reader.caller_fit is not None and record.get("cn_file"):
        caller = reader.caller_fit(str(record["cn_file"]), table)
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
    if reader is None:  # not profiled for copy number: nothing was used
        return {**out, "purity": None, "purity_source": None, "ploidy": None,
                "ploidy_source": None}
    if unit == "cn" and out["ploidy_source"] == "default":
        out["cn_note"] = (f"absolute copy numbers with no ploidy in the sheet or the caller's "
                          f"files: default ploidy {out['ploidy']:g} used for the fold "
                          "thresholds")
    return out
