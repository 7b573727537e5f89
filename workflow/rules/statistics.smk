# Stage 3: trial outcomes, biomarker associations and co-occurrence, from the cohort table.


rule statistics:
    input:
        samples=config["samples"],
        panel=PANEL,
        stores=get_shard_stores(),
        mutations="results/cohort/mutations.tsv",
        structural_variants="results/cohort/structural_variants.tsv",
        patients="results/cohort/patients.tsv",
    output:
        outcomes=report(
            "results/cohort/outcomes.tsv",
            caption="../report/outcomes.rst",
            category="Statistics",
        ),
        associations=report(
            "results/cohort/associations.tsv",
            caption="../report/associations.rst",
            category="Statistics",
        ),
        interactions="results/cohort/interactions.tsv",
    log:
        "logs/statistics.log",
    priority: PRIORITY["statistics"]
    conda:
        "../envs/cohortmark.yaml"
    resources:
        mem_mb=mem_mb("statistics"),
        runtime=runtime("statistics"),
    params:
        code=CODE,
        files=fingerprints(config["samples"], PANEL),
        settings=settings("statistics", "response"),
        population=population_settings(),
        build=BUILD,
    script:
        "../../scripts/statistics.py"
