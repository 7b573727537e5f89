"""Snakemake entry point of rule report: see cohortmark.steps.report."""

from cohortmark.steps import report, run

run(report, snakemake)  # noqa: F821 (injected by Snakemake)
