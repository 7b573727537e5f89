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
            for fn in (sheet.numbers, lambda *args, s=sheet: _numbers_by_loop(s, *args)):
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


def test_ctdna_figures_step_redraws_only_changed_patients(tmp_path, monkeypatch):
    """The step draws each patient once, links cached figures on a rerun (no drawing), and a
    patient's figure is the one plot_ctdna_patient draws from the whole tables."""
    from types import SimpleNamespace

    import test_ctdna as t
    from cohortmark import ctdna, steps
    from cohortmark.figures import ctdna as figures_ctdna
    from cohortmark.tsv import write_tsv

    sheet = t.plasma(("P1", "baseline", -2), ("P1", "C2D1", 28), ("P2", "baseline", 0),
                     ("P2", "C2D1", 29), ("P3", "baseline", 0))
    variants = {("P1", "baseline"): t.calls((t.PIK3CA, 0.08)),
                ("P1", "C2D1"): t.calls((t.PIK3CA, 0.02)),
                ("P2", "baseline"): t.calls((t.TP53, 0.05)), ("P2", "C2D1"): t.calls(),
                ("P3", "baseline"): t.calls((t.TP53B, 0.1))}
    traj = t.quiet(ctdna.trajectories, sheet, variants, t.no_tissue(), {})
    response = ctdna.molecular_response(traj, {}, patients=sheet["patient_id"])
    write_tsv(traj, tmp_path / "traj.tsv")
    write_tsv(response, tmp_path / "resp.tsv")
    (tmp_path / "samples.tsv").write_text(
        "patient_id\tbest_response\tpfs_months\tpfs_event\nP1\tSD\t3.7\t1\nP2\tPD\t1.0\t1\n"
        "P3\tPR\t9.0\t0\n")
    smk = SimpleNamespace(
        input=SimpleNamespace(samples=str(tmp_path / "samples.tsv"), plasma=None,
                              trajectories=str(tmp_path / "traj.tsv"),
                              molecular_response=str(tmp_path / "resp.tsv")),
        output=SimpleNamespace(svg=str(tmp_path / "out" / "ctdna_vaf.svg"),
                               patients=str(tmp_path / "out" / "ctdna")),
        params=SimpleNamespace(settings={}, cache=str(tmp_path / "cache")))
    drawn = []
    real = figures_ctdna.plot_ctdna_patient

    def spy(traj_rows, pid, *args, **kwargs):
        drawn.append(pid)
        return real(traj_rows, pid, *args, **kwargs)

    monkeypatch.setattr(figures_ctdna, "plot_ctdna_patient", spy)
    log = []
    steps.ctdna_figures_step(smk, log.append)
    assert drawn == ["P1", "P2", "P3"]
    out = tmp_path / "out" / "ctdna"
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    # the figure of the step is the one drawn from the whole tables
    samples = sheets.load_samples(tmp_path / "samples.tsv", check_files=False)
    real(traj, "P2", tmp_path / "whole", samples, response, {})
    assert (tmp_path / "whole.svg").read_bytes() == first["ctdna_P2.svg"]
    # a rerun links every figure from the cache; a changed clinical value redraws its patient
    steps.ctdna_figures_step(smk, log.append)
    assert drawn == ["P1", "P2", "P3"]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    (tmp_path / "samples.tsv").write_text(
        (tmp_path / "samples.tsv").read_text().replace("P3\tPR", "P3\tCR"))
    steps.ctdna_figures_step(smk, log.append)
    assert drawn == ["P1", "P2", "P3", "P3"]


def _same_run_by_groups(alterations, genes, chrom):
    """The previous implementation of stats.interactions._same_run (a loop over groups)."""
    index = {g: i for i, g in enumerate(genes)}
    df = alterations[alterations["gene"].isin(index) & (alterations["cn_status"] == "altered")]
    pairs = {}
    for pid, gene, others in df[["patient_id", "gene", "cn_coamplified"]].itertuples(
            index=False):
        if isinstance(others, str) and others:
            for other in others.split(";"):
                if other in index and other != gene:
                    i, j = sorted((index[gene], index[other]))
                    pairs.setdefault((i, j), set()).add(pid)
    d = df[["patient_id", "gene", "cn_call", "cn_segment_length"]].dropna()
    d = d.assign(chrom=[chrom[index[g]] for g in d["gene"]])
    for _, grp in d.groupby(["patient_id", "cn_call", "cn_segment_length", "chrom"],
                            sort=False):
        idx = sorted(index[g] for g in grp["gene"])
        pid = grp["patient_id"].iloc[0]
        for a in range(len(idx)):
            for b in range(a + 1, len(idx)):
                pairs.setdefault((idx[a], idx[b]), set()).add(pid)
    return {k: len(v) for k, v in pairs.items()}


@pytest.mark.parametrize("seed", range(5))
def test_same_run_pairs_agree_with_the_group_loop(seed):
    from cohortmark.stats.interactions import _same_run

    rng = np.random.default_rng(seed)
    genes = [f"G{i}" for i in range(8)]
    chrom = np.array(["1", "1", "1", "2", "2", None, "3", None], dtype=object)
    rows = []
    for p in range(300):
        for g in genes:
            altered = rng.random() < 0.4
            rows.append({
                "patient_id": f"P{p}", "gene": g,
                "cn_status": "altered" if altered else rng.choice(["wildtype", "not_profiled"]),
                "cn_call": rng.choice(["AMP", "HOMDEL"]) if altered else "NEUTRAL",
                "cn_segment_length": float(rng.choice([1e6, 2e6, np.nan])),
                "cn_coamplified": ";".join(rng.choice(genes + ["OTHER"], rng.integers(0, 3)))
                or None})
    df = pd.DataFrame(rows)
    expected = _same_run_by_groups(df, genes, chrom)
    assert len(expected) > 5
    assert _same_run(df, genes, chrom) == expected
    assert _same_run(df.astype({"cn_call": "category"}), genes, chrom) == expected


def test_plasma_samples_are_kept_from_the_previous_run(tmp_path, monkeypatch):
    """A rerun of the ctDNA stage takes unchanged plasma samples' calls from one table (no
    cache reads) and hands on exactly what a first run does; a replaced file is read again,
    and a kept sample's reading notes are issued again."""
    import os
    import warnings

    from cohortmark import ctdna, ingest
    from cohortmark.sheets import load_plasma, load_samples
    from test_ctdna import write_cohort

    write_cohort(tmp_path)
    sheet = load_samples(tmp_path / "samples.tsv", check_files=False)
    pl = load_plasma(tmp_path / "plasma.tsv", sheet["patient_id"])
    panel = pd.DataFrame({"gene": ["WT1", "FLT3", "NPM1", "DNMT3A"],
                          "chrom": ["11", "13", "5", "2"],
                          "start": [32387774, 28003273, 171387115, 25227854],
                          "end": [32435539, 28100592, 171411137, 25342590]})
    read = []
    real = ingest.PatientIngest.mutations

    def spy(self, record):
        read.append((record["patient_id"], record["tumor_sample"]))
        genes, variants, values = real(self, record)
        if record["tumor_sample"] == "DS3D":
            values = {**values, "notes": ["a note about this file"]}
        return genes, variants, values

    monkeypatch.setattr(ingest.PatientIngest, "mutations", spy)

    def load():
        logs = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ctdna.CtdnaWarning)
            got = ctdna.load_plasma_variants(pl, panel, {}, "GRCh37", tmp_path / "cache",
                                             log=logs.append)
        return got, logs, [str(w.message) for w in caught]

    first, logs, notes = load()
    assert len(read) == 4 and sum(len(v) for v in first.values()) > 0
    assert "0 kept from the previous run" in logs[0] and notes == [
        "plasma sample 'baseline': a note about this file"]
    again, logs, notes_again = load()
    assert len(read) == 4 and "4 kept from the previous run" in logs[0]
    assert notes_again == notes
    assert list(again) == list(first)
    for k in first:
        pd.testing.assert_frame_equal(again[k], first[k])
    fresh = ctdna.load_plasma_variants(pl, panel, {}, "GRCh37", tmp_path / "other_cache")
    for k in first:
        pd.testing.assert_frame_equal(fresh[k], first[k])
    # the MAF behind both baseline samples replaced (same content, new identity)
    read.clear()
    maf = tmp_path / "APL_primary_DS2_DS3.maf"
    data = maf.read_bytes()
    maf.unlink()
    maf.write_bytes(data)
    os.utime(maf, ns=(0, 0))
    load()
    assert sorted(read) == [("DS2", "DS2D"), ("DS3", "DS3D")]


def test_sheet_fast_paths_read_what_the_cell_loops_read(tmp_path):
    """Padded fields, odd whitespace, NA spellings, booleans in any case: the sheet read with
    the fast paths equals the one read cell by cell (fast paths switched off)."""
    text = ("patient_id\tpurity\tevaluable\ton_treatment\tnote\n"
            "P1\t0.5\tTRUE\t\tx\n P2 \tNA\tfalse\tYes\t a b \nP3\tna\t\tn\t\u00a0y\n"
            "P4\t 0.25\tT\tF\tz \n")
    path = tmp_path / "s.tsv"
    path.write_text(text)
    fast = sheets.load_samples(path, check_files=False)
    saved = (sheets._padded, sheets._Sheet._numbers_fast, sheets._VALID_IDS)
    try:
        sheets._padded = lambda text: True
        sheets._Sheet._numbers_fast = lambda *a: None
        sheets._VALID_IDS = __import__("re").compile("(?!)")
        slow = sheets.load_samples(path, check_files=False)
    finally:
        sheets._padded, sheets._Sheet._numbers_fast, sheets._VALID_IDS = saved
    pd.testing.assert_frame_equal(fast, slow)
    assert fast["patient_id"].tolist() == ["P1", "P2", "P3", "P4"]
    assert fast["on_treatment"].tolist() == [None, True, False, False]
    assert all(type(v) is bool for v in fast["evaluable"])
    assert sheets._padded("a\tb\nc\td\n") is False and sheets._padded("a\tb \n") is True


def test_bad_ids_are_still_named(tmp_path):
    for cell, message in (("P 1", "is not a valid id"), ("..", "is not a valid id"),
                          ("P1", "is listed twice"), ("x" * 101, "characters long")):
        path = tmp_path / "s.tsv"
        path.write_text(f"patient_id\nP1\n{cell}\n")
        with pytest.raises(InputError, match=message):
            sheets.load_samples(path, check_files=False)


def test_ctdna_patient_figures_drawn_in_parallel_are_the_same_files(tmp_path):
    from types import SimpleNamespace

    import test_ctdna as t
    from cohortmark import ctdna, steps
    from cohortmark.tsv import write_tsv

    rows = [(f"P{i}", tp, day) for i in range(6) for tp, day in (("baseline", 0),
                                                                    ("C2D1", 28))]
    sheet = t.plasma(*rows)
    variants = {(f"P{i}", tp): t.calls((t.PIK3CA, 0.01 * (i + 1) * (2 if tp == "C2D1" else 1)))
                for i in range(6) for tp in ("baseline", "C2D1")}
    traj = t.quiet(ctdna.trajectories, sheet, variants, t.no_tissue(), {})
    response = ctdna.molecular_response(traj, {}, patients=sheet["patient_id"])
    write_tsv(traj, tmp_path / "traj.tsv")
    write_tsv(response, tmp_path / "resp.tsv")
    (tmp_path / "samples.tsv").write_text(
        "patient_id\tbest_response\n" + "".join(f"P{i}\tSD\n" for i in range(6)))
    files = {}
    for threads in (1, 3):
        smk = SimpleNamespace(
            threads=threads,
            input=SimpleNamespace(samples=str(tmp_path / "samples.tsv"), plasma=None,
                                  trajectories=str(tmp_path / "traj.tsv"),
                                  molecular_response=str(tmp_path / "resp.tsv")),
            output=SimpleNamespace(svg=str(tmp_path / f"out{threads}" / "ctdna_vaf.svg"),
                                   patients=str(tmp_path / f"out{threads}" / "ctdna")),
            params=SimpleNamespace(settings={}, cache=str(tmp_path / f"cache{threads}")))
        log = []
        steps.ctdna_figures_step(smk, log.append)
        assert f"6 drawn ({threads} at a time)" in log[-1]
        out = tmp_path / f"out{threads}" / "ctdna"
        files[threads] = {p.name: p.read_bytes() for p in out.iterdir()}
    assert len(files[1]) == 12 and files[1] == files[3]
