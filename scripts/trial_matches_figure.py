"""Snakemake entry point of rule trial_matches_figure: see cohortmark.steps.trial_matches_figure."""

from cohortmark.steps import run, trial_matches_figure

run(trial_matches_figure, snakemake)  # noqa: F821 (injected by Snakemake)
