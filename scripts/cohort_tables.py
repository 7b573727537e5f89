"""Snakemake entry point of rule cohort_tables: see cohortmark.steps.cohort_tables."""

from cohortmark.steps import cohort_tables, run

run(cohort_tables, snakemake)  # noqa: F821 (injected by Snakemake)
