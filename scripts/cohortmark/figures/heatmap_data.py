"""The biomarker heatmap's content, without drawing: patient order, gene selection, the
patient x gene matrices and the per-gene annotations (pure functions over the cohort tables).

Codes of the matrices (patients in column order x genes in row order):

- ``cn``: index into ``CN_CODES`` (AMP, GAIN, NEUTRAL, LOSS, HOMDEL, NP = not profiled);
- ``mut``: index into ``schema.MUTATION_CLASSES`` for a mutated gene, ``MUT_NONE`` (-1) for
  wild type, ``MUT_NP`` (-2) for not profiled;
- ``sv``: 1 fusion / rearrangement, 0 none, -1 not profiled, all 0 when ``alterations.tsv`` has
  no ``sv_status`` column (fusions not part of the run).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from ..schema import BEST_RESPONSES, MUTATION_CLASSES

CN_CODES = ["AMP", "GAIN", "NEUTRAL", "LOSS", "HOMDEL", "NP"]
MUT_NONE, MUT_NP = -1, -2
UNKNOWN_RESPONSE = "unknown"
RESPONSE_ORDER = BEST_RESPONSES + [UNKNOWN_RESPONSE]
SORTS = ["auto", "response_change", "response_pattern", "pattern"]
# The tests of the primary family when associations.tsv has no ``family`` column (tables
# written before the column existed): the design's default primary tests.
FALLBACK_PRIMARY = {("response", "fisher"), ("best_pct_change", "spearman"), ("pfs", "logrank")}
TEST_NAMES = {"fisher": "Fisher", "mannwhitney": "Mann-Whitney", "spearman": "Spearman",
              "pearson": "Pearson", "logrank": "log-rank", "cox": "Cox"}
ALTERATION_SHORT = {"amplification": "amp", "deletion": "del", "mutation": "mut", "any": "any",
                    "copy_number": "CN", "fusion": "fusion"}


@dataclass
class HeatmapData:
    """Everything the heatmap draws. ``columns``: one row per patient in drawing order
    (patient_id, response, best_pct_change, x); ``genes``: one row per drawn gene (gene, group,
    y, n_altered, n_assessed, and the primary association q_value, p_value, test,
    alteration); ``cn``/``mut``/``sv``/``altered``: patients x genes arrays in that order;
    ``n_panel``: genes on the panel; ``per_patient``: altered genes per patient over the
    whole panel, by kind (DataFrame aligned with ``columns``)."""

    columns: pd.DataFrame
    genes: pd.DataFrame
    cn: np.ndarray
    mut: np.ndarray
    sv: np.ndarray
    altered: np.ndarray
    n_panel: int
    per_patient: pd.DataFrame
    has_sv: bool
    sort: str
    primary_source: str


def response_of(sheet: pd.DataFrame) -> pd.Series:
    """Best response per row with missing values as ``unknown``."""
    return sheet["best_response"].where(sheet["best_response"].notna(), UNKNOWN_RESPONSE)


def cell_arrays(alterations: pd.DataFrame, patients, genes) -> dict[str, np.ndarray]:
    """The patients x genes arrays cn, mut, sv (codes above), cn_altered/mut_altered/
    sv_altered (bool) and, per assay, ``*_used``: whether any patient was profiled by it
    (an assay the run did not use, e.g. copy number of a MAF-only cohort, is left out of
    who counts as assessed). Column arrays only: no copy of a table of millions of rows."""
    patients, genes = pd.Index(patients), pd.Index(genes)
    pi = patients.get_indexer(alterations["patient_id"].to_numpy())
    gi = genes.get_indexer(alterations["gene"].to_numpy())
    keep = (pi >= 0) & (gi >= 0)
    every = bool(keep.all())
    pi, gi = (pi, gi) if every else (pi[keep], gi[keep])
    shape = (len(patients), len(genes))

    def col(name):
        v = alterations[name].to_numpy()
        return v if every else v[keep]

    def fill(values, default, dtype):
        out = np.full(shape, default, dtype=dtype)
        out[pi, gi] = values
        return out

    cn_status = col("cn_status")
    cn_np = cn_status == "not_profiled"
    codes = pd.Index(CN_CODES[:5]).get_indexer(col("cn_call"))
    cn = np.where(cn_np, CN_CODES.index("NP"), np.where(codes < 0, CN_CODES.index("NEUTRAL"),
                                                         codes))
    mut_status = col("mut_status")
    cls = pd.Index(MUTATION_CLASSES).get_indexer(col("mutation_class"))
    cls = np.where(cls < 0, MUTATION_CLASSES.index("other"), cls)
    mut = np.where(mut_status == "altered", cls,
                   np.where(mut_status == "not_profiled", MUT_NP, MUT_NONE))
    out = {"cn": fill(cn, CN_CODES.index("NP"), np.int8),
           "mut": fill(mut, MUT_NP, np.int8),
           "cn_altered": fill(cn_status == "altered", False, bool),
           "mut_altered": fill(mut_status == "altered", False, bool),
           "cn_used": bool((~cn_np).any()), "mut_used": bool((mut_status != "not_profiled").any())}
    if "sv_status" in alterations.columns:
        sv_status = col("sv_status")
        sv = np.where(sv_status == "altered", 1, np.where(sv_status == "not_profiled", -1, 0))
        out["sv"] = fill(sv, -1, np.int8)
        out["sv_altered"] = out["sv"] == 1
        out["sv_used"] = bool((sv != -1).any())
    else:
        out["sv"] = np.zeros(shape, np.int8)
        out["sv_altered"] = np.zeros(shape, bool)
        out["sv_used"] = False
    return out


def frequencies(arrays: dict, genes) -> pd.DataFrame:
    """Per gene: n_altered (altered by copy number, mutation or fusion) and n_assessed
    (altered, or profiled by every assay the run used - a patient profiled for one assay only
    and not altered there is unknown, not wild type)."""
    altered = arrays["cn_altered"] | arrays["mut_altered"] | arrays["sv_altered"]
    profiled = np.ones(altered.shape, bool)
    if arrays["cn_used"]:
        profiled &= arrays["cn"] != CN_CODES.index("NP")
    if arrays["mut_used"]:
        profiled &= arrays["mut"] != MUT_NP
    if arrays["sv_used"]:
        profiled &= arrays["sv"] != -1
    return pd.DataFrame({"gene": list(genes), "n_assessed": (altered | profiled).sum(axis=0),
                         "n_altered": altered.sum(axis=0)})


def gene_frequencies(alterations: pd.DataFrame) -> pd.DataFrame:
    """``frequencies`` of the genes of a long alterations table (in order of appearance)."""
    genes = pd.unique(alterations["gene"])
    arrays = cell_arrays(alterations, pd.unique(alterations["patient_id"]), genes)
    return frequencies(arrays, genes)


def primary_rows(associations: pd.DataFrame | None) -> tuple[pd.DataFrame, str]:
    """The associations of the primary family, and where that came from: the ``family``
    column, or (tables without it) the default primary tests, said so in the figure."""
    if associations is None or associations.empty:
        return pd.DataFrame(columns=["gene", "alteration", "endpoint", "test", "p_value",
                                     "q_value"]), "none"
    if "family" in associations.columns:
        return associations[associations["family"] == "primary"], "family"
    pairs = list(zip(associations["endpoint"], associations["test"]))
    mask = np.array([p in FALLBACK_PRIMARY for p in pairs], bool)
    return associations[mask], "default primary tests (no family column)"


def gene_associations(associations: pd.DataFrame | None, endpoint: str) -> tuple[pd.DataFrame,
                                                                                 str]:
    """Per gene, the primary association of ``endpoint`` with the smallest q (then p):
    gene, alteration, test, p_value, q_value; and the primary source (see primary_rows)."""
    rows, source = primary_rows(associations)
    cols = ["gene", "alteration", "test", "p_value", "q_value"]
    rows = rows[(rows["endpoint"] == endpoint) & rows["p_value"].notna()]
    rows = rows.sort_values(["gene", "q_value", "p_value", "alteration"], kind="mergesort")
    return rows.drop_duplicates("gene")[cols].reset_index(drop=True), source


def select_genes(panel: pd.DataFrame, freq: pd.DataFrame, assoc: pd.DataFrame,
                 max_genes: int) -> pd.DataFrame:
    """The genes drawn, with a y position (row), group headers as rows of ``header``.

    Up to ``max_genes`` panel genes: all, grouped by the panel's groups in panel order. More:
    the ``max_genes`` genes with the smallest primary q, then the most often altered (number
    of patients, then share of the assessed), in that order, without group headers.
    """
    genes = panel[["gene", "group"]].copy()
    genes["group"] = genes["group"].fillna("")
    genes = genes.merge(freq, on="gene", how="left").merge(assoc, on="gene", how="left")
    genes[["n_altered", "n_assessed"]] = genes[["n_altered", "n_assessed"]].fillna(0)
    if len(genes) > max_genes:
        share = genes["n_altered"] / genes["n_assessed"].where(genes["n_assessed"] > 0)
        genes = genes.assign(_share=share.fillna(0), _q=genes["q_value"].fillna(np.inf))
        genes = genes.sort_values(["_q", "n_altered", "_share", "gene"],
                                  ascending=[True, False, False, True],
                                  kind="mergesort").head(max_genes)
        genes = genes.drop(columns=["_share", "_q"]).reset_index(drop=True)
        genes["group"] = ""
    y, ys, headers, last = 0.0, [], [], None
    for grp in genes["group"]:
        if grp != last:
            if last is not None:
                y += 0.3
            if grp:
                headers.append((y, grp.replace("_", " ")))
                y += 0.9
            last = grp
        ys.append(y)
        y += 1.0
    genes["y"] = ys
    genes.attrs["headers"] = headers
    return genes.reset_index(drop=True)


def pattern_key(altered: np.ndarray) -> np.ndarray:
    """Order of rows (patients) by alteration pattern, as oncoprints sort: altered in the first
    gene first, then in the second, ... (a lexicographic sort of the 0/1 rows, 1 before 0),
    stable for ties."""
    if altered.shape[1] == 0:
        return np.arange(altered.shape[0])
    keys = [~altered[:, j] for j in range(altered.shape[1] - 1, -1, -1)]
    return np.lexsort(keys)


def patient_order(sheet: pd.DataFrame, altered: np.ndarray, sort: str,
                  per_patient_max: int) -> tuple[np.ndarray, str]:
    """Column order of the patients (indices into ``sheet``) and the sort applied.

    ``response_change``: best-response groups (CR, PR, SD, PD, NE, unknown), inside a group by
    best % change (most shrinkage first, unmeasured last); ``response_pattern``: the groups,
    inside by alteration pattern; ``pattern``: alteration pattern only; ``auto``:
    response_change up to ``per_patient_max`` patients, response_pattern above.
    """
    if sort not in SORTS:
        raise InputError(f"unknown heatmap sort {sort!r} (one of {', '.join(SORTS)})",
                         field="figures.heatmap_sort")
    if sort == "auto":
        sort = "response_change" if len(sheet) <= per_patient_max else "response_pattern"
    n = len(sheet)
    if sort == "pattern":
        return pattern_key(altered), sort
    group = response_of(sheet).map({r: i for i, r in enumerate(RESPONSE_ORDER)}).to_numpy()
    if sort == "response_change":
        pct = sheet["best_pct_change"].to_numpy(float)
        pct = np.where(np.isnan(pct), np.inf, pct)
        ids = sheet["patient_id"].astype(str).to_numpy()
        return np.lexsort((ids, pct, group)), sort
    rank = np.empty(n, int)
    rank[pattern_key(altered)] = np.arange(n)
    return np.lexsort((rank, group)), sort


def column_positions(responses: pd.Series, gap: float) -> np.ndarray:
    """x of each column (left edge): consecutive, with ``gap`` between response groups."""
    change = np.r_[False, responses.to_numpy()[1:] != responses.to_numpy()[:-1]]
    return np.arange(len(responses)) + gap * np.cumsum(change)


def track_values(sheet: pd.DataFrame, tracks: list[str]) -> dict[str, pd.Series]:
    """The user-named clinical columns (numbers where every value parses as one)."""
    out = {}
    for name in tracks:
        if name not in sheet.columns:
            raise InputError(f"heatmap track {name!r} is not a column of the patient sheet",
                             field="figures.heatmap_tracks")
        col = sheet[name]
        num = pd.to_numeric(col, errors="coerce")
        out[name] = num if (num.notna() == col.notna()).all() and col.notna().any() else col
    return out


def heatmap_data(alterations: pd.DataFrame, sheet: pd.DataFrame, panel: pd.DataFrame,
                 associations: pd.DataFrame | None, *, endpoint: str, max_genes: int,
                 sort: str, per_patient_max: int, group_gap: float) -> HeatmapData:
    """Assemble what the heatmap draws (see HeatmapData)."""
    patients = sheet["patient_id"].to_numpy()
    full = cell_arrays(alterations, patients, panel["gene"])
    freq = frequencies(full, panel["gene"])
    assoc, source = gene_associations(associations, endpoint)
    genes = select_genes(panel, freq, assoc, max_genes)
    any_altered = full["cn_altered"] | full["mut_altered"] | full["sv_altered"]
    gidx = pd.Index(panel["gene"]).get_indexer(genes["gene"])
    order, sort_used = patient_order(sheet, any_altered[:, gidx], sort, per_patient_max)
    cols = pd.DataFrame({"patient_id": patients[order],
                         "response": response_of(sheet).to_numpy()[order],
                         "best_pct_change": sheet["best_pct_change"].to_numpy(float)[order]})
    cols["x"] = column_positions(cols["response"], group_gap) if sort_used != "pattern" else (
        np.arange(len(cols), dtype=float))
    cn_calls = np.asarray(CN_CODES)[full["cn"]]
    per_patient = pd.DataFrame({
        "amplification": (full["cn_altered"] & np.isin(cn_calls, ["AMP", "GAIN"])).sum(axis=1),
        "deletion": (full["cn_altered"] & np.isin(cn_calls, ["HOMDEL", "LOSS"])).sum(axis=1),
        "mutation": full["mut_altered"].sum(axis=1),
        "fusion": full["sv_altered"].sum(axis=1)}).iloc[order].reset_index(drop=True)
    pick = np.ix_(order, gidx)
    return HeatmapData(columns=cols, genes=genes, cn=full["cn"][pick], mut=full["mut"][pick],
                       sv=full["sv"][pick], altered=any_altered[pick], n_panel=len(panel),
                       per_patient=per_patient, has_sv="sv_status" in alterations.columns,
                       sort=sort_used, primary_source=source)


def gene_type_counts(data: HeatmapData, altered_calls) -> pd.DataFrame:
    """Per drawn gene: patients with each kind of alteration counted as altered
    (the copy-number calls in ``altered_calls``, mutation, fusion)."""
    out = {}
    for call in [c for c in ("AMP", "HOMDEL", "GAIN", "LOSS") if c in altered_calls]:
        out[call] = (data.cn == CN_CODES.index(call)).sum(axis=0)
    out["mutation"] = (data.mut >= 0).sum(axis=0)
    if data.has_sv:
        out["fusion"] = (data.sv == 1).sum(axis=0)
    return pd.DataFrame(out, index=data.genes["gene"])


def p_text(p: float) -> str:
    return f"{p:.2g}" if p >= 0.001 else "<0.001"


def association_text(row) -> str:
    """'q 0.41 (p 0.028) Fisher amp' for a gene's primary association; '-' when none."""
    if pd.isna(row.get("p_value")):
        return "\u2013"
    q = row.get("q_value")
    qt = f"q {p_text(q)}" if pd.notna(q) else "q \u2013"
    return (f"{qt} (p {p_text(row['p_value'])}) {TEST_NAMES.get(row['test'], row['test'])} "
            f"{ALTERATION_SHORT.get(row['alteration'], row['alteration'])}")
