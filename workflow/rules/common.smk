# Shared set-up (the package is on sys.path via the Snakefile): the sheets loaded and validated once,
# shard membership, and the get_* input functions used by the rules.
import os
from pathlib import Path

from cohortmark import genome as cm_genome
from cohortmark import sheets as cm_sheets
from cohortmark.ingest import ingest_record, shard_of

BUILD = config["genome"]
PANEL = config["panel"] or str(Path(workflow.basedir) / "resources" / "panel.tsv")
RESOURCES = Path(workflow.basedir) / "resources"
ENTRY = Path(workflow.basedir) / "scripts"


def _load_sheets():
    try:
        samples = cm_sheets.load_samples(config["samples"])
        plasma = None
        if config["ctdna"]:
            plasma = cm_sheets.load_plasma(config["ctdna"], samples["patient_id"])
            labels = config["ctdna_analysis"]
            cm_sheets.check_plasma_timepoints(
                plasma,
                config["ctdna"],
                labels["baseline_label"],
                labels["progression_label"],
            )
    except InputError as err:
        raise WorkflowError(f"invalid input: {err}") from None
    return samples, plasma


SAMPLES, PLASMA = _load_sheets()


def _check_cohorts():
    """Parse and check the biomarker rules now: a mistake stops the run before any job."""
    from cohortmark.cohorts import check_config as check_cohorts
    from cohortmark.genome import load_panel

    try:
        check_cohorts(config, load_panel(PANEL, BUILD)["gene"], SAMPLES.columns)
    except InputError as err:
        raise WorkflowError(f"invalid configuration: {err}") from None


_check_cohorts()


# --- settings: every rule declares the ones it uses as params --------------------------------
# Snakemake records each job's params and reruns the job when one changes ("params" rerun
# trigger), so a changed setting reruns exactly the rules that use it. config was completed
# from the schema in the Snakefile, so every key is present.


# The package's code is an input of every rule: after an upgrade (or any change to
# scripts/cohortmark/) every result is made again by the new code, never kept silently.
from cohortmark.fingerprint import code_fingerprint

CODE = code_fingerprint()


def settings(*sections):
    """The named config sections, as one params value."""
    return {name: config[name] for name in sections}


def eligibility_settings():
    """The cohort rules, and the analysis population when it is written inline (it is then
    evaluated as a rule of its own); a population naming a rule adds nothing."""
    out = {"cohorts": config["cohorts"]}
    pop = config["analysis_population"]
    if pop and pop not in (config["cohorts"] or {}):
        out["analysis_population"] = pop
    return out


def population_settings():
    """What the analysis population depends on: the rule text only (other cohort rules do not
    change the statistics)."""
    from cohortmark.cohorts import population_rule

    return population_rule(config)


def fingerprints(*paths):
    """Stat fingerprints (size, mtime) of user files read by a rule, as params (compared for
    equality): a file replaced by an older-dated copy (cp -p, rsync -a) reruns the rule
    although Snakemake's own check (an input newer than the output) sees nothing."""
    from cohortmark.fingerprint import stat_fingerprint

    return {str(p): stat_fingerprint(p) for p in paths if p}


# --- shards -----------------------------------------------------------------------------------
N_SHARDS = config["ingest"]["shards"]
SHARD_OF = {pid: shard_of(pid, N_SHARDS) for pid in SAMPLES["patient_id"]}
SHARDS = sorted(set(SHARD_OF.values()))
RECORDS = {shard: [] for shard in SHARDS}
for _row in SAMPLES.to_dict("records"):  # one pass: registry sheets have 100,000 rows
    RECORDS[SHARD_OF[_row["patient_id"]]].append(ingest_record(_row))


def get_shard_fingerprint(wildcards):
    """The shard's patients (ingest columns) and the stat fingerprints of every file they read
    (VCF indexes included), as one digest. The patient files are deliberately not declared as
    inputs: at registry scale Snakemake's scheduler would stat 200,000 files at every round.
    """
    from cohortmark.ingest import shard_fingerprint

    try:
        return shard_fingerprint(RECORDS[int(wildcards.shard)])
    except InputError as err:
        raise WorkflowError(f"invalid input: {err}") from None


def get_shard_files(wildcards):
    """Every file the shard's patients read (for resource estimates)."""
    from cohortmark.ingest import patient_files

    return [f for rec in RECORDS[int(wildcards.shard)] for f in patient_files(rec)]


# Resources: scaled with the work of a job, and by `attempt` (1, 2, 3) so that a job that ran
# out of memory or time (SLURM kills it) is resubmitted larger by the profile's `retries`.
N_PATIENTS = len(SAMPLES)
N_GENES = len(cm_genome.load_panel(PANEL, BUILD))
N_PLASMA = 0 if PLASMA is None else len(PLASMA)


def _largest_input_mb(paths):
    return (
        max((os.path.getsize(p) for p in paths if os.path.exists(p)), default=0) / 1e6
    )


def get_shard_mem_mb(wildcards, attempt):
    """1 GB for Python and its libraries, 5 MB per patient, 3x the largest input (a cohort MAF)."""
    n = len(RECORDS[int(wildcards.shard)])
    largest = _largest_input_mb(get_shard_files(wildcards))
    return int(1000 + 5 * n + 3 * largest) * attempt


def get_shard_runtime(wildcards, attempt):
    """Minutes: 10 + 30 s per patient (an unindexed exome VCF; cached patients take ~0)."""
    return (10 + len(RECORDS[int(wildcards.shard)]) // 2) * attempt


def cohort_mem_mb(wildcards, attempt):
    """Cohort-wide steps hold the patient x gene table (~1 kB a row in pandas, 3 copies)."""
    return (2000 + N_PATIENTS * N_GENES * 3 // 1000) * attempt


def cohort_runtime(wildcards, attempt):
    return (10 + N_PATIENTS * N_GENES // 20000) * attempt


def statistics_runtime(wildcards, attempt):
    """Gene x alteration x endpoint tests, incl. log-rank and Cox per gene."""
    return (15 + N_PATIENTS * N_GENES // 5000) * attempt


def ctdna_mem_mb(wildcards, attempt):
    return (2000 + 5 * N_PLASMA + N_PATIENTS // 2) * attempt


def ctdna_runtime(wildcards, attempt):
    """Minutes: 10 + 30 s per plasma VCF."""
    return (10 + N_PLASMA // 2) * attempt


def get_shard_tables(kind):
    return expand("results/ingest/shard_{shard}.{kind}.tsv", shard=SHARDS, kind=kind)


def get_shard_stores():
    """The shards' columnar copies of their cohort rows (cohortmark.store): what eligibility,
    statistics and the export compute from, in a fraction of the time and memory of
    alterations.tsv.
    """
    return expand("results/ingest/shard_{shard}.alterations.npz", shard=SHARDS)


def get_plasma_fingerprints(wildcards):
    """Plasma variant files and their indexes, fingerprinted (see ``fingerprints``)."""
    if PLASMA is None:
        return {}
    from cohortmark.variants import companion_files

    files = list(PLASMA["variant_file"])
    return fingerprints(*files, *[c for f in files for c in companion_files(f)])


def get_final_output():
    out = [
        "results/cohort/alterations.tsv",
        "results/cohort/mutations.tsv",
        "results/cohort/patients.tsv",
        "results/cohort/structural_variants.tsv",
        "results/cohort/outcomes.tsv",
        "results/cohort/associations.tsv",
        "results/cohort/interactions.tsv",
        "results/report.html",
    ]
    if config["cohorts"]:
        out += [
            "results/cohort/eligibility.tsv",
            "results/cohort/trial_matches.tsv",
        ]
    if PLASMA is not None:
        out += [
            "results/ctdna/trajectories.tsv",
            "results/figures/ctdna",
            "results/ctdna/all_plasma_samples_read.txt",
        ]
    if config["export"]["enabled"]:
        out += [
            "results/export/cbioportal",
            "results/export/cohort.maf",
            "results/export/cohort_clinical.tsv",
            "results/export/cohort_cn.tsv",
        ]
    return out


# --- figures: the registry (cohortmark.figures.registry) is the one list; present.smk makes a
# rule per figure from it, the ctDNA figures (ctdna_vaf and one per patient) have their own.
from cohortmark.figures import registry as cm_figures

FIGURES = cm_figures.applicable(config)


def figure_inputs(fig):
    """The files of the tables ``fig`` reads with this config (see registry.TABLES)."""
    where = {"sheet": config["samples"], "panel": PANEL, "plasma": config["ctdna"]}
    return {
        name: where.get(name, cm_figures.TABLES[name])
        for name in cm_figures.tables_of(fig, config)
    }


def get_report_figures(wildcards):
    return expand("results/figures/{name}.svg", name=[f.name for f in FIGURES])


def get_trial_tables(name):
    """results/cohort/<name>.tsv (trial_summary, trial_matches) when cohorts are configured."""

    def inner(wildcards):
        return [f"results/cohort/{name}.tsv"] if config["cohorts"] else []

    return inner


def get_ctdna_tables(wildcards):
    if PLASMA is None:
        return {}
    return {
        "trajectories": "results/ctdna/trajectories.tsv",
        "molecular_response": "results/ctdna/molecular_response.tsv",
        "emergent": "results/ctdna/emergent.tsv",
        "ctdna_failures": "results/ctdna/unreadable_samples.tsv",
    }


def get_ctdna_patient_figures(wildcards):
    return ["results/figures/ctdna"] if PLASMA is not None else []


def get_eligibility_table(wildcards):
    return ["results/cohort/eligibility.tsv"] if config["cohorts"] else []
