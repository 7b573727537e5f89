"""The bundled example cohort and the synthetic generator behind it.

Checks that the committed example/ is what scripts/make_example_cohort.py writes, that every
file parses with independent readers (cyvcf2, pysam, pandas), that the planted truth agrees
with the files and with the sheet, and that the trial's published outcome numbers come out.
"""

import gzip
import hashlib
import math
import sys
from pathlib import Path

import cohortmark_synthetic as syn
import cyvcf2
import numpy as np
import pandas as pd
import pysam
import pytest
from cohortmark.genome import chrom_lengths, load_panel
from cohortmark.sheets import load_plasma, load_samples
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import make_example_cohort  # noqa: E402

CNVKIT_COLUMNS = ["chromosome", "start", "end", "gene", "log2", "depth", "probes", "weight"]
PANEL = load_panel()
CANONICAL = syn.CSQ_FIELDS.index("CANONICAL")


def read_sheet(name):
    return pd.read_csv(ROOT / "config" / name, sep="\t", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def sheet():
    return read_sheet("samples.tsv")


@pytest.fixture(scope="module")
def plasma():
    return read_sheet("ctdna.tsv")


@pytest.fixture(scope="module")
def truth():
    return pd.read_csv(ROOT / "example" / "truth.tsv", sep="\t", keep_default_na=False,
                       na_values=[""])


def content_digest(path: Path) -> str:
    """sha256 of a file; of its decompressed content for BGZF files (.gz, .tbi), whose
    compressed bytes depend on the zlib build of the machine, not on the generator."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return hashlib.sha256(data).hexdigest()


def trial_example_files():
    """The trial example's files (example/registry/ is the registry example's: see
    tests/test_registry_example.py)."""
    return [p for p in (ROOT / "example").rglob("*")
            if p.is_file() and (ROOT / "example" / "registry") not in p.parents]


def test_regenerating_gives_the_committed_files(tmp_path):
    make_example_cohort.build_example(tmp_path)
    committed = sorted(p.relative_to(ROOT) for p in trial_example_files()
                       if p.name != "README.md")
    written = sorted(p.relative_to(tmp_path) for p in (tmp_path / "example").rglob("*")
                     if p.is_file())
    assert committed == written
    for rel in committed + [Path("config/samples.tsv"), Path("config/ctdna.tsv")]:
        if rel.suffix in (".gz", ".tbi"):
            assert content_digest(ROOT / rel) == content_digest(tmp_path / rel), rel
        else:
            assert (ROOT / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_example_is_small():
    total = sum(p.stat().st_size for p in trial_example_files())
    assert total < 300_000


def test_sheets_pass_the_workflow_validation(sheet, plasma):
    samples = load_samples(ROOT / "config" / "samples.tsv", base=ROOT)
    load_plasma(ROOT / "config" / "ctdna.tsv", samples["patient_id"].tolist(), base=ROOT)


def test_shape_of_the_trial(sheet, plasma):
    assert sheet["patient_id"].tolist() == [f"P{i:02d}" for i in range(1, 12)]
    assert sheet["best_response"].value_counts().to_dict() == {"PD": 4, "SD": 4, "PR": 2,
                                                                "NE": 1}
    ne = sheet[sheet["best_response"] == "NE"].iloc[0]
    assert ne["evaluable"] == "false" and "TP53" in ne["exclusion_reason"]
    assert (sheet.loc[sheet["best_response"] != "NE", "evaluable"] == "true").all()
    pct = pd.to_numeric(sheet["best_pct_change"])
    assert (pct[sheet["best_response"] == "PR"] <= -30).all()
    pd_rows = sheet["best_response"] == "PD"
    assert ((pct[pd_rows] >= 20) | (sheet.loc[pd_rows, "new_lesions"] == "true")).all()
    sd = pct[sheet["best_response"] == "SD"]
    assert ((sd > -30) & (sd < 20)).all()
    for col in ("pfs_months", "os_months", "treatment_months"):
        assert (pd.to_numeric(sheet[col]) >= 0).all()
    assert (pd.to_numeric(sheet["os_months"]) >= pd.to_numeric(sheet["pfs_months"])).all()
    # One patient without a copy-number file, one without a variant file.
    assert sheet.loc[sheet["cn_file"] == "", "patient_id"].tolist() == ["P06"]
    assert sheet.loc[sheet["variant_file"] == "", "patient_id"].tolist() == ["P09"]
    # Plasma at baseline (day 0), C2D1 (~day 28) and progression for 8 patients.
    assert plasma["patient_id"].nunique() == 8
    for _, rows in plasma.groupby("patient_id"):
        assert rows["timepoint"].tolist() == ["baseline", "C2D1", "progression"]
        days = rows["day"].astype(int).tolist()
        assert days[0] == 0 and 26 <= days[1] <= 32 and days[2] > days[1]


def test_outcomes_are_the_published_ones(sheet):
    # Milademetan trial: ORR 2/10 = 20% (95% CI 2.5-55.6%), DCR 6/10 (26.2-87.8%).
    ev = sheet[sheet["evaluable"] == "true"]
    assert len(ev) == 10
    for codes, k, low, high in (({"CR", "PR"}, 2, 0.0252, 0.5561),
                                ({"CR", "PR", "SD"}, 6, 0.2624, 0.8784)):
        count = int(ev["best_response"].isin(codes).sum())
        ci = stats.binomtest(count, len(ev)).proportion_ci(method="exact")
        assert count == k
        assert ci.low == pytest.approx(low, abs=5e-5) and ci.high == pytest.approx(high, abs=5e-5)


def test_every_vcf_opens_with_cyvcf2(sheet, plasma):
    for f in sheet["variant_file"][sheet["variant_file"] != ""]:
        vcf = cyvcf2.VCF(str(ROOT / f))
        assert vcf.samples == ["NORMAL", "TUMOR"]
        assert "Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|" \
               "EXON|INTRON|HGVSc|HGVSp|" in vcf.get_header_type("CSQ")["Description"]
        assert "##tumor_sample=TUMOR" in vcf.raw_header
        n_fields = len(syn.CSQ_FIELDS)
        records = list(vcf)
        assert len(records) >= 100
        for v in records:
            af = v.format("AF")
            assert af.shape == (2, 1) and 0 <= af[1, 0] <= 1
            ad = v.format("AD")
            assert ad[1].sum() == v.format("DP")[1, 0]
            assert all(len(e.split("|")) == n_fields for e in v.INFO["CSQ"].split(","))
    for f in plasma["variant_file"]:
        vcf = cyvcf2.VCF(str(ROOT / f))
        assert len(vcf.samples) == 1
        for v in vcf:
            assert 0 < v.format("AF")[0, 0] < 1


def test_cns_files_are_cnvkit_segments(sheet):
    lengths = chrom_lengths("GRCh38")
    for f in sheet["cn_file"][sheet["cn_file"] != ""]:
        cns = pd.read_csv(ROOT / f, sep="\t")
        assert cns.columns.tolist() == CNVKIT_COLUMNS
        assert 85 <= len(cns) <= 120
        assert cns["chromosome"].str.match(r"^chr(\d+|X|Y)$").all()
        for chrom, seg in cns.groupby("chromosome", sort=False):
            assert (seg["start"] < seg["end"]).all()
            assert (seg["start"].iloc[1:].to_numpy() >= seg["end"].iloc[:-1].to_numpy()).all()
            assert seg["end"].max() <= lengths[chrom[3:]]
        assert (cns["probes"] > 0).all() and (cns["weight"] > 0).all()
        # Most of the genome is copy neutral: CNVkit's median-centred log2 is about 0.
        weights = cns["end"] - cns["start"]
        order = np.argsort(cns["log2"].to_numpy())
        cum = np.cumsum(weights.to_numpy()[order])
        median = cns["log2"].to_numpy()[order][np.searchsorted(cum, cum[-1] / 2)]
        assert abs(median) < 0.1


def gene_segment(cns: pd.DataFrame, gene: str) -> pd.DataFrame:
    g = PANEL.set_index("gene").loc[gene]
    return cns[(cns["chromosome"] == f"chr{g.chrom}") & (cns["start"] < g.end)
               & (g.start < cns["end"])]


def test_truth_copy_number_matches_the_segments(sheet, truth):
    genes = truth[truth["kind"] == "gene"]
    assert len(genes) == 11 * 18
    for _, row in sheet.iterrows():
        mine = genes[genes["patient_id"] == row["patient_id"]].set_index("gene")
        assert mine.index.tolist() == PANEL["gene"].tolist()
        if row["cn_file"] == "":
            assert (mine["cn_status"] == "not_profiled").all() and mine["cn_call"].isna().all()
            continue
        cns = pd.read_csv(ROOT / row["cn_file"], sep="\t")
        for gene, t in mine.iterrows():
            seg = gene_segment(cns, gene)
            assert len(seg) == 1, (row["patient_id"], gene)
            log2 = seg["log2"].iloc[0]
            assert log2 == pytest.approx(t["log2"], abs=1e-4)
            # Clear-cut values that any sensible caller agrees on.
            if t["cn_call"] == "AMP":
                assert log2 > 1.5 and t["cn"] >= 8
            elif t["cn_call"] == "HOMDEL":
                assert log2 <= -2
            elif t["cn_call"] == "NEUTRAL":
                assert abs(log2) < 0.1
            purity = float(row["purity"])
            absolute = (2 * 2 ** log2 - 2 * (1 - purity)) / purity
            assert absolute == pytest.approx(t["cn"], abs=0.35, rel=0.15)


def test_planted_biology(sheet, truth):
    genes = truth[truth["kind"] == "gene"].merge(sheet[["patient_id", "best_response"]])
    call = genes.pivot(index="patient_id", columns="gene", values="cn_call")
    profiled = call.dropna(subset=["MDM2"]).index
    assert len(profiled) == 10
    assert (call.loc[profiled, "MDM2"] == "AMP").all()
    assert (call.loc[profiled, "CDK4"] == "AMP").sum() == 9
    for pid in profiled:  # MDM2 and CDK4 on one amplified segment
        if call.loc[pid, "CDK4"] == "AMP":
            cns = pd.read_csv(ROOT / "example" / "cn" / f"{pid}.cns", sep="\t")
            assert gene_segment(cns, "MDM2").index.equals(gene_segment(cns, "CDK4").index)
    responders = sheet.loc[sheet["best_response"].isin(["CR", "PR"]), "patient_id"]
    assert sorted(call.index[call["TWIST1"] == "AMP"]) == sorted(responders)
    deleted = call.index[call["CDKN2A"].isin(["HOMDEL", "LOSS"])]
    assert len(deleted) >= 3 and not set(deleted) & set(responders)
    mut = genes.pivot(index="patient_id", columns="gene", values="mut_status")
    assert (mut.loc["P09"] == "not_profiled").all()
    ne = sheet.loc[sheet["best_response"] == "NE", "patient_id"].iloc[0]
    tp53 = mut["TP53"]
    assert tp53[tp53 == "altered"].index.tolist() == [ne]


@pytest.mark.filterwarnings("ignore:no intervals found")
def test_truth_mutations_are_in_the_tumour_vcfs(sheet, truth):
    altered = truth[(truth["kind"] == "gene") & (truth["mut_status"] == "altered")]
    assert len(altered) >= 4
    for t in altered.itertuples():
        path = ROOT / sheet.set_index("patient_id").loc[t.patient_id, "variant_file"]
        chrom, pos, change = t.variant.split(":")
        ref, alt = change.split(">")
        with pysam.TabixFile(str(path)) as tbx:  # an indexed region query on the gene
            g = PANEL.set_index("gene").loc[t.gene]
            hits = [line.split("\t") for line in tbx.fetch(f"chr{g.chrom}", g.start, g.end)]
        match = [h for h in hits if (h[1], h[3], h[4]) == (pos, ref, alt)]
        assert len(match) == 1, t
        fields = match[0]
        assert fields[6] == "PASS"
        tumour = dict(zip(fields[8].split(":"), fields[10].split(":")))
        assert float(tumour["AF"]) == pytest.approx(t.vaf, abs=0.006)
    # Records in panel genes that are not expected mutations are filtered or not coding.
    for _, row in sheet[sheet["variant_file"] != ""].iterrows():
        vcf = cyvcf2.VCF(str(ROOT / row["variant_file"]))
        expected = set(altered.loc[altered["patient_id"] == row["patient_id"], "variant"])
        for g in PANEL.itertuples():
            for v in vcf(f"chr{g.chrom}:{g.start + 1}-{g.end}"):
                key = f"{v.CHROM[3:]}:{v.POS}:{v.REF}>{v.ALT[0]}"
                if key in expected:
                    continue
                canonical = [e for e in v.INFO["CSQ"].split(",") if e.split("|")[CANONICAL] == "YES"]
                consequence = canonical[0].split("|")[1]
                assert v.FILTER is not None or consequence not in syn.MUTATION_CLASS, key


def test_plasma_truth_matches_the_plasma_vcfs(plasma, truth):
    rows = truth[truth["kind"] == "plasma"]
    observed = {}
    for p in plasma.itertuples():
        for v in cyvcf2.VCF(str(ROOT / p.variant_file)):
            key = f"{v.CHROM[3:]}:{v.POS}:{v.REF}>{v.ALT[0]}"
            observed[(p.patient_id, p.timepoint, key)] = float(v.format("AF")[0, 0])
    for t in rows.itertuples():
        got = observed.get((t.patient_id, t.timepoint, t.variant), 0.0)
        assert got == pytest.approx(t.vaf, abs=0.0015), t
        assert bool(t.detected) == (got > 0)
    assert len(observed) == int(rows["detected"].sum())
    # Emergent = first detected after baseline, recomputed from the files.
    days = plasma.assign(day=plasma["day"].astype(int)).set_index(
        ["patient_id", "timepoint"])["day"]
    for (pid, variant), grp in rows.groupby(["patient_id", "variant"]):
        seen = [days[(pid, tp)] for (p2, tp, k) in observed if p2 == pid and k == variant]
        assert bool(grp["emergent"].iloc[0]) == (min(seen) > 0)
    tp53 = rows[rows["gene"] == "TP53"]
    assert not tp53.loc[tp53["timepoint"] == "baseline", "detected"].any()
    emergent = tp53[tp53["emergent"] & (tp53["timepoint"] == "progression")
                    & tp53["detected"]]
    assert emergent["patient_id"].nunique() >= 3


def test_associations_near_the_published_ones(sheet, truth):
    """TWIST1 amplification with response (published p = 0.028); CDKN2A copy number with
    best % change (published p = 0.071), over the evaluable patients with a CN profile."""
    ev = sheet[sheet["evaluable"] == "true"]
    genes = truth[truth["kind"] == "gene"].merge(ev[["patient_id", "best_response",
                                                      "best_pct_change"]])
    twist = genes[(genes["gene"] == "TWIST1") & genes["cn_call"].notna()]
    assert len(twist) == 9
    amp = twist["cn_call"] == "AMP"
    resp = twist["best_response"] == "PR"
    p = stats.fisher_exact(pd.crosstab(amp, resp).to_numpy()).pvalue
    # Both responders amplified, none of 7 others: p = 1 / C(9, 2) = 1/36.
    assert p == pytest.approx(1 / math.comb(9, 2)) == pytest.approx(0.028, abs=5e-4)
    cdkn2a = genes[(genes["gene"] == "CDKN2A") & genes["cn"].notna()]
    rho = stats.spearmanr(cdkn2a["cn"], cdkn2a["best_pct_change"].astype(float))
    assert rho.statistic < 0 and rho.pvalue == pytest.approx(0.071, abs=0.01)


def test_synthetic_registry_cohort(tmp_path):
    a = syn.make_cohort(tmp_path / "a", n_patients=6, seed=7, n_background=300,
                        plasma_fraction=0.5, workers=1)
    b = syn.make_cohort(tmp_path / "b", n_patients=6, seed=7, n_background=300,
                        plasma_fraction=0.5, workers=1)
    for name in ("samples.tsv", "truth.tsv", "config.yaml"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    samples = load_samples(a / "samples.tsv", base=a)
    assert samples["patient_id"].tolist() == [f"P{i:06d}" for i in range(1, 7)]
    assert "samples: samples.tsv" in (a / "config.yaml").read_text()
    for f in samples["variant_file"].dropna():
        records = list(cyvcf2.VCF(str(a / f)))
        assert len(records) >= 280  # background records, a few deduplicated
        assert sum(r.INFO["CSQ"].split("|")[3] in set(PANEL["gene"]) for r in records) <= 6
    for f in samples["cn_file"].dropna():
        assert 80 <= len(pd.read_csv(a / f, sep="\t")) <= 125
    new = syn.add_patient(a, seed=8, n_background=300)
    assert new == "P000007"
    grown = load_samples(a / "samples.tsv", base=a)
    assert grown["patient_id"].tolist()[-1] == "P000007" and len(grown) == 7
    truth = pd.read_csv(a / "truth.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert (truth.loc[truth["kind"] == "gene", "patient_id"] == "P000007").sum() == 18


def test_worker_count_does_not_change_the_cohort(tmp_path):
    one = syn.make_cohort(tmp_path / "one", n_patients=50, seed=3, n_background=20, workers=1)
    two = syn.make_cohort(tmp_path / "two", n_patients=50, seed=3, n_background=20, workers=2)
    for name in ("samples.tsv", "truth.tsv", "data/cn/P000050.cns"):
        assert (one / name).read_bytes() == (two / name).read_bytes()


def test_small_helpers():
    assert syn.short_protein("ENSP00000269305:p.Arg175His") == "p.R175H"
    assert syn.short_protein("p.Glu462ArgfsTer7") == "p.E462Rfs*7"
    assert syn.short_protein("p.Arg552Ter") == "p.R552*"
    assert syn.short_protein("p.Asp149=") == "p.D149="
    assert [syn.cn_call(c) for c in (0, 1, 2, 3, 6, 8, 40)] == [
        "HOMDEL", "LOSS", "NEUTRAL", "GAIN", "AMP", "AMP", "AMP"]
    # The smallest copy number reaching log2 1.7 at purity p: log2((p*CN + 2(1-p)) / 2) = 1.7.
    for p in (0.35, 0.6, 0.9):
        cn = syn.amp_copies(p)
        assert math.log2((p * cn + 2 * (1 - p)) / 2) == pytest.approx(1.7)
    # VEP alleles: deletion '-', insertion without the anchor base.
    deletion = syn.Mutation("TP53", "17", 100, "AG", "A", "frameshift_variant")
    insertion = syn.Mutation("TP53", "17", 100, "A", "AT", "frameshift_variant")
    assert syn.csq_entry(deletion).split("|")[0] == "-"
    assert syn.csq_entry(insertion).split("|")[0] == "T"
    assert not syn.TumourCall(syn.Mutation("TP53", "17", 1, "A", "G", "synonymous_variant"),
                              0.3).expected
