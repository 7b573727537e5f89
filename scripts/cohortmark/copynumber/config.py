"""The ``copy_number`` config section: completed from the schema (config/schemas/config.schema.yaml,
the one source of its defaults and rules)."""

from __future__ import annotations

from ..config import complete

CALLS = ("AMP", "GAIN", "NEUTRAL", "LOSS", "HOMDEL")
THRESHOLD_KEYS = ("amp_min_cn", "amp_min_fold", "gain_min_cn", "gain_min_fold", "loss_max_cn",
                  "loss_max_fold", "homdel_max_cn", "homdel_max_fold")


def resolve(section: dict | None) -> dict:
    """The copy_number section with the schema's defaults filled in; InputError naming a bad key."""
    return complete("copy_number", section)

# Keys that only affect the gene-level values and calls made from segments: a change to one of
# these re-calls copy number from cached segments; any other key (how a file is read) re-reads.
CALL_KEYS = ("altered_calls", *THRESHOLD_KEYS, "gene_thresholds", "focal_max_length",
             "run_max_gap", "min_coverage", "default_purity", "default_ploidy",
             "partial_gene_calls", "value_decimals")


def reader_settings(section: dict) -> dict:
    """The part of a complete copy_number section that reading a file depends on."""
    return {k: v for k, v in section.items() if k not in CALL_KEYS}
