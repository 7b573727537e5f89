"""Sharding, the per-patient caches (what each result depends on) and cohort assembly."""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

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


D = Path(__file__).parent / "data"
CNS = D / "copynumber" / "tr95t.cns"  # CNVkit, GRCh37 contigs: read with the GRCh37 panel
VCF = D / "variants" / "pvactools_hcc1395.subset.vcf.gz"  # GRCh38, with a .tbi index


@pytest.fixture
def reads(monkeypatch):
    """Which files the readers actually read: (kind, patient) per call."""
    import cohortmark.copynumber as cn
    import cohortmark.variants as var

    calls = []
    real_segments, real_mutations = cn.read_sample, var.patient_variants

    def read_sample(path, *args, patient=None, **kw):
        calls.append(("cn", patient))
        return real_segments(path, *args, patient=patient, **kw)

    def patient_variants(record, *args, **kw):
        if record.get("variant_file"):
            calls.append(("variants", record["patient_id"]))
        return real_mutations(record, *args, **kw)

    monkeypatch.setattr(cn, "read_sample", read_sample)
    monkeypatch.setattr(var, "patient_variants", patient_variants)
    return calls


def shard(records, tmp_path, config=None, build="GRCh37"):
    return ingest.run_shard(records, load_panel(build=build), config or {}, build,
                            tmp_path / "cache", log=lambda m: None,
                            memo_path=tmp_path / "cache" / "memo.json")


def test_cache_recomputes_only_what_changed(tmp_path, reads):
    files = {}
    for pid in ("A", "B", "C"):
        files[pid] = tmp_path / f"{pid}.cns"
        shutil.copy(CNS, files[pid])
    records = [{"patient_id": pid, "cn_file": str(f)} for pid, f in files.items()]
    alt, _, _ = shard(records, tmp_path)
    assert reads == [("cn", "A"), ("cn", "B"), ("cn", "C")] and len(alt) == 3 * 18
    reads.clear()
    again, _, _ = shard(records, tmp_path)
    assert reads == []  # all from the cache, and identical
    pd.testing.assert_frame_equal(alt, again)
    # a replaced file (same size, older date, other content) is read again
    text = files["B"].read_text().replace("\t0.5", "\t0.6", 1)
    assert text != files["B"].read_text()
    files["B"].write_text(text)
    os.utime(files["B"], (1e9, 1e9))
    shard(records, tmp_path)
    assert reads == [("cn", "B")]
    reads.clear()
    # a sheet value or a calling threshold: re-called from the cached segments, no file read
    records[2]["purity"] = 0.5
    changed, _, _ = shard(records, tmp_path, {"copy_number": {"gain_min_fold": 1.05,
                                                              "loss_max_fold": 0.95}})
    assert reads == []
    assert (changed["cn_call"] != alt["cn_call"]).any()
    # a setting of how files are read: every file read again
    shard(records, tmp_path, {"copy_number": {"cnvkit_use_cn": False}})
    assert sorted(reads) == [("cn", "A"), ("cn", "B"), ("cn", "C")]


def test_variant_cache_keys_on_the_index_and_the_settings(tmp_path, reads):
    vcf = tmp_path / "T.vcf.gz"
    shutil.copy(VCF, vcf)
    shutil.copy(str(VCF) + ".tbi", str(vcf) + ".tbi")
    records = [{"patient_id": "T", "variant_file": str(vcf)}]
    _, muts, _ = shard(records, tmp_path, build="GRCh38")
    assert reads == [("variants", "T")]
    reads.clear()
    shard(records, tmp_path, build="GRCh38")
    assert reads == []
    # another index beside the file (a CSI) can change what a region query returns
    subprocess.run(["tabix", "-f", "-C", "-p", "vcf", str(vcf)], check=True)
    again, _, _ = shard(records, tmp_path, build="GRCh38")
    assert reads == [("variants", "T")]
    reads.clear()
    shard(records, tmp_path, {"variants": {"min_vaf": 0.99}}, build="GRCh38")
    assert reads == [("variants", "T")]


def test_bad_patient_fails_after_the_others_are_cached(tmp_path, reads):
    good = tmp_path / "good.cns"
    shutil.copy(CNS, good)
    bad = D / "bad" / "copynumber" / "cnvkit_overlap.cns"
    records = [{"patient_id": "P1", "cn_file": str(bad)}, {"patient_id": "P2", "cn_file": str(good)}]
    with pytest.raises(InputError) as err:
        shard(records, tmp_path)
    assert str(err.value).startswith(f"patient P1: file {bad}: line 3:")
    reads.clear()
    records[0]["cn_file"] = str(good)
    shard(records, tmp_path)
    assert reads == [("cn", "P1")]  # P2 was cached during the failed run


def test_shard_fingerprint_changes_when_a_file_is_replaced_by_an_older_copy(tmp_path):
    a, b = tmp_path / "a.cns", tmp_path / "b.cns"
    shutil.copy(CNS, a)
    b.write_text(a.read_text().replace("\t0.5", "\t0.6", 1))
    records = [{"patient_id": "P1", "cn_file": str(a)}]
    before = ingest.shard_fingerprint(records)
    assert ingest.shard_fingerprint(records) == before
    os.utime(b, (1e9, 1e9))  # older than a
    shutil.copy2(b, a)  # cp -p: a now carries b's older date
    assert ingest.shard_fingerprint(records) != before
    clinical = [{**records[0]}]
    assert ingest.shard_fingerprint(clinical) == ingest.shard_fingerprint(records)


def test_ingest_record_keeps_only_what_ingest_depends_on():
    row = {"patient_id": "P1", "cn_file": "a.cns", "best_response": "PR", "purity": float("nan"),
           "_line": 2}
    rec = ingest.ingest_record(row)
    assert set(rec) == set(schema.INGEST_COLUMNS) and rec["purity"] is None
    assert "best_response" not in rec


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
