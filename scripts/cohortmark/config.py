"""Config validation with one clear line per mistake, naming the key.

Snakemake's ``validate`` (used too, in the Snakefile, for defaults) prints the whole schema on
failure; this gives the user one line: ``config key 'ingest.shards': 'many' is not of type
'integer'``.
"""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml

from .errors import InputError


def config_errors(config: dict, schema_path: str | Path) -> list[str]:
    """Every schema violation of ``config`` as one line naming the key, sorted by key."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    lines = []
    for err in validator.iter_errors(config):
        key = ".".join(str(p) for p in err.absolute_path)
        if err.validator == "additionalProperties":
            extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            where = f"{key}." if key else ""
            known = ", ".join(sorted(err.schema.get("properties", {})))
            lines.extend(f"config key '{where}{k}' is not a known key (known here: {known})"
                         for k in extra)
        elif err.validator == "required":
            lines.append(f"config: {err.message}" + (f" in '{key}'" if key else ""))
        else:
            lines.append(f"config key '{key}': {err.message}")
    return sorted(lines)


def check_config(config: dict, schema_path: str | Path, path: str | None = None) -> None:
    """Raise InputError with the first problem (and a count of the others), if any."""
    errors = config_errors(config if config is not None else {}, schema_path)
    if errors:
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise InputError(errors[0] + more, path=path)
