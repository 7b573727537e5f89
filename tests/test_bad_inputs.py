"""The corpus of broken and awkward inputs: every ``cases.tsv`` under tests/data/bad/.

Each case names a file, the loader that reads it (``kind``) and the exact text the user must
see; awkward-but-valid files (``ACCEPT``) must load, ``WARN text`` must load with that warning.
Sheets and config are in tests/data/bad/ and bad/round2/, copy-number files in bad/copynumber/,
variant files in bad/variants/ and bad/round2/ (with the ``sample`` and ``build`` a case is read
with, an optional ``result`` the genes must show, a ``setup`` the test does first - mtimes and
named pipes cannot be committed - and a ``config`` of ``variants`` settings).

Every case also goes through the step that would write results (``run_stage``): a broken input
must leave no result table and no temporary file behind; an accepted one writes its tables.
The suite prints the corpus size and pass count.
"""

import json
import os
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from cohortmark.config import check_config
from cohortmark.configfile import load_config_file
from cohortmark.errors import InputError
from cohortmark.genome import load_panel
from cohortmark.sheets import check_plasma_timepoints, load_plasma, load_samples

BAD = Path(__file__).parent / "data" / "bad"
ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "config" / "schemas" / "config.schema.yaml"


def _cases() -> pd.DataFrame:
    tables = []
    for path in sorted(BAD.rglob("cases.tsv")):
        t = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
        tables.append(t.assign(dir=str(path.parent)))
    return pd.concat(tables, ignore_index=True).fillna("")


CASES = _cases()
RESULTS = {"cases": len(CASES), "passed": 0}


def variants_config(case: dict) -> dict:
    return {"variants": json.loads(case["config"]) if case.get("config") else {}}


def load_config(path: Path, case: dict, base: Path):
    """What the workflow does with a config file before Snakemake's own validation."""
    config = load_config_file(path)
    check_config(config, SCHEMA, path=str(path))
    return config


def load_variants(path: Path, case: dict, base: Path):
    from cohortmark.variants import read_variant_file

    build = case.get("build") or "GRCh38"
    return read_variant_file(path, case.get("sample") or None, panel=load_panel(build=build),
                             build=build, patient="P01", config=variants_config(case))


def load_copy_number(path: Path, case: dict, base: Path):
    from cohortmark.copynumber import read_segments

    return read_segments(path, case.get("format") or None, case.get("sample") or None,
                         patient="P01", build=case.get("build") or "GRCh37")


def load_plasma_sheet(path: Path, case: dict, base: Path):
    """The plasma sheet as a run reads it: validated, timepoints checked, every file read."""
    from cohortmark import ctdna
    from cohortmark.config import default_config

    plasma = load_plasma(path, ["P01", "P02"], base=base)
    cfg = default_config()["ctdna_analysis"]
    check_plasma_timepoints(plasma, path, cfg["baseline_label"], cfg["progression_label"])
    plasma["variant_file"] = [str(base / f) for f in plasma["variant_file"]]
    return ctdna.load_plasma_variants(plasma, load_panel(build="GRCh37"), {}, "GRCh37",
                                      sheet_path=str(path))


LOADERS = {
    "samples": lambda p, case, base: load_samples(p, base=base),
    "plasma": load_plasma_sheet,
    "config": load_config,
    "variants": load_variants,
    "cn": load_copy_number,
}


def prepare(case: dict, tmp: Path) -> tuple[Path, Path]:
    """(path to load, base directory of the sheet's relative paths) after the case's setup."""
    src_dir = Path(case["dir"])
    path = src_dir / case["file"]
    setup = case.get("setup") or ""
    companions = [path.with_name(path.name + ext) for ext in (".tbi", ".csi")]
    if setup or any(c.exists() for c in companions):
        # work on copies: mtimes from a git checkout mean nothing, and a FIFO cannot be committed
        for p in [path] + [c for c in companions if c.exists()]:
            if p.exists():
                shutil.copyfile(p, tmp / p.name)
        for name in list(os.listdir(src_dir)):  # files a sheet refers to
            if not (tmp / name).exists() and (src_dir / name).is_file() and \
                    name.endswith((".vcf", ".maf", ".gz")):
                shutil.copyfile(src_dir / name, tmp / name)
        path, src_dir = tmp / case["file"], tmp
        if setup.startswith("fifo="):
            fifo = tmp / setup.split("=", 1)[1]
            if fifo.exists():
                fifo.unlink()
            os.mkfifo(fifo)
        now = time.time()
        if path.is_file():
            os.utime(path, (now - 100, now - 100))
        for c in companions:  # index newer than its data unless the case says otherwise
            if (tmp / c.name).exists():
                age = -200 if setup == "index_older" else 0
                os.utime(tmp / c.name, (now + age, now + age))
    return path, src_dir


def check_result(loaded, case: dict):
    """``GENE=status[:class][:vaf=x]`` checks on a variant file's gene rows."""
    if not case.get("result"):
        return
    from cohortmark.variants import gene_mutations

    panel = load_panel(build=case.get("build") or "GRCh38")
    genes = gene_mutations(loaded.variants, panel, loaded.genes_read).set_index("gene")
    for check in case["result"].split(";"):
        gene, _, want = check.partition("=")
        status, *rest = want.split(":")
        row = genes.loc[gene]
        assert row.mut_status == status, (gene, row.to_dict())
        for item in rest:
            if item.startswith("vaf="):
                assert row.vaf == pytest.approx(float(item[4:])), (gene, row.to_dict())
            else:
                assert row.mutation_class == item, (gene, row.to_dict())


def run_stage(case: dict, path: Path, base: Path, out: Path):
    """The case through the step that writes results, as ``cohortmark.steps.run`` runs it.

    Variant and copy-number files: the ingest shard step. Sheets and config: the start-up
    checks, then a result table. Returns (exit code, log text)."""
    from cohortmark import steps
    from cohortmark.tsv import write_tsv

    log = out / "logs" / "step.log"
    results = out / "results"
    if case["kind"] in ("variants", "cn") and path.is_file():
        # (a missing file or a named pipe never reaches a job: the sheet check refuses it
        # and Snakemake checks that inputs exist; those go through the generic step below)
        from cohortmark.config import default_config

        build = case.get("build") or ("GRCh38" if case["kind"] == "variants" else "GRCh37")
        column = "variant_file" if case["kind"] == "variants" else "cn_file"
        sheet = out / "samples.tsv"
        sheet.parent.mkdir(parents=True, exist_ok=True)
        sheet.write_text("patient_id\ttumor_sample\tcn_format\t" + column + "\n"
                         f"P01\t{case.get('sample') or ''}\t{case.get('format') or ''}\t{path}\n")
        defaults = default_config()
        settings = {"copy_number": defaults["copy_number"],
                    "variants": {**defaults["variants"], **variants_config(case)["variants"]},
                    **{k: defaults[k] for k in ("structural_variants", "tmb", "msi")}}
        smk = SimpleNamespace(
            wildcards=SimpleNamespace(shard="0"),
            input=SimpleNamespace(panel=str(ROOT / "resources" / "panel.tsv")),
            output=SimpleNamespace(alterations=str(results / "ingest" / "shard_0.alterations.tsv"),
                                   mutations=str(results / "ingest" / "shard_0.mutations.tsv"),
                                   patients=str(results / "ingest" / "shard_0.patients.tsv"),
                                   structural_variants=str(
                                       results / "ingest" / "shard_0.structural_variants.tsv")),
            params=SimpleNamespace(samples=str(sheet), shards=1, fingerprint="", build=build,
                                   settings=settings, cache=str(results / "cache")),
            log=[str(log)])
        step = steps.ingest_shard
    else:
        def step(smk, log_):
            table = LOADERS[case["kind"]](path, case, base)
            write_tsv(pd.DataFrame({"loaded": [type(table).__name__]}),
                      results / "inputs.tsv")
        smk = SimpleNamespace(log=[str(log)])
    try:
        steps.run(step, smk)
        code = 0
    except SystemExit as e:
        code = e.code
    return code, log.read_text() if log.exists() else ""


def tables(out: Path) -> list[str]:
    results = out / "results"
    return sorted(str(p.relative_to(out)) for p in results.rglob("*")
                  if p.is_file() and "cache" not in p.parts) if results.exists() else []


@pytest.mark.parametrize("case", CASES.to_dict("records"),
                         ids=[f"{Path(d).name}/{f}:{i}" for i, (d, f) in
                              enumerate(zip(CASES["dir"], CASES["file"]))])
def test_bad_input_case(case, tmp_path):
    path, base = prepare(case, tmp_path)
    load = LOADERS[case["kind"]]
    expect = case["expect"]
    if expect == "ACCEPT" or expect.startswith("WARN "):
        loaded = load(path, case, base)
        if expect.startswith("WARN "):
            notes = " ".join(loaded.notes)
            assert expect[5:] in notes, notes
            assert str(path) in notes and "patient P01" in notes
        check_result(loaded, case)
    else:
        with pytest.raises(InputError) as err:
            load(path, case, base)
        message = str(err.value)
        assert expect.replace("{path}", str(path)) in message
        assert str(path) in message
        assert "\n" not in message.strip(), "one message, one line"
        if case["kind"] in ("variants", "cn"):
            assert "patient P01" in message
    # the step that would write results: nothing left behind on error, tables otherwise
    out = tmp_path / "run"
    code, log = run_stage(case, path, base, out)
    left = tables(out)
    if expect == "ACCEPT" or expect.startswith("WARN "):
        assert code == 0, log
        assert left, "an accepted input writes its tables"
    else:
        # one clear line (the loader's message, or the sheet check's when the step's own
        # sheet refuses the value first) and no traceback
        assert code == 1 and "cohortmark: error:" in log and "Traceback" not in log, log
        assert left == [], f"result tables left behind: {left}"
    RESULTS["passed"] += 1


def test_corpus_is_large_enough():
    broken = CASES[CASES["expect"] != "ACCEPT"]
    assert len(CASES) >= 160, f"corpus has {len(CASES)} cases; the issue asks for 160+"
    assert len(broken) >= 100
    assert set(CASES["kind"]) >= {"samples", "plasma", "config", "variants", "cn"}
