"""The I/O side of each Snakemake rule: read inputs, call the pure functions, write outputs.

Each ``<rule>(smk, log)`` takes Snakemake's ``snakemake`` object; ``run`` wraps a step so that
bad input ends the job with one clear line (and no traceback), logged and on stderr.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pandas as pd

from . import parsed, schema
from .errors import InputError
from .tsv import read_tsv, write_tsv


def run(step, smk) -> None:
    """Run ``step(smk, log)`` with the rule's log file open.

    Bad input (InputError) ends the job with one line, ``cohortmark: error: ...``, in the log
    and on stderr, and exit status 1. Any other exception is a bug: its whole traceback goes to
    the log (so ``--show-failed-logs`` and a cluster's job log show the real cause) and it is
    re-raised.
    """
    import traceback

    if type(smk).__module__.split(".")[0] == "snakemake":  # a job of a run (not a test's)
        # the sheet and panel parsed once per run, beside the rules' outputs (workdir)
        parsed.enable(Path("results") / "cache" / "parsed")
    log_path = Path(smk.log[0]) if len(smk.log) else None
    if log_path:
        log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path or "/dev/null", "w", encoding="utf-8") as log_fh:
        def log(message: str) -> None:
            print(message, file=log_fh, flush=True)

        try:
            step(smk, log)
            log(resource_line(smk))
        except InputError as err:
            message = f"cohortmark: error: {err}"
            log(message)
            print(message, file=sys.stderr)
            sys.exit(1)
        except Exception:
            log("cohortmark: internal error (please report it with this log):")
            log(traceback.format_exc().rstrip())
            raise


_IMPORTED = time.monotonic()


def _process_age() -> float:
    """Seconds since this process started (Linux ``/proc``; elsewhere since this module was
    imported, which misses the interpreter's start-up)."""
    try:
        with open("/proc/self/stat") as fh:
            start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as fh:
            uptime = float(fh.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED


def _peak_rss_kb(ru_maxrss: int) -> int:
    """Peak resident memory of this process in kB: ``VmHWM`` (Linux), which starts afresh at
    ``exec``; ``ru_maxrss`` would also count the Snakemake process this job was forked from."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return ru_maxrss  # kB on Linux, bytes on macOS (an upper bound either way)


def resource_line(smk) -> str:
    """What the job used against what it requested (the rule's ``resources``), for the log:
    wall time since the process started, CPU time and peak resident memory. The benchmark
    reads these lines to calibrate the rules' requests (``bench/bench_workflow.py``)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = _process_age()
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    peak_mb = _peak_rss_kb(own.ru_maxrss) / 1024
    requested = getattr(smk, "resources", None)
    mem_mb = getattr(requested, "mem_mb", None)
    runtime = getattr(requested, "runtime", None)
    return (f"cohortmark: resources: wall {wall:.1f} s, CPU {cpu:.1f} s, peak memory "
            f"{peak_mb:.0f} MB; requested mem_mb {mem_mb}, runtime {runtime} min")


def _config(smk, *names) -> dict:
    """A config-shaped mapping of the sections the rule handed over as params."""
    out = {}
    for name in names:
        value = getattr(smk.params, name)
        out.update(value if name == "settings" else {name: value})
    return out


def ingest_shard(smk, log) -> None:
    """Rule ingest_shard: the shard's patients (chosen from the sheet by ``shard_of``) ->
    gene rows, panel variants and patient-level values."""
    from .ingest import (
        SHARD_TABLES,
        ingest_records,
        ingest_shard_files,
        shard_fingerprint,
        shard_of,
    )

    shard, shards = int(smk.wildcards.shard), int(smk.params.shards)
    sheet = parsed.samples(smk.params.samples)
    records = [r for r in ingest_records(sheet) if shard_of(r["patient_id"], shards) == shard]
    if shard_fingerprint(records) != smk.params.fingerprint:
        log("note: the sheet or a patient file changed after this run was planned; this shard "
            "reflects the files as they are now, and the next run will check it again")
    panel = parsed.panel(smk.input.panel, smk.params.build)
    _log_maf_renamings(records, set(panel["gene"]), log)
    name = f"shard_{shard}_of_{shards}"
    memo = Path(smk.params.cache) / "sha256" / f"{name}.json"
    outputs = {table: getattr(smk.output, table) for table in SHARD_TABLES}
    ingest_shard_files(records, panel, smk.params.settings, smk.params.build,
                       smk.params.cache, outputs, name, log=log, memo_path=memo)
    if getattr(smk.output, "store", None):
        from .ingest import store_frame
        from .store import write_store

        # from the file as written (kept rows or not): the store is a function of its text
        write_store(store_frame(read_tsv(smk.output.alterations)), smk.output.store)


def _log_maf_renamings(records, genes: set, log) -> None:
    """Each MAF's panel-gene symbols that were renamed to the current HGNC symbol."""
    from .variants.maf import gene_renamings, looks_like_maf

    mafs = sorted({r["variant_file"] for r in records
                   if r.get("variant_file") and looks_like_maf(r["variant_file"])})
    for path in mafs:
        for text in gene_renamings(path, genes):
            log(f"{path}: gene symbol renamed {text}")


def cohort_alterations(smk, log) -> None:
    """Rule cohort_alterations: the shards' gene rows -> results/cohort/alterations.tsv."""
    from .cohort import alteration_columns, write_alterations

    sheet = parsed.samples(smk.input.samples)
    panel = parsed.panel(smk.input.panel, smk.params.build)
    n_rows = write_alterations(list(smk.input.alterations), sheet, panel,
                               smk.output.alterations, alteration_columns(sheet))
    log(f"cohort: {len(sheet)} patients x {len(panel)} genes ({n_rows} rows)")
    for r in panel.attrs.get("renamed", []):
        log(f"panel gene symbol renamed {r['text']}")


def cohort_tables(smk, log) -> None:
    """Rule cohort_tables: the shards' variant, structural-variant and patient tables -> the
    cohort's mutations.tsv, structural_variants.tsv and patients.tsv (in sheet order)."""
    from .cohort import assemble_mutations, assemble_patients, assemble_structural_variants

    sheet = parsed.samples(smk.input.samples)
    mutations = assemble_mutations([read_tsv(p) for p in smk.input.mutations], sheet)
    patients = assemble_patients([read_tsv(p) for p in smk.input.patients], sheet)
    calls = assemble_structural_variants(
        [read_tsv(p) for p in smk.input.structural_variants], sheet)
    write_tsv(mutations, smk.output.mutations, schema.MUTATION_COLUMNS)
    write_tsv(patients, smk.output.patients, schema.PATIENT_COLUMNS)
    write_tsv(calls, smk.output.structural_variants, schema.STRUCTURAL_VARIANT_COLUMNS)
    log(f"cohort: {len(sheet)} patients, {len(mutations)} panel variants, "
        f"{len(calls)} structural variants")
    for key in ("purity_source", "ploidy_source"):
        counts = patients[key].value_counts().to_dict()
        log(f"{key.replace('_', ' ')}: "
            + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    for row in patients.dropna(subset=["cn_note"]).itertuples():
        log(f"patient {row.patient_id}: {row.cn_note}")


def _population(population_rule, sheet, alterations, log, tables=None):
    """Apply the analysis population ``(name, rule text)`` from params (None: all patients):
    returns (sheet, alterations, description). ``tables``: mutations, structural_variants,
    patients (for rules on single variants, fusion partners, TMB and MSI)."""
    if not population_rule:
        return sheet, alterations, f"all patients (n = {len(sheet)})"
    from .cohorts import POPULATION_KEY, population

    name, text = population_rule
    config = ({"analysis_population": text} if name == POPULATION_KEY
              else {"analysis_population": name, "cohorts": {name: text}})
    keep, description = population(config, alterations, sheet, **(tables or {}))
    keep = set(keep)
    log(f"analysis population: {description}")
    return (sheet[sheet["patient_id"].isin(keep)].reset_index(drop=True),
            alterations[alterations["patient_id"].isin(keep)].reset_index(drop=True),
            description)


def statistics(smk, log) -> None:
    from .stats import associations, interactions, outcomes

    config = _config(smk, "settings")
    sheet = parsed.samples(smk.input.samples)
    alterations = _cohort_rows(smk, sheet)
    sheet, alterations, _ = _population(smk.params.population, sheet, alterations, log,
                                        _rule_tables(smk) if smk.params.population else None)
    write_tsv(outcomes(sheet, config), smk.output.outcomes, schema.OUTCOME_COLUMNS)
    write_tsv(associations(alterations, sheet, config), smk.output.associations,
              schema.ASSOCIATION_COLUMNS)
    panel = parsed.panel(smk.input.panel, smk.params.build)  # gene coordinates: co-located pairs
    write_tsv(interactions(alterations, config, coordinates=panel), smk.output.interactions,
              schema.INTERACTION_COLUMNS)


def _rule_tables(smk) -> dict:
    """The per-variant, structural-variant and patient-level tables rules may need (those
    the rule has as inputs)."""
    names = ("mutations", "structural_variants", "patients")
    return {name: read_tsv(getattr(smk.input, name)) for name in names
            if getattr(smk.input, name, None)}


# identifiers and three-state columns of the cohort table, read as categoricals by the cohort
# steps (a registry's 2.5 million rows: ~0.4 GB instead of 1.7 GB)
STATE_COLUMNS = ["patient_id", "gene", "gene_group", "cn_status", "cn_call", "mut_status",
                 "mutation_class", "sv_status"]
RULE_COLUMNS = ["patient_id", "gene", "cn_status", "cn_call", "cn_value", "cn_fold",
                "mut_status", "mutation_class", "protein_change", "sv_status", "sv_partners"]


def _cohort_rows(smk, sheet, columns=None, sheet_order=False, genes=None):
    """The cohort table for a step that computes from it: from the ingest shards' columnar
    stores when the rule has them (``stores``: a few seconds for a registry's 2.5 million
    rows, a quarter of the memory of reading alterations.tsv), else from alterations.tsv;
    identifiers and states as categoricals; the fusion columns only when some patient has an
    ``sv_file`` (as alterations.tsv). The stores hold the patients shard by shard;
    ``sheet_order`` puts them back in sheet order (alterations.tsv's), for steps whose output
    follows the row order. ``genes``: only those genes' rows (from the stores, chosen before
    the rows are built: memory of those genes alone, whatever the panel's size)."""
    stores = getattr(smk.input, "stores", None)
    if not stores:
        from .cohort import alteration_columns

        keep = [c for c in alteration_columns(sheet) if columns is None or c in columns]
        rows = read_tsv(smk.input.alterations, columns=keep, categorical=STATE_COLUMNS)
        return rows if genes is None else rows[rows["gene"].isin(genes)].reset_index(drop=True)
    from .store import cohort_rows

    return cohort_rows(stores, sheet, columns, categorical=STATE_COLUMNS, genes=genes,
                       sheet_order=sheet_order)


def eligibility(smk, log) -> None:
    """Rule eligibility: every patient x rule (eligibility.tsv), the per-trial summary
    (trial_summary.tsv) and the per-patient matches (trial_matches.tsv)."""
    from .cohorts import check_config, evaluate, trial_matches, trial_summary

    sheet = parsed.samples(smk.input.samples)
    stores = getattr(smk.input, "stores", None)
    if stores:  # the genes of the cohort table, without reading its rows
        from .store import store_values

        panel_genes = store_values(list(stores), "gene")
    else:
        panel_genes = read_tsv(smk.input.alterations, columns=["gene"])["gene"].unique()
    rules = check_config(_config(smk, "settings"), panel_genes, sheet.columns)
    genes = sorted({g for r in rules.values() for g in r.genes() + r.fusion_genes()})
    alterations = _cohort_rows(smk, sheet, RULE_COLUMNS, genes=genes)
    alterations = alterations.astype({c: object for c in alterations.columns
                                      if isinstance(alterations[c].dtype, pd.CategoricalDtype)})
    table = evaluate(rules, alterations, sheet, **_rule_tables(smk))
    summary = trial_summary(table, rules)
    write_tsv(table, smk.output.eligibility, schema.ELIGIBILITY_COLUMNS)
    if getattr(smk.output, "trial_summary", None):
        write_tsv(summary, smk.output.trial_summary, schema.TRIAL_SUMMARY_COLUMNS)
    if getattr(smk.output, "trial_matches", None):
        write_tsv(trial_matches(table, rules), smk.output.trial_matches,
                  schema.TRIAL_MATCH_COLUMNS)
    for row in summary.itertuples():
        why = f" ({row.undecided_because})" if row.unknown else ""
        log(f"{row.rule} [{row.definition}]: {row.eligible} eligible, {row.ineligible} "
            f"ineligible, {row.unknown} unknown{why}")


def ctdna(smk, log) -> None:
    """Rule ctdna: plasma calls -> trajectories, molecular response and emergent variants."""
    import warnings

    import pandas as pd

    from . import ctdna as ct
    from .sheets import load_plasma

    sheet = parsed.samples(smk.input.samples)
    plasma = load_plasma(smk.input.plasma, sheet["patient_id"], check_files=True)
    build = smk.params.build
    config = _config(smk, "settings")
    panel = parsed.panel(smk.input.panel, build)
    failures: list[dict] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ct.CtdnaWarning)
        variants = ct.load_plasma_variants(plasma, panel, config, build, smk.params.cache,
                                           log=log, failures=failures,
                                           sheet_path=str(smk.input.plasma))
        tissue = ct.read_table(smk.input.mutations)
        profiled = sheet.loc[sheet["variant_file"].notna(), "patient_id"]
        # a patient with an unreadable plasma sample is left out (not computed from the
        # samples that could be read); the others are computed; rule ctdna_check then fails
        failed = {f["patient_id"] for f in failures}
        readable = plasma[~plasma["patient_id"].isin(failed)].reset_index(drop=True)
        traj = ct.trajectories(readable, variants, tissue, config, tissue_profiled=profiled)
    for w in caught:
        log(f"warning: {w.message}")
        print(f"cohortmark: warning: {w.message}", file=sys.stderr)
    for f in failures:
        log(f"cohortmark: error: {f['message']}")
        print(f"cohortmark: error: {f['message']}", file=sys.stderr)
    response = ct.molecular_response(traj, config, patients=plasma["patient_id"])
    for f in failures:  # the reason names the sample that could not be read
        rows = response["patient_id"] == f["patient_id"]
        response.loc[rows, "reason"] = (f"plasma sample {f['timepoint']!r} could not be read "
                                        "(see unreadable_samples.tsv)")
    write_tsv(pd.DataFrame(failures, columns=schema.CTDNA_FAILURE_COLUMNS),
              smk.output.failures, schema.CTDNA_FAILURE_COLUMNS)
    emergent = ct.emergent(traj, config)
    write_tsv(traj, smk.output.trajectories, schema.TRAJECTORY_COLUMNS)
    write_tsv(response, smk.output.response, schema.MOLECULAR_RESPONSE_COLUMNS)
    write_tsv(emergent, smk.output.emergent, schema.EMERGENT_COLUMNS)
    link = ct.clinical_link(response, sheet, config)
    write_tsv(link, smk.output.clinical_link, schema.CLINICAL_LINK_COLUMNS)
    write_tsv(ct.pfs_by_molecular_response(link), smk.output.pfs_by_response,
              schema.PFS_BY_RESPONSE_COLUMNS)
    flagged = emergent[emergent["flag"]]
    log(f"ctdna: {plasma['patient_id'].nunique()} patients, {len(plasma)} samples, "
        f"{traj['variant'].groupby(traj['patient_id']).nunique().sum()} tracked variants, "
        f"{len(emergent)} emergent ({len(flagged)} resistance-gene at progression)")


def ctdna_check(smk, log) -> None:
    """Rule ctdna_check: fail, naming every unreadable plasma sample (patient, plasma-sheet
    line, timepoint, file, problem), when rule ctdna had to leave patients out. Without
    --keep-going the run stops here; with it, every other output is still made first."""
    failures = read_tsv(smk.input.failures)
    if len(failures):
        raise InputError("\n".join(failures["message"].astype(str)))
    from .tsv import atomic_write

    atomic_write(smk.output[0], "every plasma sample was read\n")
    log("ctdna check: every plasma sample was read")


def ctdna_figures_step(smk, log) -> None:
    """Rule ctdna_figures: the cohort panel ctdna_vaf, and one trajectory figure (SVG + PNG)
    per plasma patient in results/figures/ctdna/.

    Each patient's figure is cached under the checksum of what it draws (the patient's
    trajectory and response rows, clinical row, ctDNA settings and the code), so adding a
    patient to a registry redraws only that patient.
    """
    from .figures.ctdna import plot_ctdna_patient, plot_ctdna_vaf
    from .fingerprint import code_fingerprint, digest
    from .sheets import load_plasma
    from .tsv import rows_by_first_field, tsv_rows

    sheet = parsed.samples(smk.input.samples)
    config = dict(smk.params.settings)  # the registry's settings of ctdna_vaf
    traj = read_tsv(smk.input.trajectories)
    response = read_tsv(smk.input.molecular_response)
    plasma = (load_plasma(smk.input.plasma, sheet["patient_id"], check_files=False)
              if smk.input.plasma else None)
    plot_ctdna_vaf(traj, str(Path(smk.output.svg).with_suffix("")), samples=sheet,
                   response=response, plasma=plasma, config=config)
    out_dir, cache = Path(smk.output.patients), Path(smk.params.cache)
    out_dir.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    # What each patient's figure draws, as text rows grouped by patient (one pass per table:
    # a registry has 10,000 plasma patients, and a rerun must not filter tables per patient).
    # Only the plasma patients' sheet rows (a registry sheet has ten times as many), and a
    # patient's own tables taken only for the figures to draw (positions, not a groupby).
    plasma_ids = traj["patient_id"].drop_duplicates()
    sheet = sheet[sheet["patient_id"].isin(set(plasma_ids))]
    clinical = sheet.drop(columns=["_line"], errors="ignore")
    text = {name: rows_by_first_field(tsv_rows(table)) for name, table in
            (("trajectory", traj), ("response", response), ("clinical", clinical))}
    rows_of = {name: table.groupby("patient_id", sort=False).indices
               for name, table in (("traj", traj), ("response", response), ("sheet", sheet))}

    def own(name, table, pid):
        at = rows_of[name].get(pid)
        return table.iloc[at] if at is not None else None

    code, prefixes, todo = code_fingerprint(), {}, []
    for pid in plasma_ids:
        payload = {"code": code, "config": config, "columns": [list(traj.columns),
                   list(response.columns), list(clinical.columns)],
                   **{name: rows.get(pid, []) for name, rows in text.items()}}
        prefix = prefixes[pid] = cache / digest(payload)
        if not (prefix.with_suffix(".svg").exists() and prefix.with_suffix(".png").exists()):
            mine = own("response", response, pid)
            todo.append((own("traj", traj, pid), pid, prefix, own("sheet", sheet, pid),
                         mine if mine is not None else response.iloc[:0], config))
    workers = min(int(getattr(smk, "threads", 1) or 1), len(todo))
    if workers > 1:  # from scratch a registry has thousands to draw (~0.3 s each)
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_draw_ctdna_patient, todo, chunksize=8))
    else:
        for args in todo:
            plot_ctdna_patient(*args)
    for pid, prefix in prefixes.items():
        for ext in (".svg", ".png"):
            _link_or_copy(prefix.with_suffix(ext), out_dir / f"ctdna_{pid}{ext}")
    log(f"ctdna figures: {len(prefixes)} patients in {out_dir}, {len(todo)} drawn "
        f"({max(workers, 1)} at a time), the rest from cache")


def _draw_ctdna_patient(args) -> None:
    from .figures.ctdna import plot_ctdna_patient

    plot_ctdna_patient(*args)


def _link_or_copy(source: Path, target: Path) -> None:
    """``target`` as a hard link to ``source`` (a cached figure: 20,000 files at registry
    scale), or a copy where the file system has no hard links."""
    import shutil

    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


# --- present: figures and report (area `report`) ---------------------------------------------

def figures(smk, log) -> None:
    """Rule figure_<name>: one figure of the registry (cohortmark.figures.registry) as SVG +
    PNG, from the tables its rule names as inputs and the settings it hands as params."""
    from .figures import registry

    paths = dict(smk.input.items())
    tables = registry.load_tables(paths, smk.params.build)
    prefix = str(Path(smk.output.svg).with_suffix(""))
    registry.draw(smk.params.name, tables, smk.params.settings, prefix)
    log(f"figure {smk.params.name}: {prefix}.svg, {prefix}.png")


def report(smk, log) -> None:
    """Rule report: the self-contained results/report.html."""
    from .report import provenance, render_report

    sheet = parsed.samples(smk.input.samples)
    panel = parsed.panel(smk.input.panel, smk.params.build)
    names = ["alterations", "patients", "outcomes", "associations", "interactions",
             "eligibility", "trajectories", "molecular_response", "emergent", "ctdna_failures",
             "structural_variants", "trial_summary", "trial_matches"]
    paths = {}
    for name in names:
        value = getattr(smk.input, name, None)
        if isinstance(value, (list, tuple)) or (value is not None and not isinstance(value, str)
                                                and hasattr(value, "__iter__")):
            value = list(value)[0] if len(value) else None
        paths[name] = value or None
    config = smk.params.config
    from .cohorts import population_rule
    from .report import ALTERATION_COLUMNS

    columns = None if population_rule(config) else ALTERATION_COLUMNS
    tables = {name: read_tsv(p) if p else None for name, p in paths.items()
              if name != "alterations"}
    stores = getattr(smk.input, "stores", None)
    if stores and columns:  # alterations.tsv's rows from the shards' stores, a tenth of the time
        from .store import cohort_rows

        tables["alterations"] = cohort_rows(stores, sheet, columns, sheet_order=True)
    else:
        tables["alterations"] = read_tsv(paths["alterations"], columns)
    tables.update(sheet=sheet, panel=panel)

    if population_rule(config):
        _, _, tables["population"] = _population(population_rule(config), sheet,
                                                 tables["alterations"], log, _rule_tables(smk))
    figures_ = {Path(p).stem: p for p in smk.input.figures}
    patient_figures = {}
    for folder in smk.input.ctdna_patients:
        for svg in sorted(Path(folder).glob("ctdna_*.svg")):
            patient_figures[svg.stem.removeprefix("ctdna_")] = str(svg)
    files = {"sheet": smk.input.samples, "mutations": smk.input.mutations,
             **{name: p for name, p in paths.items() if p}}
    inputs = {"patient sheet": smk.input.samples, "panel": smk.input.panel}
    if config["ctdna"]:
        inputs["plasma sheet"] = config["ctdna"]
    inputs.update({f"{name}.tsv": p for name, p in paths.items() if p})
    user_files = ["patient sheet", "panel", "plasma sheet"]  # the date never follows our outputs
    render_report(tables, figures_, provenance(dict(config), inputs, user_files),
                  smk.output[0], files=files, patient_figures=patient_figures)
    log(f"report: {smk.output[0]}")


def export(smk, log) -> None:
    """Rule export: the cohort tables -> results/export/ (cBioPortal study folder, MAF,
    maftools clinical data and copy number). What the formats cannot carry goes to the log."""
    from .export import export_cohort, write_export

    sheet = parsed.samples(smk.input.samples)
    sv_path = getattr(smk.input, "structural_variants", None)
    alterations = _cohort_rows(smk, sheet, sheet_order=True)
    result = export_cohort(alterations, read_tsv(smk.input.mutations), sheet,
                           smk.params.settings["export"], smk.params.build,
                           smk.params.non_alterations, patients=read_tsv(smk.input.patients),
                           structural_variants=read_tsv(sv_path) if sv_path else None)
    paths = write_export(result, Path(smk.output.study).parent)
    expected = {Path(smk.output.study), Path(smk.output.maf), Path(smk.output.clinical),
                Path(smk.output.cn)}
    assert set(paths.values()) == expected, (paths, expected)
    study = result.study
    log(f"export: study {study.study_id}, {len(sheet)} samples, profiles "
        f"{', '.join(study.profiled) or 'none'}, {len(study.panels)} gene panel(s)")
    for note in result.notes:
        log(f"note: {note}")
