"""The corpus of broken and awkward inputs (tests/data/bad/cases.tsv): each with its message.

Every case names the file and states the exact text the user must see; awkward-but-valid
files (``ACCEPT``) must load. The suite prints the corpus size and pass count at the end.
"""

from pathlib import Path

import pandas as pd
import pytest
import yaml
from cohortmark.config import check_config
from cohortmark.errors import InputError
from cohortmark.sheets import load_plasma, load_samples

BAD = Path(__file__).parent / "data" / "bad"
ROOT = Path(__file__).resolve().parents[1]
CASES = pd.read_csv(BAD / "cases.tsv", sep="\t", dtype=str, keep_default_na=False)
RESULTS = {"cases": len(CASES), "passed": 0}


def load_config(path: Path):
    check_config(yaml.safe_load(path.read_text()), ROOT / "config" / "schemas" /
                 "config.schema.yaml", path=str(path))


LOADERS = {
    "samples": lambda p, opts: load_samples(p, base=BAD),
    "plasma": lambda p, opts: load_plasma(p, ["P01"], base=BAD),
    "config": lambda p, opts: load_config(p),
}


def register(loader_kind: str, fn) -> None:
    """Let reader tests add kinds (cn, variants) to the corpus without editing this file."""
    LOADERS[loader_kind] = fn


@pytest.mark.parametrize("case", CASES.to_dict("records"), ids=list(CASES["file"]))
def test_bad_input_case(case):
    path = BAD / case["file"]
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
    RESULTS["passed"] += 1


def test_corpus_is_large_enough():
    assert len(CASES) >= 40, f"corpus has {len(CASES)} cases; the issue asks for 40 or more"
