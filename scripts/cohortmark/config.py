"""The configuration: validated and completed from one place, the JSON schema.

``config/schemas/config.schema.yaml`` is the only source of every default and every rule a
setting must follow; no module keeps a second copy. ``resolve`` gives the user one line per
mistake (``config key 'ingest.shards': 'many' is not of type 'integer'``) and returns the
config with every default filled in, so that steps and pure functions read settings directly
(``cfg["copy_number"]["amp_min_fold"]``) without ``.get(key, default)``.

Tests and library users who call the pure functions outside Snakemake start from
``default_config()`` (the schema's defaults) and override what they test.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

import jsonschema
import yaml

from .errors import InputError

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "config" / "schemas" / "config.schema.yaml"


@lru_cache(maxsize=4)
def load_schema(schema_path: str | Path = SCHEMA_PATH) -> dict:
    """The config schema as a dict (cached; treat as read-only)."""
    return yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))


def config_errors(config: dict, schema_path: str | Path = SCHEMA_PATH) -> list[str]:
    """Every schema violation of ``config`` as one line naming the key, sorted by key."""
    validator = jsonschema.Draft202012Validator(load_schema(schema_path))
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


def check_config(config: dict, schema_path: str | Path = SCHEMA_PATH,
                 path: str | None = None) -> None:
    """Raise InputError with the first problem (and a count of the others), if any."""
    errors = config_errors(config if config is not None else {}, schema_path)
    if errors:
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise InputError(errors[0] + more, path=path)


def fill_defaults(instance, schema: dict):
    """Fill ``default`` values of ``schema``'s object properties into ``instance``, in place
    and recursively (a section absent from the config takes its default ``{}`` and then its
    keys' defaults). Returns ``instance``."""
    if not isinstance(instance, dict):
        return instance
    for key, sub in schema.get("properties", {}).items():
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if key in instance:
            fill_defaults(instance[key], sub)
    return instance


def resolve(config: dict | None, schema_path: str | Path = SCHEMA_PATH,
            path: str | None = None) -> dict:
    """Check ``config`` against the schema (InputError naming the key) and return a copy with
    every default filled in."""
    config = {} if config is None else config
    check_config(config, schema_path, path=path)
    return fill_defaults(copy.deepcopy(dict(config)), load_schema(schema_path))


def default_config(**overrides) -> dict:
    """The schema's defaults as a complete config (``samples`` set to a placeholder), with
    top-level ``overrides`` applied first, e.g. ``default_config(statistics={"min_altered": 3})``.
    """
    return resolve({"samples": "samples.tsv", **overrides})
