"""Config, filtering, de-duplication and the gene-level summary (pure functions)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import schema
from ..config import section


def settings(config: dict | None) -> dict:
    """The ``variants`` section of a (whole) config, completed from the schema's defaults."""
    return section(config, "variants")


def normalise(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Trim bases shared by REF and ALT (suffix, then prefix), keeping one base of each."""
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return pos, ref, alt


def passes_filter(filter_value: str, accepted: list[str]) -> bool:
    """FILTER ``PASS``/``.``/empty counts as PASS; every listed filter must be accepted."""
    if not accepted:
        return True
    values = [v for v in str(filter_value or "PASS").replace(",", ";").split(";") if v]
    values = ["PASS" if v == "." else v for v in values] or ["PASS"]
    return all(v in accepted for v in values)


def apply_thresholds(variants: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """Drop variants below min_depth / min_alt_reads / min_vaf.

    A variant whose measurement is missing (e.g. no depth in the file) cannot be judged and is
    kept; only a measured value below the threshold removes it.
    """
    keep = np.ones(len(variants), dtype=bool)
    for col, key in (("depth", "min_depth"), ("alt_count", "min_alt_reads"), ("vaf", "min_vaf")):
        threshold = cfg.get(key) or 0
        if threshold:
            values = pd.to_numeric(variants[col], errors="coerce")
            keep &= ~(values < threshold).to_numpy()
    return variants[keep]


def finish(rows: list[dict]) -> pd.DataFrame:
    """Rows -> VARIANT_COLUMNS table, one row per distinct (chrom, pos, ref, alt), sorted.

    The same variant reported twice (two callers, overlapping region queries) is kept once:
    the report with the greatest depth.
    """
    if not rows:
        return empty_variants()
    # sorted and de-duplicated in Python: a tumour has tens to hundreds of rows, and pandas'
    # sort + drop_duplicates cost ~10 ms a patient at any size
    def key(row):
        depth = _number(row.get("depth"))
        missing = math.isnan(depth)
        return (_chrom_order(row["chrom"]), int(row["pos"]), str(row["ref"]), str(row["alt"]),
                missing, 0.0 if missing else -depth)

    seen, kept = set(), []
    for row in sorted(rows, key=key):
        k = (row["chrom"], int(row["pos"]), row["ref"], row["alt"])
        if k not in seen:
            seen.add(k)
            kept.append(row)
    df = pd.DataFrame(kept, columns=schema.VARIANT_COLUMNS)
    df["pos"] = df["pos"].astype(int)
    for col in ("vaf", "depth", "alt_count"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    return df


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def empty_variants() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype=object) for c in schema.VARIANT_COLUMNS})
    for col in ("vaf", "depth", "alt_count"):
        df[col] = df[col].astype(float)
    df["pos"] = df["pos"].astype(int)
    return df


def _chrom_order(chrom: str) -> tuple:
    c = str(chrom)
    if c.isdigit():
        return (0, int(c), "")
    return (1, {"X": 0, "Y": 1, "MT": 2}.get(c, 3), c)


def gene_mutations(variants: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """One row per panel gene (panel order): altered if any alteration-class variant.

    ``mutation_class`` is the most severe class (schema.MUTATION_CLASSES order),
    ``protein_change`` the ``;``-joined distinct changes, ``vaf`` the maximum VAF and
    ``n_mutations`` the number of alteration-class variants.
    """
    order = {c: i for i, c in enumerate(schema.MUTATION_CLASSES)}
    alt = variants[variants["mutation_class"].fillna("").isin(order)]
    genes = list(panel["gene"])
    # one pass over the tumour's few alteration-class variants, not one filter per panel gene
    # (a 500-gene panel x 5,000 patients would be 2.5 million table filters)
    found: dict[str, list] = {}
    for gene, cls, change, vaf in zip(alt["gene"], alt["mutation_class"], alt["protein_change"],
                                      pd.to_numeric(alt["vaf"], errors="coerce"), strict=True):
        entry = found.setdefault(gene, [len(order), {}, math.nan, 0])
        entry[0] = min(entry[0], order[cls])
        if isinstance(change, str) and change:
            entry[1][change] = None
        if not math.isnan(vaf) and not vaf <= entry[2]:
            entry[2] = vaf
        entry[3] += 1
    classes = schema.MUTATION_CLASSES
    out = pd.DataFrame({
        "gene": genes,
        "mut_status": ["altered" if g in found else "wildtype" for g in genes],
        "mutation_class": [classes[found[g][0]] if g in found else "" for g in genes],
        "protein_change": [";".join(found[g][1]) if g in found else "" for g in genes],
        "vaf": [found[g][2] if g in found else math.nan for g in genes],
        "n_mutations": [found[g][3] if g in found else 0 for g in genes],
    }, columns=schema.GENE_MUT_COLUMNS)
    out["vaf"] = out["vaf"].astype(float)
    out["n_mutations"] = out["n_mutations"].astype("Int64")
    return out


def not_profiled(panel: pd.DataFrame) -> pd.DataFrame:
    """Every panel gene not_profiled, other fields empty."""
    out = pd.DataFrame({"gene": list(panel["gene"]), "mut_status": "not_profiled",
                        "mutation_class": "", "protein_change": "", "vaf": math.nan,
                        "n_mutations": pd.NA}, columns=schema.GENE_MUT_COLUMNS)
    out["vaf"] = out["vaf"].astype(float)
    out["n_mutations"] = out["n_mutations"].astype("Int64")
    return out
