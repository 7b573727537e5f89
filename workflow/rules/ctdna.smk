# Stage 4: sequential plasma ctDNA - trajectories, emergent variants, molecular response.


rule ctdna:
    input:
        samples=config["samples"],
        plasma=config["ctdna"] if config["ctdna"] else [],
        mutations="results/cohort/mutations.tsv",
        panel=PANEL,
    output:
        trajectories=report(
            "results/ctdna/trajectories.tsv",
            caption="../report/trajectories.rst",
            category="ctDNA",
        ),
        response="results/ctdna/molecular_response.tsv",
        emergent="results/ctdna/emergent.tsv",
        clinical_link="results/ctdna/clinical_link.tsv",
        pfs_by_response="results/ctdna/pfs_by_response.tsv",
    log:
        "logs/ctdna.log",
    conda:
        "../envs/cohortmark.yaml"
    resources:
        mem_mb=ctdna_mem_mb,
        runtime=ctdna_runtime,
    params:
        files=fingerprints(config["samples"], config["ctdna"], PANEL),
        plasma_files=get_plasma_fingerprints,
        settings=settings("ctdna_analysis", "variants", "response"),
        build=BUILD,
        cache="results/cache/ctdna",
    script:
        "../../scripts/ctdna.py"


rule ctdna_figures:
    input:
        samples=config["samples"],
        plasma=config["ctdna"] if config["ctdna"] else [],
        trajectories="results/ctdna/trajectories.tsv",
        molecular_response="results/ctdna/molecular_response.tsv",
    output:
        svg="results/figures/ctdna_vaf.svg",
        png=report(
            "results/figures/ctdna_vaf.png",
            caption="../report/figure.rst",
            category="Figures",
        ),
        patients=directory("results/figures/ctdna"),
    log:
        "logs/ctdna_figures.log",
    conda:
        "../envs/cohortmark.yaml"
    resources:
        mem_mb=cohort_mem_mb,
        runtime=cohort_runtime,
    params:
        files=fingerprints(config["samples"], config["ctdna"]),
        settings=cm_figures.settings_of(cm_figures.BY_NAME["ctdna_vaf"], config),
        caption=cm_figures.caption(
            cm_figures.BY_NAME["ctdna_vaf"], config["statistics"]["conf_level"]
        ),
        cache="results/cache/ctdna_figures",
    script:
        "../../scripts/ctdna_figures.py"
