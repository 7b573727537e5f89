"""Cluster resource requests (cohortmark.resources): every rule declares them, they scale with
`attempt`, and at 100,000 patients with the default shard count they fit a typical node."""

import re

import pytest
from cohortmark import resources
from cohortmark.config import default_config
from runs import copy_example, snakemake

NODE_MB, NODE_MINUTES = 16_000, 24 * 60

# The benchmark's registry (bench/registry_cohort.py): 18-gene panel, plasma for 10% of the
# patients with 2-3 samples each, per-patient CNVkit files (~40 kB) and indexed VCFs (~200 kB).
REGISTRY = {"rows": 100_000 * 18, "plasma": 27_000, "plasma_patients": 10_000}
RULES = ["cohort_alterations", "cohort_tables", "eligibility", "statistics", "export", "report", "ctdna",
         "ctdna_check", "ctdna_figures", "figure_biomarker_heatmap", "figure_waterfall",
         "figure_swimmer", "figure_km_pfs", "figure_km_os", "figure_forest",
         "figure_interactions", "a rule added later"]


@pytest.mark.parametrize("rule", RULES)
def test_requests_at_100000_patients_fit_a_node(rule):
    req = resources.request(rule, REGISTRY)
    assert resources.FLOOR_MB <= req["mem_mb"] <= NODE_MB
    assert resources.FLOOR_MINUTES <= req["runtime"] <= NODE_MINUTES


def test_ingest_shards_at_100000_patients_fit_a_node():
    shards = default_config()["ingest"]["shards"]
    patients = int(100_000 / shards * 1.1)  # shard_of spreads patients within a few percent
    files = {}
    for i in range(patients):
        files.update({f"cn/P{i}.cns": [40_000, 0], f"vcf/P{i}.vcf.gz": [200_000, 0],
                      f"vcf/P{i}.vcf.gz.tbi": [40_000, 0]})
    total, largest = resources.read_in_full(files)
    assert total == pytest.approx(patients * 0.04) and largest == pytest.approx(0.04)
    req = resources.shard_request(patients, total, largest)
    assert req["mem_mb"] <= NODE_MB and req["runtime"] <= NODE_MINUTES
    # an unindexed exome VCF per patient (~4 MB) still fits a day
    exome = resources.shard_request(patients, patients * 4.04, 4)
    assert exome["runtime"] <= NODE_MINUTES


def test_read_in_full_counts_unindexed_files_once():
    files = {"a.vcf.gz": [5_000_000, 1], "a.vcf.gz.tbi": [10_000, 1], "b.vcf.gz": [3_000_000, 1],
             "b.vcf.gz.csi": [10_000, 1], "c.vcf": [7_000_000, 1], "cohort.maf": [80_000_000, 1],
             "x.cns": [1_000_000, 1]}
    assert resources.read_in_full(files) == (pytest.approx(88.0), pytest.approx(80.0))


@pytest.mark.parametrize("rule", ["statistics", "ctdna"])
def test_requests_scale_with_attempt_and_work(rule):
    small = {"rows": 1_000 * 18, "plasma": 270, "plasma_patients": 100}
    one, two, three = (resources.request(rule, REGISTRY, a) for a in (1, 2, 3))
    assert two == {k: 2 * v for k, v in one.items()}
    assert three == {k: 3 * v for k, v in one.items()}
    assert resources.request(rule, small)["mem_mb"] < one["mem_mb"]
    big = resources.shard_request(6_250, 250, 0.04)
    assert resources.shard_request(6_250, 250, 0.04, attempt=2) == {
        k: 2 * v for k, v in big.items()}
    assert resources.shard_request(60, 2.4, 0.04)["runtime"] < big["runtime"]


def test_every_job_of_the_workflow_declares_its_requests(tmp_path):
    """A dry run of the example lists mem_mb and runtime for every job, as the module says
    (none is left to the profile's defaults)."""
    workdir = copy_example(tmp_path)
    result = snakemake(workdir, "-n", "--forceall")
    assert result.returncode == 0, result.stderr[-3000:]
    blocks = re.split(r"^(?:local)?rule (\w+):$", result.stdout, flags=re.MULTILINE)
    jobs = list(zip(blocks[1::2], blocks[2::2]))
    assert len(jobs) > 20
    for rule, text in jobs:
        if rule == "all":
            continue
        mem = re.search(r"mem_mb=(\d+)", text)
        minutes = re.search(r"runtime=(\d+)", text)
        assert mem and minutes, (rule, text)
        if rule != "ingest_shard":
            assert int(mem.group(1)) == resources.request(rule, _example_size())["mem_mb"]


def _example_size():
    import pandas as pd
    from runs import ROOT

    samples = pd.read_csv(ROOT / "config" / "samples.tsv", sep="\t")
    plasma = pd.read_csv(ROOT / "config" / "ctdna.tsv", sep="\t")
    return {"rows": len(samples) * 18, "plasma": len(plasma),
            "plasma_patients": plasma["patient_id"].nunique()}
