"""What the report says about how the variant data were read (cohortmark.report.data_warnings),
and the plasma timepoint check with the configured labels."""

import pandas as pd
import pytest
from cohortmark.errors import InputError
from cohortmark.report import data_warnings
from cohortmark.sheets import check_plasma_timepoints, load_plasma


def test_counts_and_notes_become_sentences():
    patients = pd.DataFrame({
        "patient_id": ["P1", "P2", "P3"], "n_unannotated": [2, 0, 1],
        "n_germline": [0, 3, None],
        "variant_warnings": [None, "patient P2: file a.vcf.gz: its index a.vcf.gz.tbi is empty; "
                                   "read the whole file instead of the panel regions", None]})
    failures = pd.DataFrame({"message": ["patient P3: file b.vcf: plasma sample 'C2D1' "
                                         "(plasma sheet p.tsv, line 4): file is empty"]})
    out = data_warnings(patients, failures)
    assert out[0].startswith("3 variant(s) in 2 patient(s) were counted without consequence "
                             "annotation")
    assert out[1].startswith("3 variant(s) in 1 patient(s) were also present in the matched "
                             "normal")
    assert "its index a.vcf.gz.tbi is empty" in out[2]
    assert out[3].startswith("Not read, patient left out of the ctDNA results: patient P3")
    assert data_warnings(patients.assign(n_unannotated=0, n_germline=0,
                                         variant_warnings=None), None) == []


def test_progression_before_baseline_with_configured_labels(tmp_path):
    sheet = tmp_path / "plasma.tsv"
    sheet.write_text("patient_id\ttimepoint\tday\tvariant_file\n"
                     "P1\tpre\t10\ta.vcf\nP1\tPD\t5\ta.vcf\nP2\tpre\t0\ta.vcf\nP2\tPD\t40\ta.vcf\n")
    plasma = load_plasma(sheet, ["P1", "P2"], check_files=False)
    check_plasma_timepoints(plasma, sheet, "baseline", "progression")  # labels not used: fine
    with pytest.raises(InputError) as err:
        check_plasma_timepoints(plasma, sheet, "PRE", "pd")
    assert str(err.value) == (f"patient P1: file {sheet}: line 3: column 'day': plasma sheet: "
                              "timepoint 'PD' is on day 5, not after 'pre' on day 10 (line 2); "
                              "progression cannot come before baseline")
    check_plasma_timepoints(plasma, sheet, None, "pd")  # no baseline label: nothing to compare


def test_the_first_patient_of_the_sheet_with_progression_before_baseline_is_named(tmp_path):
    """Interleaved rows, labels in any case and two patients at fault: the one whose rows
    come first is named."""
    sheet = tmp_path / "plasma.tsv"
    sheet.write_text("patient_id\ttimepoint\tday\tvariant_file\n"
                     "P3\tBaseline\t0\ta.vcf\n"        # P3: fine (progression later)
                     "P2\tprogression\t30\ta.vcf\n"    # P2 at fault, its rows come second
                     "P3\tprogression\t50\ta.vcf\n"
                     "P4\tbaseline\t7\ta.vcf\n"        # P4 at fault too, but after P2
                     "P4\tprogression\t7\ta.vcf\n"
                     "P2\tbaseline\t40\ta.vcf\n"
                     "P2\tC3D1\t60\ta.vcf\n"
                     "P5\tprogression\t3\ta.vcf\n")  # no baseline: nothing to compare
    plasma = load_plasma(sheet, ["P2", "P3", "P4", "P5"], check_files=False)
    with pytest.raises(InputError) as err:
        check_plasma_timepoints(plasma, sheet, "baseline", "progression")
    assert str(err.value).startswith(f"patient P2: file {sheet}: line 3: column 'day': plasma "
                                     "sheet: timepoint 'progression' is on day 30, not after "
                                     "'baseline' on day 40 (line 7)")
    fixed = plasma[plasma["patient_id"] != "P2"]
    with pytest.raises(InputError, match="patient P4: .* line 6: .*day 7, not after"):
        check_plasma_timepoints(fixed, sheet, "baseline", "progression")
    check_plasma_timepoints(fixed[fixed["patient_id"] != "P4"], sheet, "baseline", "progression")
