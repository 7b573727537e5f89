"""VCF/BCF reader (cyvcf2): tumour column, VAF/depth, VEP CSQ / SnpEff ANN / position."""

from __future__ import annotations

import os
import re
import warnings
from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from ..genome import canonical_chrom, chrom_lengths
from .consequences import most_severe, short_protein, so_class, term_rank
from .core import normalise, passes_filter
from .exons import coding_regions
from .index import companion_files, index_problem

_TUMOR_RE = re.compile(r"tumou?r|(^|[_.-])T\d*$", re.IGNORECASE)


def open_vcf(path: str, patient: str | None):
    """Open with cyvcf2; InputError for a missing, empty or unparseable file."""
    from cyvcf2 import VCF

    if not os.path.exists(path):
        raise InputError("file does not exist", patient=patient, path=path)
    if os.path.getsize(path) == 0:
        raise InputError("file is empty", patient=patient, path=path)
    try:
        return VCF(path, gts012=True, lazy=True)
    except (OSError, Exception) as e:  # cyvcf2 raises bare Exception/OSError
        raise InputError(f"not a readable VCF/BCF ({e})", patient=patient, path=path) from None


_DNA = re.compile(r"^[ACGTNacgtn]+$")


def count_header_lines(path: str) -> int | None:
    """Lines before the first record of a text VCF (plain or gzipped); None for BCF."""
    import gzip

    with open(path, "rb") as fh:
        magic = fh.read(2)
    try:
        fh = gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")
        with fh:
            n = 0
            for line in fh:
                if n == 0 and line.startswith(b"BCF"):
                    return None
                if not line.startswith(b"#"):
                    break
                n += 1
            return n
    except (OSError, EOFError):
        return None


def header_meta(vcf) -> dict[str, str]:
    """Simple ``##key=value`` header lines."""
    meta = {}
    for line in vcf.raw_header.splitlines():
        if line.startswith("##") and "=" in line and not line.startswith("##", 2):
            key, _, value = line[2:].partition("=")
            if not value.startswith("<"):
                meta.setdefault(key, value.strip())
    return meta


def pick_sample(vcf, sample: str | None, path: str, patient: str | None) -> int | None:
    """Index of the tumour column: ``sample``, else ##tumor_sample, else the only or TUMOR-like."""
    samples = list(vcf.samples)
    if sample:
        if sample not in samples:
            raise InputError(f"sample {sample!r} is not a column of the VCF (columns: "
                             f"{', '.join(samples) or 'none'})", patient=patient, path=path,
                             field="tumor_sample")
        return samples.index(sample)
    if not samples:
        return None
    named = header_meta(vcf).get("tumor_sample")
    if named:
        if named not in samples:
            raise InputError(f"header ##tumor_sample={named} names no sample column (columns: "
                             f"{', '.join(samples)})", patient=patient, path=path)
        return samples.index(named)
    if len(samples) == 1:
        return 0
    like = [i for i, s in enumerate(samples) if _TUMOR_RE.search(s)]
    if len(like) == 1:
        return like[0]
    raise InputError(f"cannot tell which sample column is the tumour ({', '.join(samples)}); "
                     "set tumor_sample in the sheet", patient=patient, path=path,
                     field="tumor_sample")


def pick_normal(vcf, tumour: int | None) -> int | None:
    """Index of the matched normal column: ``##normal_sample``, else the other column of a
    two-sample (tumour/normal) VCF; None when there is no normal or it cannot be told."""
    samples = list(vcf.samples)
    if tumour is None or len(samples) < 2:
        return None
    named = header_meta(vcf).get("normal_sample")
    if named in samples and samples.index(named) != tumour:
        return samples.index(named)
    if len(samples) == 2:
        return 1 - tumour
    return None


def check_contigs(vcf, build: str, path: str, patient: str | None) -> None:
    """Header contig lengths must match the build (``chr`` prefix differences accepted)."""
    expected = chrom_lengths(build)
    for line in vcf.raw_header.splitlines():
        if not line.startswith("##contig=<"):
            continue
        m_id = re.search(r"[<,]ID=([^,>]+)", line)
        m_len = re.search(r"[<,]length=(\d+)", line)
        if not (m_id and m_len):
            continue
        chrom = canonical_chrom(m_id.group(1))
        if chrom == "MT" or chrom not in expected:
            continue
        if int(m_len.group(1)) != expected[chrom]:
            raise InputError(f"contig {m_id.group(1)} has length {m_len.group(1)} in the header "
                             f"but {expected[chrom]} in {build}; is the file from another "
                             "genome build? (set genome, or variants.check_contigs: false)",
                             patient=patient, path=path)


def _ann_fields(vcf, key: str) -> list[str] | None:
    try:
        desc = vcf.get_header_type(key).get("Description", "")
    except KeyError:
        return None
    if key == "CSQ":
        m = re.search(r"Format:\s*([^\"]+)", desc)
    else:
        m = re.search(r"'([^']+)'", desc) or re.search(r"Functional annotations:\s*([^\"]+)", desc)
    if not m:
        return []
    return [f.strip().strip("'\" ") for f in m.group(1).split("|")]


class _Annotation:
    """Parses CSQ (VEP) or ANN (SnpEff) entries of a record, field order from the header."""

    def __init__(self, vcf, path, patient, which="auto"):
        self.key = None
        order = {"auto": ("CSQ", "ANN"), "none": ()}.get(which, (which,))
        for key in order:
            fields = _ann_fields(vcf, key)
            if fields is None:
                continue
            if not fields:
                raise InputError(f"INFO/{key} header has no field list ('Format: ...'), so its "
                                 "entries cannot be read", patient=patient, path=path,
                                 field=f"INFO/{key}")
            self.key, self.fields = key, fields
            break
        if self.key is None:
            return
        f = {name.lower(): i for i, name in enumerate(self.fields)}
        if self.key == "CSQ":
            need = {"consequence": "consequence", "symbol": "symbol"}
            self.i_prot = f.get("hgvsp")
            self.i_canon = f.get("canonical")
            self.i_allele_num = f.get("allele_num")
            self.i_exon, self.i_intron, self.i_rank = f.get("exon"), f.get("intron"), None
        else:
            need = {"allele": "allele", "consequence": "annotation", "symbol": "gene_name"}
            self.i_prot = f.get("hgvs.p")
            self.i_canon = self.i_allele_num = None
            self.i_exon = self.i_intron = None
            self.i_rank = f.get("rank")  # SnpEff: exon or intron rank / total
        missing = [v for v in need.values() if v not in f]
        if missing:
            raise InputError(f"INFO/{self.key} field list lacks {', '.join(missing)}",
                             patient=patient, path=path, field=f"INFO/{self.key}")
        self.i_allele = f.get("allele")
        self.i_cons, self.i_sym = f[need["consequence"]], f[need["symbol"]]

    def entries(self, record, where) -> list[list[str]]:
        raw = record.INFO.get(self.key)
        if raw is None:
            return []
        out = []
        for entry in str(raw).split(","):
            parts = entry.split("|")
            if len(parts) != len(self.fields):
                raise InputError(f"INFO/{self.key} entry has {len(parts)} fields, the header "
                                 f"declares {len(self.fields)}", **where, field=f"INFO/{self.key}")
            out.append(parts)
        return out


def _vep_alleles(ref: str, alts: list[str]) -> list[str]:
    """VEP's allele strings: the shared first base of indels is removed ('-' when empty)."""
    if all(len(a) == len(ref) == 1 for a in alts) or not all(a[:1] == ref[:1] for a in alts):
        return list(alts)
    return [a[1:] or "-" for a in alts]


def _num(value):
    try:
        if value is None:
            return np.nan
        v = float(value)
        return np.nan if v <= -2147483640 else v  # htslib int32 missing / vector-end

    except (TypeError, ValueError):
        return np.nan


class _Counts:
    """Per-record tumour VAF, depth and alt reads from FORMAT fields."""

    def __init__(self, vcf, sample_index):
        self.s = sample_index
        fmt = {h["ID"]: h for h in vcf.header_iter() if h.type == "FORMAT"}
        self.fmt = fmt
        self.af = next((k for k in ("AF", "FA") if k in fmt), None)
        self.ad = next((k for k in ("AD", "ADT") if k in fmt), None)
        self.dp = next((k for k in ("DP", "DPT") if k in fmt), None)
        self.strelka = all(k in fmt for k in ("AU", "CU", "GU", "TU"))
        # VarScan2: AD (Number=1) holds the ALT reads only and RD the REF reads
        self.varscan = self.ad == "AD" and "RD" in fmt and fmt["AD"].info().get("Number") == "1"
        self.strelka_indel = all(k in fmt for k in ("TIR", "TAR"))

    def _get(self, record, key, where, cast=float):
        try:
            arr = record.format(key)
        except KeyError:
            return None
        if arr is None:
            return None
        row = arr[self.s]
        if row.dtype.kind in "SU":  # declared String (e.g. PCGR ADT)
            text = row if row.ndim == 0 else row[0]
            text = text.decode() if isinstance(text, bytes) else str(text)
            if text in ("", "."):
                return None
            try:
                return [cast(x) if x not in (".", "") else np.nan for x in text.split(",")]
            except ValueError:
                raise InputError(f"FORMAT/{key} value {text!r} is not a list of numbers",
                                 **where, field=f"FORMAT/{key}") from None
        return [_num(x) for x in np.atleast_1d(row)]

    def get(self, record, alt_index: int, where, sample: int | None = None
            ) -> tuple[float, float, float]:
        """(VAF, depth, ALT reads) of ``sample`` (default: the tumour) for one ALT allele.

        A VAF outside [0, 1] - FORMAT/AF 1.5 or -0.2, or more ALT reads than the depth - is an
        error naming the field: it cannot be a fraction of reads, so the file is broken.
        """
        if sample is None:
            sample = self.s
        if sample is None:
            return np.nan, np.nan, np.nan
        saved, self.s = self.s, sample
        try:
            vaf, depth, alt = self._get_counts(record, alt_index, where)
        finally:
            self.s = saved
        return vaf, depth, alt

    def _get_counts(self, record, alt_index: int, where) -> tuple[float, float, float]:
        vaf = depth = alt = np.nan
        if self.dp:
            d = self._get(record, self.dp, where)
            depth = d[0] if d else np.nan
        if self.varscan:
            ad, rd = self._get(record, "AD", where), self._get(record, "RD", where)
            if ad and rd and not np.isnan(ad[0]) and not np.isnan(rd[0]):
                alt, total = ad[0], ad[0] + rd[0]
                vaf_ad = alt / total if total > 0 else np.nan
                if np.isnan(depth):
                    depth = total
            else:
                vaf_ad = np.nan
        elif self.ad:
            ad = self._get(record, self.ad, where)
            if ad and len(ad) > alt_index + 1 and not np.isnan(ad[alt_index + 1]):
                alt = ad[alt_index + 1]
                # every allele's count known: alt/sum(AD); a missing one: alt/DP
                total = sum(ad) if not np.isnan(ad).any() else depth
                vaf_ad = alt / total if total > 0 else np.nan
                if np.isnan(depth):
                    depth = total
            else:
                vaf_ad = np.nan
        else:
            vaf_ad = np.nan
        if self.af:
            af = self._get(record, self.af, where)
            if af and len(af) > alt_index:
                vaf = af[alt_index]
                _check_fraction(vaf, f"FORMAT/{self.af}", record, where)
        if not np.isnan(vaf_ad) and vaf_ad > 1:
            key = "AD" if self.varscan else self.ad
            raise InputError(f"record {record.CHROM}:{record.POS}: {_fmt(alt)} ALT reads in "
                             f"FORMAT/{key} exceed the depth {_fmt(depth)} (VAF "
                             f"{vaf_ad:.3g} is outside [0, 1])", **where, field=f"FORMAT/{key}")
        if np.isnan(vaf):
            vaf = vaf_ad
        if np.isnan(vaf):  # Strelka tier counts (TIR/TAR are often undeclared in headers)
            vaf, alt, depth_t = self._strelka(record, alt_index, where)
            if np.isnan(depth):
                depth = depth_t
        return vaf, depth, alt

    def _strelka(self, record, alt_index, where):
        ref, alt = record.REF, record.ALT[alt_index]
        if self.strelka and len(ref) == 1 and len(alt) == 1:
            tier1 = {}
            for base in "ACGT":
                v = self._get(record, base + "U", where)
                tier1[base] = v[0] if v else np.nan
            total = np.nansum(list(tier1.values()))
            a = tier1.get(alt.upper(), np.nan)
            return (a / total if total > 0 else np.nan), a, total
        if len(ref) != len(alt):
            tir, tar = self._get(record, "TIR", where), self._get(record, "TAR", where)
            if tir and tar:
                total = tir[0] + tar[0]
                return (tir[0] / total if total > 0 else np.nan), tir[0], total
        return np.nan, np.nan, np.nan


def _fmt(x) -> str:
    return str(int(x)) if not np.isnan(x) and float(x).is_integer() else f"{x:g}"


def _check_fraction(value: float, field: str, record, where: dict) -> None:
    if not np.isnan(value) and not 0 <= value <= 1:
        raise InputError(f"record {record.CHROM}:{record.POS}: {field} {value:g} is outside "
                         "[0, 1] (a variant allele fraction)", **where, field=field)


class PanelIndex:
    """Panel gene bodies by chromosome for fast position lookup (0-based half-open)."""

    def __init__(self, panel: pd.DataFrame):
        self.by_chrom: dict[str, list] = {}
        for row in panel.sort_values(["chrom", "start"]).itertuples():
            self.by_chrom.setdefault(str(row.chrom), []).append((int(row.start), int(row.end),
                                                                  row.gene))
        self.starts = {c: [s for s, _, _ in v] for c, v in self.by_chrom.items()}
        self.genes = set(panel["gene"])

    def genes_at(self, chrom: str, pos1: int, length: int = 1) -> list[str]:
        """Panel genes overlapping [pos1-1, pos1-1+length)."""
        items = self.by_chrom.get(chrom)
        if not items:
            return []
        start, end = pos1 - 1, pos1 - 1 + max(length, 1)
        i = bisect_right(self.starts[chrom], end)
        return [g for s, e, g in items[:i] if s < end and e > start]


class VariantWarning(UserWarning):
    """Something about a variant file that does not stop the run but must reach the log and
    the report (e.g. an untrustworthy index: the file was read in full instead)."""


@dataclass
class Reading:
    """What reading one variant file gave: the rows, how the file was read and what was said.

    ``genes_read`` are the panel genes whose region of the file was actually read (every
    panel gene when the whole file was read); ``mode`` is ``index`` (panel-region queries
    through a trusted index), ``full`` or ``maf``; ``notes`` are warnings for the log and the
    report; ``index`` is the index file that was used (None when none was).
    """
    rows: list
    genes_read: set
    mode: str
    notes: list = field(default_factory=list)
    index: str | None = None


class _QueryFailed(Exception):
    pass


def _regions(vcf, panel: pd.DataFrame) -> list[tuple[str, int, int, str, str]]:
    """(name in the file, 1-based start, end, canonical chrom, gene) of each panel gene whose
    contig the file (its index) knows."""
    names = set(vcf.seqnames or [])
    out = []
    for row in panel.itertuples():
        chrom = str(row.chrom)
        candidates = [chrom, "chr" + chrom] + (["chrM", "M"] if chrom == "MT" else [])
        name = next((c for c in candidates if c in names), None)
        if name is not None:
            out.append((name, int(row.start) + 1, int(row.end), chrom, row.gene))
    return out


_PANEL_INDEX: dict = {}


def panel_index(panel: pd.DataFrame) -> PanelIndex:
    """The PanelIndex of a panel table, built once per panel (ingest reads many tumours
    against one panel)."""
    key = (id(panel), len(panel))
    cached = _PANEL_INDEX.get(key)
    if cached is None or cached[0] is not panel:
        _PANEL_INDEX.clear()
        cached = _PANEL_INDEX[key] = (panel, PanelIndex(panel))
    return cached[1]


BYTES_PER_REGION = 300  # below this much (compressed) file per panel gene, read sequentially


def indexed_query(path: str, panel, cfg: dict) -> bool:
    return panel is not None and bool(cfg["use_index"]) and bool(companion_files(path))


def worth_querying(path: str, panel) -> bool:
    """Query the panel genes' regions through a (trusted) index only when it pays: a region
    query costs about as much as reading ~300 compressed bytes in sequence, so a small file (a
    panel VCF) with a large panel (hundreds of genes) is read in one pass instead (every panel
    gene is then read: none is left not profiled)."""
    return os.path.getsize(path) > BYTES_PER_REGION * len(panel)


def read_vcf(path: str, sample: str | None, panel: pd.DataFrame | None, build: str,
             cfg: dict, patient: str | None) -> Reading:
    """Variant rows (VARIANT_COLUMNS dicts) of the tumour sample, filtered by FILTER.

    With a panel and a ``.csi``/``.tbi`` index, only the panel genes' regions are queried -
    if the index can be trusted (``index.index_problem``) and every query returns records of
    the region asked for, and the file is large enough for queries to pay
    (``worth_querying``; a small trusted file is read in one pass). With an untrusted index
    the whole file is read and a note says why (``variants.untrusted_index: error`` stops
    instead). A failed indexed query is never read as "no variants".
    """
    vcf = open_vcf(path, patient)
    s = pick_sample(vcf, sample, path, patient)
    if cfg["check_contigs"]:
        check_contigs(vcf, build, path, patient)
    ctx = _Context(vcf, path, patient, s, panel, build, cfg)
    notes: list[str] = []
    if indexed_query(path, panel, cfg):
        index = companion_files(path)[0]
        problem = index_problem(path, index)
        if problem is None and not worth_querying(path, panel):
            rows = ctx.scan_all(vcf, count_header_lines(path))
            return Reading(rows, set(panel["gene"]), "full", notes, None)
        if problem is None:
            try:
                rows = ctx.scan_regions(vcf, _regions(vcf, panel))
                return Reading(rows, set(panel["gene"]), "index", notes, index)
            except _QueryFailed as e:
                problem = f"a region query through its index {os.path.basename(index)} failed ({e})"
        if cfg["untrusted_index"] == "error":
            raise InputError(f"{problem}; re-index the file (tabix -f -p vcf) or delete the "
                             "index (or set variants.untrusted_index: read_whole_file)",
                             patient=patient, path=path)
        notes.append(f"{_who(patient)}file {path}: {problem}; read the whole file instead of "
                     "the panel regions")
        vcf = open_vcf(path, patient)
    rows = ctx.scan_all(vcf, count_header_lines(path))
    genes = set(panel["gene"]) if panel is not None else set()
    return Reading(rows, genes, "full", notes, None)


def _who(patient) -> str:
    return f"patient {patient}: " if patient else ""


class _Context:
    """Everything the record loop needs, set up once per file."""

    def __init__(self, vcf, path, patient, s, panel, build, cfg):
        self.path, self.patient = path, patient
        self.where_file = {"patient": patient, "path": path}
        self.ann = _Annotation(vcf, path, patient, cfg["annotation"])
        self.counts = _Counts(vcf, s)
        self.normal = pick_normal(vcf, s)
        self.pindex = panel_index(panel) if panel is not None else None
        self.non_alt = set(cfg.get("non_alterations") or [])
        self.accepted = list(cfg.get("filter") or [])
        self.germline = (cfg["germline_normal_min_alt_reads"], cfg["germline_normal_min_vaf"])
        self.build = build
        self.canon: dict[str, str] = {}
        self.panel_chroms = set(self.pindex.by_chrom) if self.pindex is not None else None

    def chrom(self, raw: str) -> str:
        chrom = self.canon.get(raw)
        if chrom is None:
            chrom = self.canon[raw] = canonical_chrom(raw)
        return chrom

    def scan_regions(self, vcf, regions) -> list[dict]:
        """Rows of every region query; _QueryFailed when htslib fails or returns records that
        are not in the region asked for (an index that does not describe this file)."""
        rows: list[dict] = []
        with warnings.catch_warnings():  # cyvcf2 warns "no intervals found" for an empty region
            warnings.simplefilter("ignore", UserWarning)
            for name, start, end, _chrom, _gene in regions:
                n, last = 0, None
                try:
                    for record in vcf(f"{name}:{start}-{end}"):
                        n += 1
                        last = record
                        # last base: INFO/END of a structural record, else REF's (htslib
                        # returns a record when [POS, END] overlaps the region)
                        last_base = max(record.end, record.POS + max(len(record.REF), 1) - 1)
                        if record.CHROM != name or record.POS > end or last_base < start:
                            raise _QueryFailed(f"the query {name}:{start}-{end} returned a record "
                                               f"at {record.CHROM}:{record.POS}")
                        rows.extend(self.record(record, None, n, last))
                except InputError:
                    raise
                except _QueryFailed:
                    raise
                except Exception as e:  # htslib: failed seek, corrupt block, parse error
                    if type(e) is not Exception:
                        raise
                    raise _QueryFailed(f"{name}:{start}-{end}: {e}") from None
        return rows

    def scan_all(self, vcf, n_header: int | None) -> list[dict]:
        rows: list[dict] = []
        n, last = 0, None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            try:
                for record in vcf:
                    n += 1
                    last = record
                    rows.extend(self.record(record, n_header, n, None))
            except InputError:
                raise
            except Exception as e:  # cyvcf2: htslib parse error, truncated/corrupt compression
                if type(e) is not Exception:
                    raise
                after = f"{last.CHROM}:{last.POS}" if last is not None else None
                raise InputError(f"malformed or truncated record{_at(n_header, n + 1, after)}: "
                                 f"{e}; htslib says more on stderr", **self.where_file,
                                 **_line(n_header, n + 1)) from None
        return rows

    def record(self, record, n_header, n, _last) -> list[dict]:
        chrom = self.chrom(record.CHROM)
        if self.panel_chroms is not None:
            if chrom not in self.panel_chroms:
                return []
            hits = self.pindex.genes_at(chrom, record.POS, len(record.REF))
            if not hits:
                return []
        else:
            hits = []
        where = {**self.where_file, **_line(n_header, n)}
        if not _DNA.match(record.REF):
            raise InputError(f"REF {record.REF!r} is not a DNA sequence (too few "
                             f"columns or shifted fields?){_at(n_header, n, None)}",
                             **where, field="REF")
        if not passes_filter(record.FILTER, self.accepted):
            return []
        return _record_rows(record, chrom, hits, self, where)


def _line(n_header: int | None, n: int) -> dict:
    return {"line": n_header + n} if n_header is not None else {}


def _at(n_header: int | None, n: int, last: str | None) -> str:
    if n_header is not None:
        return ""
    return f" (record {n} of the query" + (f", after {last})" if last else ")")


def _record_rows(record, chrom, hits, ctx, where) -> list[dict]:
    alts = [a for a in record.ALT]
    if not alts:
        return []
    ann, pindex, counts = ctx.ann, ctx.pindex, ctx.counts
    entries = ann.entries(record, where) if ann.key else []
    vep = _vep_alleles(record.REF, alts) if ann.key == "CSQ" else alts
    filt = record.FILTER or "PASS"
    out = []
    for k, alt in enumerate(alts):
        if alt in ("*", ".", "<*>", "<NON_REF>") or alt.startswith("<"):
            continue
        mine = _entries_for(entries, ann, k, vep[k], alt, len(alts))
        gene, cons, prot, exon, intron = _pick(mine, ann, hits, pindex)
        if pindex is not None and gene not in pindex.genes:
            gene = hits[0] if hits else gene
        if not gene:
            gene = hits[0] if hits else ""
        if mine:
            mclass = so_class(cons, ctx.non_alt)
        else:  # no consequence annotation for this allele: judged by position only
            site, coding_gene = coding_regions(ctx.build).site(chrom, record.POS, record.REF)
            cons = site or "noncoding_by_position"
            mclass = "unannotated" if site else ""
            gene = gene or coding_gene
        vaf, depth, alt_count = counts.get(record, k, where)
        if len(alts) > 1 and alt_count == 0:
            continue  # an ALT of a multi-allelic record that the tumour does not carry
        origin = ""
        if ctx.normal is not None:
            n_vaf, _n_depth, n_alt = counts.get(record, k, where, sample=ctx.normal)
            min_alt, min_vaf = ctx.germline
            seen = not np.isnan(n_vaf) and n_vaf >= min_vaf and n_vaf > 0 and \
                (np.isnan(n_alt) or n_alt >= min_alt)
            origin = "germline" if seen else "somatic"
            if seen:
                mclass = ""  # present in the matched normal: not a somatic alteration
        pos, ref, a = normalise(record.POS, record.REF, alt)
        out.append({"chrom": chrom, "pos": pos, "ref": ref, "alt": a, "gene": gene,
                    "consequence": cons, "mutation_class": mclass, "protein_change": prot,
                    "vaf": vaf, "depth": depth, "alt_count": alt_count, "filter": filt,
                    "origin": origin, "exon": exon, "intron": intron})
    return out


def _entries_for(entries, ann, k, vep_allele, alt, n_alts):
    if not entries:
        return []
    if ann.key == "CSQ" and ann.i_allele_num is not None:
        mine = [e for e in entries if e[ann.i_allele_num] == str(k + 1)]
        if mine:
            return mine
    if ann.i_allele is None:  # old VEP without an Allele field: entries cover every ALT
        return entries
    mine = [e for e in entries if e[ann.i_allele] in (vep_allele, alt)]
    return mine if mine or n_alts > 1 else entries


def _pick(entries, ann, hits, pindex) -> tuple[str, str, str, str, str]:
    """(gene, most severe SO term, protein change, exon, intron) of the chosen transcript;
    exon and intron as the annotation writes them ('19/28'), '' when not annotated."""
    if not entries:
        return "", "", "", "", ""
    pool = entries
    if pindex is not None:
        in_panel = [e for e in entries if e[ann.i_sym] in pindex.genes]
        if in_panel:
            pool = in_panel
        else:  # annotated only against other genes: keep the consequence, gene by position
            term = most_severe([e[ann.i_cons] for e in entries])
            return (hits[0] if hits else ""), term, "", "", ""
    if ann.i_canon is not None:
        canon = [e for e in pool if e[ann.i_canon] in ("YES", "1", "True")]
        if canon:
            pool = canon
    best = min(pool, key=lambda e: term_rank(most_severe([e[ann.i_cons]])))
    prot = short_protein(best[ann.i_prot]) if ann.i_prot is not None else ""
    term = most_severe([best[ann.i_cons]])
    exon = best[ann.i_exon] if ann.i_exon is not None else ""
    intron = best[ann.i_intron] if ann.i_intron is not None else ""
    if ann.i_rank is not None and best[ann.i_rank]:
        if "intron" in best[ann.i_cons] or "splice" in best[ann.i_cons]:
            intron = best[ann.i_rank]
        else:
            exon = best[ann.i_rank]
    return best[ann.i_sym], term, prot, exon, intron
