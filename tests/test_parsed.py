"""The sheet and panel parsed once per run (cohortmark.parsed): the memo gives what a parse
gives, is used by the next job, and never outlives a change of what it was parsed from."""

import shutil
from pathlib import Path

import pandas as pd
import pytest
from cohortmark import genome, parsed, sheets
from cohortmark.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def memo(tmp_path):
    parsed.enable(tmp_path / "parsed")
    yield tmp_path / "parsed"
    parsed.enable(None)


def _sheet(tmp_path, rows):
    path = tmp_path / "samples.tsv"
    path.write_text("patient_id\tbest_response\tpfs_months\tage\n" +
                    "".join(f"{p}\t{r}\t{m}\t{a}\n" for p, r, m, a in rows))
    return path


def test_a_parsed_sheet_is_the_sheet_and_is_reused(memo, tmp_path, monkeypatch):
    path = _sheet(tmp_path, [("P1", "PR", "3.5", "61"), ("P2", "PD", "", "")])
    first = parsed.samples(path)
    pd.testing.assert_frame_equal(first, sheets.load_samples(path, check_files=False))
    assert len(list(memo.glob("samples-*.pkl"))) == 1

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed again although nothing changed")

    monkeypatch.setattr(sheets, "load_samples", no_parse)
    pd.testing.assert_frame_equal(parsed.samples(path), first)


def test_a_changed_sheet_is_parsed_again_and_the_old_entry_goes(memo, tmp_path):
    path = _sheet(tmp_path, [("P1", "PR", "3.5", "61")])
    parsed.samples(path)
    stat = path.stat()
    path.write_text(path.read_text().replace("3.5", "4.5"))  # same size
    import os

    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same time
    assert parsed.samples(path)["pfs_months"].tolist() == [4.5]
    assert len(list(memo.glob("samples-*.pkl"))) == 1


def test_bad_sheet_raises_each_time_and_stores_nothing(memo, tmp_path):
    path = _sheet(tmp_path, [("P1", "maybe", "3.5", "61")])
    for _ in range(2):
        with pytest.raises(InputError, match="best response"):
            parsed.samples(path)
    assert not list(memo.glob("*.pkl"))


def test_an_unreadable_entry_is_parsed_again(memo, tmp_path):
    path = _sheet(tmp_path, [("P1", "PR", "3.5", "61")])
    parsed.samples(path)
    (entry,) = memo.glob("samples-*.pkl")
    entry.write_bytes(b"not a pickle")
    assert parsed.samples(path)["patient_id"].tolist() == ["P1"]


def test_a_parsed_panel_keeps_its_renamings(memo, tmp_path):
    panel = tmp_path / "panel.tsv"
    panel.write_text("gene\tgroup\nMLL2\tx\nTP53\ty\n")  # MLL2: previous symbol of KMT2D
    direct = genome.load_panel(panel, "GRCh38")
    for _ in range(2):  # parsed, then from the memo
        got = parsed.panel(panel, "GRCh38")
        pd.testing.assert_frame_equal(got, direct)
        assert got.attrs["renamed"] == direct.attrs["renamed"] != []
    assert parsed.panel(None, "GRCh38")["gene"].tolist() == \
        genome.load_panel(None, "GRCh38")["gene"].tolist()
    shutil.copy(ROOT / "resources" / "panel.tsv", panel)
    assert parsed.panel(panel, "GRCh38")["gene"].tolist() == \
        genome.load_panel(None, "GRCh38")["gene"].tolist()
    with pytest.raises(InputError, match="does not exist"):
        parsed.panel(tmp_path / "absent.tsv", "GRCh38")


def test_without_a_memo_directory_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _sheet(tmp_path, [("P1", "PR", "3.5", "61")])
    parsed.samples(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["samples.tsv"]
