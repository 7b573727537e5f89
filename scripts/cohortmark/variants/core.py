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


def most_severe_variant(variants: pd.DataFrame) -> pd.Series:
    """The variant that describes a gene: the most severe class (schema.MUTATION_CLASSES
    order), then the highest VAF (unknown last), then genomic position."""
    order = {c: i for i, c in enumerate(schema.MUTATION_CLASSES)}
    vaf = pd.to_numeric(variants["vaf"], errors="coerce")
    key = pd.DataFrame({"rank": variants["mutation_class"].map(order),
                        "vaf": -vaf.fillna(-1.0), "pos": pd.to_numeric(variants["pos"],
                                                                        errors="coerce")},
                       index=variants.index)
    return variants.loc[key.sort_values(["rank", "vaf", "pos"], kind="mergesort").index[0]]


def gene_mutations(variants: pd.DataFrame, panel: pd.DataFrame,
                   genes_read=None) -> pd.DataFrame:
    """One row per panel gene (panel order): altered if any alteration-class variant.

    ``mutation_class``, ``protein_change`` and ``vaf`` all describe one variant, the most
    severe (``most_severe_variant``); ``n_mutations`` counts every alteration-class variant
    of the gene (all of them stay in the variant table). A gene outside ``genes_read`` (the
    genes whose region of the file was read; None = all) is ``not_profiled``, never
    ``wildtype``.
    """
    order = {c: i for i, c in enumerate(schema.MUTATION_CLASSES)}
    alt = variants[variants["mutation_class"].fillna("").isin(order)]
    genes = list(panel["gene"])
    # one pass over the tumour's few alteration-class variants, not one filter or group per
    # panel gene (a 500-gene panel x 5,000 patients would be 2.5 million table filters); the
    # key is most_severe_variant's: class rank, highest VAF (unknown last), position, then
    # table order
    found: dict[str, list] = {}
    vafs = pd.to_numeric(alt["vaf"], errors="coerce")
    positions = pd.to_numeric(alt["pos"], errors="coerce")
    for gene, cls, change, vaf, pos in zip(alt["gene"], alt["mutation_class"],
                                           alt["protein_change"], vafs, positions, strict=True):
        key = (order[cls], -(-1.0 if math.isnan(vaf) else vaf), pos)
        entry = found.get(gene)
        if entry is None:
            found[gene] = [key, cls, change, vaf, 1]
            continue
        entry[4] += 1
        if key < entry[0]:
            entry[:4] = [key, cls, change, vaf]
    read = None if genes_read is None else set(genes_read)
    rows = {"gene": genes, "mut_status": [], "mutation_class": [], "protein_change": [],
            "vaf": [], "n_mutations": []}
    for g in genes:
        if read is not None and g not in read:
            status, cls, change, vaf, n = "not_profiled", "", "", math.nan, pd.NA
        elif g in found:
            _, cls, change, vaf, n = found[g]
            status, change = "altered", "" if pd.isna(change) else change
        else:
            status, cls, change, vaf, n = "wildtype", "", "", math.nan, 0
        for col, v in (("mut_status", status), ("mutation_class", cls),
                       ("protein_change", change), ("vaf", vaf), ("n_mutations", n)):
            rows[col].append(v)
    out = pd.DataFrame(rows, columns=schema.GENE_MUT_COLUMNS)
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
