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


def test_caller_purity_ploidy_through_ingest_and_its_cache(tmp_path):
    """PURPLE segments with empty sheet cells: ploidy 3.1 from purity.tsv (patients.tsv says
    'caller' and which file); a changed purity.tsv is noticed (the cache key holds it)."""
    import shutil

    work = tmp_path / "purple"
    work.mkdir()
    for name in ("tumor_sample.purple.cnv.somatic.tsv", "tumor_sample.purple.purity.tsv"):
        shutil.copy(D / name, work / name)
    panel = load_panel(build="GRCh37")
    rec = {**record("P1"), "cn_file": str(work / "tumor_sample.purple.cnv.somatic.tsv")}
    assert ingest.patient_files(rec) == [rec["cn_file"],
                                         str(work / "tumor_sample.purple.purity.tsv")]
    alts, _, patients = ingest.run_shard([rec], panel, {}, "GRCh37", tmp_path / "cache",
                                         log=lambda *_: None)
    p = patients.iloc[0]
    assert (p.cn_format, p.ploidy, p.ploidy_source, p.purity_source) == \
        ("purple", 3.1, "caller", "caller")
    assert p.caller_fit_file.endswith("tumor_sample.purple.purity.tsv") and pd.isna(p.cn_note)
    assert alts.set_index("gene").loc["MDM2", "cn_call"] == "NEUTRAL"  # 3.0157 / 3.1
    purity = work / "tumor_sample.purple.purity.tsv"
    purity.write_text(purity.read_text().replace("\t3.1000\t", "\t2.0000\t", 1))
    alts, _, patients = ingest.run_shard([rec], panel, {}, "GRCh37", tmp_path / "cache",
                                         log=lambda *_: None)
    assert patients.iloc[0].ploidy == 2.0
    assert alts.set_index("gene").loc["MDM2", "cn_call"] == "GAIN"  # 3.0157 / 2


def test_cn_sample_through_ingest(tmp_path):
    """tumor_sample names the VCF column; the SEG's ID is the patient: cn_sample not needed;
    a cn_sample that is not in the file stops with the samples listed."""
    panel = load_panel(build="GRCh37")
    rec = record("TR_01_T", "cw-tr-log2.seg", tumor_sample="TUMOR")
    _, _, patients = ingest.run_shard([rec], panel, {}, "GRCh37", tmp_path / "cache",
                                      log=lambda *_: None)
    assert patients.iloc[0].cn_sample == "TR_01_T"
    with pytest.raises(InputError, match=r"sample 'TR_99' \(cn_sample\) not found"):
        ingest.run_shard([{**rec, "cn_sample": "TR_99"}], panel, {}, "GRCh37",
                         tmp_path / "cache", log=lambda *_: None)
