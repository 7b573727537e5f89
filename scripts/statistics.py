"""Snakemake entry point of rule statistics: see cohortmark.steps.statistics."""

from cohortmark.steps import statistics, run

run(statistics, snakemake)  # noqa: F821 (injected by Snakemake)
