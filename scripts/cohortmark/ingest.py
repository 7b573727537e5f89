"""Stage 1, ingest: per-patient copy number and variants, in shards, with content-keyed caches.

A shard is a fixed bucket of patients (``shard_of``); one Snakemake job processes a shard in
one interpreter, so 5,000 patients cost a handful of interpreter starts rather than 10,000.

What a patient's result depends on, and so what its cache keys hold:

- copy number: the *segments* read from the file are cached under the file's content checksum,
  the sample, the build, the reading settings (``copynumber.config.reader_settings``) and the
  code; gene-level values and calls are then made from them with the calling settings, the
  panel and the sheet's purity/ploidy. A changed threshold re-calls copy number from cached
  segments without reading a file.
- variants: cached under the content checksums of the file *and of the files read beside it*
  (a VCF's index), the sample, the panel, the build, the ``variants`` settings and the code.

The shard's Snakemake job is triggered by ``shard_fingerprint`` (its patients' ingest columns
and the stat fingerprints of their files): see workflow/rules/common.smk.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from . import schema
from .cache import ResultCache
from .errors import InputError
from .fingerprint import code_fingerprint, digest, file_sha256, stat_fingerprint, stat_identity
from .tsv import rows_by_first_field, split_rows, tsv_rows


def shard_of(patient_id: str, shards: int) -> int:
    """The shard (0..shards-1) of a patient: stable across runs, machines and sheet order."""
    import hashlib

    return int(hashlib.sha1(patient_id.encode()).hexdigest(), 16) % shards


def ingest_record(row: dict) -> dict:
    """The sheet values a patient's ingest depends on (schema.INGEST_COLUMNS), JSON-able:
    a change to a clinical column does not rerun ingest."""
    out = {}
    for col in schema.INGEST_COLUMNS:
        value = row.get(col)
        if isinstance(value, float) and value != value:  # NaN
            value = None
        elif hasattr(value, "item"):  # numpy scalar
            value = value.item()
        out[col] = value
    return out


def ingest_records(sheet: pd.DataFrame) -> list[dict]:
    """``ingest_record`` of every sheet row, read by column (a registry sheet has 100,000
    rows; ``DataFrame.to_dict("records")`` builds every column of every row)."""
    columns = [c for c in schema.INGEST_COLUMNS if c in sheet.columns]
    values = [sheet[c].tolist() for c in columns]
    missing = {c: None for c in schema.INGEST_COLUMNS if c not in sheet.columns}
    return [ingest_record({**dict(zip(columns, row)), **missing}) for row in zip(*values)]


def patient_files(record: dict) -> list[str]:
    """Every file a patient's ingest reads: its copy-number and variant files and the files
    read beside them (a VCF's index, a caller's purity/ploidy file)."""
    from .copynumber import side_files
    from .variants import companion_files

    files = []
    if record.get("cn_file"):
        files += [record["cn_file"], *side_files(record["cn_file"])]
    if record.get("variant_file"):
        files += [record["variant_file"], *companion_files(record["variant_file"])]
    for col in ("sv_file", "msi_file"):
        if record.get(col):
            files.append(record[col])
    return files


def shard_files(records: list[dict]) -> dict[str, list[int]]:
    """The stat fingerprint (size, mtime) of every file the patients read, one ``stat`` per
    file: what ``shard_fingerprint`` hashes, and what resource estimates read sizes from."""
    files = {}
    for record in records:
        for path in patient_files(record):
            if path not in files:
                try:
                    files[path] = stat_fingerprint(path)
                except OSError as err:
                    raise InputError(f"cannot read file ({err.strerror})",
                                     patient=record["patient_id"], path=path) from None
    return files


def shard_fingerprint(records: list[dict], files: dict[str, list[int]] | None = None) -> str:
    """What a shard job's result depends on among the sheet and the files, cheaply: the
    patients' ingest columns and the stat fingerprints (size, mtime) of every file they read
    (``shard_files``, computed unless given), compared for equality - replacing a file by an
    older-dated copy changes them."""
    if files is None:
        files = shard_files(records)
    return digest({"records": records, "files": files})


def _panel_key(panel: pd.DataFrame) -> dict:
    return panel[["gene", "chrom", "start", "end"]].to_dict("list")


class Sha256Memo:
    """A persistent memo of file checksums by stat identity (size, mtime, ctime, inode; one
    JSON file per shard), so a rerun does not re-read every unchanged file of the shard to
    checksum it, while a replaced file (new inode/ctime) is always checksummed again."""

    def __init__(self, path: str | os.PathLike):
        import json

        self.path = Path(path)
        try:
            self.table = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            self.table = {}
        self.used = {}

    def sha256(self, path: str) -> str:
        real = os.path.realpath(path)
        fp = stat_identity(path)
        known = self.table.get(real)
        sha = known[1] if known and known[0] == fp else file_sha256(path)
        self.used[real] = [fp, sha]
        return sha

    def save(self) -> None:
        import json

        from .tsv import atomic_write

        atomic_write(self.path, json.dumps(self.used, sort_keys=True))


class PatientIngest:
    """Ingest of one shard's patients with the settings and caches of the run."""

    def __init__(self, panel: pd.DataFrame, settings: dict, build: str,
                 cache_dir: str | os.PathLike | None, memo: Sha256Memo | None = None):
        from .config import section
        from .copynumber.config import reader_settings, resolve
        from .variants import settings as variant_settings

        self.panel, self.build = panel, build
        self.cn_cfg = resolve(settings.get("copy_number"))
        self.variants_cfg = variant_settings({"variants": settings.get("variants")})
        self.sv_cfg = section(settings, "structural_variants")
        self.tmb_cfg, self.msi_cfg = section(settings, "tmb"), section(settings, "msi")
        self.cache = ResultCache(cache_dir) if cache_dir is not None else None
        self.memo = memo
        self.computed = 0
        code, panel_key = code_fingerprint(), _panel_key(panel)
        self._segment_base = {"kind": "segments", "code": code, "build": build,
                              "settings": reader_settings(self.cn_cfg)}
        self._variant_base = {"kind": "variants", "code": code, "build": build,
                              "panel": panel_key, "settings": self.variants_cfg}
        self._sv_base = {"kind": "structural_variants", "code": code, "build": build,
                         "panel": panel_key, "settings": self.sv_cfg}
        targets = self.tmb_cfg.get("targets")
        self._biomarker_base = {"kind": "biomarkers", "code": code, "build": build,
                                "variants": self.variants_cfg, "tmb": self.tmb_cfg,
                                "msi": self.msi_cfg,
                                "targets": file_sha256(targets) if targets else None}
        # everything a patient's shard rows depend on besides its record and files
        # (ShardRows): the settings, the whole panel (gene groups too) and every cache base
        self.context = digest({"settings": settings, "build": build, "code": code,
                               "panel": panel[[c for c in ("gene", "group", "chrom",
                                                            "start", "end")
                                               if c in panel.columns]].to_dict("list"),
                               "bases": {k: v for k, v in vars(self).items()
                                         if k.endswith("_base")}})

    def _sha(self, path: str) -> str:
        return self.memo.sha256(path) if self.memo else file_sha256(path)

    def _cached(self, key: str, compute) -> dict:
        if self.cache is not None:
            entry = self.cache.get(key)
            if entry is not None:
                return entry
        self.computed += 1
        entry = compute()
        if self.cache is not None:
            self.cache.put(key, entry)
        return entry

    def copy_number(self, record: dict) -> tuple[pd.DataFrame, dict]:
        """(gene rows schema.GENE_CN_COLUMNS, patient-level values) of one patient.

        The segments, the format, the sample used and the purity/ploidy the caller wrote
        beside the file are cached under the checksums of the file and of those side files;
        purity and ploidy are then chosen (sheet, caller, default) and the genes called."""
        from .copynumber import (
            caller_fit,
            gene_copy_number,
            not_profiled,
            purity_ploidy,
            read_sample,
            sample_request,
            segment_unit,
            side_files,
        )
        from .copynumber.formats import CallerFit

        pid, path = record["patient_id"], record.get("cn_file")
        if not path:
            values = purity_ploidy(record, None, None, self.cn_cfg, profiled=False)
            return not_profiled(self.panel), {"cn_format": None, "cn_sample": None, **values}
        fmt = record.get("cn_format") or None
        want = sample_request(record)
        key = digest({**self._segment_base, "file": self._sha(path), "format": fmt,
                      "side_files": {p: self._sha(p) for p in side_files(path)},
                      "sample": [want.cn_sample, want.tumor_sample], "patient": pid})

        def compute():
            segments, reader, chosen, table = read_sample(
                path, fmt, want, patient=pid, config=self.cn_cfg, build=self.build)
            fit = caller_fit(reader, path, table)
            return {"segments": segments, "format": reader.name, "sample": chosen,
                    "caller": None if fit is None else
                    {"purity": fit.purity, "ploidy": fit.ploidy, "path": fit.path}}

        entry = self._cached(key, compute)
        caller = CallerFit(**entry["caller"]) if entry["caller"] else None
        segments = entry["segments"]
        values = purity_ploidy(record, caller, segment_unit(segments), self.cn_cfg)
        genes = gene_copy_number(segments, self.panel, purity=values["purity"],
                                 ploidy=values["ploidy"], config=self.cn_cfg, patient=pid)
        return genes, {"cn_format": entry["format"], "cn_sample": entry["sample"], **values}

    def mutations(self, record: dict) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
        """(gene rows schema.GENE_MUT_COLUMNS, variants schema.VARIANT_COLUMNS, values).

        ``values`` holds the patient-level results (``n_panel_variants``, ``n_unannotated``,
        ``n_germline``, ``variant_read``) and ``notes``: warnings about the reading (e.g. an
        untrustworthy index, read in full) that must reach the log and the report on every
        run - they are cached with the result."""
        from .variants import companion_files, patient_variants

        path = record.get("variant_file")
        empty = {"n_panel_variants": None, "n_unannotated": None, "n_germline": None,
                 "variant_read": None, "notes": []}
        if not path:
            out = patient_variants(record, self.panel, {}, self.build)
            return out["genes"], out["variants"], empty
        files = [self._sha(p) for p in (path, *companion_files(path))]
        key = digest({**self._variant_base, "files": files, "patient": record["patient_id"],
                      "sample": record.get("tumor_sample") or None})

        def compute():  # gene rows follow from the variants in milliseconds: not cached
            out = patient_variants(record, self.panel, {"variants": self.variants_cfg},
                                   self.build)
            read = out["genes_read"]
            return {"variants": out["variants"], "notes": out["notes"],
                    "genes_read": None if read >= set(self.panel["gene"]) else sorted(read),
                    "values": {"n_unannotated": out["n_unannotated"],
                               "n_germline": out["n_germline"], "variant_read": out["mode"]}}

        from .variants import gene_mutations

        entry = self._cached(key, compute)
        variants = entry["variants"]
        genes = gene_mutations(variants, self.panel, entry["genes_read"])
        return genes, variants, {"n_panel_variants": len(variants), **entry["values"],
                                 "notes": list(entry["notes"])}

    def structural_variants(self, record: dict) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
        """(gene rows schema.GENE_SV_COLUMNS, calls schema.SV_COLUMNS, values)."""
        from .fusions import patient_structural_variants

        path = record.get("sv_file")
        if not path:
            genes, calls = patient_structural_variants(record, self.panel, self.sv_cfg,
                                                       self.build)
            return genes, calls, {"n_structural_variants": None}
        key = digest({**self._sv_base, "file": self._sha(path),
                      "record": {k: record.get(k) for k in ("patient_id", "tumor_sample",
                                                            "sv_sample", "sv_format")}})

        def compute():  # the calls only: the gene rows follow from them
            _, calls = patient_structural_variants(record, self.panel, self.sv_cfg, self.build)
            return {"calls": calls}

        from .fusions import gene_fusions

        calls = self._cached(key, compute)["calls"]
        return (gene_fusions(calls, self.panel), calls,
                {"n_structural_variants": len(calls)})

    def biomarkers(self, record: dict) -> dict:
        """TMB and MSI of one patient (schema.BIOMARKER_COLUMNS)."""
        from .biomarkers import patient_biomarkers

        files = {col: [self._sha(p) for p in self._biomarker_files(record, col)]
                 for col in ("variant_file", "msi_file")}
        key = digest({**self._biomarker_base, "files": files,
                      "record": {k: record.get(k) for k in
                                 ("patient_id", "variant_file", "tumor_sample", "msi_file",
                                  "msi_status", "msi_score", "tmb")}})
        config = {"variants": self.variants_cfg, "tmb": self.tmb_cfg, "msi": self.msi_cfg}
        return self._cached(key, lambda: {"values": patient_biomarkers(
            record, config, self.build)})["values"]

    def _biomarker_files(self, record: dict, col: str) -> list[str]:
        from .variants import companion_files

        path = record.get(col)
        if not path:
            return []
        if col == "variant_file" and not (self.tmb_cfg.get("territory_mb")
                                          or self.tmb_cfg.get("targets")):
            return []  # TMB not computed: the variant file does not matter here
        return [path, *companion_files(path)] if col == "variant_file" else [path]

    def patient(self, record: dict):
        """One patient's (genes, variants, values, calls): genes has GENE_CN_COLUMNS +
        GENE_MUT_COLUMNS + GENE_SV_COLUMNS merged on gene, in panel order; values the
        patient-level results (schema.PATIENT_COLUMNS); calls its structural variants."""
        cn, cn_values = self.copy_number(record)
        mut, variants, mut_values = self.mutations(record)
        sv, calls, sv_values = self.structural_variants(record)
        genes = _side_by_side(self.panel["gene"], cn, mut, sv)
        notes = mut_values.pop("notes")
        values = {"patient_id": record["patient_id"], **cn_values, **mut_values,
                  "variant_warnings": " | ".join(notes) or None, **sv_values,
                  **self.biomarkers(record)}
        return genes, variants, values, calls


def _side_by_side(genes: pd.Series, *tables: pd.DataFrame) -> pd.DataFrame:
    """Gene-level tables (each one row per panel gene) joined on gene, in panel order: a plain
    column assignment when they already are in panel order (a merge costs ~10 ms a patient)."""
    order = genes.tolist()
    columns = {"gene": order}
    for table in tables:
        if table["gene"].tolist() != order:
            table = table.drop_duplicates("gene").set_index("gene").reindex(order).reset_index()
        for col in table.columns:
            if col != "gene":
                columns[col] = table[col]._values
    return pd.DataFrame(columns)


def ingest_patient(record: dict, panel: pd.DataFrame, config: dict, build: str):
    """One patient's (genes, variants, values) without caches (tests, library use);
    ``config`` holds the ``copy_number``, ``variants`` (and ``structural_variants``, ``tmb``,
    ``msi``) sections (partial ones are completed from the schema)."""
    return PatientIngest(panel, config, build, None).patient(record)[:3]


def run_shard(records: list[dict], panel: pd.DataFrame, settings: dict, build: str,
              cache_dir: str | os.PathLike | None, log=print, memo_path=None,
              structural_variants: bool = False):
    """Ingest every patient of a shard; return (alterations, mutations, patients) tables,
    and with ``structural_variants`` the calls (schema.STRUCTURAL_VARIANT_COLUMNS) as a
    fourth; alterations carries schema.ALTERATION_SV_COLUMNS.

    ``settings`` holds the ``copy_number``, ``variants``, ``structural_variants``, ``tmb``
    and ``msi`` sections (absent ones take the schema's defaults); ``memo_path``
    (one per shard: jobs run side by side) keeps the shard's file checksums. A patient whose
    files are bad does not stop the others: everyone else is computed and cached, then one
    InputError lists every failed patient (one line each).
    """
    memo = Sha256Memo(memo_path) if memo_path is not None else None
    work = PatientIngest(panel, settings, build, cache_dir, memo)
    from_cache = 0
    groups = dict(zip(panel["gene"], panel["group"]))
    gene_rows, variant_rows, patient_rows, call_rows, errors = [], [], [], [], []
    for record in records:
        pid = record["patient_id"]
        try:
            before = work.computed
            genes, variants, values, calls = work.patient(record)
            from_cache += work.computed == before
        except InputError as err:
            errors.append(err.with_context(patient=pid))
            continue
        gene_rows.append(genes.assign(patient_id=pid))
        variant_rows.append(variants.assign(patient_id=pid))
        patient_rows.append(values)
        if len(calls):
            call_rows.append(calls.assign(patient_id=pid))
        if values.get("variant_warnings"):
            log(f"warning: {values['variant_warnings']}")
    if memo is not None:
        memo.save()
    log(f"ingest: {len(records)} patients, {from_cache} from cache, {len(errors)} failed")
    if errors:
        raise InputError("\n".join(str(e) for e in errors))
    columns = schema.ALTERATION_COLUMNS + schema.ALTERATION_SV_COLUMNS
    alterations = _concat(gene_rows, columns)
    alterations["gene_group"] = alterations["gene"].map(groups)
    for col in ("cn_status", "mut_status", "sv_status"):  # CONTRACT.md: three states only
        bad = set(alterations[col].dropna()) - set(schema.STATUS)
        assert not bad and alterations[col].notna().all(), f"unexpected {col} values {bad}"
    patients = pd.DataFrame(patient_rows, columns=schema.PATIENT_COLUMNS)
    tables = (alterations[columns], _concat(variant_rows, schema.MUTATION_COLUMNS), patients)
    if structural_variants:
        tables += (_concat(call_rows, schema.STRUCTURAL_VARIANT_COLUMNS),)
    return tables


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True).reindex(columns=columns)


# --- a shard rerun: unchanged patients' rows taken from the previous run ----------------------
#
# Reading a patient back from the result cache still costs ~8 ms of pandas work (decoding,
# gene-level calls from cached segments, joining): 50 s for the 6,250 patients of one shard at
# 100,000 patients, when one patient was added. The shard therefore also keeps the text of its
# previous output rows per patient, under a key of everything those rows depend on - the
# patient's ingest columns, the stat identity (size, mtime, ctime, inode) of every file it reads
# (the same test that lets Sha256Memo reuse a checksum), the settings, the panel, the genome
# build and the package's code. A patient whose key is unchanged gets its previous lines
# verbatim; everyone else goes through PatientIngest (and its content-keyed cache).

SHARD_TABLES = {"alterations": schema.ALTERATION_COLUMNS + schema.ALTERATION_SV_COLUMNS,
                "mutations": schema.MUTATION_COLUMNS, "patients": schema.PATIENT_COLUMNS,
                "structural_variants": schema.STRUCTURAL_VARIANT_COLUMNS}


# Numeric columns of the shard's alterations table; the others are text (the columnar store
# keeps each column's kind, and every shard's store must agree).
ALTERATION_NUMBERS = ["cn_value", "cn_min", "cn_max", "cn_fold", "cn_coverage",
                      "cn_segment_length", "vaf", "n_mutations"]


def store_frame(alterations: pd.DataFrame) -> pd.DataFrame:
    """A shard's alterations table read back from its TSV, with each column of the kind the
    computed table has (a text column that is empty in every row of a shard reads as numbers;
    a number column stays numbers), for ``cohortmark.store.write_store``."""
    out = alterations.copy()
    for column in out.columns:
        if column in ALTERATION_NUMBERS:
            out[column] = pd.to_numeric(out[column], errors="raise").astype(float)
        elif pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_bool_dtype(
                out[column]):
            out[column] = out[column].astype(object)
    return out


class ShardRows:
    """A shard's previous output lines and patient keys (``<prefix>.keys.json`` and
    ``<prefix>.<table>.tsv`` under the ingest cache)."""

    def __init__(self, prefix: str | os.PathLike):
        import json

        self.prefix = Path(prefix)
        try:
            self.keys = json.loads(Path(f"{self.prefix}.keys.json").read_text(encoding="utf-8"))
            self.lines = {}
            for name, columns in SHARD_TABLES.items():
                text = Path(f"{self.prefix}.{name}.tsv").read_text(encoding="utf-8")
                header, _, body = text.partition("\n")
                if header.split("\t") != columns:  # written by another version: unusable
                    raise ValueError(name)
                self.lines[name] = rows_by_first_field(split_rows(body))
        except (FileNotFoundError, ValueError):
            self.keys, self.lines = {}, {name: {} for name in SHARD_TABLES}

    def reusable(self, patient_id: str, key: str) -> bool:
        return (self.keys.get(patient_id) == key
                and patient_id in self.lines["patients"]
                and patient_id in self.lines["alterations"])

    def save(self, keys: dict[str, str], outputs: dict[str, str | os.PathLike]) -> None:
        """Keep the job's outputs and keys for the next run (keys last: a crash between the
        steps leaves no keys, so nothing is reused from half-updated files)."""
        import json
        import shutil

        from .tsv import atomic_path, atomic_write

        keys_path = Path(f"{self.prefix}.keys.json")
        keys_path.unlink(missing_ok=True)
        for name, path in outputs.items():
            with atomic_path(f"{self.prefix}.{name}.tsv") as tmp:
                shutil.copyfile(path, tmp)
        atomic_write(keys_path, json.dumps(keys, sort_keys=True))


def _log_kept_warnings(records, fresh: dict, old: dict, log) -> None:
    """The reading warnings of the patients whose rows were kept (``run_shard`` logged those
    of the patients it computed): every run's log carries every patient's warnings."""
    import csv

    column = schema.PATIENT_COLUMNS.index("variant_warnings")
    for record in records:
        pid = record["patient_id"]
        if pid in fresh or pid not in old:
            continue
        fields = next(csv.reader(old[pid][:1], delimiter="\t"))
        if fields[column]:
            log(f"warning: {fields[column]}")


def patient_key(record: dict, context: str) -> str:
    """What a patient's shard rows depend on (see ShardRows); ``context`` is
    ``PatientIngest.context``."""
    files = []
    for path in patient_files(record):
        try:
            files.append([path, *stat_identity(path)])
        except OSError:
            files.append([path, None])  # ingest will name the missing file
    return digest({"context": context, "record": record, "files": files})


def ingest_shard_files(records: list[dict], panel: pd.DataFrame, settings: dict, build: str,
                       cache_dir: str | os.PathLike, outputs: dict[str, str | os.PathLike],
                       shard_name: str, log=print, memo_path=None) -> dict:
    """Ingest a shard and write its tables (``outputs``: alterations, mutations, patients
    paths): each patient's rows are the previous run's when nothing they depend on changed
    (``ShardRows``), else computed by ``run_shard``. The files are byte-identical to writing
    ``run_shard``'s tables for every patient with ``tsv.write_tsv``. Returns counts."""
    from .tsv import atomic_path

    previous = ShardRows(Path(cache_dir) / "shards" / shard_name)
    context = PatientIngest(panel, settings, build, None).context
    keys = {r["patient_id"]: patient_key(r, context) for r in records}
    todo = [r for r in records if not previous.reusable(r["patient_id"], keys[r["patient_id"]])]
    fresh = {name: {} for name in SHARD_TABLES}
    if todo:
        tables = run_shard(todo, panel, settings, build, cache_dir, log=log, memo_path=memo_path,
                           structural_variants=True)
        for (name, columns), table in zip(SHARD_TABLES.items(), tables):
            fresh[name] = rows_by_first_field(tsv_rows(table, columns))
    _log_kept_warnings(records, fresh["patients"], previous.lines["patients"], log)
    for name, columns in SHARD_TABLES.items():
        old = previous.lines[name]
        with atomic_path(outputs[name]) as tmp, open(tmp, "w", encoding="utf-8",
                                                     newline="\n") as fh:
            fh.write("\t".join(columns) + "\n")
            for record in records:
                pid = record["patient_id"]
                lines = fresh[name].get(pid, []) if pid in fresh["patients"] else old.get(pid, [])
                fh.writelines(line + "\n" for line in lines)
    previous.save(keys, outputs)
    counts = {"patients": len(records), "reused": len(records) - len(todo),
              "computed": len(todo)}
    log(f"ingest: {counts['reused']} of {len(records)} patients' rows reused from the previous "
        "run (nothing they depend on changed)")
    return counts
