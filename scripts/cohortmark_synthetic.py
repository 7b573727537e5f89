"""Synthetic patients in real file formats, for the bundled example and the benchmark.

Everything is drawn from numpy Generators seeded by the caller, so the same seed gives
byte-identical files. Formats, as the tools write them:

- CNVkit ``.cns`` segments (chromosome, start, end, gene, log2, depth, probes, weight), GRCh38
  with ``chr`` names, ~100 segments genome-wide; log2 follows from the planted absolute copy
  number, the purity and a diploid reference: ``log2((p*CN + n0*(1-p)) / n0)``.
- Tumour/normal VCFv4.2 (columns NORMAL and TUMOR, FORMAT GT:AD:AF:DP) with an Ensembl
  VEP-style ``CSQ`` INFO field, bgzipped and tabix-indexed; thousands of background records
  in non-panel genes, a few planted ones in panel genes.
- Single-sample plasma VCFs in the same style.

Nothing here is real patient data; see example/README.md. Positions of the TP53 hotspots are
their true GRCh38 positions; other planted variants sit inside their gene but not at the
codon their HGVS names. REF bases are not taken from a reference genome.
"""

from __future__ import annotations

import math
import os
import re
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from cohortmark import genome
from cohortmark.tsv import write_tsv

BUILD = "GRCh38"
CHROMS = [str(i) for i in range(1, 23)] + ["X", "Y"]
CNS_COLUMNS = ["chromosome", "start", "end", "gene", "log2", "depth", "probes", "weight"]
CSQ_FIELDS = [
    "Allele", "Consequence", "IMPACT", "SYMBOL", "Gene", "Feature_type", "Feature", "BIOTYPE",
    "EXON", "INTRON", "HGVSc", "HGVSp", "cDNA_position", "CDS_position", "Protein_position",
    "Amino_acids", "Codons", "Existing_variation", "DISTANCE", "STRAND", "FLAGS",
    "VARIANT_CLASS", "SYMBOL_SOURCE", "CANONICAL", "MANE_SELECT", "ENSP", "SIFT", "PolyPhen",
    "gnomADe_AF", "CLIN_SIG", "SOMATIC", "PHENO",
]
IMPACT = {
    "stop_gained": "HIGH", "frameshift_variant": "HIGH", "splice_acceptor_variant": "HIGH",
    "splice_donor_variant": "HIGH", "missense_variant": "MODERATE",
    "inframe_deletion": "MODERATE", "inframe_insertion": "MODERATE",
    "synonymous_variant": "LOW", "splice_region_variant&intron_variant": "LOW",
    "intron_variant": "MODIFIER", "3_prime_UTR_variant": "MODIFIER",
    "5_prime_UTR_variant": "MODIFIER", "upstream_gene_variant": "MODIFIER",
    "downstream_gene_variant": "MODIFIER", "intron_variant&NMD_transcript_variant": "MODIFIER",
}
# Consequence -> mutation class (CONTRACT.md) for what a panel caller should report.
MUTATION_CLASS = {
    "stop_gained": "truncating", "frameshift_variant": "truncating",
    "splice_acceptor_variant": "splice", "splice_donor_variant": "splice",
    "missense_variant": "missense", "inframe_deletion": "inframe",
    "inframe_insertion": "inframe",
}
# Ensembl gene, canonical transcript, protein and strand of the panel genes (Ensembl, to the
# best of our knowledge; not checked against one release). Background genes get placeholders.
PANEL_IDS = {
    "MDM2": ("ENSG00000135679", "ENST00000258149", "ENSP00000258149", 1),
    "CDK4": ("ENSG00000135446", "ENST00000257904", "ENSP00000257904", -1),
    "CDKN2A": ("ENSG00000147889", "ENST00000304494", "ENSP00000307101", -1),
    "CDKN2B": ("ENSG00000147883", "ENST00000276925", "ENSP00000276925", -1),
    "TP53": ("ENSG00000141510", "ENST00000269305", "ENSP00000269305", -1),
    "EGFR": ("ENSG00000146648", "ENST00000275493", "ENSP00000275493", 1),
    "ERBB3": ("ENSG00000065361", "ENST00000267101", "ENSP00000267101", 1),
    "PDGFRA": ("ENSG00000134853", "ENST00000257290", "ENSP00000257290", 1),
    "AKT1": ("ENSG00000142208", "ENST00000649815", "ENSP00000497822", -1),
    "ATM": ("ENSG00000149311", "ENST00000675843", "ENSP00000501606", 1),
    "BBC3": ("ENSG00000105327", "ENST00000439096", "ENSP00000395862", -1),
    "CDKN1A": ("ENSG00000124762", "ENST00000244741", "ENSP00000244741", 1),
    "CDKN1C": ("ENSG00000129757", "ENST00000414822", "ENSP00000413720", -1),
    "CHEK2": ("ENSG00000183765", "ENST00000404276", "ENSP00000385747", -1),
    "MDM4": ("ENSG00000198625", "ENST00000367182", "ENSP00000356150", -1),
    "PMAIP1": ("ENSG00000141682", "ENST00000316660", "ENSP00000326119", -1),
    "PPM1D": ("ENSG00000170836", "ENST00000305921", "ENSP00000306682", 1),
    "TWIST1": ("ENSG00000122691", "ENST00000242261", "ENSP00000242261", -1),
}
AA3 = {"A": "Ala", "R": "Arg", "N": "Asn", "D": "Asp", "C": "Cys", "Q": "Gln", "E": "Glu",
       "G": "Gly", "H": "His", "I": "Ile", "L": "Leu", "K": "Lys", "M": "Met", "F": "Phe",
       "P": "Pro", "S": "Ser", "T": "Thr", "W": "Trp", "Y": "Tyr", "V": "Val", "*": "Ter"}
AA1 = {v: k for k, v in AA3.items()}
BASES = np.array(list("ACGT"))
FILTERS = {
    "weak_evidence": "Mutation does not meet likelihood threshold",
    "germline": "Evidence indicates this site is germline, not somatic",
    "strand_bias": "Evidence for alt allele comes from one read direction only",
    "clustered_events": "Clustered events observed in the tumor",
    "normal_artifact": "artifact_in_normal",
}
# Background consequences (SNV / indel) and their weights.
SNV_CONSEQUENCES = [("intron_variant", .46), ("missense_variant", .16),
                    ("synonymous_variant", .1), ("3_prime_UTR_variant", .08),
                    ("upstream_gene_variant", .06), ("downstream_gene_variant", .06),
                    ("5_prime_UTR_variant", .03), ("stop_gained", .02),
                    ("splice_region_variant&intron_variant", .02),
                    ("intron_variant&NMD_transcript_variant", .01)]
INDEL_CONSEQUENCES = [("intron_variant", .55), ("frameshift_variant", .2),
                      ("3_prime_UTR_variant", .15), ("inframe_deletion", .1)]
ALTERED_CALLS = ("AMP", "HOMDEL")  # cn_status "altered" (GAIN/LOSS are low-level: wildtype)
PROTECT_BP = 1_000_000  # background copy-number events keep this far from panel genes


# --- planted alterations -----------------------------------------------------------------

@dataclass(frozen=True)
class Mutation:
    """One variant with its VEP annotation on the gene's canonical transcript."""

    gene: str
    chrom: str  # canonical, no 'chr'
    pos: int  # 1-based
    ref: str
    alt: str
    consequence: str
    hgvsc: str = ""
    hgvsp: str = ""  # three-letter, e.g. p.Arg175His
    exon: str = ""
    intron: str = ""
    existing: str = ""

    @property
    def key(self) -> str:
        return f"{self.chrom}:{self.pos}:{self.ref}>{self.alt}"

    @property
    def protein_change(self) -> str:
        return short_protein(self.hgvsp)

    @property
    def mutation_class(self) -> str:
        return MUTATION_CLASS.get(self.consequence, "")


@dataclass(frozen=True)
class TumourCall:
    """A record of the tumour/normal VCF: the mutation, its filter and read counts."""

    mutation: Mutation
    tumour_vaf: float
    tumour_depth: int = 180
    normal_vaf: float = 0.0
    normal_depth: int = 45
    filter: str = "PASS"

    @property
    def expected(self) -> bool:
        """Whether a panel caller should report it: PASS and protein-altering."""
        return self.filter == "PASS" and bool(self.mutation.mutation_class)


@dataclass
class PatientPlan:
    """Everything planted for one patient; the clinical values form its sheet row."""

    patient_id: str
    sex: str
    purity: float
    cn_events: list = field(default_factory=list)  # (chrom, start, end, cn), later wins
    tumour_calls: list = field(default_factory=list)  # TumourCall
    plasma: list = field(default_factory=list)  # (timepoint, day, {Mutation: vaf})
    clinical: dict = field(default_factory=dict)
    has_cn: bool = True
    has_variants: bool = True
    n_background: int = 3000
    n_segments: int = 100


def short_protein(hgvsp: str) -> str:
    """``p.Arg175His`` -> ``p.R175H``; ``p.Arg552Ter`` -> ``p.R552*``; ``p.Asp149=`` kept short."""
    if not hgvsp:
        return ""
    hgvsp = hgvsp.split(":")[-1]
    return re.sub(r"(Ala|Arg|Asn|Asp|Cys|Gln|Glu|Gly|His|Ile|Leu|Lys|Met|Phe|Pro|Ser|Thr|Trp"
                  r"|Tyr|Val|Ter)", lambda m: AA1[m.group(1)], hgvsp)


def cn_call(cn: float) -> str:
    """The call any sensible caller makes for a planted absolute copy number: the workflow's
    default thresholds at a diploid baseline (AMP >= 3-fold = 6 copies, GAIN >= 2.5, LOSS
    <= 1.5, HOMDEL < 0.5). The generator plants no copy number near a boundary (gains of 3-4
    copies, amplicons of 8 or more), so noise cannot move a call across it."""
    if cn < 0.5:
        return "HOMDEL"
    if cn < 1.5:
        return "LOSS"
    if cn < 2.5:
        return "NEUTRAL"
    if cn < 6:
        return "GAIN"
    return "AMP"


def amp_copies(purity: float, min_log2: float = 1.7) -> float:
    """The smallest copy number whose log2 ratio reaches ``min_log2`` at this purity."""
    return (2 * 2 ** min_log2 - 2 * (1 - purity)) / purity


# --- copy number -------------------------------------------------------------------------

def _panel_windows(panel: pd.DataFrame, pad: int) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {}
    for r in panel.itertuples():
        out.setdefault(r.chrom, []).append((r.start - pad, r.end + pad))
    return out


def _hits(windows, chrom, start, end) -> bool:
    return any(s < end and start < e for s, e in windows.get(chrom, ()))


def random_cn_events(rng: np.random.Generator, panel: pd.DataFrame, n_events: int,
                     sex: str) -> list[tuple[str, int, int, float]]:
    """Broad single-copy gains and losses away from the panel genes (background aneuploidy)."""
    lengths = genome.chrom_lengths(BUILD)
    chroms = CHROMS[:22] + ["X"]
    weights = np.array([lengths[c] for c in chroms], float)
    windows = _panel_windows(panel, PROTECT_BP)
    events = []
    tries = 0
    while len(events) < n_events and tries < 200 * n_events:
        tries += 1
        chrom = chroms[rng.choice(len(chroms), p=weights / weights.sum())]
        size = int(rng.uniform(3e6, 50e6))
        start = int(rng.uniform(1e5, max(lengths[chrom] - size - 1e5, 2e5)))
        end = min(start + size, lengths[chrom] - 100_000)
        if _hits(windows, chrom, start, end) or (chrom == "X" and sex == "male"):
            continue
        cn = float(rng.choice([1, 3, 3, 4]))
        events.append((chrom, start, end, cn))
    return events


def cn_profile(plan: PatientPlan, panel: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Piecewise-constant absolute copy number: columns chrom, start, end, cn, normal_copies.

    Starts diploid (male X and Y haploid), applies the plan's events in order, then splits
    segments at random points outside the panel genes (as CNVkit over-segments noisy regions)
    until the patient has about ``plan.n_segments`` segments.
    """
    lengths = genome.chrom_lengths(BUILD)
    chroms = CHROMS[:23] + (["Y"] if plan.sex == "male" else [])
    rows = []
    for chrom in chroms:
        n0 = 1 if plan.sex == "male" and chrom in ("X", "Y") else 2
        bounds = [(10_000, lengths[chrom] - 10_000, float(n0))]
        for ev_chrom, s, e, cn in plan.cn_events:
            if ev_chrom != chrom:
                continue
            new = []
            for bs, be, bcn in bounds:
                if be <= s or e <= bs:
                    new.append((bs, be, bcn))
                    continue
                if bs < s:
                    new.append((bs, s, bcn))
                new.append((max(bs, s), min(be, e), float(cn)))
                if e < be:
                    new.append((e, be, bcn))
            bounds = new
        rows += [(chrom, s, e, cn, n0) for s, e, cn in bounds]
    prof = pd.DataFrame(rows, columns=["chrom", "start", "end", "cn", "normal_copies"])
    genes = _panel_windows(panel, 20_000)
    n_split = max(plan.n_segments - len(prof), 0)
    length = (prof["end"] - prof["start"]).to_numpy(float)
    # Only copy-neutral stretches long enough are split: an amplicon stays one segment.
    weights = np.where((prof["cn"] == prof["normal_copies"]) & (length >= 4e6), length, 0.0)
    cuts: dict[int, list[int]] = {}
    if n_split and weights.sum() > 0:
        seg_idx = rng.choice(len(prof), size=4 * n_split, p=weights / weights.sum())
        frac = rng.random(4 * n_split)
        starts, ends = prof["start"].to_numpy(), prof["end"].to_numpy()
        chroms = prof["chrom"].tolist()
        done = 0
        for i, f in zip(seg_idx.tolist(), frac.tolist()):
            cut = int(starts[i] + 1e6 + f * (ends[i] - starts[i] - 2e6))
            if _hits(genes, chroms[i], cut, cut + 1) or cut in cuts.get(i, []):
                continue
            cuts.setdefault(i, []).append(cut)
            done += 1
            if done == n_split:
                break
    out = []
    for i, seg in enumerate(prof.itertuples(index=False)):
        points = [seg.start] + sorted(cuts.get(i, [])) + [seg.end]
        out += [(seg.chrom, a, b, seg.cn, seg.normal_copies) for a, b in zip(points, points[1:])]
    return pd.DataFrame(out, columns=["chrom", "start", "end", "cn", "normal_copies"])


def _gene_segments(profile: pd.DataFrame, panel: pd.DataFrame) -> list[np.ndarray]:
    """For each panel gene, the indices of the profile segments overlapping it."""
    chrom = profile["chrom"].to_numpy()
    start, end = profile["start"].to_numpy(), profile["end"].to_numpy()
    return [np.flatnonzero((chrom == g.chrom) & (start < g.end) & (g.start < end))
            for g in panel.itertuples()]


def cns_table(profile: pd.DataFrame, purity: float, panel: pd.DataFrame,
              rng: np.random.Generator) -> pd.DataFrame:
    """CNVkit segment table (CNS_COLUMNS) for a copy-number profile at a given purity."""
    n = len(profile)
    cn = profile["cn"].to_numpy(float)
    n0 = profile["normal_copies"].to_numpy(float)
    true = np.log2(np.maximum(purity * cn + n0 * (1 - purity), 1e-3) / n0)
    noise = np.clip(rng.normal(0, 0.035, n), -0.09, 0.09)
    noise[cn >= 6] *= 1.5
    log2 = true + noise
    bin_size = rng.uniform(120_000, 180_000)
    length = (profile["end"] - profile["start"]).to_numpy()
    members: list[list[str]] = [[] for _ in range(n)]
    ordered = panel.sort_values(["chrom", "start"])  # genes listed in genomic order
    for gene, idx in zip(ordered["gene"], _gene_segments(profile, ordered)):
        for i in idx:
            members[i].append(gene)
    probes = (np.maximum(np.round(length / bin_size).astype(int), 1)
              + 12 * np.array([len(m) for m in members]))
    weight = probes * rng.uniform(0.82, 0.97, n)
    depth = rng.uniform(0.8, 1.3) * np.power(2.0, log2) * rng.uniform(0.93, 1.07, n)
    return pd.DataFrame({
        "chromosome": "chr" + profile["chrom"], "start": profile["start"],
        "end": profile["end"], "gene": [",".join(m) if m else "-" for m in members],
        "log2": log2, "depth": depth, "probes": probes, "weight": weight,
    })


def cns_text(table: pd.DataFrame) -> str:
    """The .cns file as CNVkit writes it: tab-separated, floats with 6 significant digits."""
    lines = ["\t".join(CNS_COLUMNS)]
    for r in table.itertuples(index=False):
        lines.append(f"{r.chromosome}\t{r.start}\t{r.end}\t{r.gene}\t{r.log2:.6g}\t"
                     f"{r.depth:.6g}\t{r.probes}\t{r.weight:.6g}")
    return "\n".join(lines) + "\n"


def gene_cn(profile: pd.DataFrame, table: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """Planted copy number of each panel gene: gene, cn, log2 (of the segment holding it)."""
    rows = []
    cn, log2 = profile["cn"].to_numpy(), table["log2"].to_numpy()
    for gene, idx in zip(panel["gene"], _gene_segments(profile, panel)):
        values = set(cn[idx].tolist())
        if len(values) != 1:
            raise AssertionError(f"panel gene {gene} spans copy-number states {values}")
        rows.append((gene, values.pop(), float(np.mean(log2[idx]))))
    return pd.DataFrame(rows, columns=["gene", "cn", "log2"])


# --- variants ----------------------------------------------------------------------------

@cache
def _placeholder_id(prefix: str, name: str) -> str:
    """A stable placeholder Ensembl-style ID (starts with 9: no real ID looks like it)."""
    return f"{prefix}9{zlib.crc32(name.encode()) % 10**10:010d}"


@cache
def _gene_ids(gene: str) -> tuple[str, str, str, int]:
    if gene in PANEL_IDS:
        return PANEL_IDS[gene]
    strand = 1 if zlib.crc32(gene.encode()) % 2 else -1
    return (_placeholder_id("ENSG", gene), _placeholder_id("ENST", gene),
            _placeholder_id("ENSP", gene), strand)


def _vep_allele(ref: str, alt: str) -> str:
    """VEP's Allele: the alt base(s) without the shared first base; '-' for a deletion."""
    if len(ref) == len(alt):
        return alt
    return alt[1:] if len(alt) > len(ref) else "-"


_HGVSP = re.compile(r"p\.([A-Z][a-z]{2})(\d+)([A-Z][a-z]{2}|=)?")


_CSQ_TEMPLATE = ("{allele}|{consequence}|{impact}|{gene}|{gene_id}|Transcript|{tx}|{biotype}|"
                 "{exon}|{intron}|{hgvsc}|{hgvsp}|||{protein_position}|{amino_acids}||"
                 "{existing}||{strand}||{variant_class}|HGNC|{canonical}||{ensp}||||||")
assert _CSQ_TEMPLATE.count("|") == len(CSQ_FIELDS) - 1


def csq_entry(mut: Mutation, canonical: bool = True) -> str:
    """One comma-separated CSQ annotation (fields in CSQ_FIELDS order, as ``_CSQ_TEMPLATE``).

    The canonical entry carries the mutation's consequence; the non-canonical one is an NMD
    transcript of the same gene, never more severe, so canonical-first and most-severe-first
    readers agree. (Written with f-strings rather than the template: a registry benchmark
    writes hundreds of millions of these; ``tests/test_example_cohort.py`` checks the files.)
    """
    ref, alt = mut.ref, mut.alt
    variant_class = ("SNV" if len(ref) == len(alt) == 1 else
                     "deletion" if len(ref) > len(alt) else "insertion")
    allele = _vep_allele(ref, alt)
    if not canonical:
        return _nmd_entry(mut.gene, allele, mut.existing, variant_class)
    gene_id, tx, protein, strand = _gene_ids(mut.gene)
    m = _HGVSP.match(mut.hgvsp) if mut.hgvsp else None
    position = amino_acids = hgvsp = ensp = ""
    if m:
        a, to = AA1.get(m.group(1), "X"), m.group(3) or ""
        position = m.group(2)
        amino_acids = a if to in ("", "=") else f"{a}/{AA1.get(to, 'X')}"
        hgvsp, ensp = f"{protein}:{mut.hgvsp}", protein
    hgvsc = f"{tx}:{mut.hgvsc}" if mut.hgvsc else ""
    return (f"{allele}|{mut.consequence}|{IMPACT.get(mut.consequence, 'MODIFIER')}|{mut.gene}|"
            f"{gene_id}|Transcript|{tx}|protein_coding|{mut.exon}|{mut.intron}|{hgvsc}|{hgvsp}"
            f"|||{position}|{amino_acids}||{mut.existing}||{strand}||{variant_class}|HGNC|YES||"
            f"{ensp}||||||")


@lru_cache(maxsize=100_000)
def _nmd_entry(gene: str, allele: str, existing: str, variant_class: str) -> str:
    gene_id, _, _, strand = _gene_ids(gene)
    return _CSQ_TEMPLATE.format(
        allele=allele, gene=gene, gene_id=gene_id, existing=existing, strand=strand,
        variant_class=variant_class, consequence="intron_variant&NMD_transcript_variant",
        impact="MODIFIER", tx=_placeholder_id("ENST", gene + ".nmd"),
        biotype="nonsense_mediated_decay", exon="", intron="", hgvsc="", hgvsp="",
        protein_position="", amino_acids="", canonical="", ensp="")


def _csq_entry_template(mut: Mutation, canonical: bool = True) -> str:
    """``csq_entry`` written through ``_CSQ_TEMPLATE`` (the tests compare the two)."""
    gene_id, tx, protein, strand = _gene_ids(mut.gene)
    ref, alt = mut.ref, mut.alt
    variant_class = ("SNV" if len(ref) == len(alt) == 1 else
                     "deletion" if len(ref) > len(alt) else "insertion")
    common = {"allele": _vep_allele(ref, alt), "gene": mut.gene, "gene_id": gene_id,
              "existing": mut.existing, "strand": strand, "variant_class": variant_class}
    if not canonical:
        return _CSQ_TEMPLATE.format(
            **common, consequence="intron_variant&NMD_transcript_variant", impact="MODIFIER",
            tx=_placeholder_id("ENST", mut.gene + ".nmd"), biotype="nonsense_mediated_decay",
            exon="", intron="", hgvsc="", hgvsp="", protein_position="", amino_acids="",
            canonical="", ensp="")
    m = _HGVSP.match(mut.hgvsp) if mut.hgvsp else None
    position = amino_acids = ""
    if m:
        a, to = AA1.get(m.group(1), "X"), m.group(3) or ""
        position = m.group(2)
        amino_acids = a if to in ("", "=") else f"{a}/{AA1.get(to, 'X')}"
    return _CSQ_TEMPLATE.format(
        **common, consequence=mut.consequence, impact=IMPACT.get(mut.consequence, "MODIFIER"),
        tx=tx, biotype="protein_coding", exon=mut.exon, intron=mut.intron,
        hgvsc=f"{tx}:{mut.hgvsc}" if mut.hgvsc else "",
        hgvsp=f"{protein}:{mut.hgvsp}" if m else "", protein_position=position,
        amino_acids=amino_acids, canonical="YES", ensp=protein if m else "")


def vcf_header(samples: list[str], *, tumour: str | None = None, normal: str | None = None,
               somatic: bool = True) -> str:
    lengths = genome.chrom_lengths(BUILD)
    lines = ["##fileformat=VCFv4.2",
             "##source=cohortmark_synthetic (synthetic data: no sequencing, no VEP run)"]
    lines += ['##FILTER=<ID=PASS,Description="All filters passed">']
    lines += [f'##FILTER=<ID={k},Description="{v}">' for k, v in FILTERS.items()]
    lines += ['##INFO=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth '
              'across all samples">']
    if somatic:
        lines += ['##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description="Somatic mutation">']
    lines += ['##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
              f'Ensembl VEP. Format: {"|".join(CSQ_FIELDS)}">']
    lines += ['##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
              '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref '
              'and alt alleles in the order listed">',
              '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions of alternate '
              'alleles in the tumor">',
              '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">']
    for c in CHROMS + ["MT"]:
        name = "chrM" if c == "MT" else f"chr{c}"
        lines.append(f"##contig=<ID={name},length={lengths[c]},assembly=GRCh38>")
    lines.append("##reference=GRCh38")
    if tumour:
        lines.append(f"##tumor_sample={tumour}")
    if normal:
        lines.append(f"##normal_sample={normal}")
    lines.append('##VEP="v105" assembly="GRCh38" note="annotation written in VEP output format '
                 'by cohortmark_synthetic"')
    lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO",
                            "FORMAT", *samples]))
    return "\n".join(lines) + "\n"


def _sample_field(depth: int, alt: int, genotype: str) -> str:
    return f"{genotype}:{depth - alt},{alt}:{alt / depth:.3f}:{depth}"


def _chrom_order(chrom: str) -> int:
    return CHROMS.index(chrom) if chrom in CHROMS else len(CHROMS)


def background_mutations(rng: np.random.Generator, n: int, pool: pd.DataFrame) -> list[Mutation]:
    """``n`` random variants inside non-panel genes, with VEP-like consequences and HGVS."""
    if n <= 0:
        return []
    idx = rng.integers(0, len(pool), n)
    gene = pool["gene"].to_numpy()[idx].tolist()
    chrom = pool["chrom"].to_numpy()[idx].tolist()
    starts, ends = pool["start"].to_numpy()[idx], pool["end"].to_numpy()[idx]
    pos = (starts + 1 + np.floor(rng.random(n) * (ends - starts)).astype(int)).tolist()
    is_indel = (rng.random(n) < 0.1).tolist()
    snv_names, snv_p = zip(*SNV_CONSEQUENCES)
    ind_names, ind_p = zip(*INDEL_CONSEQUENCES)
    snv_csq = rng.choice(len(snv_names), n, p=np.array(snv_p) / sum(snv_p)).tolist()
    ind_csq = rng.choice(len(ind_names), n, p=np.array(ind_p) / sum(ind_p)).tolist()
    ref_i = rng.integers(0, 4, n)
    alt_i = ((ref_i + rng.integers(1, 4, n)) % 4).tolist()
    ref_i = ref_i.tolist()
    ind_len = rng.integers(1, 4, n).tolist()
    is_del = (rng.random(n) < 0.6).tolist()
    extra = rng.integers(0, 4, (n, 3)).tolist()
    codon = rng.integers(2, 1200, n).tolist()
    fs_len = rng.integers(4, 40, n).tolist()
    intron_off = rng.integers(15, 900, n).tolist()
    aas = list(AA3.values())[:-1]
    aa_from = rng.integers(0, 20, n)
    aa_to = ((aa_from + rng.integers(1, 20, n)) % 20).tolist()
    aa_from = aa_from.tolist()
    bases = "ACGT"
    out = []
    for i in range(n):
        ref, alt = bases[ref_i[i]], bases[alt_i[i]]
        c, k = codon[i] * 3 - 1, codon[i]
        a, b = aas[aa_from[i]], aas[aa_to[i]]
        hgvsc, hgvsp = f"c.{c}{ref}>{alt}", ""
        if is_indel[i]:
            csq = ind_names[ind_csq[i]]
            ins = "".join(bases[j] for j in extra[i][:ind_len[i]])
            if csq == "inframe_deletion":
                ref, alt = ref + "".join(bases[j] for j in extra[i]), ref
                hgvsc, hgvsp = f"c.{c}_{c + 2}del", f"p.{a}{k}del"
            elif is_del[i]:
                ref, alt = ref + ins, ref
                hgvsc = f"c.{c}_{c + ind_len[i] - 1}del" if ind_len[i] > 1 else f"c.{c}del"
                hgvsp = f"p.{a}{k}{b}fsTer{fs_len[i]}"
            else:
                alt = ref + ins
                hgvsc, hgvsp = f"c.{c}_{c + 1}ins{ins}", f"p.{a}{k}{b}fsTer{fs_len[i]}"
            if csq not in ("frameshift_variant", "inframe_deletion"):
                hgvsp = ""
        else:
            csq = snv_names[snv_csq[i]]
            if csq == "missense_variant":
                hgvsp = f"p.{a}{k}{b}"
            elif csq == "synonymous_variant":
                hgvsp = f"p.{a}{k}="
            elif csq == "stop_gained":
                hgvsp = f"p.{a}{k}Ter"
        if "intron_variant" in csq:
            hgvsc = f"c.{c}+{intron_off[i]}{ref[0]}>{alt[-1]}" if len(ref) == len(alt) else ""
        elif csq in ("upstream_gene_variant", "downstream_gene_variant"):
            hgvsc = ""
        elif csq.endswith("UTR_variant") and len(ref) == len(alt):
            hgvsc = f"c.*{c}{ref}>{alt}" if csq.startswith("3") else f"c.-{c % 200 + 1}{ref}>{alt}"
        out.append(Mutation(gene[i], chrom[i], pos[i], ref, alt, csq, hgvsc, hgvsp))
    return out


@lru_cache(maxsize=4)
def background_pool(panel_genes: tuple[str, ...] = tuple(PANEL_IDS)) -> pd.DataFrame:
    """Genes for background variants: symbol-like names, autosomes and X, away from the panel."""
    genes = genome.load_genes(BUILD)
    genes = genes[genes["chrom"].isin(CHROMS[:23])
                  & genes["gene"].str.fullmatch(r"[A-Z][A-Z0-9]{1,9}")
                  & ~genes["gene"].str.match(r"(LINC|MIR|SNOR|RNU|RNA|LOC|Y_RNA|SCARNA)")]
    panel = genes[genes["gene"].isin(panel_genes)]
    windows = _panel_windows(panel, 20_000)
    keep = [not _hits(windows, c, s, e) for c, s, e in
            zip(genes["chrom"], genes["start"], genes["end"])]
    genes = genes[np.array(keep) & ~genes["gene"].isin(panel_genes).to_numpy()]
    return genes[genes["end"] - genes["start"] > 200].reset_index(drop=True)


def _record(mut: Mutation, filt: str, info: str, samples: list[str], canonical_only: bool) -> str:
    csq = csq_entry(mut)
    if not canonical_only:
        csq += "," + csq_entry(mut, canonical=False)
    return (f"chr{mut.chrom}\t{mut.pos}\t.\t{mut.ref}\t{mut.alt}\t.\t{filt}\t{info};CSQ={csq}"
            f"\tGT:AD:AF:DP\t" + "\t".join(samples))


def tumour_vcf_text(calls: list[TumourCall], background: list[Mutation],
                    rng: np.random.Generator, purity: float) -> str:
    """Tumour/normal VCF (NORMAL, TUMOR) with the planted calls and the background."""
    n = len(background)
    t_depth = rng.negative_binomial(12, 12 / (12 + 150), n) + 20
    n_depth = rng.negative_binomial(15, 15 / (15 + 40), n) + 10
    clonal = rng.random(n) < 0.6
    vaf = np.where(clonal, purity / 2 * rng.uniform(0.8, 1.15, n),
                   purity / 2 * rng.beta(2, 6, n))
    filt_names = ["PASS"] + list(FILTERS)
    filt = rng.choice(len(filt_names), n, p=[0.82] + [0.18 / len(FILTERS)] * len(FILTERS))
    germline = filt == filt_names.index("germline")
    vaf = np.where(germline, rng.uniform(0.42, 0.58, n), vaf)
    t_alt = np.maximum(rng.binomial(t_depth, np.minimum(vaf, 0.99)), 2)
    n_alt = np.where(germline, rng.binomial(n_depth, 0.5), rng.random(n) < 0.03).astype(int)
    two_csq = rng.random(n) < 0.4
    # (chrom order, pos, planted first, record fields)
    rows = [(_chrom_order(m.chrom), m.pos, 1, m, filt_names[f], td, ta, nd, na, two, g)
            for m, f, td, ta, nd, na, two, g in zip(
                background, filt.tolist(), t_depth.tolist(), t_alt.tolist(), n_depth.tolist(),
                n_alt.tolist(), two_csq.tolist(), germline.tolist())]
    for c in calls:
        rows.append((_chrom_order(c.mutation.chrom), c.mutation.pos, 0, c.mutation, c.filter,
                     c.tumour_depth, round(c.tumour_vaf * c.tumour_depth), c.normal_depth,
                     round(c.normal_vaf * c.normal_depth), True, c.filter == "germline"))
    rows.sort(key=lambda r: r[:3])
    lines, seen = [], set()
    for _, pos, _, mut, filt_name, td, ta, nd, na, two, is_germline in rows:
        if (mut.chrom, pos) in seen:
            continue
        seen.add((mut.chrom, pos))
        info = f"DP={td + nd}" + ("" if is_germline else ";SOMATIC")
        normal = _sample_field(nd, na, "0/1" if is_germline else "0/0")
        tumour = _sample_field(td, ta, "0/1")
        lines.append(_record(mut, filt_name, info, [normal, tumour], not two))
    header = vcf_header(["NORMAL", "TUMOR"], tumour="TUMOR", normal="NORMAL")
    return header + "\n".join(lines) + ("\n" if lines else "")


def plasma_vcf_text(sample: str, detected: dict, rng: np.random.Generator) -> str:
    """Single-sample plasma VCF of the variants detected in one sample ({Mutation: vaf})."""
    rows = []
    for mut, vaf in detected.items():
        if vaf <= 0:
            continue
        depth = int(rng.integers(1800, 4200))
        alt = max(round(vaf * depth), 3)
        rows.append((mut, depth, alt))
    rows.sort(key=lambda r: (_chrom_order(r[0].chrom), r[0].pos))
    lines = [_record(m, "PASS", f"DP={d}", [_sample_field(d, a, "0/1")], True)
             for m, d, a in rows]
    return vcf_header([sample], somatic=False) + "\n".join(lines) + ("\n" if lines else "")


# --- writing -----------------------------------------------------------------------------

def write_indexed_vcf(text: str, path: Path) -> None:
    """Write ``path`` (ending .vcf.gz) bgzipped, with its tabix index beside it."""
    import pysam

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    plain = path.with_suffix("")  # x.vcf
    plain.write_text(text)
    pysam.tabix_index(str(plain), preset="vcf", force=True)  # -> x.vcf.gz + x.vcf.gz.tbi


def write_patient(plan: PatientPlan, root: Path, rel: str, panel: pd.DataFrame,
                  rng: np.random.Generator) -> tuple[dict, list[dict], list[dict]]:
    """Write one patient's files under ``root/rel``; return (sheet row, plasma rows, truth rows).

    Paths in the rows are relative to ``root``. Truth rows: one per panel gene (kind
    ``gene``) and one per plasma variant x timepoint (kind ``plasma``).
    """
    pid = plan.patient_id
    row = {"patient_id": pid, "cn_file": "", "cn_format": "", "variant_file": "",
           "tumor_sample": "", "purity": "", "ploidy": "", **plan.clinical}
    genes = pd.DataFrame({"gene": panel["gene"], "cn": np.nan, "log2": np.nan})
    rng_cn, rng_var, rng_plasma = rng.spawn(3)
    if plan.has_cn:
        profile = cn_profile(plan, panel, rng_cn)
        table = cns_table(profile, plan.purity, panel, rng_cn)
        path = root / rel / "cn" / f"{pid}.cns"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(cns_text(table))
        genes = gene_cn(profile, table, panel)
        auto = profile[profile["normal_copies"] == 2]
        ploidy = np.average(auto["cn"], weights=auto["end"] - auto["start"])
        row.update(cn_file=f"{rel}/cn/{pid}.cns", cn_format="cnvkit",
                   purity=f"{plan.purity:.2f}", ploidy=f"{ploidy:.2f}")
    if plan.has_variants:
        background = background_mutations(rng_var, plan.n_background, background_pool())
        text = tumour_vcf_text(plan.tumour_calls, background, rng_var, plan.purity)
        write_indexed_vcf(text, root / rel / "vcf" / f"{pid}.vcf.gz")
        row.update(variant_file=f"{rel}/vcf/{pid}.vcf.gz", tumor_sample="TUMOR")
    truth = []
    for g in genes.itertuples():
        calls = [c for c in plan.tumour_calls if c.mutation.gene == g.gene and c.expected]
        order = {k: i for i, k in enumerate(["truncating", "splice", "missense", "inframe"])}
        calls.sort(key=lambda c: order[c.mutation.mutation_class])
        top = calls[0] if calls else None
        truth.append({
            "kind": "gene", "patient_id": pid, "gene": g.gene,
            "cn_status": ("not_profiled" if not plan.has_cn else
                          "altered" if cn_call(g.cn) in ALTERED_CALLS else "wildtype"),
            "cn_call": cn_call(g.cn) if plan.has_cn else "",
            "cn": g.cn, "log2": round(g.log2, 4) if plan.has_cn else np.nan,
            "mut_status": ("not_profiled" if not plan.has_variants else
                           "altered" if top else "wildtype"),
            "mutation_class": top.mutation.mutation_class if top and plan.has_variants else "",
            "protein_change": top.mutation.protein_change if top and plan.has_variants else "",
            "variant": top.mutation.key if top and plan.has_variants else "",
            "vaf": top.tumour_vaf if top and plan.has_variants else np.nan,
            "n_mutations": len(calls) if plan.has_variants else np.nan,
        })
    plasma_rows = []
    tissue = {c.mutation for c in plan.tumour_calls if c.expected} if plan.has_variants else set()
    muts = list(dict.fromkeys(m for _, _, d in plan.plasma for m in d))
    first = {m: min((day for _, day, d in plan.plasma if d.get(m, 0) > 0), default=None)
             for m in muts}
    baseline_day = min((day for _, day, _ in plan.plasma), default=0)
    for timepoint, day, detected in plan.plasma:
        rel_path = f"{rel}/plasma/{pid}.{timepoint}.vcf.gz"
        write_indexed_vcf(plasma_vcf_text(f"{pid}_cfDNA_{timepoint}", detected, rng_plasma),
                          root / rel_path)
        plasma_rows.append({"patient_id": pid, "timepoint": timepoint, "day": day,
                            "variant_file": rel_path, "tumor_sample": ""})
        for m in muts:
            vaf = detected.get(m, 0.0)
            truth.append({
                "kind": "plasma", "patient_id": pid, "gene": m.gene, "timepoint": timepoint,
                "day": day, "variant": m.key, "protein_change": m.protein_change,
                "mutation_class": m.mutation_class, "vaf": vaf, "detected": vaf > 0,
                "emergent": first[m] is not None and first[m] > baseline_day,
                "in_tissue": m in tissue, "in_panel": m.gene in set(panel["gene"]),
            })
    return row, plasma_rows, truth


TRUTH_COLUMNS = ["kind", "patient_id", "gene", "timepoint", "day", "cn_status", "cn_call", "cn",
                 "log2", "mut_status", "mutation_class", "protein_change", "variant", "vaf",
                 "n_mutations", "detected", "emergent", "in_tissue", "in_panel"]


# --- planted panel variants ----------------------------------------------------------------

# TP53 hotspots at their true GRCh38 positions (TP53 is on the minus strand).
TP53_HOTSPOTS = {
    "R175H": Mutation("TP53", "17", 7675088, "C", "T", "missense_variant", "c.524G>A",
                      "p.Arg175His", "5/11", existing="rs28934578"),
    "Y220C": Mutation("TP53", "17", 7674872, "T", "C", "missense_variant", "c.659A>G",
                      "p.Tyr220Cys", "6/11", existing="rs121912666"),
    "G245S": Mutation("TP53", "17", 7674230, "C", "T", "missense_variant", "c.733G>A",
                      "p.Gly245Ser", "7/11", existing="rs28934575"),
    "R248Q": Mutation("TP53", "17", 7674220, "C", "T", "missense_variant", "c.743G>A",
                      "p.Arg248Gln", "7/11", existing="rs11540652"),
    "R248W": Mutation("TP53", "17", 7674221, "G", "A", "missense_variant", "c.742C>T",
                      "p.Arg248Trp", "7/11", existing="rs121912651"),
    "R273H": Mutation("TP53", "17", 7673802, "C", "T", "missense_variant", "c.818G>A",
                      "p.Arg273His", "8/11", existing="rs28934576"),
    "R282W": Mutation("TP53", "17", 7673776, "G", "A", "missense_variant", "c.844C>T",
                      "p.Arg282Trp", "8/11", existing="rs28934574"),
}


def panel_mutation(gene: str, consequence: str, rng: np.random.Generator,
                   panel: pd.DataFrame) -> Mutation:
    """A variant placed inside a panel gene (not at a real codon) with plausible HGVS."""
    g = panel.set_index("gene").loc[gene]
    pos = int(rng.integers(g.start + 200, max(g.end - 200, g.start + 201)))
    ref = str(BASES[rng.integers(0, 4)])
    alt = str(BASES[(int(np.where(BASES == ref)[0][0]) + int(rng.integers(1, 4))) % 4])
    codon = int(rng.integers(20, 600))
    a, b = rng.choice(list(AA3.values())[:-1], 2, replace=False)
    hgvsc, hgvsp, intron = f"c.{codon * 3 - 1}{ref}>{alt}", "", ""
    if consequence == "missense_variant":
        hgvsp = f"p.{a}{codon}{b}"
    elif consequence == "stop_gained":
        hgvsp = f"p.{a}{codon}Ter"
    elif consequence == "synonymous_variant":
        hgvsp = f"p.{a}{codon}="
    elif consequence == "frameshift_variant":
        ref, alt = ref + "".join(BASES[rng.integers(0, 4, 1)]), ref
        hgvsc, hgvsp = f"c.{codon * 3}del", f"p.{a}{codon}{b}fsTer{int(rng.integers(3, 40))}"
    elif consequence in ("splice_donor_variant", "splice_acceptor_variant"):
        off = "+1" if consequence == "splice_donor_variant" else "-2"
        hgvsc, intron = f"c.{codon * 3}{off}{ref}>{alt}", f"{int(rng.integers(2, 9))}/10"
    elif consequence == "intron_variant":
        hgvsc, intron = f"c.{codon * 3}+{int(rng.integers(30, 900))}{ref}>{alt}", "3/10"
    return Mutation(gene, g.chrom, pos, ref, alt, consequence, hgvsc, hgvsp,
                    "" if intron else f"{int(rng.integers(2, 10))}/11", intron)


# --- random registry patients (benchmark) ----------------------------------------------------

def _gene(panel, name):
    return panel.set_index("gene").loc[name]


def amplicon(panel, genes: list[str], rng, cn: float) -> tuple[str, int, int, float]:
    """One amplified segment covering ``genes`` (same chromosome) with 0.2-1.5 Mb margins."""
    rows = panel[panel["gene"].isin(genes)]
    chrom = rows["chrom"].iloc[0]
    start = int(rows["start"].min() - rng.uniform(2e5, 1.5e6))
    end = int(rows["end"].max() + rng.uniform(2e5, 1.5e6))
    return (chrom, start, end, float(cn))


def cdkn2a_deletion(panel, rng, homozygous: bool) -> list[tuple[str, int, int, float]]:
    """9p21: a broad one-copy loss, with a nested homozygous deletion of CDKN2A/CDKN2B."""
    a, b = _gene(panel, "CDKN2A"), _gene(panel, "CDKN2B")
    events = [("9", int(rng.uniform(12e6, 19e6)), int(rng.uniform(25e6, 31e6)), 1.0)]
    if homozygous:
        events.append(("9", int(a.start - rng.uniform(5e4, 4e5)),
                       int(b.end + rng.uniform(5e4, 4e5)), 0.0))
    return events


def random_plan(patient_id: str, rng: np.random.Generator, panel: pd.DataFrame,
                n_background: int = 3000, plasma_fraction: float = 0.1) -> PatientPlan:
    """A registry-like patient: MDM2-amplified sarcoma in most, random outcome."""
    sex = "female" if rng.random() < 0.5 else "male"
    purity = float(np.round(rng.uniform(0.35, 0.92), 2))
    plan = PatientPlan(patient_id, sex, purity, n_background=n_background,
                       n_segments=int(rng.integers(85, 116)))
    plan.cn_events = random_cn_events(rng, panel, int(rng.integers(3, 9)), sex)
    amp = max(amp_copies(purity) + 1, rng.uniform(12, 45))
    if rng.random() < 0.65:
        genes = ["CDK4", "MDM2"] if rng.random() < 0.75 else ["MDM2"]
        plan.cn_events.append(amplicon(panel, genes, rng, round(amp)))
    for gene, p in (("TWIST1", 0.08), ("PDGFRA", 0.06), ("EGFR", 0.04), ("MDM4", 0.04)):
        if rng.random() < p:
            plan.cn_events.append(amplicon(panel, [gene], rng,
                                           max(round(amp * rng.uniform(.6, 1)), 8)))
    if rng.random() < 0.25:
        plan.cn_events += cdkn2a_deletion(panel, rng, homozygous=purity >= 0.7)
    calls = []
    if rng.random() < 0.15:
        hot = list(TP53_HOTSPOTS.values())[int(rng.integers(0, len(TP53_HOTSPOTS)))]
        calls.append(TumourCall(hot, round(purity * rng.uniform(0.45, 0.95), 3)))
    for gene, csq, p in (("PPM1D", "frameshift_variant", 0.04), ("ATM", "stop_gained", 0.04),
                         ("ERBB3", "missense_variant", 0.03), ("CHEK2", "missense_variant", .03),
                         ("MDM2", "intron_variant", 0.1), ("EGFR", "synonymous_variant", 0.05)):
        if rng.random() < p:
            calls.append(TumourCall(panel_mutation(gene, csq, rng, panel),
                                    round(purity / 2 * rng.uniform(0.6, 1.1), 3)))
    plan.tumour_calls = calls
    plan.has_cn = rng.random() > 0.03
    plan.has_variants = rng.random() > 0.03
    response = str(rng.choice(["CR", "PR", "SD", "PD", "NE"], p=[.02, .15, .4, .4, .03]))
    pct = {"CR": -100.0, "PR": rng.uniform(-80, -30), "SD": rng.uniform(-29, 19),
           "PD": rng.uniform(20, 80), "NE": math.nan}[response]
    pfs = float(rng.gamma(2, {"CR": 8, "PR": 5, "SD": 2.5, "PD": 0.9, "NE": 1}[response]))
    pfs_event = int(rng.random() < 0.85)
    os_months = pfs + float(rng.gamma(2, 4))
    on_treatment = not pfs_event and rng.random() < 0.7
    plan.clinical = {
        "best_response": response, "best_pct_change": "" if math.isnan(pct) else f"{pct:.1f}",
        "pfs_months": f"{pfs:.1f}", "pfs_event": str(pfs_event), "os_months": f"{os_months:.1f}",
        "os_event": str(int(rng.random() < 0.6)),
        "treatment_months": f"{pfs + (0 if on_treatment else rng.uniform(0, 0.5)):.1f}",
        "on_treatment": "true" if on_treatment else "false",
        "evaluable": "false" if response == "NE" else "true",
        "sex": sex, "age": str(int(rng.integers(24, 82))),
    }
    if rng.random() < plasma_fraction and plan.has_variants:
        tracked = {c.mutation: c.tumour_vaf * rng.uniform(0.05, 0.5) for c in calls
                   if c.expected}
        prog_day = int(round(pfs * 30.44))
        emerging = list(TP53_HOTSPOTS.values())[int(rng.integers(0, len(TP53_HOTSPOTS)))]
        new = {emerging: round(float(rng.uniform(0.003, 0.08)), 4)} \
            if rng.random() < 0.3 and emerging not in tracked else {}
        plan.plasma = [("baseline", 0, {m: round(v, 4) for m, v in tracked.items()}),
                       ("C2D1", 28, {m: round(v * rng.uniform(0.2, 1.2), 4)
                                     for m, v in tracked.items()})]
        if pfs_event and prog_day > 42:
            plan.plasma.append(("progression", prog_day,
                                {**{m: round(v * rng.uniform(0.8, 2.5), 4)
                                    for m, v in tracked.items()}, **new}))
    return plan


# --- cohorts on disk -------------------------------------------------------------------------

def _cell(v) -> str:
    """A sheet cell: empty for missing, lower-case booleans, floats with 10 significant digits."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return f"{v:.10g}"
    return str(v)


def _frame(rows: list[dict], columns: list[str] | None = None) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if columns is not None:
        df = df.reindex(columns=columns + [c for c in df.columns if c not in columns])
    return df.apply(lambda col: col.map(_cell)) if len(df) else df


def _rows_to_tsv(rows: list[dict], path: Path, columns: list[str]) -> None:
    write_tsv(_frame(rows, columns), path)


def _make_chunk(args) -> tuple[list, list, list]:
    root, rel, items, n_background, plasma_fraction = args
    panel = genome.load_panel(build=BUILD)
    rows, plasma, truth = [], [], []
    for pid, seed_seq in items:
        rng = np.random.default_rng(seed_seq)
        plan = random_plan(pid, rng, panel, n_background, plasma_fraction)
        r, p, t = write_patient(plan, Path(root), rel, panel, rng)
        rows.append(r)
        plasma += p
        truth += t
    return rows, plasma, truth


def _config_text(has_ctdna: bool) -> str:
    text = "# Synthetic registry cohort written by cohortmark_synthetic.make_cohort\n"
    text += "samples: samples.tsv\n" + ("ctdna: ctdna.tsv\n" if has_ctdna else "")
    return text + "genome: GRCh38\n"


def make_cohort(workdir: str | os.PathLike, n_patients: int, seed: int, *,
                n_background: int = 3000, plasma_fraction: float = 0.1,
                workers: int | None = None) -> Path:
    """Write a synthetic registry cohort into ``workdir``.

    Files: ``config.yaml`` (samples, ctdna when any plasma, genome), ``samples.tsv``,
    ``ctdna.tsv``, ``truth.tsv`` and ``data/{cn,vcf,plasma}/``; sheet paths are relative to
    ``workdir`` (run Snakemake with ``--directory workdir``). Patients are ``P000001``...; each
    has its own seed spawned from ``seed``, so the output does not depend on ``workers``.
    """
    from cohortmark.schema import CTDNA_COLUMNS, SAMPLE_COLUMNS

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    seeds = np.random.SeedSequence(seed).spawn(n_patients)
    items = [(f"P{i + 1:06d}", s) for i, s in enumerate(seeds)]
    workers = workers or min(os.cpu_count() or 1, 8)
    size = max(1, math.ceil(n_patients / (workers * 4)))
    chunks = [(str(workdir), "data", items[i:i + size], n_background, plasma_fraction)
              for i in range(0, n_patients, size)]
    if workers > 1 and n_patients >= 50:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_make_chunk, chunks))
    else:
        results = [_make_chunk(c) for c in chunks]
    rows = [r for res in results for r in res[0]]
    plasma = [r for res in results for r in res[1]]
    truth = [r for res in results for r in res[2]]
    _rows_to_tsv(rows, workdir / "samples.tsv", SAMPLE_COLUMNS)
    if plasma:
        _rows_to_tsv(plasma, workdir / "ctdna.tsv", CTDNA_COLUMNS)
    _rows_to_tsv(truth, workdir / "truth.tsv", TRUTH_COLUMNS)
    (workdir / "config.yaml").write_text(_config_text(bool(plasma)))
    return workdir


def add_patient(workdir: str | os.PathLike, seed: int, *, n_background: int = 3000,
                plasma_fraction: float = 0.1) -> str:
    """Append one new synthetic patient (row and files) to a cohort of ``make_cohort``.

    Returns the new patient's id (the next free ``P`` number).
    """
    workdir = Path(workdir)
    sheet = pd.read_csv(workdir / "samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    numbers = sheet["patient_id"].str.extract(r"^P(\d+)$")[0].dropna().astype(int)
    pid = f"P{(numbers.max() if len(numbers) else 0) + 1:06d}"
    panel = genome.load_panel(build=BUILD)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    plan = random_plan(pid, rng, panel, n_background, plasma_fraction)
    row, plasma, truth = write_patient(plan, workdir, "data", panel, rng)
    new = pd.concat([sheet, _frame([row])], ignore_index=True).fillna("")
    write_tsv(new, workdir / "samples.tsv")
    if plasma:
        path = workdir / "ctdna.tsv"
        old = (pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
               if path.exists() else pd.DataFrame())
        write_tsv(pd.concat([old, _frame(plasma)], ignore_index=True)
                  .fillna(""), path)
        if not old.size:
            (workdir / "config.yaml").write_text(
                (workdir / "config.yaml").read_text() + "ctdna: ctdna.tsv\n")
    truth_path = workdir / "truth.tsv"
    old_truth = pd.read_csv(truth_path, sep="\t", dtype=str, keep_default_na=False)
    write_tsv(pd.concat([old_truth, _frame(truth, TRUTH_COLUMNS)], ignore_index=True)
              .fillna(""), truth_path)
    return pid
