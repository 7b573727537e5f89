"""Stage 2, cohort: every patient x every panel gene, three-state, in a stable order."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import schema


def alteration_columns(sheet: pd.DataFrame) -> list[str]:
    """The columns of alterations.tsv: schema.ALTERATION_COLUMNS, and sv_status / sv_partners
    when any patient of the sheet has an ``sv_file`` (CONTRACT.md)."""
    has_sv = "sv_file" in sheet.columns and sheet["sv_file"].notna().any()
    return schema.ALTERATION_COLUMNS + (schema.ALTERATION_SV_COLUMNS if has_sv else [])


def assemble_alterations(shards: list[pd.DataFrame], sheet: pd.DataFrame,
                         panel: pd.DataFrame) -> pd.DataFrame:
    """Concatenate shard tables into the cohort table, ordered by sheet row then panel gene.

    Checks the promise of CONTRACT.md: exactly one row per sheet patient x panel gene, and
    no status outside altered/wildtype/not_profiled. Raises AssertionError otherwise (a bug,
    not bad input). Columns: ``alteration_columns(sheet)``.
    """
    frames = [s for s in shards if len(s)]
    table = (pd.concat(frames, ignore_index=True) if frames
             else pd.DataFrame(columns=schema.ALTERATION_COLUMNS))
    order = pd.MultiIndex.from_product([sheet["patient_id"], panel["gene"]],
                                       names=["patient_id", "gene"])
    table = table.set_index(["patient_id", "gene"])
    dup = table.index[table.index.duplicated()]
    assert dup.empty, f"duplicated patient x gene rows: {list(dup[:3])}"
    missing = order.difference(table.index)
    assert missing.empty, f"patient x gene rows missing from ingest: {list(missing[:3])}"
    table = table.reindex(order).reset_index()
    columns = alteration_columns(sheet)
    for col in ("cn_status", "mut_status", "sv_status"):
        if col in columns:
            bad = set(table[col]) - set(schema.STATUS)
            assert not bad, f"unexpected {col} values {bad}"
    return table.reindex(columns=columns)


def write_alterations(shard_paths: list, sheet: pd.DataFrame, panel: pd.DataFrame,
                      out_path, columns: list[str]) -> int:
    """Write the cohort table from the shards' TSVs as text: each shard holds every one of its
    patients as one block of ``len(panel)`` rows in panel order, so the cohort file is the
    blocks in sheet order. At registry scale (5,000 patients x 500 genes = 2.5 million rows)
    this takes seconds where reading the shards into pandas and writing the table back takes
    a minute and gigabytes. Checks the promise of CONTRACT.md (one row per sheet patient x
    panel gene; AssertionError otherwise: a bug, not bad input). Returns the number of rows.
    """
    from .tsv import atomic_write

    n_genes = len(panel)
    genes = panel["gene"].tolist()
    blocks: dict[str, list[bytes]] = {}
    shard_columns = None
    for path in shard_paths:
        lines = Path(path).read_bytes().split(b"\n")
        header, body = lines[0].decode().split("\t"), [ln for ln in lines[1:] if ln]
        assert shard_columns in (None, header), f"shard {path} has other columns"
        shard_columns = header
        assert len(body) % n_genes == 0, f"shard {path}: rows are not whole patients"
        for i in range(0, len(body), n_genes):
            block = body[i:i + n_genes]
            pid = block[0].split(b"\t", 1)[0].decode()
            assert block[-1].split(b"\t", 1)[0].decode() == pid, f"patient {pid}: split block"
            assert pid not in blocks, f"patient {pid} twice in the shards"
            blocks[pid] = block
    order = list(sheet["patient_id"])
    missing = [p for p in order if p not in blocks]
    assert not missing, f"patients missing from ingest: {missing[:3]}"
    extra = set(blocks) - set(order)
    assert not extra, f"patients not in the sheet: {sorted(extra)[:3]}"
    if blocks:
        first = blocks[order[0]]
        gi = shard_columns.index("gene")
        assert [ln.split(b"\t")[gi].decode() for ln in first] == genes, "genes not in panel order"
    rows = [ln for pid in order for ln in blocks[pid]]
    if shard_columns is not None and shard_columns != columns:
        keep = [shard_columns.index(c) for c in columns]
        rows = [b"\t".join(cells[i] for i in keep)
                for cells in (ln.split(b"\t") for ln in rows)]
    text = "\t".join(columns).encode() + b"\n" + b"".join(ln + b"\n" for ln in rows)
    atomic_write(out_path, text)
    return len(rows)


def assemble_structural_variants(shards: list[pd.DataFrame],
                                 sheet: pd.DataFrame) -> pd.DataFrame:
    """Every kept structural-variant call of the cohort (schema.STRUCTURAL_VARIANT_COLUMNS),
    ordered by sheet row, then the order of the patient's calls."""
    frames = [s for s in shards if len(s)]
    if not frames:
        return pd.DataFrame(columns=schema.STRUCTURAL_VARIANT_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    rank = {pid: i for i, pid in enumerate(sheet["patient_id"])}
    table["_rank"] = table["patient_id"].map(rank)
    table = table.sort_values("_rank", kind="stable")
    return table.drop(columns="_rank").reset_index(drop=True)[schema.STRUCTURAL_VARIANT_COLUMNS]


def assemble_mutations(shards: list[pd.DataFrame], sheet: pd.DataFrame) -> pd.DataFrame:
    """Every panel variant of the cohort, ordered by sheet row, then chrom/pos/ref/alt."""
    frames = [s for s in shards if len(s)]
    if not frames:
        return pd.DataFrame(columns=schema.MUTATION_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    rank = {pid: i for i, pid in enumerate(sheet["patient_id"])}
    table["_rank"] = table["patient_id"].map(rank)
    table = table.sort_values(["_rank", "chrom", "pos", "ref", "alt"], kind="stable")
    return table.drop(columns="_rank").reset_index(drop=True)[schema.MUTATION_COLUMNS]


def assemble_patients(shards: list[pd.DataFrame], sheet: pd.DataFrame) -> pd.DataFrame:
    """The per-patient table (schema.PATIENT_COLUMNS): exactly one row per sheet patient, in
    sheet order (AssertionError otherwise: a bug, not bad input)."""
    frames = [s for s in shards if len(s)]
    table = (pd.concat(frames, ignore_index=True) if frames
             else pd.DataFrame(columns=schema.PATIENT_COLUMNS)).set_index("patient_id")
    dup = table.index[table.index.duplicated()]
    assert dup.empty, f"duplicated patient rows: {list(dup[:3])}"
    missing = pd.Index(sheet["patient_id"]).difference(table.index)
    assert missing.empty, f"patients missing from ingest: {list(missing[:3])}"
    return table.reindex(sheet["patient_id"]).reset_index().reindex(
        columns=schema.PATIENT_COLUMNS)
