"""Snakemake entry point of rule ctdna_check: see cohortmark.steps.ctdna_check."""

from cohortmark.steps import ctdna_check, run

run(ctdna_check, snakemake)  # noqa: F821 (injected by Snakemake)
