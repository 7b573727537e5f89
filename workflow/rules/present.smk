# Stage 5: figures and the self-contained HTML report.


# One rule per figure of the registry: it declares the tables and settings that figure uses,
# so a changed setting redraws only the figures that use it.
for _fig in FIGURES:
    if _fig.own_rule:
        continue

    rule:
        name:
            f"figure_{_fig.name}"
        input:
            **figure_inputs(_fig),
            stores=get_shard_stores() if "alterations" in figure_inputs(_fig) else [],
        output:
            svg=f"results/figures/{_fig.name}.svg",
            png=report(
                f"results/figures/{_fig.name}.png",
                caption="../report/figure.rst",
                category="Figures",
            ),
        log:
            f"logs/figures/{_fig.name}.log",
        priority: PRIORITY.get(f"figure_{_fig.name}", PRIORITY["figure"])
        conda:
            "../envs/cohortmark.yaml"
        resources:
            mem_mb=mem_mb(f"figure_{_fig.name}"),
            runtime=runtime(f"figure_{_fig.name}"),
        params:
            code=CODE,
            name=_fig.name,
            caption=cm_figures.caption(_fig, config["statistics"]["conf_level"]),
            settings=cm_figures.settings_of(_fig, config),
            files=fingerprints(
                *[p for n, p in figure_inputs(_fig).items() if n in ("sheet", "panel")]
            ),
            build=BUILD,
        script:
            "../../scripts/figures.py"


rule report:
    input:
        unpack(get_ctdna_tables),
        samples=config["samples"],
        panel=PANEL,
        alterations="results/cohort/alterations.tsv",
        stores=get_shard_stores(),
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
        ctdna_patients=get_ctdna_patient_figures,
    output:
        "results/report.html",
    log:
        "logs/report.log",
    priority: PRIORITY["report"]
    conda:
        "../envs/cohortmark.yaml"
    resources:
        mem_mb=mem_mb("report"),
        runtime=runtime("report"),
    params:
        code=CODE,
        files=fingerprints(config["samples"], config["ctdna"], PANEL),
        # the report shows every setting of the run (provenance), so it depends on all of them
        config=config,
        build=BUILD,
    script:
        "../../scripts/report.py"
