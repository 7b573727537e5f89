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
        failures="results/ctdna/unreadable_samples.tsv",
    log:
        "logs/ctdna.log",
    priority: PRIORITY["ctdna"]
    conda:
        "../envs/cohortmark.yaml"
    resources:
        mem_mb=mem_mb("ctdna"),
        runtime=runtime("ctdna"),
    params:
        code=CODE,
        files=fingerprints(config["samples"], config["ctdna"], PANEL),
        plasma_files=get_plasma_fingerprints,
        settings=settings("ctdna_analysis", "variants", "response"),
        build=BUILD,
        cache="results/cache/ctdna",
    script:
        "../../scripts/ctdna.py"


# A plasma sample that cannot be read leaves its patient out of the ctDNA tables (molecular
# response not_evaluable, the reason given) so that one bad file does not stop every ctDNA
# output; this rule then fails, naming each unreadable sample (plasma-sheet line, timepoint).
# Without --keep-going the run stops here; with it, everything else is made first.
rule ctdna_check:
    input:
        failures="results/ctdna/unreadable_samples.tsv",
    output:
        "results/ctdna/all_plasma_samples_read.txt",
    log:
        "logs/ctdna_check.log",
    priority: PRIORITY["ctdna_check"]
    conda:
        "../envs/cohortmark.yaml"
    resources:
        mem_mb=mem_mb("ctdna_check"),
        runtime=runtime("ctdna_check"),
    params:
        code=CODE,
    script:
        "../../scripts/ctdna_check.py"


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
    priority: PRIORITY["ctdna_figures"]
    conda:
        "../envs/cohortmark.yaml"
    # per-patient figures are drawn in parallel (thousands from scratch at registry scale)
    threads: 4
    resources:
        mem_mb=mem_mb("ctdna_figures"),
        runtime=runtime("ctdna_figures"),
    params:
        code=CODE,
        files=fingerprints(config["samples"], config["ctdna"]),
        settings=cm_figures.settings_of(cm_figures.BY_NAME["ctdna_vaf"], config),
        caption=cm_figures.caption(
            cm_figures.BY_NAME["ctdna_vaf"], config["statistics"]["conf_level"]
        ),
        cache="results/cache/ctdna_figures",
    script:
        "../../scripts/ctdna_figures.py"
