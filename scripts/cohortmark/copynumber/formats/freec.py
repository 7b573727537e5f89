"""Control-FREEC ``*_CNVs``: altered regions only, no header line (chromosome, start, end,
copy number, gain/loss, then genotype and uncertainty when BAF was used). Regions not listed
are at the sample's baseline ploidy. Purity and ploidy from ``*_info.txt`` beside it
(``Sample_Purity``, ``Output_Ploidy``). Start/end are read as 0-based half-open, as
Control-FREEC's windows start at 0."""

from __future__ import annotations

import re

from .base import CallerFit, Reader, coords, frame, number_or_none, read_sibling, sibling

COLUMNS = ("chromosome", "start", "end", "copy_number", "status", "genotype", "uncertainty")
STATUS = {"gain", "loss", "neutral", "normal"}
_INT = re.compile(r"^\d+$")
_NUM = re.compile(r"^-?\d+(\.\d+)?$")


def detect(t) -> bool:
    """No header: the first line is already a record (chromosome, 2 positions, a copy
    number, a gain/loss status)."""
    h = [f.strip() for f in t.header]
    return (len(h) >= 5 and re.match(r"^(chr)?[0-9XYMT]+$", h[0], re.I) is not None
            and bool(_INT.match(h[1])) and bool(_INT.match(h[2])) and bool(_NUM.match(h[3]))
            and h[4].lower() in STATUS)


def read(t, want, cfg):
    if len(t.header) < 5:
        raise t.err(f"a Control-FREEC _CNVs line has at least 5 fields (chromosome, start, "
                    f"end, copy number, status), not {len(t.header)}", line=t.header_line)
    rows = list(range(len(t.rows)))
    status = [s.strip().lower() for s in t.strings(4)]
    bad = [k for k, s in zip(rows, status) if s not in STATUS]
    if bad:
        raise t.err(f"{t.rows[bad[0]][4]!r} is not a Control-FREEC status "
                    f"({', '.join(sorted(STATUS))})", line=t.lines[bad[0]], field="status")
    chrom, start, end = coords(t, rows, 0, 1, 2, one_based=False)
    return frame(t, rows, chrom, start, end, t.numbers(3), "cn"), None


def caller_fit(path: str, t) -> CallerFit | None:
    info = read_sibling(sibling(path, "_CNVs", "_info.txt"), t.patient)
    if info is None:
        return None
    if len(info.header) != 2:
        return None
    # key<TAB>value lines: the parser took the first one for a header
    pairs = {info.header[0].strip(): info.header[1]}
    pairs.update({row[0].strip(): row[1] for row in info.rows})
    return CallerFit(number_or_none(pairs.get("Sample_Purity", "")),
                     number_or_none(pairs.get("Output_Ploidy", "")), info.path)


READER = Reader(
    name="freec", description="Control-FREEC `*_CNVs`",
    units=("cn",), cohort_wide=False, detect=detect, read=read,
    detected_by="no header line; records of chromosome, start, end, copy number and "
                "gain/loss",
    events_only=True, columns=COLUMNS, caller_fit=caller_fit, side_files=(("_CNVs", "_info.txt"),),
)
