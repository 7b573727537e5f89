"""Check a config file by itself, with a message naming the file and the line:

    .venv/bin/python scripts/check_config.py my/config.yaml

Snakemake reads ``--configfile`` before the workflow runs, and for a file that is not YAML,
is tab-indented or is empty it says only "Config file is not valid JSON or YAML". This says
where. Exit status 0 when the file is a valid cohortmark configuration, 1 otherwise.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cohortmark.config import check_config  # noqa: E402
from cohortmark.configfile import load_config_file  # noqa: E402
from cohortmark.errors import InputError  # noqa: E402


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    status = 0
    for path in paths:
        try:
            check_config(load_config_file(path), path=path)
            print(f"{path}: valid")
        except InputError as err:
            print(f"cohortmark: error: {err}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
