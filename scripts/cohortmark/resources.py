"""What each rule asks a cluster for: ``mem_mb`` and ``runtime`` (minutes), from the size of
its work, calibrated against measurement.

``bench/bench_workflow.py`` records every job's peak resident memory and wall time at 1,000,
20,000 and 100,000 patients of the synthetic registry (18-gene panel, CNVkit + bgzipped,
indexed VEP VCFs, plasma for 10% of the patients; README "Performance", bench/jobs.tsv). The
coefficients below are straight lines through those measurements; a request is the line times
``HEADROOM`` (1.5: within 2x of the measured need at every measured size), never below
``FLOOR_MB`` / ``FLOOR_MINUTES``, and multiplied by ``attempt`` (1, 2, 3), so that a job SLURM
killed for memory or time is resubmitted larger by the profile's ``retries``.

Work sizes: ``rows`` = patients x panel genes (the cohort table every cohort step reads),
``plasma`` = plasma samples, ``plasma_patients``; an ingest shard's ``patients`` and the
megabytes of the files it reads in full (copy-number files, variant files without an index, a
cohort MAF) - an indexed VCF is read only in the panel's regions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HEADROOM = 1.5
FLOOR_MB = 500  # Python with pandas, numpy, matplotlib imported: ~150-250 MB resident
FLOOR_MINUTES = 5  # SLURM counts minutes; a node's first Python start can take a minute


@dataclass(frozen=True)
class Line:
    """base + per unit of each work size (memory in MB, time in seconds)."""

    base: float
    per_k_rows: float = 0.0  # per 1,000 rows of the cohort table (patients x genes)
    per_k_plasma: float = 0.0  # per 1,000 plasma samples
    per_k_plasma_patients: float = 0.0  # per 1,000 patients with plasma samples

    def at(self, size: dict) -> float:
        return (self.base + self.per_k_rows * size["rows"] / 1000
                + self.per_k_plasma * size["plasma"] / 1000
                + self.per_k_plasma_patients * size["plasma_patients"] / 1000)


# Measured need per rule (peak MB, wall seconds): the lines bench/calibrate_resources.py
# fitted to `make bench` at 1,000 and 100,000 patients (bench/jobs.tsv; README
# "Performance"), times rounded up. A rule not listed is charged as COHORT_STEP, a cohort
# step's largest line (the heatmap's before it was drawn as images at registry size, kept as
# the conservative charge); eligibility (not in that benchmark: its registry has no rules)
# likewise.
COHORT_STEP = (Line(285, 0.77), Line(5, 0.0075))
MEASURED: dict[str, tuple[Line, Line]] = {
    "cohort_alterations": (Line(80, 0.71), Line(5, 0.0025)),
    "cohort_tables": (Line(85, 0.12), Line(5, 0.0007)),
    "eligibility": COHORT_STEP,
    "statistics": (Line(150, 0.24), Line(5, 0.0027)),
    "export": (Line(85, 0.58), Line(5, 0.004)),
    "report": (Line(200, 0.23), Line(5, 0.0018)),
    "figure_biomarker_heatmap": (Line(260, 0.47), Line(5, 0.0023)),
    "figure_forest": (Line(165), Line(5)),
    "figure_interactions": (Line(175), Line(5)),
    "figure_km_os": (Line(195, 0.045), Line(5, 0.001)),
    "figure_km_pfs": (Line(195, 0.045), Line(5, 0.001)),
    "figure_swimmer": (Line(165, 0.053), Line(5, 0.001)),
    "figure_waterfall": (Line(140, 0.105), Line(5, 0.0025)),
    "ctdna": (Line(155, 0.0, 8.5), Line(5, 0.0, 6.0)),
    "ctdna_check": (Line(80), Line(5)),
    "ctdna_figures": (Line(240, 0.0, 0.0, 9.1), Line(5, 0.0, 0.0, 41.5)),
}
# ingest_shard: per patient of the shard, and per MB of files read in full
INGEST_MB = (130.0, 0.054, 3.0)  # base MB, MB per patient, MB per MB of the largest such file
INGEST_SECONDS = (5.0, 0.0215, 0.25)  # base s, s per patient, s per MB read in full


def _round_up(value: float, step: int) -> int:
    return int(math.ceil(value / step) * step)


def request(rule: str, size: dict, attempt: int = 1) -> dict:
    """``{"mem_mb": ..., "runtime": ...}`` for a cohort-level rule; ``size`` has ``rows``,
    ``plasma`` and ``plasma_patients``."""
    memory, seconds = MEASURED.get(rule, COHORT_STEP)
    mem = max(FLOOR_MB, _round_up(memory.at(size) * HEADROOM, 50))
    minutes = max(FLOOR_MINUTES, math.ceil(seconds.at(size) * HEADROOM / 60))
    return {"mem_mb": mem * attempt, "runtime": minutes * attempt}


def shard_request(patients: int, read_in_full_mb: float, largest_mb: float,
                  attempt: int = 1) -> dict:
    """The request of an ingest shard of ``patients`` patients that reads ``read_in_full_mb``
    of files in full, the largest ``largest_mb``."""
    base, per_patient, per_largest = INGEST_MB
    mem = base + per_patient * patients + per_largest * largest_mb
    base_s, per_patient_s, per_mb_s = INGEST_SECONDS
    seconds = base_s + per_patient_s * patients + per_mb_s * read_in_full_mb
    return {"mem_mb": max(FLOOR_MB, _round_up(mem * HEADROOM, 50)) * attempt,
            "runtime": max(FLOOR_MINUTES, math.ceil(seconds * HEADROOM / 60)) * attempt}


def read_in_full(files: dict[str, list[int]]) -> tuple[float, float]:
    """(MB read in full, largest such file in MB) of a shard's files (``ingest.shard_files``:
    path -> [size, mtime]). A VCF with a ``.tbi``/``.csi`` beside it is read in the panel's
    regions only; an index itself is small."""
    total = largest = 0.0
    for path, (size, _) in files.items():
        if path.endswith((".tbi", ".csi")) or path + ".tbi" in files or path + ".csi" in files:
            continue
        total += size / 1e6
        largest = max(largest, size / 1e6)
    return total, largest
