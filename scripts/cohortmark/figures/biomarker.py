"""A biomarker named in the figures' settings ("TWIST1", "TWIST1:amplification"): the patients'
groups as the statistics define them (``statistics.amplification_calls`` / ``deletion_calls``),
so a split curve or a strip shows the groups its association row compares."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError

KINDS = ["amplification", "deletion", "mutation", "fusion", "any"]


def parse_split(spec: str, field: str = "figures.km_split_by") -> tuple[str, str]:
    """``"TWIST1"`` -> (TWIST1, any); ``"TWIST1:amplification"`` -> (TWIST1, amplification)."""
    gene, _, kind = spec.partition(":")
    kind = kind or "any"
    if kind not in KINDS:
        raise InputError(f"{spec!r}: alteration must be one of {', '.join(KINDS)}", field=field)
    return gene.strip(), kind


def biomarker_groups(alterations: pd.DataFrame, gene: str, kind: str,
                     amplification_calls=("AMP",), deletion_calls=("HOMDEL",),
                     field: str = "figures.km_split_by") -> pd.Series:
    """Per patient: 'altered', 'not altered' or None (not profiled for that alteration)."""
    df = alterations[alterations["gene"] == gene]
    if df.empty:
        raise InputError(f"gene {gene!r} is not in the cohort's panel", field=field)
    cn_np = (df["cn_status"] == "not_profiled").to_numpy()
    mut_np = (df["mut_status"] == "not_profiled").to_numpy()
    amp = df["cn_call"].isin(list(amplification_calls)).to_numpy() & ~cn_np
    dele = df["cn_call"].isin(list(deletion_calls)).to_numpy() & ~cn_np
    mut = (df["mut_status"] == "altered").to_numpy()
    if "sv_status" in df.columns:
        fus = (df["sv_status"] == "altered").to_numpy()
        sv_np = (df["sv_status"] == "not_profiled").to_numpy()
    else:
        fus, sv_np = np.zeros(len(df), bool), np.ones(len(df), bool)
    if kind == "amplification":
        altered, unknown = amp, cn_np
    elif kind == "deletion":
        altered, unknown = dele, cn_np
    elif kind == "mutation":
        altered, unknown = mut, mut_np
    elif kind == "fusion":
        if "sv_status" not in df.columns:
            raise InputError(f"{gene}:fusion: the run has no fusion calls (sv_file)", field=field)
        altered, unknown = fus, sv_np
    else:
        altered = amp | dele | mut | fus
        unknown = ~altered & (cn_np | mut_np)
    out = pd.Series(np.where(altered, "altered", "not altered"), index=df["patient_id"].values,
                    dtype=object)
    out[unknown & ~altered] = None
    return out


def label(gene: str, kind: str) -> str:
    return f"{gene} {'alteration' if kind == 'any' else kind}"
