"""The ``figures`` config section, completed from the schema (its one source of defaults)."""

from __future__ import annotations

from ..config import section


def figure_settings(config: dict | None) -> dict:
    """The ``figures`` section of a (whole) config; InputError naming a bad key."""
    return section(config, "figures")
