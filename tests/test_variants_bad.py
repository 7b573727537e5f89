"""Bad variant files (tests/data/bad/variants/cases.tsv): each raises one clear InputError.

Same layout as tests/test_bad_inputs.py (file, kind, expect; ``ACCEPT`` = must load) plus the
``sample`` and ``build`` a case is read with, so the lead can fold the rows into the main
corpus and register the ``variants`` loader there.
"""

from pathlib import Path

import pandas as pd
from cohortmark.genome import load_panel
from cohortmark.variants import read_variants

BAD = Path(__file__).parent / "data" / "bad" / "variants"
CASES = pd.read_csv(BAD / "cases.tsv", sep="\t", dtype=str, keep_default_na=False)
RESULTS = {"cases": len(CASES), "passed": 0}


def load_variants(path: Path, case: dict):
    build = case.get("build") or "GRCh38"
    return read_variants(path, case.get("sample") or None, panel=load_panel(build=build),
                         build=build, patient="P01")


def test_accepted_cases_give_the_expected_variant():
    for name, build in (("ok_vcf_chr_prefix.vcf", "GRCh37"),
                        ("ok_vcf_bgzipped_indexed.vcf.gz", "GRCh37"),
                        ("ok_maf_cr_line_endings.maf", "GRCh37")):
        v = load_variants(BAD / name, {"sample": "TUMOR", "build": build})
        tp53 = v[v.gene == "TP53"].iloc[0]
        assert (tp53.chrom, tp53.pos, tp53.alt_count) == ("17", 7579312, 22), name
    bcf = load_variants(BAD / "ok_bcf.bcf", {"build": "GRCh38"})
    assert list(bcf.protein_change) == ["p.R175H"]


def test_corpus_is_large_enough():
    assert len(CASES[CASES.expect != "ACCEPT"]) >= 20
