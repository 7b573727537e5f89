"""Sharding, the per-patient cache and cohort assembly (with a stand-in for the readers)."""

import hashlib

import pandas as pd
import pytest
from cohortmark import ingest, schema
from cohortmark.cohort import assemble_alterations
from cohortmark.errors import InputError
from cohortmark.genome import load_panel


def test_shard_of_is_stable_and_spreads():
    # sha1("P01") is fixed, so this value never changes between runs, machines or orders.
    assert ingest.shard_of("P01", 16) == int(hashlib.sha1(b"P01").hexdigest(), 16) % 16
    shards = [ingest.shard_of(f"P{i:05d}", 16) for i in range(5000)]
    counts = pd.Series(shards).value_counts()
    assert len(counts) == 16 and counts.min() > 250 and counts.max() < 380


@pytest.fixture
def fake_ingest(monkeypatch):
    calls = []

    def fake(record, panel, config, build):
        calls.append(record["patient_id"])
        if record.get("cn_file") and record["cn_file"].endswith("bad.cns"):
            raise InputError("line 3: 'x' is not a number", path=record["cn_file"])
        genes = pd.DataFrame({"gene": panel["gene"], "cn_status": "wildtype",
                              "mut_status": "not_profiled"})
        variants = pd.DataFrame(columns=schema.VARIANT_COLUMNS)
        return genes, variants

    monkeypatch.setattr(ingest, "ingest_patient", fake)
    return calls


def test_cache_recomputes_only_changed_patients(tmp_path, fake_ingest):
    panel = load_panel()
    files = {}
    for pid in ("A", "B", "C"):
        files[pid] = tmp_path / f"{pid}.cns"
        files[pid].write_text(f"segments of {pid}\n")
    records = [{"patient_id": pid, "cn_file": str(f)} for pid, f in files.items()]
    cache = tmp_path / "cache"
    alt, _ = ingest.run_shard(records, panel, {}, "GRCh38", cache, log=lambda m: None)
    assert fake_ingest == ["A", "B", "C"] and len(alt) == 3 * len(panel)
    assert set(alt["gene_group"]) == set(panel["group"])
    fake_ingest.clear()
    ingest.run_shard(records, panel, {}, "GRCh38", cache, log=lambda m: None)
    assert fake_ingest == []  # all from cache
    files["B"].write_text("segments of B, corrected\n")
    ingest.run_shard(records, panel, {}, "GRCh38", cache, log=lambda m: None)
    assert fake_ingest == ["B"]  # content change of one file -> only that patient
    fake_ingest.clear()
    records[2]["purity"] = 0.5
    ingest.run_shard(records, panel, {}, "GRCh38", cache, log=lambda m: None)
    assert fake_ingest == ["C"]  # a changed sheet value -> only that patient
    fake_ingest.clear()
    ingest.run_shard(records, panel, {"copy_number": {"amp_min_cn": 9}}, "GRCh38", cache,
                     log=lambda m: None)
    assert fake_ingest == ["A", "B", "C"]  # a changed threshold -> everyone


def test_bad_patient_fails_after_the_others_are_cached(tmp_path, fake_ingest):
    panel = load_panel()
    good, bad = tmp_path / "good.cns", tmp_path / "bad.cns"
    good.write_text("ok\n")
    bad.write_text("not ok\n")
    records = [{"patient_id": "P1", "cn_file": str(bad)}, {"patient_id": "P2", "cn_file": str(good)}]
    with pytest.raises(InputError) as err:
        ingest.run_shard(records, panel, {}, "GRCh38", tmp_path / "c", log=lambda m: None)
    assert str(err.value) == f"patient P1: file {bad}: line 3: 'x' is not a number"
    fake_ingest.clear()
    records[0]["cn_file"] = str(good)
    ingest.run_shard(records, panel, {}, "GRCh38", tmp_path / "c", log=lambda m: None)
    assert fake_ingest == ["P1"]  # P2 was cached during the failed run


def test_assemble_orders_by_sheet_and_panel_and_refuses_gaps():
    panel = load_panel()
    sheet = pd.DataFrame({"patient_id": ["Z", "A"]})
    rows = [{"patient_id": p, "gene": g, "cn_status": "wildtype", "mut_status": "wildtype"}
            for p in ("A", "Z") for g in reversed(panel["gene"])]
    table = assemble_alterations([pd.DataFrame(rows)], sheet, panel)
    assert list(table["patient_id"][:2]) == ["Z", "Z"]
    assert list(table["gene"][: len(panel)]) == list(panel["gene"])
    with pytest.raises(AssertionError, match="missing"):
        assemble_alterations([pd.DataFrame(rows[1:])], sheet, panel)
    with pytest.raises(AssertionError, match="duplicated"):
        assemble_alterations([pd.DataFrame(rows + rows[:1])], sheet, panel)
