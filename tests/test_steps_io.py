"""The I/O side of the steps: logs hold the real error, outputs follow the user's umask."""

import os
import stat
from types import SimpleNamespace

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from cohortmark import steps
from cohortmark.errors import InputError
from cohortmark.figures import save_figure
from cohortmark.tsv import atomic_write, write_tsv


def smk(tmp_path):
    return SimpleNamespace(log=[str(tmp_path / "logs" / "step.log")])


def test_bad_input_is_one_line_in_the_log_and_on_stderr(tmp_path, capsys):
    def step(_, log):
        log("reading")
        raise InputError("'x' is not a number", patient="P1", path="a.cns", line=3)

    with pytest.raises(SystemExit) as exit_:
        steps.run(step, smk(tmp_path))
    assert exit_.value.code == 1
    message = "cohortmark: error: patient P1: file a.cns: line 3: 'x' is not a number"
    assert (tmp_path / "logs" / "step.log").read_text() == f"reading\n{message}\n"
    assert capsys.readouterr().err.strip() == message


def test_a_bug_leaves_its_whole_traceback_in_the_log(tmp_path):
    def step(_, log):
        {}["missing"]

    with pytest.raises(KeyError):
        steps.run(step, smk(tmp_path))
    text = (tmp_path / "logs" / "step.log").read_text()
    assert "cohortmark: internal error" in text and "Traceback (most recent call last)" in text
    assert "KeyError: 'missing'" in text and "in step" in text


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_outputs_follow_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        write_tsv(pd.DataFrame({"a": [1]}), tmp_path / "t.tsv")
        atomic_write(tmp_path / "r.html", "<html></html>")
        fig, ax = plt.subplots()
        svg, png = save_figure(fig, tmp_path / "f", dpi=72)
    finally:
        os.umask(old)
    for path in (tmp_path / "t.tsv", tmp_path / "r.html", svg, png):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path
    assert not list(tmp_path.glob(".*tmp"))  # no temporary file left behind
