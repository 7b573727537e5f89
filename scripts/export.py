"""Snakemake entry point of rule export: see cohortmark.steps.export."""

from cohortmark.steps import export, run

run(export, snakemake)  # noqa: F821 (injected by Snakemake)
