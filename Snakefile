# cohortmark: genomic biomarker analysis for cancer clinical trials and rare-cancer registries.
# Stages (one rule file each): ingest -> cohort -> statistics -> ctdna -> present, and export.
import sys

from snakemake.utils import min_version, validate

min_version("9.0")
sys.path.insert(0, f"{workflow.basedir}/scripts")
from cohortmark.config import resolve  # noqa: E402
from cohortmark.errors import InputError  # noqa: E402

from cohortmark.configfile import load_config_file, normalise_dates  # noqa: E402

# Config files with messages naming the file and the line. Snakemake parses a --configfile
# itself before this file runs (a file that is not YAML, tab-indented or empty stops there with
# its own message; `python scripts/check_config.py FILE` then names the line). Files it did
# parse are read again here for what YAML accepts silently: a key given twice.
try:
    for _file in workflow.config_settings.configfiles:
        load_config_file(_file)
    if not workflow.config_settings.configfiles:
        load_config_file(f"{workflow.basedir}/config/config.yaml")
except InputError as err:
    raise WorkflowError(f"invalid configuration: {err}") from None

# The example's config is the default only when the user names none: Snakemake would
# otherwise merge it under the user's --configfile (e.g. inheriting its plasma sheet).
if not workflow.config_settings.configfiles:

    configfile: "config/config.yaml"


# An unquoted date (report_date: 2026-03-01) is read by YAML as a date: keep the text written.
normalise_dates(config)


# The schema is the one source of defaults: check the config (one line naming the key) and
# complete it, so that every rule can hand its settings to its step as params.
try:
    config.update(
        resolve(config, f"{workflow.basedir}/config/schemas/config.schema.yaml")
    )
except InputError as err:
    raise WorkflowError(f"invalid configuration: {err}") from None


include: "workflow/rules/common.smk"


# Sheets were read and cross-checked in common.smk (line-accurate messages); the schemas
# document their typed columns.
validate(SAMPLES.drop(columns="_line"), "config/schemas/samples.schema.yaml")
if PLASMA is not None:

    validate(PLASMA.drop(columns="_line"), "config/schemas/ctdna.schema.yaml")


include: "workflow/rules/ingest.smk"
include: "workflow/rules/cohort.smk"
include: "workflow/rules/statistics.smk"
include: "workflow/rules/ctdna.smk"
include: "workflow/rules/present.smk"
include: "workflow/rules/export.smk"


rule all:
    default_target: True
    input:
        get_final_output(),
