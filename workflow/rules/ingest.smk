# Stage 1: per-patient copy number and variants, processed in shards with per-patient caches.


rule ingest_shard:
    input:
        panel=PANEL,
    output:
        alterations="results/ingest/shard_{shard}.alterations.tsv",
        mutations="results/ingest/shard_{shard}.mutations.tsv",
        patients="results/ingest/shard_{shard}.patients.tsv",
        structural_variants="results/ingest/shard_{shard}.structural_variants.tsv",
        store="results/ingest/shard_{shard}.alterations.npz",
    log:
        "logs/ingest_shard/{shard}.log",
    wildcard_constraints:
        shard=r"\d+",
    priority: PRIORITY["ingest_shard"]
    conda:
        "../envs/cohortmark.yaml"
    resources:
        mem_mb=get_shard_mem_mb,
        runtime=get_shard_runtime,
    params:
        code=CODE,
        fingerprint=get_shard_fingerprint,
        samples=config["samples"],
        shards=N_SHARDS,
        settings=settings(
            "copy_number", "variants", "structural_variants", "tmb", "msi"
        ),
        targets=fingerprints(config["tmb"]["targets"]),
        build=BUILD,
        cache="results/cache/ingest",
    script:
        "../../scripts/ingest_shard.py"
