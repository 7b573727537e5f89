# cohortmark: genomic biomarker analysis for cancer clinical trials and rare-cancer registries.
# Stages (one rule file each): ingest -> cohort -> statistics -> ctdna -> present.
import sys

from snakemake.utils import min_version, validate

min_version("9.0")
sys.path.insert(0, f"{workflow.basedir}/scripts")
from cohortmark.config import check_config  # noqa: E402
from cohortmark.errors import InputError  # noqa: E402

# The example's config is the default only when the user names none: Snakemake would
# otherwise merge it under the user's --configfile (e.g. inheriting its plasma sheet).
if not workflow.config_settings.configfiles:

    configfile: "config/config.yaml"


# One clear line naming the key first; then Snakemake's validate fills in the defaults.
try:
    check_config(config, f"{workflow.basedir}/config/schemas/config.schema.yaml")
except InputError as err:
    raise WorkflowError(f"invalid configuration: {err}") from None
validate(config, "config/schemas/config.schema.yaml", set_default=True)


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


rule all:
    default_target: True
    input:
        get_final_output(),
