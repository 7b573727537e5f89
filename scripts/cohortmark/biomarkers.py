"""Patient-level biomarkers: tumour mutational burden (TMB) and microsatellite instability (MSI).

TMB = coding non-synonymous somatic variants / territory (Mb). The variants are those of
``variants.burden.coding_variants``: alteration-class consequences (missense, truncating,
splice, inframe, other - maftools' non-synonymous classes), passing the ``variants`` FILTER
values and thresholds, anywhere in the file or, with ``tmb.targets``, inside the targets. The
territory is ``tmb.territory_mb`` or the merged length of the targets. This is maftools'
``tmb()`` (non-synonymous variants / capture size) and the definition most panels report; it
does not remove germline variants or hotspots beyond what the variant file already did.

MSI: the score of MSIsensor / MSIsensor2 / MSIsensor-pro (percentage of unstable sites among
the evaluated ones), called MSI-H at ``msi.high_min_score`` or above, ``indeterminate`` from
``msi.indeterminate_min_score`` up to it, MSS below; or given in the sheet (``msi_status``, or
``msi_score`` called with the same cut-offs). MSI-L is grouped with MSS, as in most trials.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import schema
from .errors import InputError
from .genome import canonical_chrom
from .tsv import read_text

MSI_VALUES = {
    "msi-h": "MSI-H", "msih": "MSI-H", "msi-high": "MSI-H", "msi high": "MSI-H",
    "high": "MSI-H", "h": "MSI-H", "msi": "MSI-H",
    "mss": "MSS", "stable": "MSS", "msi-s": "MSS", "s": "MSS",
    "msi-l": "MSS", "msil": "MSS", "msi-low": "MSS", "low": "MSS", "l": "MSS",
    "indeterminate": "indeterminate",
}


# --- MSI -------------------------------------------------------------------------------------

def read_msi(path, patient: str | None = None) -> dict:
    """The main output file of MSIsensor, MSIsensor2 or MSIsensor-pro::

        Total_Number_of_Sites   Number_of_Somatic_Sites   %      (MSIsensor-pro: _Unstable_)
        640                     75                        11.72

    Returns {"msi_sites": 640, "msi_unstable": 75, "msi_score": 11.72}.
    """
    text = read_text(path, patient=patient)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    where = {"patient": patient, "path": str(path)}
    if not lines or not lines[0].startswith("Total_Number_of_Sites"):
        raise InputError("not an MSIsensor output file (the first line should start with "
                         "Total_Number_of_Sites)", **where, line=1)
    header = lines[0].split("\t")
    if len(header) != 3 or header[2].strip() != "%":
        raise InputError("MSIsensor header should have three columns: Total_Number_of_Sites, "
                         "Number_of_Somatic_Sites (or _Unstable_), %", **where, line=1)
    if len(lines) < 2:
        raise InputError("MSIsensor output has no values line", **where, line=2)
    cells = lines[1].split("\t")
    if len(cells) != 3:
        raise InputError(f"{len(cells)} fields, the header has 3", **where, line=2)
    try:
        total, unstable, score = int(cells[0]), int(cells[1]), float(cells[2])
    except ValueError:
        raise InputError(f"values {lines[1]!r} are not two counts and a percentage", **where,
                         line=2) from None
    if total < 0 or unstable < 0 or not 0 <= score <= 100 or unstable > total:
        raise InputError(f"values {lines[1]!r} are impossible (unstable sites exceed the total "
                         "or the percentage is outside 0-100)", **where, line=2)
    if total and abs(100 * unstable / total - score) > 0.01:
        raise InputError(f"the percentage {score} is not {unstable}/{total} sites", **where,
                         line=2)
    return {"msi_sites": total, "msi_unstable": unstable, "msi_score": score}


def msi_status(score: float | None, settings: dict) -> str | None:
    """MSI-H / indeterminate / MSS for a score (``msi`` settings); None without a score."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return None
    if score >= settings["high_min_score"]:
        return "MSI-H"
    if score >= min(settings["indeterminate_min_score"], settings["high_min_score"]):
        return "indeterminate"
    return "MSS"


def normalise_msi(value, patient: str | None = None) -> str | None:
    """A sheet's msi_status cell as MSI-H / MSS / indeterminate (MSI-L counts as MSS)."""
    text = str(value or "").strip()
    if not text:
        return None
    status = MSI_VALUES.get(text.lower())
    if status is None:
        raise InputError(f"{text!r} is not an MSI status (MSI-H, MSS, MSI-L or indeterminate)",
                         patient=patient, field="msi_status")
    return status


# --- TMB -------------------------------------------------------------------------------------

class Targets:
    """Merged BED intervals (0-based half-open) by canonical chromosome."""

    def __init__(self, intervals: dict[str, list[tuple[int, int]]]):
        self.by_chrom = {}
        for chrom, items in intervals.items():
            merged: list[list[int]] = []
            for start, end in sorted(items):
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            self.by_chrom[chrom] = ([s for s, _ in merged], [e for _, e in merged])
        self.size_bp = sum(e - s for starts, ends in self.by_chrom.values()
                           for s, e in zip(starts, ends, strict=True))

    def contains(self, chrom: str, pos1: int) -> bool:
        """Is the 1-based position inside a target?"""
        entry = self.by_chrom.get(chrom)
        if entry is None:
            return False
        starts, ends = entry
        i = bisect_right(starts, pos1 - 1) - 1
        return i >= 0 and pos1 - 1 < ends[i]


@lru_cache(maxsize=4)
def _targets(path: str, mtime: float, size: int) -> Targets:
    intervals: dict[str, list[tuple[int, int]]] = {}
    for n, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip() or line.startswith(("#", "track", "browser")):
            continue
        cells = line.split("\t")
        if len(cells) < 3:
            raise InputError("a BED line needs chrom, start and end", path=path, line=n)
        try:
            start, end = int(cells[1]), int(cells[2])
        except ValueError:
            raise InputError(f"start/end {cells[1]!r}, {cells[2]!r} are not integers",
                             path=path, line=n) from None
        if start < 0 or end < start:
            raise InputError(f"interval {start}-{end} is empty or negative", path=path, line=n)
        intervals.setdefault(canonical_chrom(cells[0]), []).append((start, end))
    if not intervals:
        raise InputError("BED file has no intervals", path=path)
    return Targets(intervals)


def read_targets(path) -> Targets:
    """The targets of a BED file, merged (cached per file version)."""
    p = Path(path)
    if not p.exists():
        raise InputError("targets BED file does not exist", path=str(path), field="tmb.targets")
    st = p.stat()
    return _targets(str(p), st.st_mtime, st.st_size)


def territory(settings: dict) -> tuple[float | None, Targets | None]:
    """(territory in Mb, targets or None) of the ``tmb`` settings; (None, None) when TMB is
    not to be computed."""
    if settings.get("targets"):
        targets = read_targets(settings["targets"])
        return targets.size_bp / 1e6, targets
    if settings.get("territory_mb"):
        return float(settings["territory_mb"]), None
    return None, None


def tmb(coding, territory_mb: float, targets: Targets | None = None) -> tuple:
    """(TMB in variants/Mb, number of variants counted) from the coding variants of one
    tumour (a table with chrom and pos, or a set of (chrom, pos, ref, alt)); with ``targets``
    only variants inside a target count."""
    if isinstance(coding, pd.DataFrame):
        coding = set(zip(coding["chrom"], coding["pos"], coding["ref"], coding["alt"],
                         strict=True))
    if targets is not None:
        coding = {k for k in coding if targets.contains(str(k[0]), int(k[1]))}
    n = len(coding)
    return n / territory_mb, n


# --- one patient -------------------------------------------------------------------------------

def _number(value, patient, column) -> float:
    text = str(value if value is not None else "").strip()
    if text == "" or text.lower() in ("nan", "na"):
        return math.nan
    try:
        v = float(text)
    except ValueError:
        raise InputError(f"{text!r} is not a number", patient=patient, field=column) from None
    if v < 0:
        raise InputError(f"{text!r} is negative", patient=patient, field=column)
    return v


def patient_biomarkers(record: dict, config: dict, build: str) -> dict:
    """TMB and MSI of one sheet row (a dict of schema.BIOMARKER_COLUMNS).

    TMB: the sheet's ``tmb`` when given, else computed from ``variant_file`` when the config
    names a territory; MSI: the sheet's ``msi_status``, else its ``msi_score``, else the
    ``msi_file`` (MSIsensor output). Missing -> empty (not measured).
    """
    pid = record.get("patient_id")
    out = {c: None for c in schema.BIOMARKER_COLUMNS}
    given = _number(record.get("tmb"), pid, "tmb")
    if not math.isnan(given):
        out.update(tmb=given, tmb_source="sheet")
    elif record.get("variant_file"):
        size, targets = territory(config["tmb"])
        if size is not None:
            from .variants.burden import coding_keys

            coding = coding_keys(record["variant_file"], record.get("tumor_sample") or None,
                                 build=build, config=config, patient=pid)
            if coding is not None:
                value, n = tmb(coding, size, targets)
                out.update(tmb=value, tmb_variants=n, tmb_territory_mb=size,
                           tmb_source="computed")
    settings = config["msi"]
    status = normalise_msi(record.get("msi_status"), pid)
    score = _number(record.get("msi_score"), pid, "msi_score")
    if status is not None:
        out.update(msi_status=status, msi_source="sheet",
                   msi_score=None if math.isnan(score) else score)
    elif not math.isnan(score):
        out.update(msi_status=msi_status(score, settings), msi_score=score, msi_source="sheet")
    elif record.get("msi_file"):
        msi = read_msi(record["msi_file"], pid)
        if msi["msi_sites"] >= settings["min_sites"] and msi["msi_sites"] > 0:
            out.update(msi_status=msi_status(msi["msi_score"], settings),
                       msi_score=msi["msi_score"], msi_sites=msi["msi_sites"],
                       msi_source="msisensor")
        else:
            out.update(msi_sites=msi["msi_sites"], msi_source="msisensor")
    return out
