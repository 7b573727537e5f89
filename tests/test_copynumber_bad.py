"""Broken and awkward copy-number files (tests/data/bad/copynumber/cases.tsv), each with its message.

cases.tsv has the project corpus columns (file, kind, expect) plus ``format`` and ``sample``
(cn_format / tumor_sample of the sheet row); tests/test_bad_inputs.py runs every case (kind ``cn``) as
part of the project-wide corpus; here: the corpus's own checks.
"""

from pathlib import Path

import pandas as pd
import pytest
from cohortmark.copynumber import READERS, read_segments
from cohortmark.errors import InputError

BAD = Path(__file__).parent / "data" / "bad" / "copynumber"
CASES = pd.read_csv(BAD / "cases.tsv", sep="\t", dtype=str, keep_default_na=False)


def load_cn(path: Path, case: dict):
    """Read one copy-number file as a sheet row would (GRCh37, patient P01)."""
    return read_segments(path, case.get("format") or None, case.get("sample") or None,
                         patient="P01", build="GRCh37")


def test_corpus_size():
    bad = CASES[CASES["expect"] != "ACCEPT"]
    assert len(bad) >= 20
    assert set(CASES["kind"]) == {"cn"}
    on_disk = {p.name for p in BAD.iterdir()} - {"cases.tsv"}
    assert on_disk == set(CASES["file"]) - {"does_not_exist.cns"}


ALL_FILES = sorted(p for d in (BAD, BAD.parents[1] / "copynumber") for p in d.rglob("*")
                   if p.is_file() and p.name != "cases.tsv")


@pytest.mark.parametrize("fmt", [None, *READERS])
def test_any_file_as_any_format_reads_or_says_why(fmt):
    """Every corpus and real file, read as every format: data or one InputError line."""
    from cohortmark.copynumber import gene_copy_number
    from cohortmark.genome import load_panel

    panel = load_panel(build="GRCh37")
    outcomes = {"read": 0, "error": 0}
    for path in ALL_FILES:
        try:
            gene_copy_number(read_segments(path, fmt, None, patient="P01", build="GRCh37"),
                             panel)
            outcomes["read"] += 1
        except InputError as err:
            assert str(path) in str(err) and "\n" not in str(err)
            outcomes["error"] += 1
    assert outcomes["error"] > 0
