"""Regenerate round 2 of the bad-input corpus (issue "No silent wrong answer").

Every file is derived from the real test files in tests/data/variants (vcf2maf, PCGR, pVACtools,
maftools; see tests/data/PROVENANCE.md) or written here as the sheet/config a user would write.
Run from anywhere: ``python tests/data/bad/round2/make_round2.py`` (needs bgzip, tabix,
bcftools). Columns of cases.tsv: file, kind, sample, build, expect (the text the user must see;
``ACCEPT`` = loads; ``WARN text`` = loads with that warning), result (``GENE=status[:class]`` or
``GENE=altered:class:vaf=x``, ``;``-separated), setup (done by the test before loading:
``index_older``, ``fifo=<name>``), config (JSON of ``variants`` settings).
"""

import gzip
import json
import subprocess
from pathlib import Path

HERE = Path(__file__).parent
SRC = HERE.parents[1] / "variants"
VCF = (SRC / "vcf2maf_test.vcf").read_text()
MAF = (SRC / "vcf2maf_test.maf").read_text()
HDR, BODY = VCF.split("#CHROM")[0], "#CHROM" + VCF.split("#CHROM")[1]
COLS = BODY.splitlines()[0] + "\n"
TP53 = "17\t7579312\t.\tC\tA\t.\t.\t.\tGT:AD:DP\t0/1:20,22:42\t0/0:18,1:19"
assert TP53 in VCF
CASES = []
# files are rebuilt in place; clear the generated ones first (keep this script)
for old in HERE.iterdir():
    if old.name not in ("make_round2.py",) and old.is_file():
        old.unlink()


def case(name, kind, expect, sample="", build="GRCh37", result="", setup="", config=None):
    CASES.append((name, kind, sample, build, expect, result, setup,
                  json.dumps(config, sort_keys=True) if config else ""))


def w(name, text, binary=False):
    p = HERE / name
    p.write_bytes(text if binary else text.encode())
    return p


def bgzip(src: Path, dest: Path, level: int | None = None):
    cmd = ["bgzip", "-c"] + ([f"-l{level}"] if level is not None else []) + [str(src)]
    with open(dest, "wb") as fh:
        subprocess.run(cmd, stdout=fh, check=True)


def tabix(path: Path, csi=False):
    subprocess.run(["tabix", "-f", "-p", "vcf"] + (["-C"] if csi else []) + [str(path)],
                   check=True)


WARN_FULL = "read the whole file instead of the panel regions"

# --- untrustworthy indexes: read in full with a warning; TP53 C>A at 17:7579312 still found --
plain = w("_tmp_full.vcf", VCF)
without = w("_tmp_without_tp53.vcf", VCF.replace(TP53 + "\n", ""))
other = SRC / "vcf2maf_test_strelka.vcf"

# index made before the TP53 record was added to the file
bgzip(without, HERE / "idx_stale_appended.vcf.gz")
tabix(HERE / "idx_stale_appended.vcf.gz")
bgzip(plain, HERE / "idx_stale_appended.vcf.gz")  # the file grows, its index does not
case("idx_stale_appended.vcf.gz", "variants",
     "WARN its index idx_stale_appended.vcf.gz.tbi", result="TP53=altered:unannotated")
# an index of another file
bgzip(other, HERE / "_tmp_other.vcf.gz")
tabix(HERE / "_tmp_other.vcf.gz")
tabix(HERE / "_tmp_other.vcf.gz", csi=True)
bgzip(plain, HERE / "idx_of_another_file.vcf.gz")
(HERE / "idx_of_another_file.vcf.gz.tbi").write_bytes((HERE / "_tmp_other.vcf.gz.tbi").read_bytes())
case("idx_of_another_file.vcf.gz", "variants",
     "WARN its index idx_of_another_file.vcf.gz.tbi", result="TP53=altered:unannotated")
case("idx_of_another_file.vcf.gz", "variants",
     "its index idx_of_another_file.vcf.gz.tbi", config={"untrusted_index": "error"})
bgzip(plain, HERE / "idx_csi_of_another_file.vcf.gz")
(HERE / "idx_csi_of_another_file.vcf.gz.csi").write_bytes(
    (HERE / "_tmp_other.vcf.gz.csi").read_bytes())
case("idx_csi_of_another_file.vcf.gz", "variants",
     "WARN its index idx_csi_of_another_file.vcf.gz.csi", result="TP53=altered:unannotated")
# a wrong .csi beside a right .tbi: htslib takes the .csi, so the check must too
bgzip(plain, HERE / "idx_wrong_csi_right_tbi.vcf.gz")
tabix(HERE / "idx_wrong_csi_right_tbi.vcf.gz")
(HERE / "idx_wrong_csi_right_tbi.vcf.gz.csi").write_bytes(
    (HERE / "_tmp_other.vcf.gz.csi").read_bytes())
case("idx_wrong_csi_right_tbi.vcf.gz", "variants",
     "WARN its index idx_wrong_csi_right_tbi.vcf.gz.csi", result="TP53=altered:unannotated")
# plain gzip (not BGZF) beside the index of its bgzipped twin
(HERE / "idx_beside_plain_gzip.vcf.gz").write_bytes(gzip.compress(VCF.encode(), mtime=0))
bgzip(plain, HERE / "_tmp_twin.vcf.gz")
tabix(HERE / "_tmp_twin.vcf.gz")
(HERE / "idx_beside_plain_gzip.vcf.gz.tbi").write_bytes((HERE / "_tmp_twin.vcf.gz.tbi").read_bytes())
case("idx_beside_plain_gzip.vcf.gz", "variants",
     "WARN the file is not BGZF-compressed (plain gzip or uncompressed), so its index "
     "idx_beside_plain_gzip.vcf.gz.tbi cannot be used", result="TP53=altered:unannotated")
# an uncompressed VCF with an index beside it
w("idx_beside_uncompressed.vcf", VCF)
(HERE / "idx_beside_uncompressed.vcf.tbi").write_bytes((HERE / "_tmp_twin.vcf.gz.tbi").read_bytes())
case("idx_beside_uncompressed.vcf", "variants",
     "WARN the file is not BGZF-compressed", result="TP53=altered:unannotated")
# the same records bgzipped again at another compression level: same text, other blocks
bgzip(plain, HERE / "idx_after_recompression.vcf.gz", level=1)
(HERE / "idx_after_recompression.vcf.gz.tbi").write_bytes(
    (HERE / "_tmp_twin.vcf.gz.tbi").read_bytes())
case("idx_after_recompression.vcf.gz", "variants",
     "WARN its index idx_after_recompression.vcf.gz.tbi", result="TP53=altered:unannotated")
# an index older than its data but describing it (as after `cp -r`): trusted, no warning
# (mtimes set by the test: git does not keep them)
bgzip(plain, HERE / "idx_older_than_data.vcf.gz")
tabix(HERE / "idx_older_than_data.vcf.gz")
case("idx_older_than_data.vcf.gz", "variants",
     "ACCEPT",
     result="TP53=altered:unannotated", setup="index_older")
# empty, truncated and not-an-index index files
for name, data, why in (
        ("idx_empty_index.vcf.gz", b"", "its index idx_empty_index.vcf.gz.tbi is empty"),
        ("idx_truncated_index.vcf.gz", None, "its index idx_truncated_index.vcf.gz.tbi: the "
                                             "index is not a BGZF-compressed file"),
        ("idx_text_as_index.vcf.gz", b"not an index\n", "its index idx_text_as_index.vcf.gz.tbi:"
                                                        " the index is not a BGZF-compressed")):
    bgzip(plain, HERE / name)
    tabix(HERE / name)
    if data is None:
        full = (HERE / (name + ".tbi")).read_bytes()
        data = full[: len(full) // 2]
    (HERE / (name + ".tbi")).write_bytes(data)
    case(name, "variants", "WARN " + why, result="TP53=altered:unannotated")
# a BCF with the .csi of another BCF
subprocess.run(["bcftools", "view", "--no-version", "-Ob", "-o", str(HERE / "idx_bcf_other.bcf"),
                str(SRC / "pvactools_hcc1395.subset.vcf.gz")], check=True)
subprocess.run(["bcftools", "view", "--no-version", "-Ob", "-o", str(HERE / "_tmp_other.bcf"),
                "-r", "chr1", str(SRC / "pvactools_hcc1395.subset.vcf.gz")], check=True)
subprocess.run(["bcftools", "index", "-f", str(HERE / "_tmp_other.bcf")], check=True)
(HERE / "idx_bcf_other.bcf.csi").write_bytes((HERE / "_tmp_other.bcf.csi").read_bytes())
case("idx_bcf_other.bcf", "variants", "WARN its index idx_bcf_other.bcf.csi", build="GRCh38",
     result="TP53=altered:missense")

# --- a MAF without the sheet's barcode: error with the closest barcodes --------------------------
w("maf_barcode_typo.maf", MAF)
case("maf_barcode_typo.maf", "variants", "column 'tumor_sample': Tumor_Sample_Barcode 'TUMOUR' "
     "(the sheet's tumor_sample) has no row in the MAF; closest barcodes in the file: TUMOR",
     sample="TUMOUR")
case("maf_barcode_typo.maf", "variants", "Tumor_Sample_Barcode 'tumor' (the sheet's "
     "tumor_sample) has no row in the MAF; closest barcodes in the file: TUMOR", sample="tumor")
case("maf_barcode_typo.maf", "variants", "Tumor_Sample_Barcode 'TUMOR-01' (the sheet's "
     "tumor_sample) has no row in the MAF; closest barcodes in the file: TUMOR",
     sample="TUMOR-01")
case("maf_barcode_typo.maf", "variants", "column 'patient_id': Tumor_Sample_Barcode 'P01' (the "
     "patient_id; the sheet gives no tumor_sample) has no row in the MAF")
case("maf_barcode_typo.maf", "variants", "ACCEPT", sample="TUMOUR", result="TP53=wildtype",
     config={"maf_missing_sample": "wildtype"})

# --- VAF outside [0, 1] ----------------------------------------------------------------------
AF_HDR = HDR + '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction">\n'
tp53_line = len((AF_HDR + COLS).splitlines()) + BODY.splitlines()[1:].index(TP53) + 1
for name, af, shown in (("vcf_af_above_1.vcf", "1.5", "1.5"), ("vcf_af_negative.vcf", "-0.2",
                                                                "-0.2")):
    body = BODY.replace(TP53, TP53.replace("GT:AD:DP\t0/1:20,22:42", f"GT:AD:AF:DP\t0/1:20,22:{af}:42")
                        .replace("0/0:18,1:19", "0/0:18,1:0.05:19"))
    w(name, AF_HDR + body)
    case(name, "variants", f"line {tp53_line}: column 'FORMAT/AF': record 17:7579312: FORMAT/AF "
         f"{shown} is outside [0, 1]")
w("vcf_alt_reads_exceed_depth.vcf", VCF.replace(TP53, TP53.replace("0/1:20,22:42", "0/1:.,50:40")))
case("vcf_alt_reads_exceed_depth.vcf", "variants", "column 'FORMAT/AD': record 17:7579312: 50 ALT "
     "reads in FORMAT/AD exceed the depth 40")
mutect = (SRC / "vcf2maf_test_mutect.vcf").read_text()
m_hdr = "".join(x + "\n" for x in mutect.splitlines() if x.startswith("#"))
first = next(x for x in mutect.splitlines() if not x.startswith("#")).split("\t")
fmt = first[8].split(":")
tum = first[10].split(":")  # NORMAL, TUMOR
tum[fmt.index("FA")] = "1.2"
first[:5] = ["17", "7579312", ".", "C", "A"]
first[6], first[10] = "PASS", ":".join(tum)
w("vcf_mutect1_fa_above_1.vcf", m_hdr + "\t".join(first) + "\n")
case("vcf_mutect1_fa_above_1.vcf", "variants", "column 'FORMAT/FA': record 17:7579312: FORMAT/FA "
     "1.2 is outside [0, 1]")


def maf_edit(text, changes, barcode="TUMOR", gene="TP53"):
    lines = text.splitlines()
    head = lines[1].split("\t")
    for i, line in enumerate(lines[2:], start=2):
        f = line.split("\t")
        if f[0] == gene and f[head.index("Tumor_Sample_Barcode")] == barcode:
            for col, value in changes.items():
                f[head.index(col)] = value
            lines[i] = "\t".join(f)
            return "\n".join(lines) + "\n", i + 1
    raise KeyError(gene)


text, line = maf_edit(MAF, {"t_alt_count": "50", "t_ref_count": "", "t_depth": "42"})
w("maf_alt_count_exceeds_depth.maf", text)
case("maf_alt_count_exceeds_depth.maf", "variants", f"line {line}: column 't_alt_count': "
     "t_alt_count 50 exceeds t_depth 42", sample="TUMOR")
laml = gzip.open(SRC / "tcga_laml.maf.gz", "rt").read().splitlines()
two = [laml[0]] + [x for x in laml[1:] if "\tTCGA-AB-2829\t" in x]
w("maf_two_tp53_variants.maf", "\n".join(two) + "\n")
case("maf_two_tp53_variants.maf", "variants", "ACCEPT", sample="TCGA-AB-2829",
     result="TP53=altered:splice:vaf=0.3444")
vcol = two[0].split("\t").index("i_TumorVAF_WU")
bad = [two[0]] + ["\t".join(f if i != vcol else "150" for i, f in enumerate(x.split("\t")))
                  if x.startswith("TP53\t") else x for x in two[1:]]
w("maf_vaf_percent_above_100.maf", "\n".join(bad) + "\n")
case("maf_vaf_percent_above_100.maf", "variants", "column 'i_TumorVAF_WU': '150' is above 100",
     sample="TCGA-AB-2829")

# --- unannotated VCFs: coding exons and splice sites only; germline; read support --------------
def record(chrom, pos, ref, alt, tumour, normal):
    return f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT:AD:DP\t{tumour}\t{normal}"


def vcf_with(*records):
    return HDR + COLS + "\n".join(records) + "\n"


for name, pos, result in (
        ("vcf_unannotated_coding_exon.vcf", 7579312, "TP53=altered:unannotated"),
        ("vcf_unannotated_splice_site.vcf", 7579311, "TP53=altered:unannotated"),
        ("vcf_unannotated_intron.vcf", 7579000, "TP53=wildtype"),
        ("vcf_unannotated_utr.vcf", 7572000, "TP53=wildtype")):
    w(name, vcf_with(record("17", pos, "C", "A", "0/1:20,22:42", "0/0:30,0:30")))
    case(name, "variants", "ACCEPT", result=result)
# P72R (17:7579472 G>C): in the normal at 0.5 -> germline, not an alteration of TP53
w("vcf_germline_in_normal.vcf", vcf_with(record("17", 7579472, "G", "C", "0/1:20,22:42",
                                                "0/1:20,20:40")))
case("vcf_germline_in_normal.vcf", "variants", "ACCEPT", result="TP53=wildtype")
w("vcf_one_normal_read_somatic.vcf", vcf_with(record("17", 7579472, "G", "C", "0/1:20,22:42",
                                                     "0/0:39,1:40")))
case("vcf_one_normal_read_somatic.vcf", "variants", "ACCEPT", result="TP53=altered:unannotated")
# ATM from 5 reads at VAF 0.45%: below the tissue read-support defaults
w("vcf_low_read_support.vcf", vcf_with(record("11", 108098400, "A", "G", "0/1:1105,5:1110",
                                              "0/0:500,0:500")))
case("vcf_low_read_support.vcf", "variants", "ACCEPT", result="ATM=wildtype")
case("vcf_low_read_support.vcf", "variants", "ACCEPT", result="ATM=altered:unannotated",
     config={"min_vaf": 0, "min_alt_reads": 0, "min_depth": 0})

# --- a named pipe instead of a file ----------------------------------------------------------
case("vcf_named_pipe.vcf", "variants", "is a named pipe (FIFO); give the path of a regular file",
     setup="fifo=vcf_named_pipe.vcf")

# --- sheets -----------------------------------------------------------------------------------
H = "patient_id\tvariant_file\tbest_response\tbest_pct_change\tpfs_months\tpfs_event\tos_months\t" \
    "os_event\tpurity"


def sheet(name, rows, expect, kind="samples", header=H, setup=""):
    w(name, header + "\n" + "".join(r + "\n" for r in rows))
    case(name, kind, expect, setup=setup)


sheet("samples_pct_change_below_minus_100.tsv", ["P01\t\tPR\t-120\t6\t1\t12\t0\t0.8"],
      "line 2: column 'best_pct_change': patient sheet: best_pct_change '-120' is below -100")
sheet("samples_pct_change_minus_100_5.tsv", ["P01\t\tCR\t-100.5\t6\t1\t12\t0\t0.8"],
      "patient P01: file {path}: line 2: column 'best_pct_change': patient sheet: "
      "best_pct_change '-100.5' is below -100")
sheet("samples_os_shorter_than_pfs.tsv", ["P01\t\tPR\t-40\t8\t1\t5\t1\t0.8"],
      "patient P01: file {path}: line 2: column 'os_months': patient sheet: os_months '5' is "
      "shorter than pfs_months '8'")
sheet("samples_os_zero_pfs_positive.tsv", ["P00\t\tPR\t-40\t8\t1\t12\t1\t0.8",
                                           "P01\t\tSD\t-4\t1.5\t1\t0\t1\t0.8"],
      "line 3: column 'os_months': patient sheet: os_months '0' is shorter than pfs_months '1.5'")
sheet("samples_purity_nan.tsv", ["P01\t\tPR\t-40\t6\t1\t12\t0\tNaN"],
      "line 2: column 'purity': patient sheet: 'NaN' is not a number (a failed computation?); "
      "leave the cell empty when the value is unknown")
sheet("samples_purity_nan_lowercase.tsv", ["P01\t\tPR\t-40\t6\t1\t12\t0\tnan"],
      "column 'purity': patient sheet: 'nan' is not a number")
sheet("samples_pfs_nan.tsv", ["P01\t\tPR\t-40\tNaN\t1\t12\t0\t0.8"],
      "column 'pfs_months': patient sheet: 'NaN' is not a number")
long_id = "P" + "0123456789" * 25
sheet("samples_id_250_characters.tsv", [f"{long_id[:250]}\t\tPR\t-40\t6\t1\t12\t0\t0.8"],
      "line 2: column 'patient_id': patient sheet: 'P0123456789012345678'... is 250 characters "
      "long; a patient id has at most 100 (it becomes part of file names)")
sheet("samples_id_101_characters.tsv", [f"{long_id[:101]}\t\tPR\t-40\t6\t1\t12\t0\t0.8"],
      "is 101 characters long; a patient id has at most 100")
sheet("samples_header_only.tsv", [], "line 1: patient sheet has a header line but no patients")
w("samples_header_and_blank_lines.tsv", H + "\n\n\t\t\n\n")
case("samples_header_and_blank_lines.tsv", "samples",
     "line 1: patient sheet has a header line but no patients")
quoted_h = "\t".join(f'"{h}"' for h in H.split("\t"))
quoted_r = "\t".join(f'"{v}"' for v in "P01\t\tPR\t-40\t6\t1\t12\t0\t0.8".split("\t"))
sheet("ok_samples_every_field_quoted.tsv", [quoted_r], "ACCEPT", header=quoted_h)
w("ok_samples_every_field_quoted_crlf.tsv", (quoted_h + "\r\n" + quoted_r + "\r\n"))
case("ok_samples_every_field_quoted_crlf.tsv", "samples", "ACCEPT")
sheet("ok_samples_quoted_header_only.tsv", ["P01\t\tPR\t-40\t6\t1\t12\t0\t0.8"], "ACCEPT",
      header=quoted_h)
sheet("samples_comma_separated.tsv", ["P01,,PR,-40,6,1,12,0,0.8"],
      "line 1: patient sheet is not tab-separated: its header line has no tab but 8 commas",
      header=H.replace("\t", ","))
sheet("samples_semicolon_separated.tsv", ["P01;;PR;-40;6;1;12;0;0,8"],
      "patient sheet is not tab-separated: its header line has no tab but 8 semicolons",
      header=H.replace("\t", ";"))
sheet("samples_comma_separated_quoted.tsv", ['"P01","","PR","-40","6","1","12","0","0.8"'],
      "patient sheet is not tab-separated: its header line has no tab but 8 commas",
      header=",".join(f'"{h}"' for h in H.split("\t")))
w("tumour_normal.vcf", VCF)
w("cohort.maf", MAF)
sheet("samples_same_vcf_two_patients.tsv", ["P01\ttumour_normal.vcf\tPR\t-40\t6\t1\t12\t0\t0.8",
                                            "P02\ttumour_normal.vcf\tSD\t-5\t4\t1\t9\t1\t0.7"],
      "patient P02: file {path}: line 3: column 'variant_file': patient sheet: variant_file "
      "'tumour_normal.vcf' with no tumor_sample (the same column) is also the variant file of "
      "patient P01 (line 2)")
H2 = H + "\ttumor_sample"
sheet("samples_same_vcf_same_tumor_sample.tsv",
      ["P01\ttumour_normal.vcf\tPR\t-40\t6\t1\t12\t0\t0.8\tTUMOR",
       "P02\ttumour_normal.vcf\tSD\t-5\t4\t1\t9\t1\t0.7\tTUMOR"],
      "variant_file 'tumour_normal.vcf' with tumour sample 'TUMOR' is also the variant file of "
      "patient P01 (line 2)", header=H2)
sheet("samples_same_vcf_other_spelling.tsv",
      ["P01\ttumour_normal.vcf\tPR\t-40\t6\t1\t12\t0\t0.8",
       "P02\t./tumour_normal.vcf\tSD\t-5\t4\t1\t9\t1\t0.7"],
      "variant_file './tumour_normal.vcf' with no tumor_sample (the same column) is also the "
      "variant file of patient P01 (line 2)")
sheet("ok_samples_same_vcf_distinct_samples.tsv",
      ["P01\ttumour_normal.vcf\tPR\t-40\t6\t1\t12\t0\t0.8\tTUMOR",
       "P02\ttumour_normal.vcf\tSD\t-5\t4\t1\t9\t1\t0.7\tNORMAL"], "ACCEPT", header=H2)
sheet("samples_same_maf_same_barcode.tsv",
      ["P01\tcohort.maf\tPR\t-40\t6\t1\t12\t0\t0.8\tTUMOR",
       "P02\tcohort.maf\tSD\t-5\t4\t1\t9\t1\t0.7\tTUMOR"],
      "variant_file 'cohort.maf' with Tumor_Sample_Barcode 'TUMOR' is also the variant file of "
      "patient P01 (line 2)", header=H2)
sheet("ok_samples_cohort_maf_by_patient_id.tsv",
      ["P01\tcohort.maf\tPR\t-40\t6\t1\t12\t0\t0.8", "P02\tcohort.maf\tSD\t-5\t4\t1\t9\t1\t0.7"],
      "ACCEPT")
sheet("samples_variant_file_named_pipe.tsv", ["P01\tpipe.vcf\tPR\t-40\t6\t1\t12\t0\t0.8"],
      "column 'variant_file': patient sheet: file 'pipe.vcf' is a named pipe (FIFO), not a "
      "regular file", setup="fifo=pipe.vcf")

# --- plasma sheets: read by the loader a run uses, plasma files included ---------------------
PH = "patient_id\ttimepoint\tday\tvariant_file"
sheet("plasma_header_only.tsv", [], "line 1: plasma sheet has a header line but no samples",
      kind="plasma", header=PH)
sheet("plasma_progression_before_baseline.tsv",
      ["P01\tbaseline\t0\ttumour_normal.vcf", "P01\tprogression\t-5\ttumour_normal.vcf"],
      "patient P01: file {path}: line 3: column 'day': plasma sheet: timepoint 'progression' is "
      "on day -5, not after 'baseline' on day 0 (line 2)", kind="plasma", header=PH)
sheet("plasma_progression_same_day.tsv",
      ["P01\tbaseline\t0\ttumour_normal.vcf", "P01\tprogression\t0\ttumour_normal.vcf"],
      "timepoint 'progression' is on day 0, not after 'baseline' on day 0", kind="plasma",
      header=PH)
sheet("plasma_progression_labels_in_capitals.tsv",
      ["P01\tPROGRESSION\t14\ttumour_normal.vcf", "P01\tBaseline\t28\ttumour_normal.vcf"],
      "line 2: column 'day': plasma sheet: timepoint 'PROGRESSION' is on day 14, not after "
      "'Baseline' on day 28 (line 3)", kind="plasma", header=PH)
sheet("plasma_day_nan.tsv", ["P01\tbaseline\tNaN\ttumour_normal.vcf"],
      "column 'day': plasma sheet: 'NaN' is not a number", kind="plasma", header=PH)
sheet("plasma_comma_separated.tsv", ["P01,baseline,0,tumour_normal.vcf"],
      "plasma sheet is not tab-separated: its header line has no tab but 3 commas",
      kind="plasma", header=PH.replace("\t", ","))
gz = gzip.compress(VCF.encode(), mtime=0)
w("plasma_C2D1_truncated.vcf.gz", gz[: len(gz) // 2], binary=True)
sheet("plasma_unreadable_vcf.tsv",
      ["P01\tbaseline\t0\ttumour_normal.vcf", "P01\tC2D1\t28\tplasma_C2D1_truncated.vcf.gz",
       "P01\tprogression\t90\ttumour_normal.vcf"],
      "plasma sample 'C2D1' (plasma sheet {path}, line 3): not a readable VCF/BCF",
      kind="plasma", header=PH)
w("plasma_not_a_vcf.vcf", "this is not a VCF\n")
sheet("plasma_not_a_vcf.tsv", ["P01\tbaseline\t0\ttumour_normal.vcf",
                               "P01\tprogression\t60\tplasma_not_a_vcf.vcf"],
      "plasma sample 'progression' (plasma sheet {path}, line 3): not a readable VCF/BCF",
      kind="plasma", header=PH)
sheet("plasma_variant_file_named_pipe.tsv", ["P01\tbaseline\t0\tpipe.vcf"],
      "column 'variant_file': plasma sheet: file 'pipe.vcf' is a named pipe (FIFO)",
      kind="plasma", header=PH, setup="fifo=pipe.vcf")

# --- config files ----------------------------------------------------------------------------
for name, text, expect in (
        ("config_not_yaml.yaml", "samples: [config/samples.tsv\ngenome: GRCh38\n",
         "line 2: config file is not valid YAML"),
        ("config_tab_indented.yaml", "samples: s.tsv\nvariants:\n\tmin_vaf: 0.05\n",
         "line 3: indented with a tab; YAML allows only spaces for indentation"),
        ("config_tab_after_spaces.yaml", "samples: s.tsv\nvariants:\n  \tmin_vaf: 0.05\n",
         "line 3: indented with a tab"),
        ("config_empty.yaml", "", "config file is empty"),
        ("config_only_comments.yaml", "# samples: s.tsv\n# genome: GRCh38\n",
         "config file is empty"),
        ("config_top_level_list.yaml", "- samples: s.tsv\n- genome: GRCh38\n",
         "line 1: config file must hold `key: value` settings at the top level, not a list"),
        ("config_plain_text.yaml", "run the example please\n",
         "line 1: config file must hold `key: value` settings at the top level, not plain text"),
        ("config_key_twice.yaml", "samples: s.tsv\ngenome: GRCh38\nvariants:\n  min_vaf: 0.05\n"
                                  "genome: GRCh37\n",
         "line 5: config key 'genome' is given twice (first on line 2)"),
        ("config_nested_key_twice.yaml", "samples: s.tsv\nvariants:\n  min_vaf: 0.05\n"
                                         "  min_vaf: 0.1\n",
         "line 4: config key 'min_vaf' is given twice (first on line 3)"),
        ("config_bad_indentation.yaml", "samples: s.tsv\n  genome: GRCh38\n",
         "line 2: config file is not valid YAML: mapping values are not allowed here"),
        ("ok_config_unquoted_date.yaml", "samples: s.tsv\nfigures:\n  report_date: 2026-03-01\n",
         "ACCEPT")):
    w(name, text)
    case(name, "config", expect)

for tmp in HERE.glob("_tmp*"):
    tmp.unlink()
with open(HERE / "cases.tsv", "w") as fh:
    fh.write("file\tkind\tsample\tbuild\texpect\tresult\tsetup\tconfig\n")
    for c in CASES:
        fh.write("\t".join(c) + "\n")
print(len(CASES), "cases")
