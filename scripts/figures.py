"""Snakemake entry point of rule figures: see cohortmark.steps.figures."""

from cohortmark.steps import figures, run

run(figures, snakemake)  # noqa: F821 (injected by Snakemake)
