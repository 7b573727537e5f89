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
import json
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


def config_errors(config: dict, schema_path: str | Path | dict = SCHEMA_PATH) -> list[str]:
    """Every schema violation of ``config`` as one line naming the key, sorted by key.

    ``schema_path`` is the schema file, or the schema itself as a dict."""
    schema = schema_path if isinstance(schema_path, dict) else load_schema(schema_path)
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


def check_config(config: dict, schema_path: str | Path | dict = SCHEMA_PATH,
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


def section(config: dict | None, name: str) -> dict:
    """The ``name`` section of a config (whole-config mapping), completed from the schema.

    On a config that ``resolve`` already completed this returns a copy of the section; on a
    partial one (tests, library use) the missing keys take the schema's defaults and a wrong
    value raises InputError naming the key (``config key 'variants.min_vaf': ...``).
    """
    known = load_schema()["properties"]
    unknown = sorted(set(config or {}) - set(known))
    if unknown:  # e.g. a bare section given where a whole config is expected
        raise InputError(f"config key '{unknown[0]}' is not a known key (known here: "
                         f"{', '.join(sorted(known))}); pass the whole config, "
                         f"e.g. {{'{name}': {{...}}}}")
    return complete(name, (config or {}).get(name))


def complete(name: str, value) -> dict:
    """The config section ``name`` given as ``value`` (None = absent), checked against the
    schema and completed with its defaults. Memoised on the section's content (ingest calls
    this once per patient), and returned as a fresh copy."""
    key = json.dumps(value, sort_keys=True, default=repr)
    return copy.deepcopy(_complete(name, key))


@lru_cache(maxsize=256)
def _complete(name: str, key: str):
    schema = load_schema()
    if name not in schema["properties"]:
        raise KeyError(f"no config section {name!r} in the schema")
    value = json.loads(key)
    holder = {} if value is None else {name: value}
    sub = {"type": "object", "properties": {name: schema["properties"][name]}}
    check_config(holder, sub)
    return fill_defaults(holder, sub).get(name)


# --- config/README.md: its reference part is generated from the schema -----------------------

README_BEGIN = ("<!-- BEGIN reference generated from config/schemas/config.schema.yaml by "
                "`make config-docs`: edit the schema, not this part -->")
README_END = "<!-- END generated reference -->"


def _flow(value) -> str:
    """A default as the user writes it in YAML (flow style): ``[CR, PR]``, ``null``, ``3.0``."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _rows(props: dict, prefix: str):
    for key, sub in props.items():
        name = f"{prefix}{key}"
        if "properties" in sub:
            yield from _rows(sub["properties"], f"{name}.")
            continue
        default = f"`{_flow(sub['default'])}`" if "default" in sub else ""
        yield f"| `{name}` | {default} | {_cell(sub.get('description', ''))} |"


def reference_markdown(schema: dict | None = None) -> str:
    """The config reference (every key, its default and meaning) as Markdown, from the schema."""
    schema = schema or load_schema()
    props = schema["properties"]
    required = set(schema.get("required", []))
    out = ["## Top-level keys", "",
           "| key | required | default | meaning |", "| --- | --- | --- | --- |"]
    for key, sub in props.items():
        if "properties" in sub:
            out.append(f"| `{key}` | no | | section: see [{key}](#{key}) below |")
            continue
        default = f"`{_flow(sub['default'])}`" if "default" in sub else ""
        out.append(f"| `{key}` | {'yes' if key in required else 'no'} | {default} | "
                   f"{_cell(sub.get('description', ''))} |")
    out += ["", "## Settings by section", "",
            "Every key is optional; the default is used when a key is absent."]
    for key, sub in props.items():
        if "properties" not in sub:
            continue
        out += ["", f"### {key}", "", " ".join(sub.get("description", "").split()), "",
                "| key | default | meaning |", "| --- | --- | --- |"]
        out += list(_rows(sub["properties"], f"{key}."))
    return "\n".join(out) + "\n"


def replace_generated(text: str, begin: str, end: str, body: str) -> str:
    """``text`` with the part between the ``begin`` and ``end`` marker lines replaced by
    ``body`` (the generated parts of config/README.md)."""
    if begin not in text or end not in text:
        raise ValueError(f"config/README.md lacks the marker {begin[:60]!r}...")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n\n{body}\n{end}{tail}"


def readme_with_reference(text: str, schema: dict | None = None) -> str:
    """``text`` (config/README.md) with the settings reference regenerated."""
    return replace_generated(text, README_BEGIN, README_END, reference_markdown(schema))


def write_config_readme(path: str | Path = "config/README.md") -> None:
    """Regenerate both generated parts of config/README.md: the settings reference (from the
    schema) and the copy-number formats table (from the reader registry)."""
    from .copynumber.formats.docs import readme_with_formats

    readme = Path(path)
    text = readme_with_formats(readme_with_reference(readme.read_text(encoding="utf-8")))
    readme.write_text(text, encoding="utf-8")
    print(f"wrote the generated parts of {readme}")


if __name__ == "__main__":  # make config-docs
    import sys

    write_config_readme(sys.argv[1] if len(sys.argv) > 1 else "config/README.md")
