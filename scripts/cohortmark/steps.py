"""The I/O side of each Snakemake rule: read inputs, call the pure functions, write outputs.

Each ``<rule>(smk, log)`` takes Snakemake's ``snakemake`` object; ``run`` wraps a step so that
bad input ends the job with one clear line (and no traceback), logged and on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import schema
from .errors import InputError
from .genome import load_panel
from .sheets import load_samples
from .tsv import read_tsv, write_tsv


def run(step, smk) -> None:
    """Run ``step(smk, log)``; on InputError print 'cohortmark: error: ...' and exit 1."""
    log_path = Path(smk.log[0]) if len(smk.log) else None
    if log_path:
        log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path or "/dev/null", "w", encoding="utf-8") as log_fh:
        def log(message: str) -> None:
            print(message, file=log_fh, flush=True)

        try:
            step(smk, log)
        except InputError as err:
            message = f"cohortmark: error: {err}"
            log(message)
            print(message, file=sys.stderr)
            sys.exit(1)


def ingest_shard(smk, log) -> None:
    panel = load_panel(smk.input.panel, smk.params.build)
    from .ingest import run_shard

    alterations, mutations = run_shard(smk.params.records, panel, smk.config,
                                       smk.params.build, smk.params.cache, log=log)
    write_tsv(alterations, smk.output.alterations, schema.ALTERATION_COLUMNS)
    write_tsv(mutations, smk.output.mutations, schema.MUTATION_COLUMNS)


def cohort_alterations(smk, log) -> None:
    from .cohort import assemble_alterations, assemble_mutations

    sheet = load_samples(smk.input.samples, check_files=False)
    panel = load_panel(smk.input.panel, smk.params.build)
    alterations = assemble_alterations([read_tsv(p) for p in smk.input.alterations], sheet, panel)
    mutations = assemble_mutations([read_tsv(p) for p in smk.input.mutations], sheet)
    write_tsv(alterations, smk.output.alterations, schema.ALTERATION_COLUMNS)
    write_tsv(mutations, smk.output.mutations, schema.MUTATION_COLUMNS)
    log(f"cohort: {len(sheet)} patients x {len(panel)} genes, {len(mutations)} panel variants")


def _population(smk, sheet, alterations, log):
    """Apply ``analysis_population`` (if configured): returns (sheet, alterations, description)."""
    if not smk.config.get("analysis_population"):
        return sheet, alterations, f"all patients (n = {len(sheet)})"
    from .cohorts import population

    keep, description = population(smk.config, alterations, sheet)
    keep = set(keep)
    log(f"analysis population: {description}")
    return (sheet[sheet["patient_id"].isin(keep)].reset_index(drop=True),
            alterations[alterations["patient_id"].isin(keep)].reset_index(drop=True),
            description)


def statistics(smk, log) -> None:
    from .stats import associations, interactions, outcomes

    sheet = load_samples(smk.input.samples, check_files=False)
    alterations = read_tsv(smk.input.alterations)
    sheet, alterations, _ = _population(smk, sheet, alterations, log)
    write_tsv(outcomes(sheet, smk.config), smk.output.outcomes, schema.OUTCOME_COLUMNS)
    write_tsv(associations(alterations, sheet, smk.config), smk.output.associations,
              schema.ASSOCIATION_COLUMNS)
    write_tsv(interactions(alterations, smk.config), smk.output.interactions,
              schema.INTERACTION_COLUMNS)
