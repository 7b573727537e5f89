"""The corpus of broken and awkward inputs: every ``cases.tsv`` under tests/data/bad/.

Each case names a file, the loader that reads it (``kind``) and the exact text the user must
see; awkward-but-valid files (``ACCEPT``) must load. Sheets and config are in
tests/data/bad/, copy-number files in bad/copynumber/, variant files in bad/variants/ (with the
``sample`` and ``build`` a case is read with). The suite prints the corpus size and pass count.
"""

from pathlib import Path

import pandas as pd
import pytest
import yaml
from cohortmark.config import check_config
from cohortmark.errors import InputError
from cohortmark.genome import load_panel
from cohortmark.sheets import load_plasma, load_samples

BAD = Path(__file__).parent / "data" / "bad"
ROOT = Path(__file__).resolve().parents[1]


def _cases() -> pd.DataFrame:
    tables = []
    for path in sorted(BAD.rglob("cases.tsv")):
        t = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
        tables.append(t.assign(dir=str(path.parent)))
    return pd.concat(tables, ignore_index=True).fillna("")


CASES = _cases()
RESULTS = {"cases": len(CASES), "passed": 0}


def load_config(path: Path, case: dict):
    check_config(yaml.safe_load(path.read_text()), ROOT / "config" / "schemas" /
                 "config.schema.yaml", path=str(path))


def load_variants(path: Path, case: dict):
    from cohortmark.variants import read_variants

    build = case.get("build") or "GRCh38"
    return read_variants(path, case.get("sample") or None, panel=load_panel(build=build),
                         build=build, patient="P01")


def load_copy_number(path: Path, case: dict):
    from cohortmark.copynumber import read_segments

    return read_segments(path, case.get("format") or None, case.get("sample") or None,
                         patient="P01", build=case.get("build") or "GRCh37")


LOADERS = {
    "samples": lambda p, case: load_samples(p, base=BAD),
    "plasma": lambda p, case: load_plasma(p, ["P01"], base=BAD),
    "config": load_config,
    "variants": load_variants,
    "cn": load_copy_number,
}


@pytest.mark.parametrize("case", CASES.to_dict("records"),
                         ids=[f"{Path(d).name}/{f}" for d, f in zip(CASES["dir"], CASES["file"])])
def test_bad_input_case(case):
    path = Path(case["dir"]) / case["file"]
    load = LOADERS[case["kind"]]
    if case["expect"] == "ACCEPT":
        load(path, case)
    else:
        with pytest.raises(InputError) as err:
            load(path, case)
        message = str(err.value)
        assert case["expect"].replace("{path}", str(path)) in message
        assert str(path) in message
        assert "\n" not in message.strip(), "one message, one line"
        if case["kind"] in ("variants", "cn"):
            assert "patient P01" in message
    RESULTS["passed"] += 1


def test_corpus_is_large_enough():
    broken = CASES[CASES["expect"] != "ACCEPT"]
    assert len(broken) >= 40, f"corpus has {len(broken)} broken cases; the issue asks for 40+"
    assert set(CASES["kind"]) >= {"samples", "plasma", "config", "variants", "cn"}
