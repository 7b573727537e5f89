# Set-up and everyday commands; see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
CORES ?= all

.PHONY: demo test bench bench-100k bench-figures bench-registry lint example registry-example registry clean config-docs

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)
	@echo "Report: $(CURDIR)/results/report.html"

test: $(STAMP)
	$(BIN)/python -m pytest

# The registry benchmark (not part of the tests): 1,000, 20,000 and 100,000 patients from
# scratch and with one patient added; results in bench/results.tsv, bench/jobs.tsv and the
# README's Performance table. The synthetic registry (~24 GB, over an hour to generate on 2
# cores the first time, then reused) lives in BENCH_DATA.
BENCH_DATA ?= bench/work
bench: $(STAMP)
	$(BIN)/python bench/bench_workflow.py --data $(BENCH_DATA) --sizes 1000,20000,100000 --readme

# Only the 100,000-patient case (bench/results_100k.tsv, bench/jobs_100k.tsv; README untouched).
bench-100k: $(STAMP)
	$(BIN)/python bench/bench_workflow.py --data $(BENCH_DATA) --sizes 100000 \
		--results bench/results_100k.tsv

# 5,000 patients x 500-gene panel x 36 rules with fusion and MSI files (bench/registry_results.tsv),
# then the cohort steps' memory as the panel grows to 2,000 genes (bench/panel_memory_results.tsv)
bench-registry: $(STAMP)
	$(BIN)/python bench/bench_registry.py
	$(BIN)/python bench/bench_panel_memory.py

# sizes and times of the figures and the report (example-sized to 5,000 x 500 and TCGA-LAML)
bench-figures: $(STAMP)
	$(BIN)/python bench/bench_figures.py

lint: $(STAMP)
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/ruff check scripts tests resources bench

# config/README.md's reference part is generated from config/schemas/config.schema.yaml,
# its copy-number format table from the format registry (scripts/cohortmark/copynumber/formats).
config-docs: $(STAMP)
	PYTHONPATH=scripts $(BIN)/python -m cohortmark.config config/README.md

example: $(STAMP)
	$(BIN)/python scripts/make_example_cohort.py

registry-example: $(STAMP)
	$(BIN)/python scripts/make_registry_example.py

# the registry example, run in registry_run/ (config/ and example/ linked there); `make demo`
# stays the trial example
registry: $(STAMP)
	mkdir -p registry_run
	ln -sfn $(CURDIR)/config registry_run/config
	ln -sfn $(CURDIR)/example registry_run/example
	$(BIN)/snakemake --cores $(CORES) --directory registry_run \
		--configfile $(CURDIR)/config/registry/config.yaml
	@echo "Report: $(CURDIR)/registry_run/results/report.html"

clean:
	rm -rf results logs .snakemake registry_run
