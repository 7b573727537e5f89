# Stage 6: the cohort for the tools the field already uses - a cBioPortal study folder and a
# MAF with clinical data and copy number for maftools (config `export`; on by default).


rule export:
    input:
        samples=config["samples"],
        stores=get_shard_stores(),
        mutations="results/cohort/mutations.tsv",
        patients="results/cohort/patients.tsv",
        structural_variants="results/cohort/structural_variants.tsv",
    output:
        study=directory("results/export/cbioportal"),
        maf="results/export/cohort.maf",
        clinical="results/export/cohort_clinical.tsv",
        cn="results/export/cohort_cn.tsv",
    log:
        "logs/export.log",
    priority: PRIORITY["export"]
    conda:
        "../envs/cohortmark.yaml"
    resources:
        mem_mb=mem_mb("export"),
        runtime=runtime("export"),
    params:
        code=CODE,
        files=fingerprints(config["samples"]),
        settings=settings("export"),
        non_alterations=config["variants"]["non_alterations"],
        build=BUILD,
    script:
        "../../scripts/export.py"
