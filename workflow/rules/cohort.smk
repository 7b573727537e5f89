# Stage 2: the cohort table - every patient x every panel gene, three-state.


rule cohort_alterations:
    input:
        samples=config["samples"],
        panel=PANEL,
        alterations=get_shard_tables("alterations"),
        mutations=get_shard_tables("mutations"),
        patients=get_shard_tables("patients"),
    output:
        alterations=report(
            "results/cohort/alterations.tsv",
            caption="../report/alterations.rst",
            category="Cohort",
        ),
        mutations="results/cohort/mutations.tsv",
        patients="results/cohort/patients.tsv",
    log:
        "logs/cohort_alterations.log",
    conda:
        "../envs/cohortmark.yaml"
    resources:
        mem_mb=cohort_mem_mb,
        runtime=cohort_runtime,
    params:
        files=fingerprints(config["samples"], PANEL),
        build=BUILD,
    script:
        "../../scripts/cohort_alterations.py"


# Biomarker-defined cohorts (config `cohorts`): eligibility of every patient for every rule.
rule eligibility:
    input:
        samples=config["samples"],
        alterations="results/cohort/alterations.tsv",
    output:
        eligibility=report(
            "results/cohort/eligibility.tsv",
            caption="../report/eligibility.rst",
            category="Cohort",
        ),
    log:
        "logs/eligibility.log",
    conda:
        "../envs/cohortmark.yaml"
    resources:
        mem_mb=cohort_mem_mb,
        runtime=cohort_runtime,
    params:
        files=fingerprints(config["samples"]),
        settings=settings("cohorts", "analysis_population"),
    script:
        "../../scripts/eligibility.py"
