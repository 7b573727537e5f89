"""Ingest with the registry biomarkers: structural variants, TMB and MSI per patient, in the
shard tables and the per-patient caches (a changed setting recomputes only what it changes)."""

from pathlib import Path

import pandas as pd
import pytest
from cohortmark import biomarkers, fusions, ingest, schema
from cohortmark.genome import load_panel

DATA = Path(__file__).parent / "data"
PVAC = DATA / "variants" / "pvactools_hcc1395.subset.vcf.gz"


@pytest.fixture()
def panel(tmp_path):
    path = tmp_path / "panel.tsv"
    path.write_text("gene\nBCR\nABL1\nTP53\nEIF3K\n")
    return load_panel(path)


@pytest.fixture()
def calls(monkeypatch):
    seen = []
    real_sv, real_bio = fusions.patient_structural_variants, biomarkers.patient_biomarkers

    def sv(record, *args, **kw):
        if record.get("sv_file"):
            seen.append(("sv", record["patient_id"]))
        return real_sv(record, *args, **kw)

    def bio(record, *args, **kw):
        seen.append(("biomarkers", record["patient_id"]))
        return real_bio(record, *args, **kw)

    monkeypatch.setattr(fusions, "patient_structural_variants", sv)
    monkeypatch.setattr(biomarkers, "patient_biomarkers", bio)
    return seen


def records():
    return [
        {"patient_id": "A", "variant_file": str(PVAC),
         "sv_file": str(DATA / "fusions" / "arriba_test_fusions.tsv"),
         "msi_file": str(DATA / "biomarkers" / "msisensor2_example.tumor.only.hg38")},
        {"patient_id": "B", "msi_status": "MSS", "tmb": 4.5},
    ]


def shard(tmp_path, panel, settings):
    return ingest.run_shard(records(), panel, settings, "GRCh38", tmp_path / "cache",
                            log=lambda m: None, structural_variants=True)


def test_shard_tables(tmp_path, panel, calls):
    settings = {"tmb": {"territory_mb": 2.0}}
    alterations, _, patients, svs = shard(tmp_path, panel, settings)
    a = alterations.set_index(["patient_id", "gene"])
    assert a.loc[("A", "BCR"), "sv_status"] == "altered"
    assert a.loc[("A", "BCR"), "sv_partners"] == "ABL1"
    assert a.loc[("A", "TP53"), "sv_status"] == "wildtype"
    assert set(a.loc["B", "sv_status"]) == {"not_profiled"}
    assert list(svs["patient_id"]) == ["A"] and list(svs.columns) == \
        schema.STRUCTURAL_VARIANT_COLUMNS
    p = patients.set_index("patient_id")
    assert p.loc["A", "tmb"] == 14 / 2.0 and p.loc["A", "tmb_variants"] == 14
    assert (p.loc["A", "msi_status"], p.loc["A", "msi_source"]) == ("MSI-H", "msisensor")
    assert p.loc["A", "n_structural_variants"] == 1
    assert (p.loc["B", "tmb"], p.loc["B", "tmb_source"]) == (4.5, "sheet")
    assert (p.loc["B", "msi_status"], p.loc["B", "msi_source"]) == ("MSS", "sheet")
    assert list(patients.columns) == schema.PATIENT_COLUMNS


def test_caches_follow_the_settings(tmp_path, panel, calls):
    first = shard(tmp_path, panel, {"tmb": {"territory_mb": 2.0}})
    assert sorted(calls) == [("biomarkers", "A"), ("biomarkers", "B"), ("sv", "A")]
    calls.clear()
    again = shard(tmp_path, panel, {"tmb": {"territory_mb": 2.0}})
    assert calls == []
    for x, y in zip(first, again, strict=True):
        pd.testing.assert_frame_equal(x, y)
    shard(tmp_path, panel, {"tmb": {"territory_mb": 1.0}})  # TMB only: no fusion re-read
    assert sorted(calls) == [("biomarkers", "A"), ("biomarkers", "B")]
    calls.clear()
    _, _, _, svs = shard(tmp_path, panel, {"tmb": {"territory_mb": 1.0},
                                           "structural_variants": {"min_support": 20}})
    assert calls == [("sv", "A")] and svs.empty  # 11 reads < 20
