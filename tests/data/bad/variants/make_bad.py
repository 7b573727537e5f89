"""Regenerate the bad-input corpus from the real vcf2maf / PCGR / maftools files (run once)."""

import gzip
import re
import subprocess
from pathlib import Path

HERE = Path(__file__).parent
SRC = HERE.parents[1] / "variants"
VCF = (SRC / "vcf2maf_test.vcf").read_text()
MAF = (SRC / "vcf2maf_test.maf").read_text()
HDR, BODY = VCF.split("#CHROM")[0], "#CHROM" + VCF.split("#CHROM")[1]
TP53 = "17\t7579312\t.\tC\tA\t.\t.\t.\tGT:AD:DP\t0/1:20,22:42\t0/0:18,1:19"
assert TP53 in VCF
PCGR = gzip.open(SRC / "tumor_sample.BRCA.pcgr.vcf.gz", "rt").read().splitlines()
PCGR_HDR = [x for x in PCGR if x.startswith("#")]
PCGR_TP53 = next(x for x in PCGR if x.startswith("17\t7577124\t"))
CASES = []


def w(name, text, sample, build, expect, binary=False):
    p = HERE / name
    p.write_bytes(text if binary else text.encode())
    CASES.append((name, "variants", sample, build, expect))


def maf_edit(col, value, row=1):
    lines = MAF.splitlines()
    head = lines[1].split("\t")
    fields = lines[1 + row].split("\t")
    fields[head.index(col)] = value
    lines[1 + row] = "\t".join(fields)
    return "\n".join(lines) + "\n"


w("vcf_unknown_sample.vcf", VCF, "TUMOUR_1", "GRCh37",
  "column 'tumor_sample': sample 'TUMOUR_1' is not a column of the VCF (columns: TUMOR, NORMAL)")
w("vcf_two_unnamed_samples.vcf", VCF.replace("\tTUMOR\tNORMAL", "\tS1\tS2"), "", "GRCh37",
  "cannot tell which sample column is the tumour (S1, S2); set tumor_sample in the sheet")
w("vcf_tumor_sample_header_wrong.vcf", HDR + "##tumor_sample=T9\n" + BODY, "", "GRCh37",
  "header ##tumor_sample=T9 names no sample column")
csq_hdr = next(x for x in PCGR_HDR if x.startswith("##INFO=<ID=CSQ"))
rest = [x for x in PCGR_HDR if not x.startswith("##INFO=<ID=CSQ")]
w("vcf_csq_header_without_format.vcf",
  "\n".join(rest[:-1] + ['##INFO=<ID=CSQ,Number=.,Type=String,Description="VEP">', rest[-1],
                         PCGR_TP53]) + "\n", "", "GRCh37",
  "column 'INFO/CSQ': INFO/CSQ header has no field list")
w("vcf_csq_without_symbol.vcf",
  "\n".join(rest[:-1] + [csq_hdr.replace("|SYMBOL|", "|GENE_NAME|"), rest[-1], PCGR_TP53])
  + "\n", "", "GRCh37", "INFO/CSQ field list lacks symbol")
short = re.sub(r"CSQ=([^,;]*)", lambda m: "CSQ=" + "|".join(m.group(1).split("|")[:5]),
               PCGR_TP53)
w("vcf_csq_entry_short.vcf", "\n".join(PCGR_HDR + [short]) + "\n", "", "GRCh37",
  "INFO/CSQ entry has 5 fields, the header declares")
n_hdr = len(HDR.splitlines()) + 1
w("vcf_pos_not_a_number.vcf", VCF.replace("1\t146728217\t", "1\t146728217x\t"), "", "GRCh37",
  f"line {n_hdr + 3}: malformed or truncated record")
w("vcf_dp_not_a_number.vcf", VCF.replace(TP53, TP53.replace(":42\t", ":4x2\t")), "", "GRCh37",
  "malformed or truncated record")
tp53_line = VCF.splitlines().index(TP53) + 1
w("vcf_too_few_columns.vcf", VCF.replace("17\t7579312\t.\tC\tA\t.\t.\t.", "17\t7579312"), "",
  "GRCh37", f"line {tp53_line}: column 'REF': REF '0/1:20,22:42' is not a DNA sequence")
gz = gzip.compress(VCF.encode(), mtime=0)
w("vcf_truncated.vcf.gz", gz[: len(gz) // 2], "", "GRCh37", "truncated", binary=True)
w("vcf_empty.vcf", "", "", "GRCh37", "file is empty")
w("vcf_not_a_vcf.vcf", "this is not a VCF\njust text\n", "", "GRCh37",
  "not a readable VCF/BCF")
w("vcf_grch37_contigs_as_grch38.vcf", HDR + "##contig=<ID=17,length=81195210>\n" + BODY, "",
  "GRCh38", "contig 17 has length 81195210 in the header but 83257441 in GRCh38")
adt = [x for x in (gzip.open(SRC / "T001-COAD.grch38.vcf.gz", "rt").read().splitlines())]
adt_line = next(x for x in adt if x.startswith("17\t7676152\t"))
w("vcf_adt_not_numbers.vcf",
  "\n".join([x for x in adt if x.startswith("#")] + [adt_line.replace(":8,29:", ":8,x:")])
  + "\n", "", "GRCh38", "column 'FORMAT/ADT': FORMAT/ADT value '8,x' is not a list of numbers")
w("vcf_ann_header_without_fields.vcf",
  HDR + '##INFO=<ID=ANN,Number=.,Type=String,Description="SnpEff">\n' + BODY, "", "GRCh37",
  "INFO/ANN header has no field list")
w("maf_no_barcode_column.maf", MAF.replace("Tumor_Sample_Barcode", "Sample"), "TUMOR",
  "GRCh37", "line 2: MAF header lacks column(s) Tumor_Sample_Barcode")
w("maf_no_header.maf", "\n".join(MAF.splitlines()[2:]) + "\n", "TUMOR", "GRCh37",
  "line 1: MAF header lacks column(s)")
w("maf_only_comments.maf", "#version 2.4\n#nothing else\n", "TUMOR", "GRCh37",
  "MAF has no header line")
tp53_row = next(i for i, x in enumerate(MAF.splitlines()) if x.startswith("TP53\t")) - 1
w("maf_alt_count_text.maf", maf_edit("t_alt_count", "twenty", tp53_row), "TUMOR", "GRCh37",
  f"line {tp53_row + 2}: column 't_alt_count': 'twenty' is not a number")
w("maf_ref_count_negative.maf", maf_edit("t_ref_count", "-3", tp53_row), "TUMOR", "GRCh37",
  "column 't_ref_count': '-3' is negative")
w("maf_start_not_integer.maf", maf_edit("Start_Position", "7579312.5", tp53_row), "TUMOR",
  "GRCh37", "column 'Start_Position': Start_Position '7579312.5' is not an integer")
w("maf_unknown_classification.maf", maf_edit("Variant_Classification", "Missense", 3), "TUMOR",
  "GRCh37", "column 'Variant_Classification': unknown Variant_Classification 'Missense'")
mgz = gzip.compress(MAF.encode(), mtime=0)
w("maf_truncated.maf.gz", mgz[: len(mgz) - 40], "TUMOR", "GRCh37",
  "truncated or corrupt gzip data", binary=True)
w("maf_latin1.maf", "", "TUMOR", "GRCh37", "not UTF-8 text")
(HERE / "maf_latin1.maf").write_bytes(maf_edit("Center", "Universit\xe9", 1).encode("latin-1"))
lines = MAF.splitlines()
lines[4] += "\textra\tfields"
w("maf_ragged_row.maf", "\n".join(lines) + "\n", "TUMOR", "GRCh37", "MAF table is malformed")
lines = MAF.splitlines()
lines[5] = "\t".join(lines[5].split("\t")[:12])
w("maf_short_row.maf", "\n".join(lines) + "\n", "TUMOR", "GRCh37",
  "line 6: MAF row has 12 fields, the header 40")
CASES.append(("vcf_does_not_exist.vcf.gz", "variants", "", "GRCh38", "file does not exist"))
# awkward but valid
w("ok_maf_cr_line_endings.maf", MAF.replace("\n", "\r"), "TUMOR", "GRCh37", "ACCEPT")
w("ok_vcf_chr_prefix.vcf", VCF.replace("\n17\t", "\nchr17\t").replace("\n1\t", "\nchr1\t"), "",
  "GRCh37", "ACCEPT")
w("maf_barcode_absent.maf", MAF, "SOMEONE_ELSE", "GRCh37",
  "column 'tumor_sample': Tumor_Sample_Barcode 'SOMEONE_ELSE' (the sheet's tumor_sample) has "
  "no row in the MAF; the file has 1 other barcode(s), none similar")
bg = HERE / "ok_vcf_bgzipped_indexed.vcf.gz"
with open(bg, "wb") as fh:
    subprocess.run(["bgzip", "-c", str(SRC / "vcf2maf_test.vcf")], stdout=fh, check=True)
subprocess.run(["tabix", "-f", "-p", "vcf", str(bg)], check=True)
CASES.append((bg.name, "variants", "", "GRCh37", "ACCEPT"))
bcf = HERE / "ok_bcf.bcf"
subprocess.run(["bcftools", "view", "--no-version", "-Ob", "-o", str(bcf),
                str(SRC / "pvactools_hcc1395.subset.vcf.gz")], check=True, capture_output=True)
CASES.append((bcf.name, "variants", "", "GRCh38", "ACCEPT"))

with open(HERE / "cases.tsv", "w") as fh:
    fh.write("file\tkind\tsample\tbuild\texpect\n")
    for c in CASES:
        fh.write("\t".join(c) + "\n")
print(len(CASES), "cases")
