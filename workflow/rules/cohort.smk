# Stage 2: the cohort table - every patient x every panel gene, three-state.


rule cohort_alterations:
    input:
        samples=config["samples"],
        panel=PANEL,
        alterations=get_shard_tables("alterations"),
        mutations=get_shard_tables("mutations"),
    output:
        alterations=report(
            "results/cohort/alterations.tsv",
            caption="../report/alterations.rst",
            category="Cohort",
        ),
        mutations="results/cohort/mutations.tsv",
    log:
        "logs/cohort_alterations.log",
    resources:
        mem_mb=cohort_mem_mb,
        runtime=cohort_runtime,
    params:
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
    resources:
        mem_mb=cohort_mem_mb,
        runtime=cohort_runtime,
    script:
        "../../scripts/eligibility.py"
