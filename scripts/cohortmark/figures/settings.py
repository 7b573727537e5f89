"""The ``figures`` config section: defaults (as in config/schemas/figures.schema.yaml)."""

from __future__ import annotations

from ..errors import InputError

DEFAULTS = {
    "heatmap_tracks": [],
    "km_split_by": None,
    "max_heatmap_columns": 150,
    "heatmap_bins": 60,
    "heatmap_pvalue_endpoint": "response",
    "forest_max_rows": 30,
    "swimmer_max_patients": 60,
    "dpi": 150,
    "report_title": "cohortmark report",
    "report_date": None,
}


def figure_settings(config: dict | None) -> dict:
    """The ``figures`` section merged over the defaults; unknown keys raise InputError."""
    section = dict((config or {}).get("figures") or {})
    unknown = sorted(set(section) - set(DEFAULTS))
    if unknown:
        raise InputError(f"unknown key {unknown[0]!r} (known: {', '.join(DEFAULTS)})",
                         field=f"figures.{unknown[0]}")
    out = dict(DEFAULTS)
    out.update({k: v for k, v in section.items() if v is not None or k in ("km_split_by",
                                                                           "report_date")})
    if out["max_heatmap_columns"] < 1 or out["heatmap_bins"] < 1:
        raise InputError("must be at least 1", field="figures.max_heatmap_columns")
    return out
