"""The shipped coding-exon annotation (resources/coding_exons.<build>.tsv.gz) against VEP's
own consequences in real annotated files of both builds: a coding consequence lies in a
coding exon or splice site, an intronic/UTR/intergenic one does not."""

from pathlib import Path

import pandas as pd
import pytest
from cohortmark.genome import load_panel
from cohortmark.variants import read_variants
from cohortmark.variants.exons import coding_regions

D = Path(__file__).parent / "data" / "variants"
RAW = {"filter": [], "min_depth": 0, "min_alt_reads": 0, "min_vaf": 0, "check_contigs": False}
CODING_SO = {"missense_variant", "synonymous_variant", "stop_gained", "frameshift_variant",
             "inframe_deletion", "inframe_insertion", "stop_lost", "start_lost"}
NONCODING_SO = {"intron_variant", "upstream_gene_variant", "downstream_gene_variant",
                "intergenic_variant", "3_prime_UTR_variant", "5_prime_UTR_variant"}
CODING_MAF = {"Missense_Mutation", "Nonsense_Mutation", "Frame_Shift_Del", "Frame_Shift_Ins",
              "In_Frame_Del", "In_Frame_Ins", "Silent", "Nonstop_Mutation"}
NONCODING_MAF = {"Intron", "3'UTR", "5'UTR", "IGR", "3'Flank", "5'Flank"}


def _agreement(rows, build):
    """(coding consequences in coding exons/splice sites, all coding consequences,
    non-coding consequences in coding exons, all non-coding), and the misses."""
    regions = coding_regions(build)
    hit = n = wrong = m = 0
    misses = []
    for chrom, pos, ref, consequence, coding, noncoding in rows:
        site, _ = regions.site(str(chrom), int(pos), ref)
        if consequence in coding:
            n += 1
            hit += site is not None
            if site is None:
                misses.append((chrom, pos, consequence))
        elif consequence in noncoding:
            m += 1
            wrong += site == "coding_exon"
    return hit, n, wrong, m, misses


@pytest.mark.parametrize("name, build", [("pvactools_hcc1395.subset.vcf.gz", "GRCh38"),
                                         ("tumor_sample.BRCA.pcgr.vcf.gz", "GRCh37")])
def test_vep_consequences_of_annotated_vcfs(name, build):
    v = read_variants(D / name, build=build, config={"variants": RAW})
    rows = [(r.chrom, r.pos, r.ref, r.consequence, CODING_SO, NONCODING_SO)
            for r in v.itertuples()]
    hit, n, wrong, m, misses = _agreement(rows, build)
    assert n >= 20 and m >= 5
    assert hit / n >= 0.95, misses
    assert wrong == 0


@pytest.mark.parametrize("name, build", [("vcf2maf_test_output.vep_isoforms.maf", "GRCh37"),
                                         ("vcf2maf_test_b38_output.maf", "GRCh38")])
def test_vep_classifications_of_vcf2maf_output(name, build):
    maf = pd.read_csv(D / name, sep="\t", comment="#", dtype=str, keep_default_na=False)
    rows = [(r.Chromosome.removeprefix("chr"), int(r.Start_Position),
             r.Reference_Allele if r.Reference_Allele != "-" else "N", r.Variant_Classification,
             CODING_MAF, NONCODING_MAF) for r in maf.itertuples()]
    hit, n, wrong, m, misses = _agreement(rows, build)
    assert n >= 10
    assert hit / n >= 0.95, misses
    assert wrong == 0


@pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
def test_every_shipped_panel_gene_has_coding_exons_inside_its_body(build):
    regions = coding_regions(build)
    panel = load_panel(build=build)
    for row in panel.itertuples():
        exons = [(s, e) for s, e, g in regions.exons[str(row.chrom)].items if g == row.gene]
        assert exons, row.gene
        assert any(s < row.end and e > row.start for s, e in exons), row.gene


def test_splice_sites_are_the_two_intron_bases_at_each_junction():
    regions = coding_regions("GRCh37")
    # TP53 GRCh37 coding segment [7579311, 7579590): 1-based 7579312..7579590
    assert regions.site("17", 7579312, "C") == ("coding_exon", "TP53")
    assert regions.site("17", 7579311, "C") == ("splice_site", "TP53")
    assert regions.site("17", 7579310, "C") == ("splice_site", "TP53")
    assert regions.site("17", 7579309, "C") == (None, "")
    assert regions.site("17", 7579591, "C") == ("splice_site", "TP53")
    assert regions.site("17", 7579000, "C") == (None, "")  # intron
    assert regions.site("17", 7579305, "ACGTAC") == ("splice_site", "TP53")  # deletion into it
