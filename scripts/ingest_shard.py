"""Snakemake entry point of rule ingest_shard: see cohortmark.steps.ingest_shard."""

from cohortmark.steps import ingest_shard, run

run(ingest_shard, snakemake)  # noqa: F821 (injected by Snakemake)
