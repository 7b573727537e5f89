# Stage 5: figures and the self-contained HTML report.


rule figures:
    input:
        samples=config["samples"],
        panel=PANEL,
        alterations="results/cohort/alterations.tsv",
        associations="results/cohort/associations.tsv",
        patients="results/cohort/patients.tsv",
    output:
        svg=expand("results/figures/{name}.svg", name=FIGURES),
        png=[
            report(
                f"results/figures/{name}.png",
                caption=f"../report/{name}.rst",
                category="Figures",
            )
            for name in FIGURES
        ],
    log:
        "logs/figures.log",
    conda:
        "../envs/cohortmark.yaml"
    resources:
        mem_mb=cohort_mem_mb,
        runtime=cohort_runtime,
    params:
        files=fingerprints(config["samples"], PANEL),
        figures=figure_settings(),
        settings=settings("statistics"),
        build=BUILD,
    script:
        "../../scripts/figures.py"


rule report:
    input:
        unpack(get_ctdna_tables),
        samples=config["samples"],
        panel=PANEL,
        alterations="results/cohort/alterations.tsv",
        mutations="results/cohort/mutations.tsv",
        patients="results/cohort/patients.tsv",
        structural_variants="results/cohort/structural_variants.tsv",
        outcomes="results/cohort/outcomes.tsv",
        associations="results/cohort/associations.tsv",
        interactions="results/cohort/interactions.tsv",
        eligibility=get_eligibility_table,
        trial_summary=get_trial_tables("trial_summary"),
        trial_matches=get_trial_tables("trial_matches"),
        figures=get_report_figures,
    output:
        "results/report.html",
    log:
        "logs/report.log",
    conda:
        "../envs/cohortmark.yaml"
    resources:
        mem_mb=cohort_mem_mb,
        runtime=cohort_runtime,
    params:
        files=fingerprints(config["samples"], config["ctdna"], PANEL),
        # the report shows every setting of the run (provenance), so it depends on all of them
        config=config,
        build=BUILD,
    script:
        "../../scripts/report.py"
