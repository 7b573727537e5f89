"""Snakemake entry point of rule ctdna: see cohortmark.steps.ctdna."""

from cohortmark.steps import ctdna, run

run(ctdna, snakemake)  # noqa: F821 (injected by Snakemake)
