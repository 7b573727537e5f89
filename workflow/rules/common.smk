# Shared set-up (the package is on sys.path via the Snakefile): the sheets loaded and validated once,
# shard membership, and the get_* input functions used by the rules.
from pathlib import Path

from cohortmark import genome as cm_genome
from cohortmark import sheets as cm_sheets
from cohortmark.ingest import ingest_records, shard_of

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


# --- scheduling: which ready job a core takes first ------------------------------------------
# When new patients arrive, a run is a chain - shards, cohort tables, statistics (and ctDNA),
# figures, report - with leaves beside it (export, the trial tables, single figures). With
# two cores a leaf that starts first delays the chain by its whole length, so the chain goes
# first and the export, which nothing waits for, last. Priorities order work; they change no
# result and rerun nothing.
PRIORITY = {
    "ingest_shard": 100,
    "cohort_tables": 90,
    "statistics": 80,
    "ctdna": 80,
    "cohort_alterations": 70,
    "eligibility": 70,
    "ctdna_figures": 60,
    "figure_biomarker_heatmap": 60,
    "figure": 50,
    "report": 50,
    "ctdna_check": 10,
    "export": 0,
}


# --- shards -----------------------------------------------------------------------------------
N_SHARDS = config["ingest"]["shards"]
SHARD_OF = {pid: shard_of(pid, N_SHARDS) for pid in SAMPLES["patient_id"]}
SHARDS = sorted(set(SHARD_OF.values()))
RECORDS = {shard: [] for shard in SHARDS}
for _record in ingest_records(SAMPLES):  # one pass: registry sheets have 100,000 rows
    RECORDS[SHARD_OF[_record["patient_id"]]].append(_record)


_SHARD_FILES = {}


def shard_files(shard):
    """Stat fingerprints of every file the shard's patients read (VCF indexes included), taken
    once per run for the shard's params and its resource estimate."""
    from cohortmark.ingest import shard_files as stat_files

    if shard not in _SHARD_FILES:
        try:
            _SHARD_FILES[shard] = stat_files(RECORDS[shard])
        except InputError as err:
            raise WorkflowError(f"invalid input: {err}") from None
    return _SHARD_FILES[shard]


def get_shard_fingerprint(wildcards):
    """The shard's patients (ingest columns) and the stat fingerprints of every file they read,
    as one digest. The patient files are deliberately not declared as inputs: at registry
    scale Snakemake's scheduler would stat 200,000 files at every round.
    """
    from cohortmark.ingest import shard_fingerprint

    shard = int(wildcards.shard)
    return shard_fingerprint(RECORDS[shard], shard_files(shard))


# Resources: what each rule asks a cluster for, from the size of its work, calibrated against
# the benchmark's measurements (cohortmark.resources) and multiplied by `attempt` (1, 2, 3), so
# that a job SLURM killed for memory or time is resubmitted larger by the profile's `retries`.
N_PATIENTS = len(SAMPLES)
N_GENES = len(cm_genome.load_panel(PANEL, BUILD))
N_PLASMA = 0 if PLASMA is None else len(PLASMA)
WORK_SIZE = {
    "rows": N_PATIENTS * N_GENES,
    "plasma": N_PLASMA,
    "plasma_patients": 0 if PLASMA is None else PLASMA["patient_id"].nunique(),
}


def mem_mb(rule):
    """The rule's memory request (MB) as a resources function."""
    from cohortmark.resources import request

    return lambda wildcards, attempt: request(rule, WORK_SIZE, attempt)["mem_mb"]


def runtime(rule):
    """The rule's wall-time request (minutes) as a resources function."""
    from cohortmark.resources import request

    return lambda wildcards, attempt: request(rule, WORK_SIZE, attempt)["runtime"]


# a rule that names no measured rule is charged as a cohort step
cohort_mem_mb = mem_mb("cohort step")
cohort_runtime = runtime("cohort step")


def _shard_request(wildcards, attempt):
    from cohortmark.resources import read_in_full, shard_request

    shard = int(wildcards.shard)
    total_mb, largest_mb = read_in_full(shard_files(shard))
    return shard_request(len(RECORDS[shard]), total_mb, largest_mb, attempt)


def get_shard_mem_mb(wildcards, attempt):
    return _shard_request(wildcards, attempt)["mem_mb"]


def get_shard_runtime(wildcards, attempt):
    return _shard_request(wildcards, attempt)["runtime"]


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
