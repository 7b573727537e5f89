"""Snakemake entry point of rule eligibility: see cohortmark.steps.eligibility."""

from cohortmark.steps import eligibility, run

run(eligibility, snakemake)  # noqa: F821 (injected by Snakemake)
