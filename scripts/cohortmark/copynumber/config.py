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
