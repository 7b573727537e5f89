"""Snakemake entry point of the rules figure_<name> (one per entry of the figure registry):
see cohortmark.steps.figures."""

from cohortmark.steps import figures, run

run(figures, snakemake)  # noqa: F821 (injected by Snakemake)
