# Stage 2: the cohort table - every patient x every panel gene, three-state.


rule cohort_alterations:
    input:
        samples=config["samples"],
        panel=PANEL,
        alterations=get_shard_tables("alterations"),
    output:
        alterations=report(
            "results/cohort/alterations.tsv",
            caption="../report/alterations.rst",
            category="Cohort",
        ),
    log:
        "logs/cohort_alterations.log",
    priority: PRIORITY["cohort_alterations"]
    conda:
        "../envs/cohortmark.yaml"
    resources:
        mem_mb=mem_mb("cohort_alterations"),
        runtime=runtime("cohort_alterations"),
    params:
        code=CODE,
        files=fingerprints(config["samples"], PANEL),
        build=BUILD,
    script:
        "../../scripts/cohort_alterations.py"


# The cohort's variant, structural-variant and patient tables: small, so the steps that
# compute from the shards' stores (statistics, eligibility, export) start without waiting
# for the 2.5-million-row alterations.tsv of a registry.
rule cohort_tables:
    input:
        samples=config["samples"],
        mutations=get_shard_tables("mutations"),
        patients=get_shard_tables("patients"),
        structural_variants=get_shard_tables("structural_variants"),
    output:
        mutations="results/cohort/mutations.tsv",
        patients="results/cohort/patients.tsv",
        structural_variants=report(
            "results/cohort/structural_variants.tsv",
            caption="../report/structural_variants.rst",
            category="Cohort",
        ),
    log:
        "logs/cohort_tables.log",
    priority: PRIORITY["cohort_tables"]
    conda:
        "../envs/cohortmark.yaml"
    resources:
        mem_mb=mem_mb("cohort_tables"),
        runtime=runtime("cohort_tables"),
    params:
        code=CODE,
        files=fingerprints(config["samples"]),
    script:
        "../../scripts/cohort_tables.py"


# Biomarker-defined cohorts (config `cohorts`): eligibility of every patient for every rule.
rule eligibility:
    input:
        samples=config["samples"],
        stores=get_shard_stores(),
        mutations="results/cohort/mutations.tsv",
        structural_variants="results/cohort/structural_variants.tsv",
        patients="results/cohort/patients.tsv",
    output:
        eligibility=report(
            "results/cohort/eligibility.tsv",
            caption="../report/eligibility.rst",
            category="Cohort",
        ),
        trial_matches=report(
            "results/cohort/trial_matches.tsv",
            caption="../report/trial_matches.rst",
            category="Cohort",
        ),
        trial_summary="results/cohort/trial_summary.tsv",
    log:
        "logs/eligibility.log",
    priority: PRIORITY["eligibility"]
    conda:
        "../envs/cohortmark.yaml"
    resources:
        mem_mb=mem_mb("eligibility"),
        runtime=runtime("eligibility"),
    params:
        code=CODE,
        files=fingerprints(config["samples"]),
        settings=eligibility_settings(),
    script:
        "../../scripts/eligibility.py"
