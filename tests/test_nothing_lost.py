"""Nothing lost (property-based): on generated cohorts, every sheet patient x panel gene appears
exactly once in the cohort table, and every count in the associations and outcomes equals the
count recomputed here from that table and the sheet, by plain pandas."""

import random

import pandas as pd
from cohortmark import schema
from cohortmark.cohort import assemble_alterations
from cohortmark.genome import load_panel
from cohortmark.ingest import shard_of
from cohortmark.sheets import load_samples
from cohortmark.stats import associations, outcomes
from cohortmark.tsv import read_tsv, write_tsv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PANEL = load_panel()
GENES = list(PANEL["gene"])
CALLS = schema.CN_CALLS


@st.composite
def cohorts(draw):
    n = draw(st.integers(1, 30))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    ids = [f"P{i:03d}" if rng.random() < 0.9 else f"{i:03d}" for i in range(n)]  # "001" stays text
    patients = []
    for pid in ids:
        patients.append({
            "patient_id": pid,
            "cn": rng.random() < 0.85, "mut": rng.random() < 0.85,
            "best_response": rng.choice(["CR", "PR", "SD", "PD", "NE", ""]),
            "best_pct_change": rng.choice(["", f"{rng.uniform(-100, 80):.1f}"]),
            "pfs_months": f"{rng.uniform(0.1, 30):.2f}", "pfs_event": rng.choice(["0", "1"]),
            "evaluable": rng.choice(["true", "true", "true", "false"]),
        })
    shards = draw(st.integers(1, 8))
    return patients, shards, rng.random()


def gene_rows(patient, rng):
    rows = []
    for gene, group in zip(PANEL["gene"], PANEL["group"]):
        row = {"patient_id": patient["patient_id"], "gene": gene, "gene_group": group}
        if patient["cn"]:
            call = rng.choice(CALLS)
            row.update(cn_status="altered" if call in ("AMP", "HOMDEL") else "wildtype",
                       cn_call=call, cn_value=rng.uniform(0, 30))
        else:
            row.update(cn_status="not_profiled")
        if patient["mut"]:
            mutated = rng.random() < 0.2
            row.update(mut_status="altered" if mutated else "wildtype",
                       mutation_class=rng.choice(schema.MUTATION_CLASSES) if mutated else "",
                       n_mutations=int(mutated))
        else:
            row.update(mut_status="not_profiled")
        rows.append(row)
    return rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts())
def test_every_patient_gene_once_and_every_count_recomputable(tmp_path_factory, cohort):
    patients, n_shards, seed = cohort
    rng = random.Random(seed)
    tmp = tmp_path_factory.mktemp("cohort")
    cols = ["patient_id", "best_response", "best_pct_change", "pfs_months", "pfs_event",
            "evaluable"]
    sheet_path = tmp / "samples.tsv"
    pd.DataFrame(patients)[cols].to_csv(sheet_path, sep="\t", index=False)
    sheet = load_samples(sheet_path, check_files=False)

    # Ingest writes one table per shard; the cohort step reads them back from disk.
    by_shard = {}
    for p in patients:
        by_shard.setdefault(shard_of(p["patient_id"], n_shards), []).extend(gene_rows(p, rng))
    paths = []
    for k, rows in sorted(by_shard.items()):
        paths.append(tmp / f"shard_{k}.tsv")
        write_tsv(pd.DataFrame(rows), paths[-1], schema.ALTERATION_COLUMNS)
    alterations = assemble_alterations([read_tsv(p) for p in paths], sheet, PANEL)
    write_tsv(alterations, tmp / "alterations.tsv", schema.ALTERATION_COLUMNS)
    alt = read_tsv(tmp / "alterations.tsv")

    # Every sheet patient x panel gene exactly once, ids unchanged (no "001" -> 1).
    pairs = list(zip(alt["patient_id"], alt["gene"]))
    assert len(pairs) == len(set(pairs)) == len(patients) * len(GENES)
    assert set(alt["patient_id"]) == {p["patient_id"] for p in patients}
    for p in patients:
        rows = alt[alt["patient_id"] == p["patient_id"]]
        assert (rows["cn_status"] == "not_profiled").all() == (not p["cn"])
        assert (rows["mut_status"] == "not_profiled").all() == (not p["mut"])

    config = {"response": {"responders": ["CR", "PR"], "disease_control": ["CR", "PR", "SD"]}}
    sh = sheet.set_index("patient_id")
    # evaluable patients without a best response count as non-responders
    # (statistics.unassessed_response: non_responder, the default)
    evaluable = sh["evaluable"].astype(bool)

    out = outcomes(sheet, config).set_index("metric")
    assert out.loc["ORR", "n"] == evaluable.sum()
    assert out.loc["ORR", "count"] == (evaluable & sh["best_response"].isin(["CR", "PR"])).sum()
    assert out.loc["DCR", "count"] == (evaluable
                                      & sh["best_response"].isin(["CR", "PR", "SD"])).sum()
    assert out.loc["median_PFS", "n"] == sh["pfs_months"].notna().sum()
    assert out.loc["median_PFS", "count"] == (sh["pfs_event"] == 1).sum()

    assoc = associations(alt, sheet, config)
    assert set(assoc["gene"]) == set(GENES), "no gene silently dropped"
    fisher = assoc[(assoc["endpoint"] == "response") & (assoc["test"] == "fisher")]
    a = alt.set_index("patient_id")
    in_endpoint = set(evaluable[evaluable].index)
    for row in fisher.itertuples():
        g = a[a["gene"] == row.gene]
        g = g[g.index.isin(in_endpoint)]
        if row.alteration == "amplification":
            assessed, altered = g["cn_status"] != "not_profiled", g["cn_call"] == "AMP"
        elif row.alteration == "deletion":
            assessed, altered = g["cn_status"] != "not_profiled", g["cn_call"] == "HOMDEL"
        elif row.alteration == "mutation":
            assessed, altered = g["mut_status"] != "not_profiled", g["mut_status"] == "altered"
        else:  # any: altered by either assay, or profiled by both
            altered = ((g["cn_call"].isin(["AMP", "HOMDEL"]))
                       | (g["mut_status"] == "altered"))
            assessed = altered | ((g["cn_status"] != "not_profiled")
                                  & (g["mut_status"] != "not_profiled"))
        assert row.n_assessed == assessed.sum(), (row.gene, row.alteration)
        assert row.n_altered == (altered & assessed).sum(), (row.gene, row.alteration)
