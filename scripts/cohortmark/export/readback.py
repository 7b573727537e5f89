"""Reading an exported cBioPortal study back with cohortmark's own readers.

cBioPortal matrices and MAFs are input formats of cohortmark (``cn_format: cbioportal``, a MAF
as ``variant_file``), but a sheet row has no place for a gene panel: a MAF lists variants, not
the genes that were sequenced. ``read_study`` therefore reads the data files with the usual
readers and then applies the study's gene panel matrix: a gene outside a sample's panel for a
profile is ``not_profiled``, a sample with ``NA`` is not profiled at all. That is the one place
where the export's "not profiled" comes back; the round-trip tests use it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..copynumber import gene_copy_number, read_segments
from ..copynumber import not_profiled as cn_not_profiled
from ..errors import InputError
from ..tsv import read_text
from ..variants import gene_mutations, read_variants
from ..variants.core import not_profiled as mut_not_profiled
from .cbioportal import CNA, LINEAR, MUTATIONS, PROFILE_FILES

READ_BACK_COLUMNS = ["patient_id", "gene", "cn_status", "cn_call", "cn_value", "mut_status",
                     "mutation_class", "protein_change", "vaf", "n_mutations"]


def _table(path: Path) -> pd.DataFrame:
    """A cBioPortal TSV without its '#' rows, every cell as text."""
    lines = [ln for ln in read_text(path).split("\n") if ln and not ln.startswith("#")]
    header = lines[0].split("\t")
    return pd.DataFrame([ln.split("\t") for ln in lines[1:]], columns=header)


def read_meta(path: Path) -> dict[str, str]:
    """A cBioPortal meta / case list / gene panel file (``key: value`` lines)."""
    out = {}
    for line in read_text(path).split("\n"):
        if line.strip():
            key, _, value = line.partition(":")
            out[key.strip()] = value.strip()
    return out


def gene_panels(study_dir: Path) -> dict[str, list[str]]:
    """Gene panel stable id -> genes, from the study's data_gene_panel_*.txt files."""
    out = {}
    for path in sorted(study_dir.glob("data_gene_panel_*.txt")):
        if path.name == "data_gene_panel_matrix.txt":
            continue
        meta = read_meta(path)
        out[meta["stable_id"]] = [g for g in meta["gene_list"].split("\t") if g]
    return out


def profiled_genes(study_dir: str | Path) -> dict[str, dict[str, set[str]]]:
    """profile stable id -> sample -> genes profiled (samples with NA are left out)."""
    study_dir = Path(study_dir)
    matrix = _table(study_dir / "data_gene_panel_matrix.txt")
    panels = gene_panels(study_dir)
    out: dict[str, dict[str, set[str]]] = {}
    for profile in matrix.columns[1:]:
        out[profile] = {}
        for sample, pid in zip(matrix["SAMPLE_ID"], matrix[profile]):
            if pid == "NA":
                continue
            if pid not in panels:
                raise InputError(f"gene panel {pid!r} of sample {sample} has no "
                                 "data_gene_panel file", path=str(study_dir))
            out[profile][sample] = set(panels[pid])
    return out


def _apply_panel(genes: pd.DataFrame, panel_genes: set[str], status: str, blank: pd.DataFrame,
                 sample: str, path: Path) -> pd.DataFrame:
    """Genes outside the sample's panel become not_profiled (the data must agree)."""
    off = ~genes["gene"].isin(panel_genes)
    measured = off & (genes[status] != "not_profiled")
    if status == "mut_status":
        measured = off & (genes[status] == "altered")
    if measured.any():
        g = genes.loc[measured, "gene"].iloc[0]
        raise InputError(f"{g} has data for sample {sample} but is not on its gene panel",
                         path=str(path), patient=sample)
    genes = genes.copy()
    genes.loc[off.to_numpy()] = blank.loc[off.to_numpy()].to_numpy()
    return genes


def read_study(study_dir: str | Path, panel: pd.DataFrame, config: dict,
               build: str) -> pd.DataFrame:
    """Gene-level alterations of every sample of an exported study (READ_BACK_COLUMNS), in
    clinical-file order then panel order. ``config``: the whole config (its copy_number and
    variants sections are used, as for any input file)."""
    study_dir = Path(study_dir)
    samples = _table(study_dir / "data_clinical_sample.txt")
    profiled = profiled_genes(study_dir)
    cn_cfg = dict(config["copy_number"])
    frames = []
    for rec in samples.to_dict("records"):
        sample, pid = rec["SAMPLE_ID"], rec["PATIENT_ID"]
        ploidy = pd.to_numeric(rec.get("PLOIDY", "NA"), errors="coerce")
        purity = pd.to_numeric(rec.get("PURITY", "NA"), errors="coerce")
        blank_cn = cn_not_profiled(panel)
        cn = blank_cn
        if sample in profiled.get(CNA, {}):
            path = study_dir / PROFILE_FILES[CNA]
            segs = read_segments(path, "cbioportal", sample, patient=pid,
                                 config={**cn_cfg, "matrix_values": "discrete"})
            cn = gene_copy_number(segs, panel, purity=purity, ploidy=ploidy, config=cn_cfg,
                                  patient=pid)
            cn = _apply_panel(cn, profiled[CNA][sample], "cn_status", blank_cn, sample, path)
        value = np.full(len(panel), np.nan)
        if sample in profiled.get(LINEAR, {}):
            path = study_dir / PROFILE_FILES[LINEAR]
            segs = read_segments(path, "cbioportal", sample, patient=pid,
                                 config={**cn_cfg, "matrix_values": "copy_number"})
            lin = gene_copy_number(segs, panel, purity=purity, ploidy=ploidy, config=cn_cfg,
                                   patient=pid)
            lin = _apply_panel(lin, profiled[LINEAR][sample], "cn_status", blank_cn, sample, path)
            value = lin["cn_value"].to_numpy(dtype=float)
        blank_mut = mut_not_profiled(panel)
        mut = blank_mut
        if sample in profiled.get(MUTATIONS, {}):
            path = study_dir / PROFILE_FILES[MUTATIONS]
            # the gene panel matrix says this sample was sequenced: a sample without a row in
            # the MAF had no mutation (cBioPortal's convention), not a mistyped barcode
            sequenced = {**config, "variants": {**config["variants"],
                                                "maf_missing_sample": "wildtype"}}
            variants = read_variants(path, sample, panel=panel, build=build, config=sequenced,
                                     patient=pid)
            mut = _apply_panel(gene_mutations(variants, panel), profiled[MUTATIONS][sample],
                               "mut_status", blank_mut, sample, path)
        frames.append(pd.DataFrame({
            "patient_id": pid, "gene": panel["gene"].to_numpy(),
            "cn_status": cn["cn_status"].to_numpy(), "cn_call": cn["cn_call"].to_numpy(),
            "cn_value": value, "mut_status": mut["mut_status"].to_numpy(),
            "mutation_class": mut["mutation_class"].to_numpy(),
            "protein_change": mut["protein_change"].to_numpy(),
            "vaf": mut["vaf"].to_numpy(dtype=float),
            "n_mutations": mut["n_mutations"].to_numpy()}))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=READ_BACK_COLUMNS)
    assert set(out["cn_status"]) <= set(schema.STATUS)
    return out[READ_BACK_COLUMNS]
