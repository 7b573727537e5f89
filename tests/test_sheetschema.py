"""The sheet schemas checked column by column accept and reject exactly what Snakemake's
row-by-row ``validate`` does (the Snakefile used that; at 100,000 patients it took minutes)."""

import math
from pathlib import Path

import pandas as pd
import pytest
from cohortmark.errors import InputError
from cohortmark.sheets import load_plasma, load_samples
from cohortmark.sheetschema import validate_sheet
from hypothesis import given, settings
from hypothesis import strategies as st
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate as snakemake_validate

ROOT = Path(__file__).resolve().parents[1]
SAMPLES_SCHEMA = ROOT / "config" / "schemas" / "samples.schema.yaml"
CTDNA_SCHEMA = ROOT / "config" / "schemas" / "ctdna.schema.yaml"


def rowwise_ok(df: pd.DataFrame, schema: Path) -> bool:
    try:
        snakemake_validate(df.drop(columns="_line").copy(), str(schema))
    except WorkflowError:
        return False
    return True


def columnwise_ok(df: pd.DataFrame, schema: Path) -> bool:
    try:
        validate_sheet(df, schema, kind="patient", sheet_path="samples.tsv")
    except InputError:
        return False
    return True


@pytest.fixture(scope="module")
def example():
    return load_samples(ROOT / "config" / "samples.tsv", base=ROOT)


def test_example_sheets_pass_both_ways(example):
    plasma = load_plasma(ROOT / "config" / "ctdna.tsv", example["patient_id"], base=ROOT)
    assert rowwise_ok(example, SAMPLES_SCHEMA) and columnwise_ok(example, SAMPLES_SCHEMA)
    assert rowwise_ok(plasma, CTDNA_SCHEMA)
    validate_sheet(plasma, CTDNA_SCHEMA, kind="plasma")


# Values a buggy loader could leave in a typed column: valid ones, wrong types, out of range.
CELLS = {
    "patient_id": ["P1", "P-2.a_b", "a b", "x/y", 7],
    "purity": [0.5, 1.0, 0.0, 1.5, -0.1, "0.5", math.nan, None],
    "ploidy": [2.0, 0.0, -1.0, "2"],
    "best_response": ["CR", "PR", "SD", "PD", "NE", "cr", "XX", None],
    "pfs_event": [0.0, 1.0, 2.0, 0.5, "1", math.nan],
    "pfs_months": [0.0, 3.5, -1.0, math.inf],
    "evaluable": [True, False, "yes", 1],
    "on_treatment": [True, False, None, "false"],
    "cn_format": ["cnvkit", "", None, 3],
    "cn_file": ["x.cns", None, 5],
}


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_columnwise_agrees_with_rowwise(example, data):
    df = example.copy()
    for column, pool in CELLS.items():
        if data.draw(st.booleans(), label=f"change {column}"):
            cells = data.draw(st.lists(st.sampled_from(pool), min_size=len(df),
                                       max_size=len(df)), label=column)
            df[column] = pd.Series(cells, index=df.index, dtype=object)
    assert columnwise_ok(df, SAMPLES_SCHEMA) == rowwise_ok(df, SAMPLES_SCHEMA)


def test_a_violation_names_line_patient_column_and_value(example):
    df = example.copy()
    df["purity"] = df["purity"].astype(object)
    df.loc[3, "purity"] = 1.5
    with pytest.raises(InputError) as err:
        validate_sheet(df, SAMPLES_SCHEMA, kind="patient", sheet_path="samples.tsv")
    message = str(err.value)
    assert f"patient {df.loc[3, 'patient_id']}" in message
    assert f"line {df.loc[3, '_line']}" in message and "column 'purity'" in message
    assert "1.5" in message and "file samples.tsv" in message


def test_a_missing_required_value_is_refused(example):
    df = example.copy()
    df.loc[2, "patient_id"] = None
    assert not rowwise_ok(df, SAMPLES_SCHEMA)
    with pytest.raises(InputError, match=f"line {df.loc[2, '_line']}.*'patient_id' is empty"):
        validate_sheet(df, SAMPLES_SCHEMA, kind="patient")


def test_other_schemas_are_checked_row_by_row(tmp_path, example):
    """A schema with a cross-column rule (here: dependentRequired) is not column-wise."""
    schema = tmp_path / "s.yaml"
    schema.write_text(SAMPLES_SCHEMA.read_text()
                      + "dependentRequired: {cn_file: [cn_format]}\n")
    df = example.copy()
    assert columnwise_ok(df, schema) == rowwise_ok(df, schema)
    row = df["cn_file"].notna().to_numpy().argmax()
    df.loc[row, "cn_format"] = None
    assert not rowwise_ok(df, schema)
    with pytest.raises(InputError, match=f"line {df.loc[row, '_line']}"):
        validate_sheet(df, schema, kind="patient")


def test_every_single_cell_agrees(example):
    """Each value of CELLS in one cell: both checks accept it or both refuse it (and both
    outcomes occur)."""
    outcomes = set()
    for column, pool in CELLS.items():
        for value in pool:
            df = example.copy()
            df[column] = df[column].astype(object)
            df.loc[1, column] = value
            ok = columnwise_ok(df, SAMPLES_SCHEMA)
            assert ok == rowwise_ok(df, SAMPLES_SCHEMA), (column, value)
            outcomes.add(ok)
    assert outcomes == {True, False}
