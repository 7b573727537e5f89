"""Stage 4, sequential plasma ctDNA: VAF trajectories, emergent variants, molecular response.

Definitions (documented for users in config/README.md, section ``ctdna_analysis``):

- **Variant key**: (chrom, pos, ref, alt) normalised by trimming the bases shared by both alleles
  (suffix first, then prefix, as ``bcftools norm`` does without a reference), down to empty
  alleles; ``pos`` is then the first base of the trimmed ``ref``, or for an insertion the base
  after the insertion point. ``-`` alleles are MAF style (no anchor base; a MAF insertion's
  ``Start_Position`` is the base before the insertion). So ``TACG>T`` at 100 (VCF) and
  ``ACG>-`` at 101 (MAF) are the same deletion. Indels are not left-aligned (no reference).
- **Detected**: reported at the sample with VAF >= ``min_vaf`` (a reported variant without a VAF
  counts as detected, VAF unknown). A variant *not reported* at a sample: detected false, VAF 0
  (plasma assays report what they detect). Reported below ``min_vaf``: detected false, VAF as
  measured.
- **Baseline**: the sample labelled ``baseline_label`` (case-insensitive); otherwise the last
  sample on or before day 0 (nearest the start of treatment). No such sample -> no baseline:
  ``emergent`` unknown (empty) and molecular response not evaluable.
- **Emergent**: not detected at baseline nor any earlier sample, first detected at a later one.
- **Progression sample**: the sample labelled ``progression_label``; otherwise the patient's last
  sample after baseline.
- **Molecular response**: from baseline to the first sample after baseline on day > 0, over the
  variants detected at either of the two ("tracked"): change of the maximum and of the mean VAF.
  Responder when the chosen metric (``response_metric``) falls by at least ``response_drop``
  (fraction) or every tracked variant clears.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .config import section
from .errors import InputError
from .genome import canonical_chrom
from .schema import (
    CLINICAL_LINK_COLUMNS,
    EMERGENT_COLUMNS,
    MOLECULAR_RESPONSE_COLUMNS,
    PFS_BY_RESPONSE_COLUMNS,
    TRAJECTORY_COLUMNS,
    VARIANT_COLUMNS,
)
from .tsv import read_tsv

CACHE_FORMAT = 1


class CtdnaWarning(UserWarning):
    """Something in the plasma data worth telling the user that does not stop the run."""


def settings(config: dict | None) -> dict:
    """The ``ctdna_analysis`` section of a (whole) config, completed from the schema."""
    return section(config, "ctdna_analysis")


# --- variant keys ------------------------------------------------------------------------

def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def normalise_variant(chrom, pos, ref, alt) -> tuple[str, int, str, str]:
    """The matching key of a variant: canonical chrom, trimmed alleles (see module docstring)."""
    chrom = canonical_chrom(_text(chrom))
    pos = int(float(pos))
    ref, alt = _text(ref).upper(), _text(alt).upper()
    if ref in ("-", "."):
        ref = ""
        pos += 1  # MAF insertion: Start_Position is the base before the inserted bases
    if alt in ("-", "."):
        alt = ""
    while ref and alt and ref[-1] == alt[-1] and ref != alt:
        ref, alt = ref[:-1], alt[:-1]
    while ref and alt and ref[0] == alt[0] and ref != alt:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return chrom, pos, ref, alt


def variant_label(key: tuple[str, int, str, str]) -> str:
    """``17:7675088:C:T``; an empty allele is written ``-``."""
    chrom, pos, ref, alt = key
    return f"{chrom}:{pos}:{ref or '-'}:{alt or '-'}"


def _chrom_rank(chrom: str) -> tuple[int, str]:
    if chrom.isdigit():
        return int(chrom), ""
    return {"X": 23, "Y": 24, "MT": 25}.get(chrom, 26), chrom


def _key_order(key) -> tuple:
    chrom, pos, ref, alt = key
    return _chrom_rank(chrom), pos, ref, alt


def _keyed(variants: pd.DataFrame) -> pd.DataFrame:
    """Variants with a ``_key`` column (normalised tuple)."""
    variants = variants.copy()
    variants["_key"] = [normalise_variant(c, p, r, a) for c, p, r, a in
                        zip(variants["chrom"], variants["pos"], variants["ref"], variants["alt"])]
    return variants


# --- sample ordering, baseline, progression ------------------------------------------------

def order_samples(plasma_sheet: pd.DataFrame) -> pd.DataFrame:
    """The plasma sheet sorted by patient (first appearance) then day (ties: sheet order).

    Warns (CtdnaWarning) for each patient whose samples are not in day order in the sheet.
    """
    sheet = plasma_sheet.reset_index(drop=True).copy()
    sheet["_order"] = range(len(sheet))
    first = {pid: i for i, pid in reversed(list(enumerate(sheet["patient_id"])))}
    sheet["_patient_order"] = sheet["patient_id"].map(first)
    for pid, rows in sheet.groupby("patient_id", sort=False):
        days = list(rows["day"])
        if days != sorted(days):
            warnings.warn(f"plasma sheet: patient {pid}: samples are not in day order "
                          f"({', '.join(f'{t}={_text(d)}' for t, d in zip(rows['timepoint'], days))}); "
                          "sorted by day", CtdnaWarning, stacklevel=2)
    sheet = sheet.sort_values(["_patient_order", "day", "_order"], kind="mergesort")
    return sheet.drop(columns=["_patient_order"]).reset_index(drop=True)


def _find_label(samples: pd.DataFrame, label: str | None) -> int | None:
    if not label:
        return None
    hits = [i for i, t in enumerate(samples["timepoint"]) if str(t).lower() == str(label).lower()]
    return hits[0] if hits else None


def baseline_index(samples: pd.DataFrame, cfg: dict) -> int | None:
    """Position (in the day-sorted samples of one patient) of the baseline, or None."""
    labelled = _find_label(samples, cfg["baseline_label"])
    if labelled is not None:
        return labelled
    pre = [i for i, d in enumerate(samples["day"]) if d <= 0]
    return pre[-1] if pre else None


def progression_index(samples: pd.DataFrame, base: int | None, cfg: dict) -> tuple[int | None, str]:
    """(position, source) of the progression sample: ``label`` or ``last_sample``."""
    labelled = _find_label(samples, cfg["progression_label"])
    if labelled is not None:
        return labelled, "label"
    last = len(samples["timepoint"]) - 1
    if base is not None and last > base:
        return last, "last_sample"
    return None, ""


# --- trajectories --------------------------------------------------------------------------

def _records(df: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Rows as dicts (missing columns None); much faster than DataFrame.to_dict for small frames."""
    where = {c: i for i, c in enumerate(df.columns)}
    values = df.to_numpy(dtype=object).tolist()
    return [{c: (row[where[c]] if c in where else None) for c in columns} for row in values]


def _collapse(variants: pd.DataFrame, pid: str, timepoint: str) -> dict:
    """One record per normalised variant of a sample; duplicates keep the deepest (then highest VAF)."""
    if variants is None or not len(variants):
        return {}
    missing = [c for c in ("chrom", "pos", "ref", "alt") if c not in variants.columns]
    if missing:
        raise InputError(f"plasma sample {timepoint!r}: variant table lacks column {missing[0]!r}",
                         patient=pid)
    out = {}
    for rec in _records(variants, VARIANT_COLUMNS):
        key = normalise_variant(rec["chrom"], rec["pos"], rec["ref"], rec["alt"])
        if key in out:
            warnings.warn(f"patient {pid}: plasma sample {timepoint!r}: variant "
                          f"{variant_label(key)} is reported twice; kept the call with the "
                          "higher depth (then VAF)", CtdnaWarning, stacklevel=3)
            old = out[key]
            rank = (_num(rec["depth"], -1), _num(rec["vaf"], -1))
            if rank <= (_num(old["depth"], -1), _num(old["vaf"], -1)):
                continue
        out[key] = rec
    return out


def _num(value, default=math.nan) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return default
    return default if math.isnan(value) else value


def trajectories(plasma_sheet: pd.DataFrame, plasma_variants: dict,
                 tissue_mutations: pd.DataFrame | None, config: dict | None = None, *,
                 tissue_profiled=None) -> pd.DataFrame:
    """One row per patient x variant x plasma sample (schema.TRAJECTORY_COLUMNS).

    ``plasma_variants`` maps (patient_id, timepoint) to that sample's calls
    (schema.VARIANT_COLUMNS; an empty table = nothing detected). ``tissue_mutations`` has
    schema.MUTATION_COLUMNS; ``tissue_profiled`` lists the patients whose tissue was sequenced
    (None: every patient) - ``in_tissue`` is empty for the others. Rows: patients in plasma-sheet
    order, variants in genomic order, samples by day; ``baseline`` marks the baseline sample.
    """
    cfg = settings(config)
    samples = order_samples(plasma_sheet)
    tissue_keys: dict[str, set] = {}
    if tissue_mutations is not None and len(tissue_mutations):
        keyed = _keyed(tissue_mutations)
        for pid, key in zip(keyed["patient_id"].astype(str), keyed["_key"]):
            tissue_keys.setdefault(pid, set()).add(key)
    profiled = None if tissue_profiled is None else {str(p) for p in tissue_profiled}
    rows = []
    for pid, group in samples.groupby("patient_id", sort=False):
        group = {"timepoint": group["timepoint"].tolist(), "day": group["day"].tolist()}
        calls = []
        for tp in group["timepoint"]:
            if (pid, tp) not in plasma_variants:
                raise InputError(f"no variant calls were read for plasma sample {tp!r}",
                                 patient=pid)
            calls.append(_collapse(plasma_variants[(pid, tp)], pid, tp))
        base = baseline_index(group, cfg)
        keys = sorted({k for c in calls for k in c}, key=_key_order)
        tissue_known = profiled is None or pid in profiled
        for key in keys:
            recs = [c.get(key) for c in calls]
            vafs, detected = [], []
            for rec in recs:
                if rec is None:
                    vafs.append(0.0)
                    detected.append(False)
                    continue
                vaf = _num(rec["vaf"])
                vafs.append(vaf)
                detected.append(math.isnan(vaf) or (vaf > 0 and vaf >= cfg["min_vaf"]))
            if base is None:
                emergent = None
            else:
                first = next((i for i, d in enumerate(detected) if d), None)
                emergent = first is not None and first > base
            gene = next((_text(r["gene"]) for r in recs if r is not None and _text(r["gene"])), "")
            protein = next((_text(r["protein_change"]) for r in recs
                            if r is not None and _text(r["protein_change"])), "")
            tissue = key in tissue_keys.get(pid, set()) if tissue_known else None
            for i, (tp, day) in enumerate(zip(group["timepoint"], group["day"])):
                rows.append({
                    "patient_id": pid, "gene": gene, "variant": variant_label(key),
                    "protein_change": protein or None, "timepoint": tp,
                    "day": day, "vaf": vafs[i], "detected": detected[i],
                    "emergent": emergent, "in_tissue": tissue, "baseline": i == base,
                })
    return pd.DataFrame(rows, columns=TRAJECTORY_COLUMNS)


# --- emergent variants ---------------------------------------------------------------------

def _by_patient(traj: pd.DataFrame) -> dict:
    """{patient: (samples, {variant: rows})} from trajectory rows, in their order.

    ``samples`` has lists timepoint, day, baseline (one per sample); each variant's rows are
    dicts, one per sample in the same order.
    """
    out: dict = {}
    for rec in _records(traj, TRAJECTORY_COLUMNS):
        for col in ("detected", "baseline"):
            rec[col] = _truth(rec[col])
        pid = rec["patient_id"]
        if pid not in out:
            out[pid] = ({"timepoint": [], "day": [], "baseline": []}, {})
        samples, variants = out[pid]
        rows = variants.setdefault(rec["variant"], [])
        rows.append(rec)
        if len(variants) == 1:
            for col in samples:
                samples[col].append(rec[col])
    return out


def _truth(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value) if value is not None and not (isinstance(value, float)
                                                     and math.isnan(value)) else False


def emergent(trajectories_df: pd.DataFrame, config: dict | None = None) -> pd.DataFrame:
    """One row per emergent variant (schema.EMERGENT_COLUMNS), in trajectory order.

    ``resistance_gene``: the gene is in ``resistance_genes``; ``at_progression``: detected at the
    progression sample; ``flag``: both (e.g. an emergent TP53 mutation present at progression).
    """
    cfg = settings(config)
    traj = trajectories_df
    out = []
    for pid, (samples, variants) in _by_patient(traj).items():
        base = next((i for i, b in enumerate(samples["baseline"]) if b), None)
        if base is None:
            continue
        prog, source = progression_index(samples, base, cfg)
        for variant, rows in variants.items():
            if not _truth(rows[0]["emergent"]):
                continue
            first = next(i for i, r in enumerate(rows) if r["detected"])
            at_prog = bool(prog is not None and rows[prog]["detected"])
            gene = rows[0]["gene"]
            resistance = gene in cfg["resistance_genes"]
            out.append({
                "patient_id": pid, "gene": gene, "variant": variant,
                "protein_change": rows[0]["protein_change"],
                "baseline_timepoint": samples["timepoint"][base],
                "first_timepoint": rows[first]["timepoint"], "first_day": rows[first]["day"],
                "first_vaf": rows[first]["vaf"], "max_vaf": max(_num(r["vaf"], 0) for r in rows),
                "progression_timepoint": None if prog is None else samples["timepoint"][prog],
                "progression_source": source or None,
                "progression_vaf": None if prog is None else rows[prog]["vaf"],
                "at_progression": at_prog, "in_tissue": rows[0]["in_tissue"],
                "resistance_gene": resistance, "flag": bool(resistance and at_prog),
            })
    return pd.DataFrame(out, columns=EMERGENT_COLUMNS)


# --- molecular response --------------------------------------------------------------------

def molecular_response(trajectories_df: pd.DataFrame, config: dict | None = None, *,
                       patients=None) -> pd.DataFrame:
    """Per patient, change of max and mean VAF from baseline to the first on-treatment sample.

    Columns schema.MOLECULAR_RESPONSE_COLUMNS; ``status`` is ``responder``, ``non_responder`` or
    ``not_evaluable`` (``reason`` says why). Changes are fractions: (after - before) / before.
    ``patients`` (e.g. the plasma sheet's patient_id column) adds a not_evaluable row for each
    patient with no variant reported in any sample; rows follow its order when given.
    """
    cfg = settings(config)
    traj = trajectories_df
    rows = []
    order = list(dict.fromkeys(list(patients if patients is not None else [])
                               + list(traj["patient_id"])))
    by_patient = _by_patient(traj)
    for pid in order:
        if pid not in by_patient:
            rows.append({"patient_id": pid, "metric": cfg["response_metric"],
                         "threshold": cfg["response_drop"], "status": "not_evaluable",
                         "reason": "no variant reported in any plasma sample", "n_tracked": 0})
            continue
        samples, variants = by_patient[pid]
        rec = {"patient_id": pid, "metric": cfg["response_metric"],
               "threshold": cfg["response_drop"]}
        base = next((i for i, b in enumerate(samples["baseline"]) if b), None)
        after = None
        if base is not None:
            after = next((i for i in range(base + 1, len(samples["day"]))
                          if samples["day"][i] > 0), None)
        if base is not None:
            rec.update(baseline_timepoint=samples["timepoint"][base],
                       baseline_day=samples["day"][base])
        if after is not None:
            rec.update(on_treatment_timepoint=samples["timepoint"][after],
                       on_treatment_day=samples["day"][after])
        reason = None
        if base is None:
            reason = (f"no baseline sample (none labelled {cfg['baseline_label']!r} and none "
                      "on or before day 0)")
        elif after is None:
            reason = "no on-treatment sample after baseline"
        if reason is None:
            before_rows, after_rows = [], []
            for vrows in variants.values():
                b, a = vrows[base], vrows[after]
                if b["detected"] or a["detected"]:
                    before_rows.append(b)
                    after_rows.append(a)
            n_base = sum(bool(r["detected"]) for r in before_rows)
            rec["n_tracked"] = len(before_rows)
            if n_base == 0:
                reason = "no variant detected at baseline"
            elif any(math.isnan(_num(r["vaf"])) for r in before_rows + after_rows):
                reason = "a tracked variant has no VAF"
            else:
                def vaf(r):
                    return float(r["vaf"]) if r["detected"] else 0.0
                bv, av = [vaf(r) for r in before_rows], [vaf(r) for r in after_rows]
                rec.update(baseline_max_vaf=max(bv), on_treatment_max_vaf=max(av),
                           baseline_mean_vaf=sum(bv) / len(bv),
                           on_treatment_mean_vaf=sum(av) / len(av))
                rec["max_vaf_change"] = rec["on_treatment_max_vaf"] / rec["baseline_max_vaf"] - 1
                rec["mean_vaf_change"] = (rec["on_treatment_mean_vaf"] / rec["baseline_mean_vaf"]
                                          - 1)
                rec["cleared"] = not any(bool(r["detected"]) for r in after_rows)
                change = rec[f"{cfg['response_metric']}_vaf_change"]
                # compare with a tolerance: 0.2 -> 0.1 is a 50% fall despite float rounding
                fell = change <= -cfg["response_drop"] + 1e-12
                rec["status"] = "responder" if rec["cleared"] or fell else "non_responder"
                rec["reason"] = ("cleared" if rec["cleared"] else
                                 f"{cfg['response_metric']} VAF {100 * change:+.1f}%")
        if reason is not None:
            rec.update(status="not_evaluable", reason=reason)
        rows.append(rec)
    return pd.DataFrame(rows, columns=MOLECULAR_RESPONSE_COLUMNS)


# --- clinical link -------------------------------------------------------------------------

def progression_day(record: dict | pd.Series, config: dict | None = None) -> float | None:
    """Day of clinical progression: pfs_months x days_per_month when pfs_event is 1, else None."""
    cfg = settings(config)
    months, event = _num(record.get("pfs_months")), _num(record.get("pfs_event"))
    if event == 1 and not math.isnan(months):
        return months * cfg["days_per_month"]
    return None


def clinical_link(response: pd.DataFrame, samples: pd.DataFrame,
                  config: dict | None = None) -> pd.DataFrame:
    """Molecular response beside best response, % change and PFS (schema.CLINICAL_LINK_COLUMNS).

    ``clinical_response`` is ``responder``/``non_responder`` by ``response.responders`` (default
    CR, PR), ``not_evaluable`` for a non-evaluable patient or unknown best response.
    """
    config = config or {}
    responders = set(section(config, "response")["responders"])
    clinical = samples.set_index("patient_id")
    rows = []
    for rec in response.to_dict("records"):
        pid = rec["patient_id"]
        if pid not in clinical.index:
            raise InputError("patient with plasma samples is not in the patient sheet",
                             patient=pid)
        c = clinical.loc[pid]
        best = c.get("best_response")
        best = None if best is None or (isinstance(best, float) and math.isnan(best)) else best
        evaluable = bool(c.get("evaluable", True))
        if not evaluable or best in (None, "NE"):
            clin = "not_evaluable"
        else:
            clin = "responder" if best in responders else "non_responder"
        rows.append({
            "patient_id": pid, "molecular_status": rec["status"],
            "max_vaf_change": rec.get("max_vaf_change"),
            "mean_vaf_change": rec.get("mean_vaf_change"),
            "best_response": best, "clinical_response": clin, "evaluable": evaluable,
            "best_pct_change": c.get("best_pct_change"), "pfs_months": c.get("pfs_months"),
            "pfs_event": c.get("pfs_event"),
            "progression_day": progression_day(c, config),
        })
    return pd.DataFrame(rows, columns=CLINICAL_LINK_COLUMNS)


def concordance(link: pd.DataFrame) -> pd.DataFrame:
    """Cross-tabulation of molecular status x clinical response (counts, every level shown)."""
    mol = ["responder", "non_responder", "not_evaluable"]
    tab = pd.crosstab(pd.Categorical(link["molecular_status"], mol),
                      pd.Categorical(link["clinical_response"], mol), dropna=False)
    tab.index.name, tab.columns.name = "molecular_status", "clinical_response"
    return tab.reset_index()


def pfs_by_molecular_response(link: pd.DataFrame) -> pd.DataFrame:
    """PFS by molecular status (schema.PFS_BY_RESPONSE_COLUMNS): n, events, KM median, and the
    log-rank p of responders vs non-responders (same value on both rows), both from
    ``cohortmark.stats.survival`` (R survfit median, survdiff p). Patients without PFS are left
    out of n (counted in ``n_missing_pfs``)."""
    from .stats.survival import logrank, median_survival

    rows, groups = [], {}
    for status in ("responder", "non_responder", "not_evaluable"):
        sub = link[link["molecular_status"] == status]
        known = sub[sub["pfs_months"].notna() & sub["pfs_event"].notna()]
        groups[status] = known
        rows.append({"molecular_status": status, "n": len(known),
                     "n_missing_pfs": len(sub) - len(known),
                     "events": int(known["pfs_event"].sum()) if len(known) else 0,
                     "median_pfs_months": median_survival(known["pfs_months"],
                                                          known["pfs_event"])
                     if len(known) else math.nan})
    a, b = groups["responder"], groups["non_responder"]
    p = math.nan
    if len(a) and len(b) and (a["pfs_event"].sum() + b["pfs_event"].sum()) > 0:
        both = pd.concat([a, b])
        p = float(logrank(both["pfs_months"].to_numpy(float), both["pfs_event"].to_numpy(float),
                          np.r_[np.ones(len(a)), np.zeros(len(b))])["p_value"][0])
    for row in rows[:2]:
        row["logrank_p"] = p
    return pd.DataFrame(rows, columns=PFS_BY_RESPONSE_COLUMNS)


# --- reading (I/O) ---------------------------------------------------------------------------

def read_table(path) -> pd.DataFrame:
    """One of our TSVs with the schema's dtypes (see ``cohortmark.tsv.read_tsv``)."""
    return read_tsv(path)


# --- reading plasma calls (I/O) ------------------------------------------------------------

class _PlasmaRows:
    """Every plasma sample's calls of the previous run as text rows (``<prefix>.tsv``) under a
    key of what they depend on (``ingest.patient_key``: the sample's sheet values, the stat
    identity of its file and index, the settings, panel and code; ``<prefix>.keys.json``, with
    the reading notes). A registry has tens of thousands of plasma samples; reading each back
    from the result cache costs ~6 ms of pandas, reading one table costs nothing. The calls of
    this run are handed on as that table read back (``cohortmark.tsv.read_tsv``), kept or not,
    so a rerun computes from exactly what a first run does."""

    COLUMNS = ["sample", *VARIANT_COLUMNS]

    def __init__(self, prefix: Path):
        import json

        from .tsv import rows_by_first_field, split_rows

        self.prefix = prefix
        self.reused = 0
        self.samples: dict[str, tuple] = {}  # sample id -> (patient, timepoint), sheet order
        self.keys: dict[str, dict] = {}
        self.rows: dict[str, list[str]] = {}
        try:
            self.old_keys = json.loads(Path(f"{prefix}.keys.json").read_text("utf-8"))
            header, _, body = Path(f"{prefix}.tsv").read_text("utf-8").partition("\n")
            if header.split("\t") != self.COLUMNS:
                raise ValueError(header)
            self.old_rows = rows_by_first_field(split_rows(body))
        except (FileNotFoundError, ValueError):
            self.old_keys, self.old_rows = {}, {}

    @staticmethod
    def sample_id(pid: str, tp: str) -> str:
        import hashlib

        return "s" + hashlib.sha1(f"{pid}\t{tp}".encode()).hexdigest()[:20]

    def notes(self, pid: str, tp: str, key: str) -> list | None:
        """The kept sample's reading notes when its key is unchanged, else None."""
        entry = self.old_keys.get(self.sample_id(pid, tp))
        return entry["notes"] if entry and entry["key"] == key else None

    def keep(self, pid: str, tp: str, key: str, notes: list) -> None:
        sid = self.sample_id(pid, tp)
        self.samples[sid] = (pid, tp)
        self.keys[sid] = {"key": key, "notes": notes}
        self.rows[sid] = self.old_rows.get(sid, [])
        self.reused += 1

    def add(self, pid: str, tp: str, key: str, notes: list, variants: pd.DataFrame) -> None:
        from .tsv import tsv_rows

        sid = self.sample_id(pid, tp)
        self.samples[sid] = (pid, tp)
        self.keys[sid] = {"key": key, "notes": list(notes)}
        self.rows[sid] = tsv_rows(variants.assign(sample=sid), self.COLUMNS)

    def save(self) -> dict:
        """Write the table and keys; return {(patient, timepoint): calls} read back."""
        import json

        from .tsv import atomic_path, atomic_write

        keys_path, table_path = Path(f"{self.prefix}.keys.json"), Path(f"{self.prefix}.tsv")
        keys_path.unlink(missing_ok=True)
        with atomic_path(table_path) as tmp, open(tmp, "w", encoding="utf-8",
                                                  newline="\n") as fh:
            fh.write("\t".join(self.COLUMNS) + "\n")
            for sid in self.samples:
                fh.writelines(row + "\n" for row in self.rows[sid])
        atomic_write(keys_path, json.dumps(self.keys, sort_keys=True))
        table = read_tsv(table_path)
        calls = table[VARIANT_COLUMNS]
        # each sample's rows are contiguous (written above sample by sample): slices, not a
        # groupby (tens of thousands of plasma samples)
        ids = table["sample"].to_numpy()
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else []
        spans = {ids[a]: (a, b) for a, b in zip(starts, np.r_[starts[1:], len(ids)])}
        if len(spans) != len(starts):
            raise AssertionError(f"{table_path}: a plasma sample's calls are not contiguous")
        empty = calls.iloc[:0]
        return {sample: (calls.iloc[spans[sid][0]:spans[sid][1]].reset_index(drop=True)
                         if sid in spans else empty)
                for sid, sample in self.samples.items()}


def load_plasma_variants(plasma_sheet: pd.DataFrame, panel: pd.DataFrame, config: dict,
                         build: str = "GRCh38", cache_dir=None, log=None, *,
                         failures: list | None = None, sheet_path: str | None = None) -> dict:
    """Read every plasma sample's calls: {(patient_id, timepoint): DataFrame[VARIANT_COLUMNS]}.

    Uses the tissue readers (``cohortmark.ingest.PatientIngest``, restricted to the panel)
    without the tissue read-support thresholds (detection is ``ctdna_analysis.min_vaf``).
    With ``cache_dir``, each sample's table is cached by file and index checksum, sample,
    panel, the ``variants`` config, build and code. Notes about a reading (an untrustworthy
    index, read in full) are issued as ``CtdnaWarning`` every time, cached or not.

    A sample that cannot be read is named with its plasma-sheet line and timepoint. Every
    failing sample is reported, one line each: raised as one InputError, or - with a
    ``failures`` list - appended to it as dicts (patient_id, timepoint, line, variant_file,
    message) and left out of the result, so that the other patients' ctDNA is still computed.
    """
    from .ingest import PatientIngest, Sha256Memo, patient_key

    # the tissue read-support filters do not apply to plasma: a ctDNA variant at 0.4% from a
    # handful of reads is what plasma assays report; detection is ctdna_analysis.min_vaf
    plasma_cfg = {**section(config, "variants"), "min_depth": 0, "min_alt_reads": 0,
                  "min_vaf": 0}
    kept = _PlasmaRows(Path(cache_dir) / "plasma_rows") if cache_dir is not None else None
    memo = Sha256Memo(Path(cache_dir) / "plasma_sha256.json") if cache_dir is not None else None
    reader = PatientIngest(panel, {"variants": plasma_cfg}, build, cache_dir, memo)
    out, errors = {}, []
    where = f"plasma sheet {sheet_path}" if sheet_path else "plasma sheet"
    for row in plasma_sheet.to_dict("records"):
        pid, tp = row["patient_id"], row["timepoint"]
        sample = row.get("tumor_sample")
        sample = None if sample is None or (isinstance(sample, float) and math.isnan(sample)) \
            else sample
        record = {"patient_id": pid, "tumor_sample": sample, "variant_file": row["variant_file"]}
        if kept is not None:
            key = patient_key(record, reader.context)
            notes = kept.notes(pid, tp, key)
            if notes is not None:  # nothing the sample's calls depend on changed
                kept.keep(pid, tp, key, notes)
                for note in notes:
                    warnings.warn(f"plasma sample {tp!r}: {note}", CtdnaWarning, stacklevel=2)
                continue
        try:
            _, variants, values = reader.mutations(record)
            notes = values.get("notes") or []
        except InputError as err:
            line = row.get("_line")
            at = f", line {int(line)}" if line is not None and not pd.isna(line) else ""
            err = InputError(f"plasma sample {tp!r} ({where}{at}): {err.detail}",
                             patient=err.patient or pid, path=err.path or row["variant_file"],
                             line=err.line, field=err.field)
            errors.append(err)
            if failures is not None:
                failures.append({"patient_id": pid, "timepoint": tp,
                                 "line": None if not at else int(line),
                                 "variant_file": row["variant_file"], "message": str(err)})
            continue
        for note in notes:
            warnings.warn(f"plasma sample {tp!r}: {note}", CtdnaWarning, stacklevel=2)
        if kept is not None:
            kept.add(pid, tp, key, notes, variants)
        else:
            out[(pid, tp)] = variants.reindex(columns=VARIANT_COLUMNS)
    if memo is not None:
        memo.save()
    if kept is not None:
        out = kept.save()
    if log is not None:
        reused = kept.reused if kept is not None else 0
        hits = len(plasma_sheet) - len(errors) - reader.computed - reused
        log(f"ctdna: {len(plasma_sheet)} plasma samples, {reused} kept from the previous run, "
            f"{hits} read from the cache, {len(errors)} failed")
    if errors and failures is None:
        raise InputError("\n".join(str(e) for e in errors))
    return out
