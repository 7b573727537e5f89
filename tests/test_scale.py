"""Registry-scale helpers (issue 21): the fast paths give what the plain ones give."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cohortmark import ingest, sheets
from cohortmark.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def test_ingest_records_equal_ingest_record_of_every_row():
    sheet = sheets.load_samples(ROOT / "config" / "samples.tsv", base=ROOT)
    assert ingest.ingest_records(sheet) == [ingest.ingest_record(r)
                                            for r in sheet.to_dict("records")]
    partial = sheet.drop(columns=["cn_sample", "ploidy"])
    assert ingest.ingest_records(partial) == [ingest.ingest_record(r)
                                              for r in partial.to_dict("records")]


def _numbers_by_loop(sheet, column, check=None, rule=""):
    fast = sheets._Sheet._numbers_fast
    try:
        sheets._Sheet._numbers_fast = lambda *a: None
        return sheet.numbers(column, check, rule)
    finally:
        sheets._Sheet._numbers_fast = fast


CELLS = ["", "NA", "na", "1.5", " 2", "1e3", "-0", "1_000", "0x10", "nan", "NaN", "inf",
         "-Infinity", "abc", "1,5", "0.0", "7"]


@pytest.mark.parametrize("check", [None, lambda v: 0 < v <= 1, lambda v: v >= 0])
def test_sheet_numbers_fast_path_agrees_with_the_cell_loop(check):
    """Every pair of cells: same values, or the same error message."""
    for a in CELLS:
        for b in CELLS:
            df = pd.DataFrame({"patient_id": ["P1", "P2"], "x": [a, b], "_line": [2, 3]})
            sheet = sheets._Sheet(df, "s.tsv", "patient")
            outcome = []
            for fn in (sheet.numbers, lambda *args: _numbers_by_loop(sheet, *args)):
                try:
                    outcome.append(fn("x", check, "is out of range").to_numpy())
                except InputError as err:
                    outcome.append(str(err))
            if isinstance(outcome[0], str) or isinstance(outcome[1], str):
                assert outcome[0] == outcome[1], (a, b)
            else:
                np.testing.assert_array_equal(outcome[0], outcome[1])


def test_sheet_numbers_fast_path_is_taken_for_good_cells():
    df = pd.DataFrame({"patient_id": ["P1", "P2", "P3"], "x": ["0.5", "", "NA"],
                       "_line": [2, 3, 4]})
    fast = sheets._Sheet(df, "s.tsv", "patient")._numbers_fast("x", lambda v: v > 0)
    np.testing.assert_array_equal(fast.to_numpy(), [0.5, np.nan, np.nan])
