"""Snakemake entry point of rule statistics: see cohortmark.steps.statistics."""

from cohortmark.steps import run, statistics

run(statistics, snakemake)  # noqa: F821 (injected by Snakemake)
