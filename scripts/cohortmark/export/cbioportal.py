"""The cohort as a cBioPortal study folder (pure functions: tables in, file texts out).

Files (docs.cbioportal.org "File Formats"; the rules of cbioportal-core's validateData.py):

- ``meta_study.txt``: study id, name, description, cancer type (OncoTree code), reference
  genome (hg19/hg38 from ``genome``).
- ``meta_clinical_patient.txt``/``data_clinical_patient.txt`` and the ``_sample`` pair: see
  cohortmark.export.clinical. One tumour sample per patient, SAMPLE_ID = PATIENT_ID.
- ``meta_mutations.txt``/``data_mutations.txt``: the MAF (cohortmark.export.maf).
- ``meta_cna.txt``/``data_cna.txt``: DISCRETE, stable id ``cna``: -2 HOMDEL, -1 LOSS,
  0 NEUTRAL, 1 GAIN, 2 AMP (the cohort's ``cn_call``), ``NA`` where the gene was not profiled.
- ``meta_linear_cna.txt``/``data_linear_cna.txt``: CONTINUOUS, stable id ``linear_CNA``: the
  absolute total copy number ``cn_value`` where it is known.
- ``meta_sv.txt``/``data_sv.txt``: STRUCTURAL_VARIANT/SV, when the cohort has fusion data.
- ``meta_gene_panel_matrix.txt``/``data_gene_panel_matrix.txt``: for every sample and profile,
  the gene panel it was profiled on, ``NA`` if not profiled at all. ``data_gene_panel_*.txt``:
  one file per distinct set of profiled genes (imported into the portal before the study with
  ``importGenePanel.pl``). The stable id names the content (``<study>_<n>genes_<hash>``), so a
  changed panel gets a new id instead of clashing with one a portal already holds. This is how
  ``not_profiled`` survives the trip: a gene outside a sample's panel is "not profiled" in
  cBioPortal, never "not altered".
- ``case_lists/``: ``_all``, ``_sequenced`` (profiled for mutations), ``_cna``, ``_cnaseq``,
  ``_sv``, each with its ``case_list_category``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..store import positions
from ..tsv import _umask
from .clinical import clinical_attributes, clinical_file
from .maf import maf_table, maf_text

LEVELS = {"HOMDEL": -2, "LOSS": -1, "NEUTRAL": 0, "GAIN": 1, "AMP": 2}
REFERENCE_GENOME = {"GRCh37": "hg19", "GRCh38": "hg38"}
STUDY_ID = re.compile(r"^[a-z0-9_]+$")  # validateData.py VALID_STUDY_ID_REGEX
SAMPLE_ID = re.compile(r"^[A-Za-z0-9._()\[\]',+\-:;]+$")  # validateData.py INVALID_ID_CHARACTERS
MAX_SAMPLE_ID = 63  # validateData.py MAX_SAMPLE_STABLE_ID_LENGTH

# Profiles as (stable_id, alteration status column) and their data/meta files.
MUTATIONS, CNA, LINEAR, SV = "mutations", "cna", "linear_CNA", "structural_variants"
PROFILE_FILES = {MUTATIONS: "data_mutations.txt", CNA: "data_cna.txt",
                 LINEAR: "data_linear_cna.txt", SV: "data_sv.txt"}
META_FILES = {MUTATIONS: "meta_mutations.txt", CNA: "meta_cna.txt",
              LINEAR: "meta_linear_cna.txt", SV: "meta_sv.txt"}
GENE_PANEL_MATRIX = "data_gene_panel_matrix.txt"


@dataclass
class Study:
    """A study folder as {relative path: text}, with the notes (what could not be carried) and
    the profiled genes per profile and sample."""

    study_id: str
    files: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    profiled: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    panels: dict[tuple[str, ...], str] = field(default_factory=dict)


def panel_id(study_id: str, genes: tuple[str, ...]) -> str:
    """The gene panel stable id of a set of genes: ``<study>_<n>genes_<8 hex of sha1>``."""
    digest = hashlib.sha1("\t".join(sorted(genes)).encode()).hexdigest()[:8]
    return f"{study_id}_{len(genes)}genes_{digest}"


def _meta(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"{k}: {v}\n" for k, v in pairs)


def check_settings(settings: dict) -> None:
    """InputError for a study id or cancer type cBioPortal would refuse (the schema checks the
    same; this guards library use)."""
    if not STUDY_ID.match(settings["study_id"]):
        raise InputError(f"{settings['study_id']!r} is not a cBioPortal study id (lower-case "
                         "letters, digits and _ only)", field="export.study_id")


def _codes(alterations: pd.DataFrame, genes: list[str], samples: list[str]):
    """Integer codes of every row's gene and patient (panel and sheet order; -1: absent)."""
    return positions(alterations["gene"], genes), positions(alterations["patient_id"], samples)


def _profiled_genes(alterations: pd.DataFrame, mask: pd.Series, genes: list[str],
                    samples: list[str]) -> dict[str, tuple[str, ...]]:
    """sample -> profiled genes in panel order, for samples with at least one (sheet order)."""
    g, p = _codes(alterations, genes, samples)
    m = mask.to_numpy(dtype=bool)
    g, p = g[m], p[m]
    order = np.lexsort((g, p))
    g, p = g[order], p[order]
    names = np.array(genes, dtype=object)
    cuts = np.flatnonzero(np.diff(p)) + 1
    return {samples[p[a]]: tuple(names[g[a:b]])
            for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(p)]) if b > a}


def _matrix(alterations: pd.DataFrame, values: pd.Series, mask: pd.Series, genes: list[str],
            samples: list[str], discrete: bool) -> str:
    """Hugo_Symbol x sample matrix text; cells outside ``mask`` (not profiled) are NA.
    Discrete levels are written as integers, copy numbers in Python's shortest round-trip
    form (the digits our tables hold)."""
    g, p = _codes(alterations, genes, samples)
    v = values.where(mask).to_numpy(dtype=float)
    keep = p >= 0
    grid = np.full((len(genes), len(samples)), np.nan)
    grid[g[keep], p[keep]] = v[keep]
    known = ~np.isnan(grid)
    text = np.full(grid.shape, "NA", dtype=object)
    if discrete:
        text[known] = grid[known].astype(np.int64).astype(str)
    else:
        text[known] = grid[known].astype(str)
    lines = ["\t".join(["Hugo_Symbol"] + samples)]
    lines += ["\t".join([gene, *row]) for gene, row in zip(genes, text.tolist())]
    return "\n".join(lines) + "\n"


def _case_list(study_id: str, suffix: str, name: str, description: str, category: str,
               ids: list[str]) -> str:
    return _meta([("cancer_study_identifier", study_id), ("stable_id", f"{study_id}_{suffix}"),
                  ("case_list_name", name),
                  ("case_list_description", f"{description} ({len(ids)} samples)"),
                  ("case_list_category", category), ("case_list_ids", "\t".join(ids))])


def cbioportal_study(alterations: pd.DataFrame, mutations: pd.DataFrame, sheet: pd.DataFrame,
                     settings: dict, build: str, non_alterations, *,
                     patients: pd.DataFrame | None = None,
                     structural_variants: pd.DataFrame | None = None) -> Study:
    """The study folder of the cohort.

    ``alterations``/``mutations``: results/cohort tables (schema.ALTERATION_COLUMNS, with
    ``sv_status`` when fusions were profiled); ``sheet``: the typed patient sheet;
    ``settings``: the ``export`` config section; ``build``: ``genome``; ``non_alterations``:
    ``variants.non_alterations``; ``patients``: results/cohort/patients.tsv when present;
    ``structural_variants``: results/cohort/structural_variants.tsv when present.
    """
    check_settings(settings)
    sid = settings["study_id"]
    study = Study(sid)
    samples = [str(p) for p in sheet["patient_id"]]
    for s in samples:
        if len(s) > MAX_SAMPLE_ID or not SAMPLE_ID.match(s):
            raise InputError(f"patient id {s!r} cannot be a cBioPortal sample id (at most "
                             f"{MAX_SAMPLE_ID} letters, digits, . _ -)", patient=s,
                             field="patient_id")
    ids = alterations["patient_id"]
    if not (isinstance(ids.dtype, pd.CategoricalDtype)
            and all(isinstance(c, str) for c in ids.cat.categories)):
        alterations = alterations.assign(patient_id=ids.astype(str))
    unknown = set(alterations["patient_id"].unique()) - set(samples)
    if unknown:
        raise InputError(f"alterations.tsv has patients not in the sheet: "
                         f"{', '.join(sorted(unknown)[:5])}", field="patient_id")
    genes = list(dict.fromkeys(str(g) for g in pd.unique(alterations["gene"])))

    files = study.files
    files["meta_study.txt"] = _meta([
        ("type_of_cancer", settings["cancer_type"]), ("cancer_study_identifier", sid),
        ("name", settings["study_name"]), ("description", " ".join(settings["description"].split())),
        ("reference_genome", REFERENCE_GENOME[build])])

    clinical = clinical_attributes(sheet, patients)
    study.notes += clinical.notes
    for level, attrs in (("patient", clinical.patient), ("sample", clinical.sample)):
        files[f"meta_clinical_{level}.txt"] = _meta([
            ("cancer_study_identifier", sid), ("genetic_alteration_type", "CLINICAL"),
            ("datatype", f"{level.upper()}_ATTRIBUTES"),
            ("data_filename", f"data_clinical_{level}.txt")])
        files[f"data_clinical_{level}.txt"] = clinical_file(samples, attrs,
                                                            samples=level == "sample")

    cn_profiled = alterations["cn_status"] != "not_profiled"
    value_known = cn_profiled & pd.to_numeric(alterations["cn_value"], errors="coerce").notna()
    profiles = {
        MUTATIONS: _profiled_genes(alterations, alterations["mut_status"] != "not_profiled",
                                   genes, samples),
        CNA: _profiled_genes(alterations, cn_profiled, genes, samples),
        LINEAR: _profiled_genes(alterations, value_known, genes, samples),
    }
    if "sv_status" in alterations.columns:
        profiles[SV] = _profiled_genes(alterations, alterations["sv_status"].notna() &
                                       (alterations["sv_status"] != "not_profiled"),
                                       genes, samples)
    profiles = {k: v for k, v in profiles.items() if v}
    study.profiled = profiles

    if MUTATIONS in profiles:
        sequenced = profiles[MUTATIONS]
        table, notes = maf_table(mutations, {s: s for s in sequenced}, build, non_alterations)
        study.notes += notes
        off = [(r.Tumor_Sample_Barcode, r.Hugo_Symbol) for r in table.itertuples()
               if r.Hugo_Symbol not in sequenced[r.Tumor_Sample_Barcode]]
        if off:
            raise InputError(f"mutations.tsv has a variant in {off[0][1]} for patient "
                             f"{off[0][0]}, a gene not profiled for that patient",
                             patient=off[0][0])
        files[PROFILE_FILES[MUTATIONS]] = maf_text(table)
        files[META_FILES[MUTATIONS]] = _meta([
            ("cancer_study_identifier", sid), ("genetic_alteration_type", "MUTATION_EXTENDED"),
            ("datatype", "MAF"), ("stable_id", MUTATIONS),
            ("show_profile_in_analysis_tab", "true"), ("profile_name", "Mutations"),
            ("profile_description", "Somatic panel variants that passed cohortmark's filters "
             "(variants.*). Samples are profiled for the genes of their gene panel."),
            ("data_filename", PROFILE_FILES[MUTATIONS])])
    if CNA in profiles:
        calls = alterations["cn_call"].map(LEVELS).astype(float)
        files[PROFILE_FILES[CNA]] = _matrix(alterations, calls, cn_profiled & calls.notna(),
                                            genes, list(profiles[CNA]), discrete=True)
        files[META_FILES[CNA]] = _meta([
            ("cancer_study_identifier", sid), ("genetic_alteration_type", "COPY_NUMBER_ALTERATION"),
            ("datatype", "DISCRETE"), ("stable_id", CNA), ("show_profile_in_analysis_tab", "true"),
            ("profile_name", "Putative copy-number alterations (cohortmark)"),
            ("profile_description", "Gene-level copy-number calls of cohortmark (thresholds in "
             "copy_number.*). Values: -2 = homozygous deletion (HOMDEL); -1 = loss; 0 = neutral; "
             "1 = gain; 2 = amplification (AMP); NA = not profiled."),
            ("data_filename", PROFILE_FILES[CNA])])
    if LINEAR in profiles:
        values = pd.to_numeric(alterations["cn_value"], errors="coerce")
        files[PROFILE_FILES[LINEAR]] = _matrix(alterations, values, value_known, genes,
                                               list(profiles[LINEAR]), discrete=False)
        files[META_FILES[LINEAR]] = _meta([
            ("cancer_study_identifier", sid), ("genetic_alteration_type", "COPY_NUMBER_ALTERATION"),
            ("datatype", "CONTINUOUS"), ("stable_id", LINEAR),
            ("show_profile_in_analysis_tab", "false"),
            ("profile_name", "Copy number (absolute, cohortmark)"),
            ("profile_description", "Absolute total copy number per gene (log2 ratios converted "
             "with the sample's purity and ploidy); NA = not profiled or not measured."),
            ("data_filename", PROFILE_FILES[LINEAR])])
    if SV in profiles:
        from .sv import sv_text
        sv_table = structural_variants if structural_variants is not None else pd.DataFrame()
        files[PROFILE_FILES[SV]] = sv_text(sv_table, set(profiles[SV]), build)
        files[META_FILES[SV]] = _meta([
            ("cancer_study_identifier", sid), ("genetic_alteration_type", "STRUCTURAL_VARIANT"),
            ("datatype", "SV"), ("stable_id", SV), ("show_profile_in_analysis_tab", "true"),
            ("profile_name", "Structural variants (cohortmark)"),
            ("profile_description", "Fusions and rearrangements that passed cohortmark's "
             "filters. Samples are profiled for the genes of their gene panel."),
            ("data_filename", PROFILE_FILES[SV])])

    # gene panels: one per distinct set of profiled genes
    for per_sample in profiles.values():
        for gset in per_sample.values():
            if gset not in study.panels:  # (5,000 samples share a few sets)
                study.panels[gset] = panel_id(sid, gset)
    for gset, pid in sorted(study.panels.items(), key=lambda kv: kv[1]):
        files[f"data_gene_panel_{pid}.txt"] = _meta([
            ("stable_id", pid),
            ("description", f"{len(gset)} genes profiled by cohortmark (study {sid})"),
            ("gene_list", "\t".join(gset))])
    if profiles:
        order = list(profiles)
        lines = ["\t".join(["SAMPLE_ID"] + order)]
        for s in samples:
            lines.append("\t".join([s] + [study.panels[profiles[p][s]] if s in profiles[p]
                                          else "NA" for p in order]))
        files[GENE_PANEL_MATRIX] = "\n".join(lines) + "\n"
        files["meta_gene_panel_matrix.txt"] = _meta([
            ("cancer_study_identifier", sid), ("genetic_alteration_type", "GENE_PANEL_MATRIX"),
            ("datatype", "GENE_PANEL_MATRIX"), ("data_filename", GENE_PANEL_MATRIX)])

    lists = [("all", "All samples", "All samples of the cohort", "all_cases_in_study", samples)]
    if MUTATIONS in profiles:
        lists.append(("sequenced", "Samples with mutation data", "Samples profiled for "
                      "mutations", "all_cases_with_mutation_data", list(profiles[MUTATIONS])))
    if CNA in profiles:
        lists.append(("cna", "Samples with CNA data", "Samples profiled for copy number",
                      "all_cases_with_cna_data", list(profiles[CNA])))
    if MUTATIONS in profiles and CNA in profiles:
        both = [s for s in samples if s in profiles[MUTATIONS] and s in profiles[CNA]]
        if both:
            lists.append(("cnaseq", "Samples with mutation and CNA data", "Samples profiled "
                          "for mutations and copy number", "all_cases_with_mutation_and_cna_data",
                          both))
    if SV in profiles:
        lists.append(("sv", "Samples with structural variant data", "Samples profiled for "
                      "fusions", "all_cases_with_sv_data", list(profiles[SV])))
    for suffix, name, description, category, ids in lists:
        files[f"case_lists/cases_{suffix}.txt"] = _case_list(sid, suffix, name, description,
                                                             category, ids)
    return study


def write_study(study: Study, outdir: str | os.PathLike) -> None:
    """Write the folder: into a temporary sibling, then swapped into place (a failed write
    leaves the old folder or none, never a mix). Files follow the user's umask."""
    outdir = Path(outdir)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    for stale in outdir.parent.glob(f".{outdir.name}.*"):  # left by a killed earlier write
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(dir=outdir.parent, prefix=f".{outdir.name}."))
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it 0700
        for rel, text in study.files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        old = None
        if outdir.exists():
            old = outdir.with_name(f".{outdir.name}.old.{os.getpid()}")
            os.replace(outdir, old)
        os.replace(tmp, outdir)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
