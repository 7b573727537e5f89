"""Copy number through ingest.run_shard (patients without variant files)."""

from pathlib import Path

import pandas as pd
import pytest
from cohortmark import ingest, schema
from cohortmark.errors import InputError
from cohortmark.genome import load_panel
from cohortmark.tsv import read_tsv, write_tsv

D = Path(__file__).parent / "data" / "copynumber"


def record(pid, cn_file=None, **kw):
    return {"patient_id": pid, "cn_file": str(D / cn_file) if cn_file else None,
            "cn_format": None, "variant_file": None, "tumor_sample": None, "purity": None,
            "ploidy": None, **kw}


def test_run_shard_with_real_copy_number(tmp_path):
    panel = load_panel(build="GRCh37")
    records = [record("P1", "tr95t.cns"),
               record("P2", "A17.fast.segments.txt", tumor_sample="A17F-0095_CRUK_PC_0095_M5"),
               record("P3"),
               record("P4", "tumor_sample.purple.cnv.somatic.tsv", purity=0.99, ploidy=3.1)]
    config = {"copy_number": {"gene_thresholds": {"MDM2": {"amp_min_cn": 12,
                                                            "amp_min_fold": None}}}}
    alts, _, patients = ingest.run_shard(records, panel, config, "GRCh37", tmp_path / "cache",
                               log=lambda *_: None)
    assert len(alts) == 4 * len(panel)
    write_tsv(alts, tmp_path / "alterations.tsv", columns=schema.ALTERATION_COLUMNS)
    back = read_tsv(tmp_path / "alterations.tsv").set_index(["patient_id", "gene"])
    assert back.loc[("P1", "MDM2"), "cn_call"] == "AMP"  # 14.1 copies >= 12
    assert back.loc[("P2", "MDM2"), "cn_call"] == "AMP"  # 15 copies
    assert back.loc[("P2", "CDKN2A"), "cn_status"] == "wildtype"  # LOSS: not altered
    assert (back.loc["P3", "cn_status"] == "not_profiled").all()
    assert back.loc["P3", "cn_call"].isna().all()
    assert back.loc[("P4", "MDM2"), "cn_call"] == "NEUTRAL"
    assert back.loc[("P1", "MDM2"), "cn_focal"] in (True, "True")
    p = patients.set_index("patient_id")
    assert p.loc["P4", ["purity", "ploidy", "purity_source"]].tolist() == [0.99, 3.1, "sheet"]
    assert p.loc["P1", ["ploidy", "ploidy_source"]].tolist() == [2.0, "default"]
    assert p.loc["P3"].drop("n_panel_variants").isna().all()
    # a second run comes from the cache and is identical
    again, _, _ = ingest.run_shard(records, panel, config, "GRCh37", tmp_path / "cache",
                                log=lambda *_: None)
    pd.testing.assert_frame_equal(alts, again)


def test_run_shard_names_the_patient_with_a_bad_file(tmp_path):
    panel = load_panel(build="GRCh37")
    bad = D.parent / "bad" / "copynumber" / "cnvkit_overlap.cns"
    records = [record("P1", "tr95t.cns"), {**record("P9"), "cn_file": str(bad)}]
    with pytest.raises(InputError) as err:
        ingest.run_shard(records, panel, {}, "GRCh37", tmp_path / "cache", log=lambda *_: None)
    assert str(err.value) == (f"patient P9: file {bad}: line 3: segment overlaps the previous "
                              "one on chromosome 1 (the segment on line 2 ends after this one "
                              "starts)")
