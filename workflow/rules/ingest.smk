# Stage 1: per-patient copy number and variants, processed in shards with a per-patient cache.


rule ingest_shard:
    input:
        files=get_shard_files,
        panel=PANEL,
    output:
        alterations="results/ingest/shard_{shard}.alterations.tsv",
        mutations="results/ingest/shard_{shard}.mutations.tsv",
    log:
        "logs/ingest_shard/{shard}.log",
    wildcard_constraints:
        shard=r"\d+",
    resources:
        mem_mb=get_shard_mem_mb,
        runtime=get_shard_runtime,
    params:
        records=get_shard_records,
        build=BUILD,
        cache="results/cache/ingest",
    script:
        "../../scripts/ingest_shard.py"
