"""Index trust: results are the same through an index or in full, an untrustworthy index is
never read as "no variants", and no gene is wild type unless its region was read."""

import gzip
import os
import random
import shutil
import subprocess
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest
from cohortmark import schema
from cohortmark.errors import InputError
from cohortmark.genome import load_panel
from cohortmark.tsv import write_tsv
from cohortmark.variants import (
    VariantWarning,
    companion_files,
    gene_mutations,
    read_variant_file,
    read_variants,
)
from cohortmark.variants.index import index_problem
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DATA = Path(__file__).parent / "data"
RAW = {"min_depth": 0, "min_alt_reads": 0, "min_vaf": 0}


@pytest.fixture(autouse=True)
def always_query_through_the_index(monkeypatch):
    """These files are small: the reader would read them in one pass instead of querying
    (``vcf.worth_querying``). The tests here are about the query path, so it is forced."""
    from cohortmark.variants import vcf

    monkeypatch.setattr(vcf, "BYTES_PER_REGION", 0)


def _build_of(text: str) -> str:
    return "GRCh38" if ("length=248956422" in text or "GRCh38" in text or "hg38" in text) \
        else "GRCh37"


def every_vcf():
    """Every VCF/BCF under tests/data that reads without error (the broken ones are the bad
    corpus's), with the build its header says and a sample to read."""
    found = []
    example = DATA.parents[1] / "example"
    for path in sorted(DATA.rglob("*")) + sorted(example.rglob("*")):
        if not path.is_file() or not path.name.endswith((".vcf", ".vcf.gz", ".bcf")):
            continue
        if path.stat().st_size == 0:
            continue
        found.append(path)
    return found


def _read_both(path: Path, tmp: Path):
    """(through a fresh index, in full) results of one file, or None when it cannot be read."""
    from cyvcf2 import VCF

    try:
        header = VCF(str(path)).raw_header
        samples = VCF(str(path)).samples
    except Exception:
        return None
    build = _build_of(header)
    copy = tmp / (path.name if path.name.endswith((".gz", ".bcf")) else path.name + ".gz")
    if path.name.endswith(".bcf"):
        shutil.copyfile(path, copy)
        ok = subprocess.run(["bcftools", "index", "-f", str(copy)], capture_output=True)
    else:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as src, open(tmp / "plain.vcf", "wb") as dst:
                try:
                    dst.write(src.read())
                except (OSError, EOFError):
                    return None
        else:
            shutil.copyfile(path, tmp / "plain.vcf")
        with open(copy, "wb") as fh:
            subprocess.run(["bgzip", "-c", str(tmp / "plain.vcf")], stdout=fh, check=True)
        ok = subprocess.run(["tabix", "-f", "-p", "vcf", str(copy)], capture_output=True)
    if ok.returncode != 0:
        return None  # e.g. unsorted: htslib cannot index it, so nothing can go through one
    sample = None if len(samples) < 3 else samples[0]
    panel = load_panel(build=build)
    out = []
    for use_index in (True, False):
        cfg = {"variants": {"use_index": use_index, "filter": [], "check_contigs": False, **RAW}}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", VariantWarning)
                res = read_variant_file(copy, sample, panel=panel, build=build, config=cfg,
                                        patient="P")
        except InputError:
            return None
        out.append((res, gene_mutations(res.variants, panel, res.genes_read)))
    return out


def _assert_same_tables(first, second, tmp: Path) -> None:
    """Two (reading, gene rows) results written the way ingest writes them: byte-identical."""
    (res_a, genes_a), (res_b, genes_b) = first, second
    for name, a, b, cols in (("variants", res_a.variants, res_b.variants,
                              schema.VARIANT_COLUMNS),
                             ("genes", genes_a, genes_b, schema.GENE_MUT_COLUMNS)):
        write_tsv(a, tmp / f"{name}.a.tsv", cols)
        write_tsv(b, tmp / f"{name}.b.tsv", cols)
        assert (tmp / f"{name}.a.tsv").read_bytes() == (tmp / f"{name}.b.tsv").read_bytes(), name


@pytest.mark.parametrize("path", every_vcf(), ids=lambda p: str(p.relative_to(DATA.parents[1])))
def test_same_tables_through_the_index_or_in_full(path, tmp_path):
    both = _read_both(path, tmp_path)
    if both is None:
        pytest.skip("not readable (a bad-corpus file) or not indexable")
    (indexed, genes_i), (full, genes_f) = both
    assert indexed.mode == "index" and full.mode == "full" and indexed.notes == []
    _assert_same_tables((indexed, genes_i), (full, genes_f), tmp_path)


@pytest.mark.parametrize("path", every_vcf()[::4], ids=lambda p: str(p.relative_to(DATA.parents[1])))
def test_a_small_file_read_in_one_pass_gives_the_indexed_tables(path, tmp_path, monkeypatch):
    """Beside a large panel, a small indexed file is read in one pass (``worth_querying``):
    the same variants and gene rows as through the index, every panel gene read."""
    from cohortmark.variants import vcf

    both = _read_both(path, tmp_path)
    if both is None:
        pytest.skip("not readable (a bad-corpus file) or not indexable")
    (indexed, genes_i), _ = both
    monkeypatch.setattr(vcf, "BYTES_PER_REGION", 10**12)
    (tmp_path / "again").mkdir()
    again = _read_both(path, tmp_path / "again")
    (one_pass, genes_o), _ = again
    assert one_pass.mode == "full" and one_pass.notes == []
    assert one_pass.genes_read == indexed.genes_read
    _assert_same_tables((indexed, genes_i), (one_pass, genes_o), tmp_path)


def test_the_corpus_covers_every_vcf_under_tests_data():
    readable = [p for p in every_vcf() if "bad" not in p.parts]
    assert len(readable) >= 40  # the real files of tests/data/variants and the example


VCF = DATA / "variants" / "vcf2maf_test.vcf"  # GRCh37; TP53 17:7579312 C>A, 22/42 reads
P37 = load_panel(build="GRCh37")


def _indexed(tmp: Path, text: str, name="t.vcf.gz", csi=False) -> Path:
    (tmp / "plain.vcf").write_text(text)
    out = tmp / name
    with open(out, "wb") as fh:
        subprocess.run(["bgzip", "-c", str(tmp / "plain.vcf")], stdout=fh, check=True)
    subprocess.run(["tabix", "-f", "-p", "vcf"] + (["-C"] if csi else []) + [str(out)],
                   check=True)
    return out


def test_companion_files_name_the_index_htslib_uses(tmp_path):
    vcf = _indexed(tmp_path, VCF.read_text())
    assert companion_files(vcf) == [str(vcf) + ".tbi"]
    subprocess.run(["tabix", "-f", "-C", "-p", "vcf", str(vcf)], check=True)
    assert companion_files(vcf) == [str(vcf) + ".csi"]  # htslib prefers the .csi
    assert companion_files(DATA / "variants" / "tcga_laml.maf.gz") == []
    # a wrong .csi beside a right .tbi: htslib would use the .csi (and find nothing) ...
    other = _indexed(tmp_path, (DATA / "variants" / "vcf2maf_test_strelka.vcf").read_text(),
                     "o.vcf.gz", csi=True)
    shutil.copyfile(str(other) + ".csi", str(vcf) + ".csi")
    assert index_problem(vcf) is not None
    # ... so the file is read in full and TP53 is still found
    with pytest.warns(VariantWarning, match=r"\.csi .*read the whole file"):
        v = read_variants(vcf, panel=P37, build="GRCh37")
    assert 7579312 in set(v["pos"])


def test_a_failed_region_query_is_read_in_full(tmp_path, monkeypatch):
    """htslib failing mid-query (a failed seek) is never taken as 'no variants'."""
    import cohortmark.variants.vcf as vcf_mod

    vcf = _indexed(tmp_path, VCF.read_text())
    real = vcf_mod._Context.scan_regions

    def failing(self, reader, regions):
        def broken(region):
            raise Exception("[E::bgzf_read_block] failed to seek")  # what cyvcf2 raises
        return real(self, broken, regions)

    monkeypatch.setattr(vcf_mod._Context, "scan_regions", failing)
    res = read_variant_file(vcf, panel=P37, build="GRCh37", patient="P9")
    assert res.mode == "full" and 7579312 in set(res.variants["pos"])
    assert "a region query through its index t.vcf.gz.tbi failed" in res.notes[0]
    assert res.notes[0].startswith(f"patient P9: file {vcf}: ")
    with pytest.raises(InputError, match="failed to seek.*re-index the file"):
        read_variant_file(vcf, panel=P37, build="GRCh37", patient="P9",
                          config={"variants": {"untrusted_index": "error"}})


def test_records_outside_the_region_asked_for_mean_a_wrong_index(tmp_path, monkeypatch):
    import cohortmark.variants.vcf as vcf_mod

    vcf = _indexed(tmp_path, VCF.read_text())
    real = vcf_mod._Context.scan_regions

    def wrong_region(self, reader, regions):  # every query answered with the whole file
        return real(self, lambda region: iter(reader), regions)

    monkeypatch.setattr(vcf_mod._Context, "scan_regions", wrong_region)
    res = read_variant_file(vcf, panel=P37, build="GRCh37", patient="P9")
    assert res.mode == "full" and "returned a record at 1:" in res.notes[0]


def test_stale_index_after_records_were_added(tmp_path):
    text = VCF.read_text()
    tp53 = next(x for x in text.splitlines() if x.startswith("17\t7579312"))
    vcf = _indexed(tmp_path, text.replace(tp53 + "\n", ""))
    index = Path(str(vcf) + ".tbi").read_bytes()
    vcf = _indexed(tmp_path, text)  # the records grow ...
    Path(str(vcf) + ".tbi").write_bytes(index)  # ... and the old index stays (newer mtime)
    os.utime(str(vcf) + ".tbi", (time.time() + 10, time.time() + 10))
    assert index_problem(vcf) is not None
    res = read_variant_file(vcf, panel=P37, build="GRCh37", patient="P1")
    assert res.mode == "full" and 7579312 in set(res.variants["pos"])
    genes = gene_mutations(res.variants, P37, res.genes_read).set_index("gene")
    assert genes.loc["TP53", "mut_status"] == "altered"


# --- property: no gene is wild type unless its region of the file was read -------------------

GENES = ["TP53", "MDM2", "CDK4", "ATM", "EGFR", "CHEK2"]


def _exon_position(gene: str, rng: random.Random) -> tuple[str, int]:
    from cohortmark.variants.exons import coding_regions

    regions = coding_regions("GRCh37")
    row = P37.set_index("gene").loc[gene]
    chrom = str(row.chrom)
    # coding exons within the panel's gene body (the region the reader reads)
    inside = [(max(s, int(row.start)), min(e, int(row.end))) for s, e, g in
              regions.exons[chrom].items if g == gene and s < int(row.end) and e > int(row.start)]
    s, e = rng.choice(inside)
    return chrom, rng.randint(s + 1, e)


@st.composite
def cohorts(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = random.Random(seed)
    mutated = draw(st.sets(st.sampled_from(GENES), max_size=len(GENES)))
    damage = draw(st.sampled_from(["none", "stale", "other_file", "not_bgzf", "older",
                                   "truncated_index", "empty_index", "csi_other"]))
    return rng, sorted(mutated), damage


HEADER = ("##fileformat=VCFv4.2\n"
          '##FORMAT=<ID=GT,Number=1,Type=String,Description="g">\n'
          '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="a">\n'
          '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="d">\n'
          "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\n")


def _write(tmp: Path, records: list[tuple[str, int]], name: str) -> Path:
    order = {str(c): i for i, c in enumerate(list(range(1, 23)) + ["X", "Y"])}
    body = "".join(f"{c}\t{p}\t.\tA\tG\t.\tPASS\t.\tGT:AD:DP\t0/1:20,20:40\n"
                   for c, p in sorted(set(records), key=lambda r: (order[r[0]], r[1])))
    (tmp / f"{name}.vcf").write_text(HEADER + body)
    out = tmp / f"{name}.vcf.gz"
    with open(out, "wb") as fh:
        subprocess.run(["bgzip", "-c", str(tmp / f"{name}.vcf")], stdout=fh, check=True)
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(cohorts())
def test_no_gene_is_wildtype_unless_its_region_was_read(tmp_path_factory, cohort):
    """Random tumours (a panel variant in a random coding exon of some genes) behind indexes
    damaged in random ways: every gene reported wild type was read and has no variant; every
    mutated gene is altered, whatever happened to the index."""
    rng, mutated, damage = cohort
    tmp = tmp_path_factory.mktemp("vcf")
    truth = [_exon_position(g, rng) for g in mutated]
    noise = [("1", rng.randint(1_000_000, 2_000_000)) for _ in range(rng.randint(0, 3))]
    vcf = _write(tmp, truth + noise, "t")
    now = time.time()
    if damage == "stale" and truth:
        stale = _write(tmp, noise or [("1", 1_500_000)], "s")
        subprocess.run(["tabix", "-f", "-p", "vcf", str(stale)], check=True)
        shutil.copyfile(str(stale) + ".tbi", str(vcf) + ".tbi")
    elif damage in ("other_file", "csi_other"):
        other = _write(tmp, [("1", 1_000_001), ("17", 7_000_000)], "o")
        csi = damage == "csi_other"
        subprocess.run(["tabix", "-f", "-p", "vcf"] + (["-C"] if csi else []) + [str(other)],
                       check=True)
        ext = ".csi" if csi else ".tbi"
        shutil.copyfile(str(other) + ext, str(vcf) + ext)
    elif damage == "not_bgzf":
        subprocess.run(["tabix", "-f", "-p", "vcf", str(vcf)], check=True)
        plain = gzip.compress((tmp / "t.vcf").read_bytes(), mtime=0)
        vcf.write_bytes(plain)
    else:
        subprocess.run(["tabix", "-f", "-p", "vcf", str(vcf)], check=True)
        idx = Path(str(vcf) + ".tbi")
        if damage == "truncated_index":
            idx.write_bytes(idx.read_bytes()[:40])
        elif damage == "empty_index":
            idx.write_bytes(b"")
    for c in companion_files(vcf):
        age = -100 if damage == "older" else 100
        os.utime(c, (now + age, now + age))
    os.utime(vcf, (now, now))
    res = read_variant_file(vcf, panel=P37, build="GRCh37", patient="P1",
                            config={"variants": RAW})
    genes = gene_mutations(res.variants, P37, res.genes_read).set_index("gene")
    for gene, row in genes.iterrows():
        if row.mut_status == "wildtype":
            assert gene in res.genes_read, (gene, damage)
            assert gene not in mutated, (gene, damage, res.mode, res.notes)
    for gene in mutated:
        assert genes.loc[gene, "mut_status"] == "altered", (gene, damage, res.mode, res.notes)
    if damage not in ("none", "older") and truth:
        assert res.mode == "full" and res.notes, (damage, res.mode)
    if damage in ("none", "older"):  # an index older than its data but describing it (cp -r)
        assert res.mode == "index" and res.notes == []


def test_genes_outside_the_regions_read_are_not_profiled():
    v = pd.DataFrame(columns=schema.VARIANT_COLUMNS)
    g = gene_mutations(v, P37, genes_read={"TP53"}).set_index("gene")
    assert g.loc["TP53", "mut_status"] == "wildtype"
    assert (g.drop("TP53")["mut_status"] == "not_profiled").all()
