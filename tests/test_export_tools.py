"""The exported files in the real tools: cBioPortal's validator and maftools.

Both are optional here (they are not Python packages of this project):

- cBioPortal's validator is ``scripts/importer/validateData.py`` of cbioportal-core (AGPL, not
  vendored). Set ``CBIOPORTAL_CORE`` to a checkout of https://github.com/cBioPortal/cbioportal-core
  (a work tree, or a git repository whose HEAD is read with ``git archive``). It runs offline:
  ``-n`` (no portal) and ``-p`` with the cancer types of the checkout's own test portal dump, so
  the study's ``type_of_cancer`` is checked too. Its imports are requests, PyYAML and dsnparse;
  dsnparse is used only by a commented-out database helper of cbioportal_common.py, so where it
  is not installed an empty module stands in for it.
- maftools (Bioconductor) with R: ``Rscript -e 'library(maftools)'`` must work.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from cohortmark.export import export_cohort, write_export
from cohortmark.variants.consequences import MAF_CLASS
from export_fixtures import BUILD, edge_cohort, example_cohort


def _export(cohort, out, **settings):
    alt, mut, sheet, cfg = cohort[:4]
    sv = cohort[4] if len(cohort) > 4 else None
    ex = export_cohort(alt, mut, sheet, {**cfg["export"], **settings}, BUILD,
                       cfg["variants"]["non_alterations"], structural_variants=sv)
    return write_export(ex, out)


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tools")
    example = example_cohort(tmp / "example_tables")
    edge = edge_cohort(tmp / "edge_tables")
    return {"example": (example, _export(example, tmp / "example")),
            "edge": (edge, _export(edge, tmp / "edge"))}


# --- cBioPortal's validator -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def validator(tmp_path_factory):
    """(scripts dir, PYTHONPATH, portal-info dir) of cbioportal-core's validator, or skip."""
    src = os.environ.get("CBIOPORTAL_CORE")
    if not src:
        pytest.skip("cBioPortal's validator is not available: set CBIOPORTAL_CORE to a "
                    "cbioportal-core checkout to run it (git clone "
                    "https://github.com/cBioPortal/cbioportal-core)")
    src = Path(src)
    tmp = tmp_path_factory.mktemp("cbioportal_core")
    if (src / "scripts" / "importer" / "validateData.py").is_file():
        root = src
    else:
        tar = tmp / "core.tar"
        done = subprocess.run(["git", "-C", str(src), "archive", "-o", str(tar), "HEAD",
                               "scripts/importer", "tests/test_data/api_json_system_tests"],
                              capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"CBIOPORTAL_CORE={src} is neither a cbioportal-core work tree nor a "
                        f"git repository of it: {done.stderr.strip()}")
        with tarfile.open(tar) as t:
            t.extractall(tmp / "core", filter="data")
        root = tmp / "core"
    missing = [m for m in ("requests", "yaml") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"the validator needs {', '.join(missing)}")
    path = [str(root / "scripts")]
    if importlib.util.find_spec("dsnparse") is None:
        (tmp / "shim").mkdir()
        (tmp / "shim" / "dsnparse.py").write_text(
            '"""Stand-in: cbioportal_common.py imports dsnparse for a commented-out helper."""\n')
        path.append(str(tmp / "shim"))
    portal = tmp / "portal"
    portal.mkdir()
    shutil.copy(root / "tests" / "test_data" / "api_json_system_tests" / "cancer-types.json",
                portal / "cancer-types.json")
    return root / "scripts", os.pathsep.join(path), portal


def validate(validator, study: Path, *args) -> tuple[int, str]:
    scripts, pythonpath, _ = validator
    done = subprocess.run([sys.executable, "-m", "importer.validateData", "-s", str(study),
                           *args], cwd=scripts, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": pythonpath})
    return done.returncode, done.stdout + done.stderr


def errors(output: str) -> list[str]:
    return [ln for ln in output.splitlines() if ln.startswith(("ERROR", "CRITICAL"))]


@pytest.mark.parametrize("name", ["example", "edge"])
def test_the_validator_accepts_the_study(validator, exports, name):
    study = exports[name][1]["cbioportal"]
    code, out = validate(validator, study, "-n")
    assert code in (0, 3) and not errors(out), out[-4000:]  # 3: succeeded with warnings
    assert "Validation of data succeeded" in out
    # with a portal's cancer types (the checkout's test dump): the type_of_cancer is known
    code, out = validate(validator, study, "-p", str(validator[2]))
    assert code in (0, 3) and not errors(out), out[-4000:]
    # the warnings left are the recommendations we cannot meet without more resources
    warnings = [ln for ln in out.splitlines()
                if ln.startswith("WARNING") and "Skipping validations" not in ln]
    allowed = ("The recommended column Entrez_Gene_Id", "Columns DFS_MONTHS and/or DFS_STATUS",
               "Including the SWISSPROT column is recommended",
               "No Amino_Acid_Change or HGVSp_Short value",  # splice sites, unannotated
               "Missing genomic information. Consider adding")  # SV: no transcripts/exons
    assert all(any(a in w for a in allowed) for w in warnings), warnings


def test_the_validator_refuses_an_unknown_cancer_type(validator, exports, tmp_path):
    cohort = exports["example"][0]
    study = _export(cohort, tmp_path / "x", cancer_type="not_a_type")["cbioportal"]
    code, out = validate(validator, study, "-p", str(validator[2]))
    assert code == 1
    assert any("Cancer type of study is neither known" in e for e in errors(out))


def test_the_validator_sees_a_broken_case_list_and_clinical_file(validator, exports, tmp_path):
    """The check can fail: the same study with a sample dropped from _sequenced, and an
    OS_STATUS outside the vocabulary, is refused."""
    study = tmp_path / "study"
    shutil.copytree(exports["example"][1]["cbioportal"], study)
    seq = study / "case_lists" / "cases_sequenced.txt"
    seq.write_text(seq.read_text().replace("P03\t", ""))
    clin = study / "data_clinical_patient.txt"
    clin.write_text(clin.read_text().replace("\t1:DECEASED\t", "\tdead\t", 1))
    code, out = validate(validator, study, "-n")
    assert code == 1
    found = "\n".join(errors(out))
    assert "not in the sequenced case list" in found or "missing from the '_sequenced'" in found
    assert "OS_STATUS" in found


# --- maftools ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rscript():
    exe = shutil.which("Rscript")
    if exe is None:
        pytest.skip("R is not installed (Rscript not found)")
    ok = subprocess.run([exe, "-e", "suppressMessages(library(maftools))"],
                        capture_output=True, text=True)
    if ok.returncode:
        pytest.skip("maftools is not installed in R (Bioconductor: "
                    "BiocManager::install('maftools'))")
    return exe


def test_maftools_reads_the_maf_with_clinical_data_and_copy_number(rscript, exports, tmp_path):
    """read.maf(maf, clinicalData=, cnTable=) as the README shows; its gene and sample
    summaries equal the cohort's counts, and its survival helper uses our clinical columns."""
    (alt, mut, sheet, _), paths = exports["example"]
    script = textwrap.dedent(f"""
        suppressMessages(library(maftools))
        clin <- read.delim("{paths['clinical']}")
        m <- read.maf("{paths['maf']}", clinicalData = "{paths['clinical']}",
                      cnTable = "{paths['cn']}", verbose = FALSE)
        write.table(getGeneSummary(m), "{tmp_path}/genes.tsv", sep = "\\t", quote = FALSE,
                    row.names = FALSE)
        write.table(getClinicalData(m), "{tmp_path}/clinical.tsv", sep = "\\t", quote = FALSE,
                    row.names = FALSE)
        write.table(m@maf.silent, "{tmp_path}/silent.tsv", sep = "\\t", quote = FALSE,
                    row.names = FALSE)
        pdf(NULL)
        oncoplot(m, cohortSize = sum(clin$mutations_profiled | clin$cn_profiled))
        mafSurvival(maf = m, genes = "CDKN2A", time = "os_months", Status = "os_event",
                    isTCGA = FALSE)
    """)
    done = subprocess.run([rscript, "-e", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    genes = pd.read_csv(tmp_path / "genes.tsv", sep="\t").set_index("Hugo_Symbol")
    nonsyn = mut[mut["consequence"].map(lambda c: c in MAF_CLASS) |
                 mut["mutation_class"].fillna("").ne("")]
    for gene in set(alt["gene"]):
        a = alt[alt["gene"] == gene]
        mutated = set(nonsyn.loc[nonsyn["gene"] == gene, "patient_id"])
        altered = mutated | set(a.loc[a["cn_status"] == "altered", "patient_id"])
        if not altered:
            assert gene not in genes.index
            continue
        assert genes.loc[gene, "MutatedSamples"] == len(mutated), gene
        assert genes.loc[gene, "AlteredSamples"] == len(altered), gene
    silent = pd.read_csv(tmp_path / "silent.tsv", sep="\t")
    assert len(silent) == (mut["mutation_class"].fillna("") == "").sum() == 3
    clinical = pd.read_csv(tmp_path / "clinical.tsv", sep="\t")
    assert {"best_response", "pfs_months", "os_event", "mutations_profiled"} <= set(
        clinical.columns)
    # CDKN2A deleted in P03 (6.1 months), P04 (16.8) and P10 (4.6): median 6.1 (3 patients)
    assert re.search(r"Mutant\s+6\.1\s+3\n", done.stdout), done.stdout


def test_the_readme_maftools_commands_run(rscript, exports, tmp_path):
    """The R block of README.md, run as written from a directory holding results/export/."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = re.search(r"\*\*maftools\*\* \(R\):\n\n```r\n(.*?)```", readme, re.S)
    assert block, "README has no maftools block"
    export = exports["example"][1]
    run = tmp_path / "results" / "export"
    run.mkdir(parents=True)
    for name in ("maf", "clinical", "cn"):
        shutil.copy(export[name], run / export[name].name)
    script = "pdf(NULL)\n" + block.group(1) + "\ncat('subset', nrow(getSampleSummary(both)))\n"
    done = subprocess.run([rscript, "-e", script], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    # profiled for both mutations and copy number: the 9 patients other than P06 and P09
    assert "subset 9" in done.stdout
