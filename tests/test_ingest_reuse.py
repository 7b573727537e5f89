"""A shard rerun takes unchanged patients' rows from its previous run (ingest.ShardRows) and
writes exactly the bytes a full recomputation writes."""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cohortmark import ingest
from cohortmark.config import default_config
from cohortmark.genome import load_panel
from cohortmark.sheets import load_samples
from cohortmark.tsv import rows_by_first_field, tsv_rows, write_tsv

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cohort(tmp_path, monkeypatch):
    """The example cohort's files copied to tmp_path (so tests may replace them)."""
    shutil.copytree(ROOT / "example", tmp_path / "example")
    shutil.copy(ROOT / "config" / "samples.tsv", tmp_path / "samples.tsv")
    monkeypatch.chdir(tmp_path)
    sheet = load_samples("samples.tsv")
    records = [ingest.ingest_record(r) for r in sheet.to_dict("records")]
    cfg = default_config()
    return {"records": records, "panel": load_panel(None, "GRCh38"),
            "settings": {"copy_number": cfg["copy_number"], "variants": cfg["variants"]}}


def outputs(folder: Path) -> dict:
    return {name: folder / f"shard.{name}.tsv" for name in ingest.SHARD_TABLES}


def run(cohort, folder: Path, *, records=None, settings=None, panel=None, cache="cache"):
    counts = ingest.ingest_shard_files(
        cohort["records"] if records is None else records,
        cohort["panel"] if panel is None else panel,
        cohort["settings"] if settings is None else settings, "GRCh38", cache,
        outputs(folder), "shard_0_of_1", log=lambda *_: None)
    return counts, {name: path.read_bytes() for name, path in outputs(folder).items()}


def reference(cohort, folder: Path, *, records=None, settings=None, panel=None) -> dict:
    """The tables of run_shard over every patient (fresh cache), written by write_tsv."""
    folder.mkdir(exist_ok=True)
    tables = ingest.run_shard(cohort["records"] if records is None else records,
                              cohort["panel"] if panel is None else panel,
                              cohort["settings"] if settings is None else settings, "GRCh38",
                              folder / "fresh_cache", log=lambda *_: None,
                              structural_variants=True)
    out = {}
    for (name, columns), table in zip(ingest.SHARD_TABLES.items(), tables):
        write_tsv(table, folder / f"{name}.tsv", columns)
        out[name] = (folder / f"{name}.tsv").read_bytes()
    return out


def test_first_run_and_rerun_write_what_run_shard_writes(cohort, tmp_path, monkeypatch):
    (tmp_path / "out").mkdir()
    counts, first = run(cohort, tmp_path / "out")
    assert counts == {"patients": 11, "reused": 0, "computed": 11}
    assert first == reference(cohort, tmp_path / "ref")
    assert b"\tnot_profiled\t" in first["alterations"]  # the example has unprofiled patients

    def fail(*args, **kwargs):
        raise AssertionError("nothing should be recomputed")

    monkeypatch.setattr(ingest, "run_shard", fail)
    counts, again = run(cohort, tmp_path / "out")
    assert counts == {"patients": 11, "reused": 11, "computed": 0}
    assert again == first


def test_only_changed_or_new_patients_are_computed(cohort, tmp_path, monkeypatch):
    (tmp_path / "out").mkdir()
    run(cohort, tmp_path / "out")
    records = cohort["records"]
    computed = []
    real = ingest.run_shard

    def spy(todo, *args, **kwargs):
        computed.append(sorted(r["patient_id"] for r in todo))
        return real(todo, *args, **kwargs)

    monkeypatch.setattr(ingest, "run_shard", spy)
    # P02's copy-number file replaced by P03's, with P02's old modification time (cp -p)
    p02 = next(r for r in records if r["patient_id"] == "P02")
    p03 = next(r for r in records if r["patient_id"] == "P03")
    st = os.stat(p02["cn_file"])
    shutil.copyfile(p03["cn_file"], p02["cn_file"])
    os.utime(p02["cn_file"], ns=(st.st_atime_ns, st.st_mtime_ns))
    # a new patient (P03's files under another id), a patient removed, a sheet value changed,
    # a patient with panel variants no longer profiled for mutations
    new = {**p03, "patient_id": "P99"}
    edits = {"P05": {"purity": 0.5}, "P08": {"variant_file": None, "tumor_sample": None}}
    changed = [{**r, **edits.get(r["patient_id"], {})} for r in records
               if r["patient_id"] != "P07"] + [new]
    counts, got = run(cohort, tmp_path / "out", records=changed)
    assert computed == [["P02", "P05", "P08", "P99"]]
    assert counts == {"patients": 11, "reused": 7, "computed": 4}
    assert b"P08\t" not in got["mutations"]
    assert got == reference(cohort, tmp_path / "ref", records=changed)
    assert b"P07\t" not in got["alterations"] and b"P99\t" in got["patients"]


def test_settings_panel_and_code_rerun_everyone(cohort, tmp_path, monkeypatch):
    (tmp_path / "out").mkdir()
    run(cohort, tmp_path / "out")
    settings = {**cohort["settings"],
                "copy_number": {**cohort["settings"]["copy_number"], "amp_min_cn": 5.0}}
    counts, got = run(cohort, tmp_path / "out", settings=settings)
    assert counts["reused"] == 0
    assert got == reference(cohort, tmp_path / "ref1", settings=settings)
    panel = cohort["panel"].assign(group=lambda d: d["group"].where(d["gene"] != "MDM2", "x"))
    counts, got = run(cohort, tmp_path / "out", settings=settings, panel=panel)
    assert counts["reused"] == 0
    assert got == reference(cohort, tmp_path / "ref2", settings=settings, panel=panel)
    monkeypatch.setattr(ingest, "code_fingerprint", lambda: "another version")
    counts, _ = run(cohort, tmp_path / "out", settings=settings, panel=panel)
    assert counts["reused"] == 0


def test_nothing_is_reused_without_complete_keys(cohort, tmp_path):
    (tmp_path / "out").mkdir()
    run(cohort, tmp_path / "out")
    (tmp_path / "cache" / "shards" / "shard_0_of_1.keys.json").unlink()  # killed mid-save
    counts, got = run(cohort, tmp_path / "out")
    assert counts["reused"] == 0 and got == reference(cohort, tmp_path / "ref")
    # kept rows written by another version (other columns) are not used either
    kept = tmp_path / "cache" / "shards" / "shard_0_of_1.patients.tsv"
    kept.write_text(kept.read_text().replace("patient_id\t", "patient\t", 1))
    counts, _ = run(cohort, tmp_path / "out")
    assert counts["reused"] == 0


def test_rows_with_quotes_and_newlines_keep_their_patient():
    df = pd.DataFrame({"patient_id": ["A", "B", "B", "C"],
                       "note": ['x "y"', "two\nlines", "tab\there", None],
                       "value": [1.0, 0.123456789012, float("nan"), 3.0]})
    rows = tsv_rows(df, ["patient_id", "note", "value"])
    grouped = rows_by_first_field(rows)
    assert list(grouped) == ["A", "B", "C"] and len(grouped["B"]) == 2
    text = "".join(row + "\n" for g in grouped.values() for row in g)
    back = pd.read_csv(pd.io.common.StringIO(text), sep="\t", header=None,
                       keep_default_na=False, na_values=[""])
    assert back[1].tolist()[:3] == df["note"].tolist()[:3]
    assert back[2].tolist()[1] == 0.123456789


def test_kept_patients_still_log_their_reading_warnings(cohort, tmp_path):
    """An empty VCF index is read around with a warning; the rerun that keeps the patient's
    rows logs the warning again (the log of every run lists every patient's warnings)."""
    p01 = next(r for r in cohort["records"] if r["patient_id"] == "P01")
    Path(p01["variant_file"] + ".tbi").write_bytes(b"")
    (tmp_path / "out").mkdir()
    logs = []
    for _ in range(2):
        lines = []
        counts = ingest.ingest_shard_files(
            cohort["records"], cohort["panel"], cohort["settings"], "GRCh38", "cache",
            outputs(tmp_path / "out"), "shard_0_of_1", log=lines.append)
        logs.append([line for line in lines if line.startswith("warning: ")])
    assert counts["reused"] == 11
    assert len(logs[0]) == 1 and "P01" in logs[0][0] and "index" in logs[0][0]
    assert logs[1] == logs[0]


def test_store_from_the_written_table_equals_the_store_of_the_computed_one(cohort, tmp_path):
    """The shard's columnar store is written from its TSV as written (kept rows or not); it
    holds what a store of the freshly computed table holds, an empty text ("") read as
    missing, as every reader of alterations.tsv reads it."""
    from cohortmark.store import read_store, write_store
    from cohortmark.tsv import read_tsv

    (tmp_path / "out").mkdir()
    run(cohort, tmp_path / "out")
    computed = ingest.run_shard(cohort["records"], cohort["panel"], cohort["settings"],
                                "GRCh38", tmp_path / "fresh", log=lambda *_: None,
                                structural_variants=True)[0]
    write_store(computed, tmp_path / "computed.npz")
    back = read_tsv(outputs(tmp_path / "out")["alterations"])
    write_store(ingest.store_frame(back), tmp_path / "written.npz")
    # each column has the kind of the computed table's, also where a shard has no value
    empty = ingest.store_frame(back.assign(cn_focal=None, cn_coamplified=None, vaf=None))
    write_store(empty, tmp_path / "empty.npz")
    kinds = {}
    for name in ("computed", "written", "empty"):
        with np.load(tmp_path / f"{name}.npz") as z:
            kinds[name] = json.loads(str(z["meta"]))["kinds"]
    assert kinds["written"] == kinds["computed"] == kinds["empty"]
    written, computed = read_store(tmp_path / "written.npz"), read_store(tmp_path / "computed.npz")
    for column in computed.columns:
        if computed[column].dtype == object:
            computed[column] = computed[column].where(computed[column] != "", float("nan"))
    pd.testing.assert_frame_equal(written, computed, check_dtype=False)
