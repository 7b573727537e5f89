"""Snakemake entry point of rule ctdna_patient_figures: see cohortmark.steps."""

from cohortmark.steps import ctdna_patient_figures, run

run(ctdna_patient_figures, snakemake)  # noqa: F821 (injected by Snakemake)
