"""Snakemake entry point of rule ctdna_figures: see cohortmark.steps.ctdna_figures_step."""

from cohortmark.steps import ctdna_figures_step, run

run(ctdna_figures_step, snakemake)  # noqa: F821 (injected by Snakemake)
