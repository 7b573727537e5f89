"""Run one step of cohortmark.steps as a Snakemake ``script:`` job would (bench_figures.py):
a JSON file gives the job's input, output, params and log."""

import json
import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))


class Files(list):
    """Like Snakemake's Namedlist: a list with attribute access to named entries."""

    def __init__(self, named):
        if isinstance(named, list):
            super().__init__(named)
            self._names = {}
            return
        super().__init__(v for v in named.values() if not isinstance(v, list))
        self._names = dict(named)
        for k, v in named.items():
            setattr(self, k, v)

    def items(self):
        return self._names.items()

    def keys(self):
        return self._names.keys()


def main(path):
    from cohortmark import steps

    spec = json.loads(Path(path).read_text())
    smk = SimpleNamespace(input=Files(spec["input"]), output=Files(spec["output"]),
                          log=Files(spec["log"]), params=SimpleNamespace(**spec["params"]))
    steps.run(getattr(steps, spec["step"]), smk)


if __name__ == "__main__":
    main(sys.argv[1])
