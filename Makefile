# Set-up and everyday commands; see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
CORES ?= all

.PHONY: demo test bench lint example clean config-docs

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)
	@echo "Report: $(CURDIR)/results/report.html"

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_workflow.py

lint: $(STAMP)
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/ruff check scripts tests resources bench

# config/README.md's reference part is generated from config/schemas/config.schema.yaml.
config-docs: $(STAMP)
	PYTHONPATH=scripts $(BIN)/python -m cohortmark.config config/README.md

example: $(STAMP)
	$(BIN)/python scripts/make_example_cohort.py

clean:
	rm -rf results logs .snakemake
