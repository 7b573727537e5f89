"""Write the bundled registry example: config/registry/ (config.yaml, samples.tsv) and
example/registry/, a rare-cancer registry of a few hundred synthetic patients across tumour
types with the files a registry receives:

- ``mutations.maf.gz``   one MAF for every patient (panel sequencing; coding and silent
                         variants of the 320-gene panel, HGVSp_Short, Exon_Number, INTRON)
- ``data_CNA.txt``       cBioPortal discrete copy-number matrix (genes x patients)
- ``data_sv.txt``        cBioPortal structural variants of the DNA panel (many patients)
- ``arriba/*.tsv``       Arriba fusions.tsv of the patients with RNA sequencing
- ``msi/*.txt``          MSIsensor output of the patients with an MSI score
- ``truth.tsv``          what was planted, per patient

Each patient has a tumour type and drivers drawn with frequencies shaped like the literature
(EGFR exon 19 deletions and L858R, KRAS G12C and ALK/ROS1/RET fusions in lung cancer; BRAF
V600E in melanoma, thyroid and colorectal cancer; MSI-H with a high TMB in colorectal and
endometrial cancer; MDM2/CDK4 amplification in sarcoma; ...). Some patients were not
sequenced for one kind of alteration (no fusion profiling, no MSI, no copy number), so that
rules are unknown for them. Nothing here is real patient data; positions lie inside the genes
of the GRCh38 annotation but are not the real codons.

    python scripts/make_registry_example.py [ROOT] [--patients N] [--seed S]

``make_registry`` is also what the registry benchmark (bench/bench_registry.py) builds on.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cohortmark import genome  # noqa: E402

SEED = 20_260_119
N_PATIENTS = 300
SITES = [f"site_{i:02d}" for i in range(1, 12)]
TERRITORY_MB = 0.9  # coding territory of the 320-gene panel, as tmb.territory_mb
MAF_COLUMNS = ["Hugo_Symbol", "Chromosome", "Start_Position", "End_Position",
               "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2",
               "Variant_Classification", "Variant_Type", "Tumor_Sample_Barcode", "HGVSp_Short",
               "Exon_Number", "INTRON", "t_depth", "t_ref_count", "t_alt_count", "FILTER"]
SV_COLUMNS = ["Sample_Id", "Site1_Hugo_Symbol", "Site1_Chromosome", "Site1_Position",
              "Site2_Hugo_Symbol", "Site2_Chromosome", "Site2_Position",
              "Site2_Effect_On_Frame", "NCBI_Build", "DNA_Support", "RNA_Support",
              "Tumor_Split_Read_Count", "Tumor_Paired_End_Read_Count", "Event_Info", "Class",
              "SV_Status"]
ARRIBA_COLUMNS = ["#gene1", "gene2", "strand1(gene/fusion)", "strand2(gene/fusion)",
                  "breakpoint1", "breakpoint2", "site1", "site2", "type", "split_reads1",
                  "split_reads2", "discordant_mates", "coverage1", "coverage2", "confidence",
                  "reading_frame", "tags", "retained_protein_domains",
                  "closest_genomic_breakpoint1", "closest_genomic_breakpoint2", "gene_id1",
                  "gene_id2", "transcript_id1", "transcript_id2", "direction1", "direction2",
                  "filters", "fusion_transcript", "peptide_sequence", "read_identifiers"]
SHEET_COLUMNS = ["patient_id", "tumour_type", "site", "cn_file", "cn_format", "variant_file",
                 "sv_file", "msi_file", "msi_status", "best_response", "best_pct_change",
                 "pfs_months", "pfs_event", "os_months", "os_event", "evaluable", "sex", "age"]
TRUTH_COLUMNS = ["patient_id", "kind", "gene", "detail"]

# (gene, HGVSp_Short, Variant_Classification, Exon_Number, INTRON, ref, alt)
HOTSPOTS = {
    "BRAF_V600E": ("BRAF", "p.V600E", "Missense_Mutation", "15/18", "", "A", "T"),
    "BRAF_V600K": ("BRAF", "p.V600K", "Missense_Mutation", "15/18", "", "AC", "TT"),
    "KRAS_G12C": ("KRAS", "p.G12C", "Missense_Mutation", "2/6", "", "C", "A"),
    "KRAS_G12D": ("KRAS", "p.G12D", "Missense_Mutation", "2/6", "", "C", "T"),
    "KRAS_G12V": ("KRAS", "p.G12V", "Missense_Mutation", "2/6", "", "C", "A"),
    "KRAS_G13D": ("KRAS", "p.G13D", "Missense_Mutation", "2/6", "", "C", "T"),
    "NRAS_Q61R": ("NRAS", "p.Q61R", "Missense_Mutation", "3/7", "", "T", "C"),
    "EGFR_EX19DEL": ("EGFR", "p.E746_A750del", "In_Frame_Del", "19/28", "",
                     "GGAATTAAGAGAAGC", "-"),
    "EGFR_L858R": ("EGFR", "p.L858R", "Missense_Mutation", "21/28", "", "T", "G"),
    "EGFR_EX20INS": ("EGFR", "p.D770_N771insSVD", "In_Frame_Ins", "20/28", "", "-",
                     "AGCGTGGAC"),
    "MET_EX14": ("MET", "", "Splice_Site", "", "14/20", "G", "A"),
    "PIK3CA_H1047R": ("PIK3CA", "p.H1047R", "Missense_Mutation", "21/21", "", "A", "G"),
    "PIK3CA_E545K": ("PIK3CA", "p.E545K", "Missense_Mutation", "10/21", "", "G", "A"),
    "IDH1_R132C": ("IDH1", "p.R132C", "Missense_Mutation", "4/10", "", "G", "A"),
    "POLE_P286R": ("POLE", "p.P286R", "Missense_Mutation", "9/49", "", "G", "C"),
    "TP53_R273H": ("TP53", "p.R273H", "Missense_Mutation", "8/11", "", "C", "T"),
    "TP53_R175H": ("TP53", "p.R175H", "Missense_Mutation", "5/11", "", "C", "T"),
    "TP53_R213X": ("TP53", "p.R213*", "Nonsense_Mutation", "6/11", "", "G", "A"),
    "STK11_Q37X": ("STK11", "p.Q37*", "Nonsense_Mutation", "1/10", "", "C", "T"),
    "APC_R1450X": ("APC", "p.R1450*", "Nonsense_Mutation", "16/16", "", "C", "T"),
    "PTEN_R130X": ("PTEN", "p.R130*", "Nonsense_Mutation", "5/9", "", "C", "T"),
    "ARID1A_FS": ("ARID1A", "p.Q548Sfs*11", "Frame_Shift_Del", "3/20", "", "C", "-"),
}
# (5' gene, 3' gene, frame)
FUSIONS = {
    "EML4-ALK": ("EML4", "ALK", "in-frame"), "TPM3-ALK": ("TPM3", "ALK", "in-frame"),
    "CD74-ROS1": ("CD74", "ROS1", "in-frame"), "KIF5B-RET": ("KIF5B", "RET", "in-frame"),
    "CCDC6-RET": ("CCDC6", "RET", "in-frame"), "ETV6-NTRK3": ("ETV6", "NTRK3", "in-frame"),
    "TPM3-NTRK1": ("TPM3", "NTRK1", "in-frame"), "FGFR2-BICC1": ("FGFR2", "BICC1", "in-frame"),
    "EWSR1-FLI1": ("EWSR1", "FLI1", "in-frame"), "SS18-SSX1": ("SS18", "SSX1", "in-frame"),
    "TMPRSS2-ERG": ("TMPRSS2", "ERG", "in-frame"), "NAB2-STAT6": ("NAB2", "STAT6", "in-frame"),
}
# tumour type: (share, median TMB, {driver: probability}); drivers are hotspots, fusions,
# "AMP:GENE", "HOMDEL:GENE", "MSI" or "TRUNC:GENE" (a random truncating variant)
TUMOURS = {
    "lung_adenocarcinoma": (0.28, 6.0, {
        "EGFR_EX19DEL": 0.08, "EGFR_L858R": 0.06, "EGFR_EX20INS": 0.02, "KRAS_G12C": 0.12,
        "KRAS_G12D": 0.05, "KRAS_G12V": 0.05, "EML4-ALK": 0.05, "CD74-ROS1": 0.02,
        "KIF5B-RET": 0.02, "MET_EX14": 0.03, "BRAF_V600E": 0.02, "AMP:ERBB2": 0.02,
        "AMP:MET": 0.02, "TP53_R273H": 0.25, "TP53_R175H": 0.15, "STK11_Q37X": 0.12,
        "TRUNC:KEAP1": 0.1, "HOMDEL:CDKN2A": 0.15}),
    "colorectal": (0.18, 4.0, {
        "KRAS_G12D": 0.18, "KRAS_G12V": 0.12, "KRAS_G13D": 0.07, "BRAF_V600E": 0.1,
        "MSI": 0.14, "APC_R1450X": 0.6, "TP53_R175H": 0.3, "TP53_R273H": 0.25,
        "PIK3CA_E545K": 0.12, "AMP:ERBB2": 0.03, "TPM3-NTRK1": 0.01, "NRAS_Q61R": 0.04}),
    "melanoma": (0.1, 14.0, {
        "BRAF_V600E": 0.4, "BRAF_V600K": 0.08, "NRAS_Q61R": 0.2, "TRUNC:NF1": 0.15,
        "HOMDEL:CDKN2A": 0.3, "TP53_R273H": 0.1}),
    "sarcoma": (0.15, 2.0, {
        "AMP:MDM2": 0.25, "AMP:CDK4": 0.2, "HOMDEL:CDKN2A": 0.15, "EWSR1-FLI1": 0.06,
        "SS18-SSX1": 0.06, "TPM3-ALK": 0.03, "ETV6-NTRK3": 0.02, "NAB2-STAT6": 0.03,
        "TP53_R273H": 0.15, "TP53_R213X": 0.1, "TRUNC:RB1": 0.08}),
    "thyroid": (0.08, 1.0, {
        "BRAF_V600E": 0.5, "CCDC6-RET": 0.1, "ETV6-NTRK3": 0.04, "NRAS_Q61R": 0.08}),
    "cholangiocarcinoma": (0.08, 3.0, {
        "IDH1_R132C": 0.15, "FGFR2-BICC1": 0.1, "BRAF_V600E": 0.03, "KRAS_G12D": 0.15,
        "AMP:ERBB2": 0.05, "TRUNC:BAP1": 0.15, "TRUNC:ARID1A": 0.15, "MSI": 0.02}),
    "endometrial": (0.13, 5.0, {
        "MSI": 0.28, "POLE_P286R": 0.07, "PTEN_R130X": 0.5, "PIK3CA_H1047R": 0.3,
        "ARID1A_FS": 0.35, "TP53_R273H": 0.15, "KRAS_G12D": 0.1, "AMP:CCNE1": 0.05}),
}
BACKGROUND_CLASSES = [("Missense_Mutation", 0.62), ("Silent", 0.22), ("Nonsense_Mutation", 0.05),
                      ("Frame_Shift_Del", 0.04), ("Frame_Shift_Ins", 0.02),
                      ("Splice_Site", 0.02), ("In_Frame_Del", 0.02), ("Intron", 0.01)]
AA = list("ACDEFGHIKLMNPQRSTVWY")


@dataclass
class Patient:
    pid: str
    tumour: str
    site: str
    tmb: float
    msi: bool
    drivers: list[str] = field(default_factory=list)
    profiled: dict = field(default_factory=dict)  # mut, cn, sv (dna / rna / None), msi


def plan_patients(n: int, seed: int) -> list[Patient]:
    rng = np.random.default_rng(seed)
    names = list(TUMOURS)
    shares = np.array([TUMOURS[t][0] for t in names])
    out = []
    for i in range(n):
        tumour = names[rng.choice(len(names), p=shares / shares.sum())]
        _, median_tmb, drivers = TUMOURS[tumour]
        chosen = [d for d, p in drivers.items() if rng.random() < p]
        msi = "MSI" in chosen
        tmb = float(median_tmb * rng.lognormal(0, 0.6))
        if msi:
            tmb = float(rng.uniform(25, 60))
        if "POLE_P286R" in chosen:
            tmb = float(rng.uniform(100, 200))
        sv = rng.choice(["dna", "rna", None], p=[0.6, 0.15, 0.25])
        p = Patient(f"R{i + 1:04d}", tumour, SITES[rng.integers(len(SITES))], tmb, msi,
                    [d for d in chosen if d != "MSI"])
        p.profiled = {"mut": rng.random() > 0.04, "cn": rng.random() > 0.08, "sv": sv,
                      "msi": rng.choice(["file", "sheet", None], p=[0.5, 0.2, 0.3])}
        out.append(p)
    return out


def _position(genes: pd.DataFrame, gene: str, rng) -> tuple[str, int]:
    row = genes.loc[gene]
    return str(row["chrom"]), int(rng.integers(row["start"] + 1, row["end"] + 1))


def _maf_row(pid, gene, chrom, pos, ref, alt, vc, hgvsp, exon, intron, rng) -> dict:
    depth = int(rng.integers(150, 900))
    alt_n = max(3, int(depth * rng.uniform(0.05, 0.5)))
    vtype = ("SNP" if len(ref) == len(alt) == 1 else "DNP" if len(ref) == len(alt)
             else "DEL" if alt == "-" else "INS")
    end = pos + (len(ref) - 1 if ref != "-" else 1)
    return {"Hugo_Symbol": gene, "Chromosome": chrom, "Start_Position": pos,
            "End_Position": end, "Reference_Allele": ref, "Tumor_Seq_Allele1": ref,
            "Tumor_Seq_Allele2": alt, "Variant_Classification": vc, "Variant_Type": vtype,
            "Tumor_Sample_Barcode": pid, "HGVSp_Short": hgvsp, "Exon_Number": exon,
            "INTRON": intron, "t_depth": depth, "t_ref_count": depth - alt_n,
            "t_alt_count": alt_n, "FILTER": "PASS"}


def _background(pid, panel_genes, genes, n, rng) -> list[dict]:
    classes, weights = zip(*BACKGROUND_CLASSES, strict=True)
    weights = np.array(weights) / sum(weights)
    rows = []
    for _ in range(n):
        gene = panel_genes[rng.integers(len(panel_genes))]
        chrom, pos = _position(genes, gene, rng)
        vc = classes[rng.choice(len(classes), p=weights)]
        codon = int(rng.integers(2, 900))
        ref_aa, alt_aa = rng.choice(AA, 2, replace=False)
        ref, alt = rng.choice(list("ACGT"), 2, replace=False)
        exon = f"{int(rng.integers(1, 12))}/12"
        hgvsp, intron = {
            "Missense_Mutation": (f"p.{ref_aa}{codon}{alt_aa}", ""),
            "Silent": (f"p.{ref_aa}{codon}=", ""),
            "Nonsense_Mutation": (f"p.{ref_aa}{codon}*", ""),
            "Frame_Shift_Del": (f"p.{ref_aa}{codon}fs", ""),
            "Frame_Shift_Ins": (f"p.{ref_aa}{codon}fs", ""),
            "In_Frame_Del": (f"p.{ref_aa}{codon}del", ""),
            "Splice_Site": ("", f"{int(rng.integers(1, 11))}/11"),
            "Intron": ("", f"{int(rng.integers(1, 11))}/11"),
        }[vc]
        if vc in ("Splice_Site", "Intron"):
            exon = ""
        if vc == "In_Frame_Del":
            ref, alt = "".join(rng.choice(list("ACGT"), 3)), "-"
        elif vc == "Frame_Shift_Del":
            alt = "-"
        elif vc == "Frame_Shift_Ins":
            ref = "-"
        rows.append(_maf_row(pid, gene, chrom, pos, ref, alt, vc, hgvsp, exon, intron, rng))
    return rows


def _truncating(pid, gene, genes, rng) -> dict:
    chrom, pos = _position(genes, gene, rng)
    codon = int(rng.integers(20, 800))
    return _maf_row(pid, gene, chrom, pos, "C", "T", "Nonsense_Mutation",
                    f"p.{rng.choice(AA)}{codon}*", f"{int(rng.integers(1, 10))}/10", "", rng)


def _arriba_row(five, three, frame, genes, rng) -> dict:
    c1, p1 = _position(genes, five, rng)
    c2, p2 = _position(genes, three, rng)
    kind = "translocation" if c1 != c2 else "inversion"
    row = {c: "." for c in ARRIBA_COLUMNS}
    row.update({"#gene1": five, "gene2": three, "strand1(gene/fusion)": "+/+",
                "strand2(gene/fusion)": "+/+", "breakpoint1": f"{c1}:{p1}",
                "breakpoint2": f"{c2}:{p2}", "site1": "CDS/splice-site",
                "site2": "CDS/splice-site", "type": kind,
                "split_reads1": int(rng.integers(2, 40)),
                "split_reads2": int(rng.integers(2, 40)),
                "discordant_mates": int(rng.integers(0, 30)),
                "coverage1": int(rng.integers(50, 400)), "coverage2": int(rng.integers(50, 400)),
                "confidence": "high", "reading_frame": frame, "direction1": "downstream",
                "direction2": "upstream"})
    return row


def _sv_row(pid, five, three, frame, genes, rng) -> dict:
    c1, p1 = _position(genes, five, rng)
    c2, p2 = _position(genes, three, rng)
    return {"Sample_Id": pid, "Site1_Hugo_Symbol": five, "Site1_Chromosome": c1,
            "Site1_Position": p1, "Site2_Hugo_Symbol": three, "Site2_Chromosome": c2,
            "Site2_Position": p2, "Site2_Effect_On_Frame": frame, "NCBI_Build": "GRCh38",
            "DNA_Support": "yes", "RNA_Support": "unknown",
            "Tumor_Split_Read_Count": int(rng.integers(3, 60)),
            "Tumor_Paired_End_Read_Count": int(rng.integers(3, 60)),
            "Event_Info": f"{five}-{three} fusion", "Class": "FUSION",
            "SV_Status": "SOMATIC"}


def make_registry(root, n_patients: int = N_PATIENTS, seed: int = SEED,
                  data_dir: str = "example/registry",
                  config_dir: str = "config/registry") -> Path:
    """Write the registry example under ``root`` (paths in the sheet relative to ``root``)."""
    root = Path(root)
    data, conf = root / data_dir, root / config_dir
    for sub in ("arriba", "msi"):
        (data / sub).mkdir(parents=True, exist_ok=True)
    for old in list((data / "arriba").glob("*.tsv")) + list((data / "msi").glob("*.txt")):
        old.unlink()
    conf.mkdir(parents=True, exist_ok=True)
    panel = pd.read_csv(Path(__file__).resolve().parents[1] / "config" / "registry" /
                        "panel.tsv", sep="\t", comment="#")
    if (conf / "panel.tsv").resolve() != (Path(__file__).resolve().parents[1] / "config" /
                                          "registry" / "panel.tsv").resolve():
        panel.to_csv(conf / "panel.tsv", sep="\t", index=False)
    genes = genome.load_genes("GRCh38").drop_duplicates("gene").set_index("gene")
    panel_genes = list(panel["gene"])
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    patients = plan_patients(n_patients, seed)
    maf, svs, truth, sheet = [], [], [], []
    cna = pd.DataFrame(0, index=panel_genes, columns=[p.pid for p in patients if
                                                      p.profiled["cn"]])
    for p in patients:
        prof = p.profiled
        for d in p.drivers:
            truth.append({"patient_id": p.pid, "kind": "driver", "gene": d.split(":")[-1]
                          .split("_")[0].split("-")[0], "detail": d})
        if prof["mut"]:
            n_bg = int(rng.poisson(p.tmb * TERRITORY_MB * 1.25))  # ~20% of them silent
            maf += _background(p.pid, panel_genes, genes, n_bg, rng)
            for d in p.drivers:
                if d in HOTSPOTS:
                    gene, hgvsp, vc, exon, intron, ref, alt = HOTSPOTS[d]
                    chrom, pos = _position(genes, gene, rng)
                    maf.append(_maf_row(p.pid, gene, chrom, pos, ref, alt, vc, hgvsp, exon,
                                        intron, rng))
                elif d.startswith("TRUNC:"):
                    maf.append(_truncating(p.pid, d[6:], genes, rng))
        if prof["cn"]:
            calls = rng.choice([-1, 0, 1], size=len(panel_genes), p=[0.06, 0.86, 0.08])
            cna[p.pid] = calls
            for d in p.drivers:
                if d.startswith("AMP:"):
                    cna.loc[d[4:], p.pid] = 2
                    if d[4:] == "MDM2" and "AMP:CDK4" not in p.drivers and rng.random() < 0.6:
                        cna.loc["CDK4", p.pid] = 2
                if d.startswith("HOMDEL:"):
                    cna.loc[d[7:], p.pid] = -2
                    cna.loc["CDKN2B", p.pid] = -2 if d[7:] == "CDKN2A" else cna.loc[
                        "CDKN2B", p.pid]
        fusions = [FUSIONS[d] for d in p.drivers if d in FUSIONS]
        sv_file = ""
        if prof["sv"] == "dna":
            sv_file = f"{data_dir}/data_sv.txt"
            svs += [_sv_row(p.pid, a, b, f, genes, rng) for a, b, f in fusions]
            if rng.random() < 0.1:  # a passenger rearrangement inside one gene
                g = panel_genes[rng.integers(len(panel_genes))]
                svs.append(_sv_row(p.pid, g, g, "", genes, rng) | {"Class": "DELETION",
                                                                   "Event_Info": "deletion"})
        elif prof["sv"] == "rna":
            sv_file = f"{data_dir}/arriba/{p.pid}.fusions.tsv"
            rows = [_arriba_row(a, b, f, genes, rng) for a, b, f in fusions]
            pd.DataFrame(rows, columns=ARRIBA_COLUMNS).to_csv(root / sv_file, sep="\t",
                                                              index=False)
        msi_file, msi_sheet = "", ""
        if prof["msi"] == "file":
            total = int(rng.integers(80, 140))
            frac = rng.uniform(0.25, 0.55) if p.msi else (
                rng.uniform(0.03, 0.09) if rng.random() < 0.05 else rng.uniform(0, 0.025))
            k = int(round(total * frac))
            msi_file = f"{data_dir}/msi/{p.pid}.msisensor.txt"
            (root / msi_file).write_text("Total_Number_of_Sites\tNumber_of_Somatic_Sites\t%\n"
                                         f"{total}\t{k}\t{100 * k / total:.2f}\n")
        elif prof["msi"] == "sheet":
            msi_sheet = "MSI-H" if p.msi else "MSS"
        treated = rng.random() < 0.45
        response = rng.choice(["CR", "PR", "SD", "PD", "NE"], p=[0.04, 0.22, 0.34, 0.34, 0.06])
        change = {"CR": -100.0, "PR": -rng.uniform(30, 80), "SD": rng.uniform(-29, 19),
                  "PD": rng.uniform(20, 80), "NE": np.nan}[response]
        pfs = float(rng.exponential(8 if response in ("CR", "PR") else 4)) + 0.5
        os_ = pfs + float(rng.exponential(12))
        sheet.append({
            "patient_id": p.pid, "tumour_type": p.tumour, "site": p.site,
            "cn_file": f"{data_dir}/data_CNA.txt" if prof["cn"] else "",
            "cn_format": "cbioportal" if prof["cn"] else "",
            "variant_file": f"{data_dir}/mutations.maf.gz" if prof["mut"] else "",
            "sv_file": sv_file, "msi_file": msi_file, "msi_status": msi_sheet,
            "best_response": response if treated else "",
            "best_pct_change": "" if not treated or np.isnan(change) else f"{change:.1f}",
            "pfs_months": f"{pfs:.1f}" if treated else "",
            "pfs_event": int(rng.random() < 0.8) if treated else "",
            "os_months": f"{os_:.1f}", "os_event": int(rng.random() < 0.5),
            "evaluable": "true" if treated and response != "NE" else
            ("false" if treated else ""),
            "sex": rng.choice(["female", "male"]), "age": int(rng.integers(18, 86))})
    maf_df = pd.DataFrame(maf, columns=MAF_COLUMNS)
    with gzip.GzipFile(root / data_dir / "mutations.maf.gz", "wb", mtime=0) as fh:
        fh.write(("#version 2.4\n" + maf_df.to_csv(sep="\t", index=False,
                                                   lineterminator="\n")).encode())
    cna.index.name = "Hugo_Symbol"
    cna.reset_index().to_csv(data / "data_CNA.txt", sep="\t", index=False, lineterminator="\n")
    pd.DataFrame(svs, columns=SV_COLUMNS).to_csv(data / "data_sv.txt", sep="\t", index=False,
                                                 lineterminator="\n")
    pd.DataFrame(truth, columns=TRUTH_COLUMNS).to_csv(data / "truth.tsv", sep="\t",
                                                      index=False, lineterminator="\n")
    pd.DataFrame(sheet, columns=SHEET_COLUMNS).to_csv(conf / "samples.tsv", sep="\t",
                                                      index=False, lineterminator="\n")
    return root


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--patients", type=int, default=N_PATIENTS)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    make_registry(args.root, args.patients, args.seed)


if __name__ == "__main__":
    main()
