"""Reading a config file with messages that name the file and the line.

Snakemake parses ``--configfile`` itself before any workflow code runs, and for a file that is
not YAML, is tab-indented or is empty it says only "Config file is not valid JSON or YAML"
(naming neither file nor line). ``load_config_file`` reads the same file and says what and
where: the Snakefile calls it on the default config file before Snakemake's ``configfile:``
directive, re-reads every ``--configfile`` it was given (to catch what YAML accepts silently:
duplicate keys, dates), and ``python scripts/check_config.py my/config.yaml`` runs it on its
own when Snakemake's message is all a user got.

What YAML accepts but the user did not mean is refused or repaired here too:
- a key given twice in one mapping (YAML keeps the last silently): error naming both lines;
- an unquoted date (``report_date: 2026-03-01`` reads as a date object): kept as the ISO text
  the user wrote (``normalise_dates``).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import yaml

from .errors import InputError


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping."""


def _construct_mapping(loader, node, deep=False):
    seen: dict = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"config key {key!r} is given twice (first on line {seen[key] + 1}); "
                "YAML would keep only the last", key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                 _construct_mapping)


def load_config_file(path: str | Path) -> dict:
    """The config file's mapping, or InputError naming the file and the line of the problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("config file does not exist", path=str(path)) from None
    except IsADirectoryError:
        raise InputError("config file is a directory", path=str(path)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"config file is not UTF-8 text (bad byte at offset {e.start})",
                         path=str(path)) from None
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[:len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip() and not line.lstrip().startswith("#"):
            raise InputError("indented with a tab; YAML allows only spaces for indentation "
                             "(replace the tab by spaces)", path=str(path), line=number)
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.constructor.ConstructorError as e:
        if e.problem and "given twice" in e.problem:
            raise InputError(e.problem, path=str(path), line=e.problem_mark.line + 1) from None
        raise InputError(f"config file is not valid YAML: {' '.join(str(e.problem).split())}",
                         path=str(path),
                         line=e.problem_mark.line + 1 if e.problem_mark else None) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(str(e.problem or e).split())
        context = f" ({' '.join(e.context.split())})" if e.context else ""
        raise InputError(f"config file is not valid YAML: {what}{context}", path=str(path),
                         line=line) from None
    except yaml.YAMLError as e:
        raise InputError(f"config file is not valid YAML: {' '.join(str(e).split())}",
                         path=str(path)) from None
    if data is None:
        raise InputError("config file is empty (no settings; at least `samples:` is needed)",
                         path=str(path))
    if not isinstance(data, dict):
        what = "a list" if isinstance(data, list) else "plain text" if isinstance(data, str) \
            else f"a single {type(data).__name__}"
        raise InputError(f"config file must hold `key: value` settings at the top level, not "
                         f"{what}", path=str(path), line=1)
    return normalise_dates(data)


def normalise_dates(config):
    """Dates and times that YAML read from unquoted text, back to the ISO text (in place for
    mappings and lists; returns ``config``). ``report_date: 2026-03-01`` then means what the
    user wrote instead of failing the schema's ``string`` with a Python type name."""
    if isinstance(config, dict):
        for key, value in config.items():
            config[key] = normalise_dates(value)
        return config
    if isinstance(config, list):
        for i, value in enumerate(config):
            config[i] = normalise_dates(value)
        return config
    if isinstance(config, (_dt.date, _dt.datetime)):
        return config.isoformat()
    return config
