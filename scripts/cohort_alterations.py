"""Snakemake entry point of rule cohort_alterations: see cohortmark.steps.cohort_alterations."""

from cohortmark.steps import cohort_alterations, run

run(cohort_alterations, snakemake)  # noqa: F821 (injected by Snakemake)
