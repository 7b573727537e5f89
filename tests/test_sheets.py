"""The patient and plasma sheets: accepted quirks and rejected mistakes, with clear messages."""

import gzip

import pytest
from cohortmark.errors import InputError
from cohortmark.sheets import load_plasma, load_samples, patient_record

HEADER = "patient_id\tbest_response\tbest_pct_change\tpfs_months\tpfs_event\tevaluable\tpurity"


def write(tmp_path, text, name="samples.tsv", raw=None):
    path = tmp_path / name
    path.write_bytes(raw if raw is not None else text.encode())
    return path


def test_typed_values_and_defaults(tmp_path):
    path = write(tmp_path, f"{HEADER}\nP1\tPR\t-45.5\t7.2\t1\t\t0.8\nP2\tPD\t30\t1.5\t0\tfalse\t\n")
    df = load_samples(path)
    assert list(df["patient_id"]) == ["P1", "P2"]
    assert df["best_pct_change"].tolist() == [-45.5, 30.0]
    assert df["evaluable"].tolist() == [True, False]  # empty -> evaluable
    assert df["purity"].isna().tolist() == [False, True]
    assert df["cn_file"].isna().all()  # absent column -> not profiled, kept
    rec = patient_record(df.iloc[1])
    assert rec["purity"] is None and rec["evaluable"] is False and rec["pfs_event"] == 0.0


@pytest.mark.parametrize("variant", ["bom", "crlf", "cr", "blank_tail", "reordered", "gzip"])
def test_awkward_but_valid_sheets_are_accepted(tmp_path, variant):
    text = f"{HEADER}\nP1\tPR\t-45\t7\t1\ttrue\t0.8\n"
    raw = text.encode()
    if variant == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif variant == "crlf":
        raw = raw.replace(b"\n", b"\r\n")
    elif variant == "cr":
        raw = raw.replace(b"\n", b"\r")
    elif variant == "blank_tail":
        raw = raw + b"\n\n\t\t\n"
    elif variant == "reordered":
        cols = [line.split("\t") for line in text.strip().split("\n")]
        raw = "\n".join("\t".join(reversed(c)) for c in cols).encode() + b"\n"
    elif variant == "gzip":
        raw = gzip.compress(raw, mtime=0)
    df = load_samples(write(tmp_path, "", raw=raw))
    assert df.loc[0, "patient_id"] == "P1" and df.loc[0, "best_response"] == "PR"
    assert df.loc[0, "purity"] == 0.8


@pytest.mark.parametrize("row, message", [
    ("P1\tPR\t-45\t7\t1\ttrue\t0.8\nP1\tPD\t20\t1\t1\ttrue\t0.5",
     "line 3: column 'patient_id': patient sheet: 'P1' is listed twice (also on line 2)"),
    ("P 1\tPR\t-45\t7\t1\ttrue\t0.8", "'P 1' is not a valid id"),
    ("../x\tPR\t-45\t7\t1\ttrue\t0.8", "'../x' is not a valid id"),
    ("..\tPR\t-45\t7\t1\ttrue\t0.8", "'..' is not a valid id"),
    ("P1\tProgressive\t-45\t7\t1\ttrue\t0.8", "'Progressive' is not a RECIST 1.1 best response"),
    ("P1\tpr\t-45\t7\t1\ttrue\t0.8", "did you mean 'PR'?"),
    ("P1\tPR\tminus 45\t7\t1\ttrue\t0.8", "column 'best_pct_change': patient sheet: 'minus 45' is not a number"),
    ("P1\tPR\t-45\t7\t2\ttrue\t0.8", "column 'pfs_event': patient sheet: '2' is not 0 or 1"),
    ("P1\tPR\t-45\t7\tyes\ttrue\t0.8", "'yes' is not a number"),
    ("P1\tPR\t-45\t7\t1\tmaybe\t0.8", "'maybe' is not true or false"),
    ("P1\tPR\t-45\t7\t1\ttrue\t1.4", "column 'purity': patient sheet: '1.4' is outside (0, 1]"),
    ("P1\tPR\t-45\t7\t1\ttrue\t0", "'0' is outside (0, 1]"),
    ("P1\tPR\t-45\t-7\t1\ttrue\t0.5", "'-7' is negative"),
    ("\tPR\t-45\t7\t1\ttrue\t0.5", "patient_id is empty"),
])
def test_bad_rows_name_line_patient_column_and_value(tmp_path, row, message):
    path = write(tmp_path, f"{HEADER}\n{row}\n")
    with pytest.raises(InputError) as err:
        load_samples(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_ploidy_and_missing_file(tmp_path):
    path = write(tmp_path, "patient_id\tploidy\nP1\t0\n")
    with pytest.raises(InputError, match="patient P1: .*line 2: column 'ploidy'.*'0' is not above 0"):
        load_samples(path)
    path = write(tmp_path, "patient_id\tcn_file\nP1\tnope.cns\n")
    with pytest.raises(InputError, match="column 'cn_file'.*'nope.cns' does not exist"):
        load_samples(path)
    (tmp_path / "adir").mkdir()
    path = write(tmp_path, "patient_id\tvariant_file\nP1\tadir\n")
    with pytest.raises(InputError, match="is a directory"):
        load_samples(path, base=tmp_path)


def test_structural_problems(tmp_path):
    with pytest.raises(InputError, match="file is empty"):
        load_samples(write(tmp_path, ""))
    with pytest.raises(InputError, match="required column 'patient_id' is missing"):
        load_samples(write(tmp_path, "id\tpurity\nP1\t0.5\n"))
    with pytest.raises(InputError, match="line 2: .*3 fields but the header has 2"):
        load_samples(write(tmp_path, "patient_id\tpurity\nP1\t0.5\textra\n"))
    with pytest.raises(InputError, match="not UTF-8"):
        load_samples(write(tmp_path, "", raw=b"patient_id\nP\xe91\n"))
    with pytest.raises(InputError, match="does not exist"):
        load_samples(tmp_path / "absent.tsv")


def test_plasma_sheet(tmp_path):
    (tmp_path / "a.vcf").write_text("x")
    path = write(tmp_path, "patient_id\ttimepoint\tday\tvariant_file\n"
                 "P1\tbaseline\t0\ta.vcf\nP1\tC2D1\t28\ta.vcf\n", name="ctdna.tsv")
    df = load_plasma(path, ["P1"], base=tmp_path)
    assert df["day"].tolist() == [0.0, 28.0]
    with pytest.raises(InputError, match="line 3: .*'P9' is not in the patient sheet"):
        load_plasma(write(tmp_path, "patient_id\ttimepoint\tday\tvariant_file\n"
                          "P1\tbaseline\t0\ta.vcf\nP9\tC2D1\t28\ta.vcf\n", name="c2.tsv"),
                    ["P1"], base=tmp_path)
    with pytest.raises(InputError, match="'baseline' is listed twice"):
        load_plasma(write(tmp_path, "patient_id\ttimepoint\tday\tvariant_file\n"
                          "P1\tbaseline\t0\ta.vcf\nP1\tbaseline\t28\ta.vcf\n", name="c3.tsv"),
                    ["P1"], base=tmp_path)
