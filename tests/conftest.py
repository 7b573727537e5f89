import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(Path(__file__).parent))

# Wall time (s) of the session's example run, for tests that compare timings (SLURM).
EXAMPLE_SECONDS: dict[str, float] = {}


def pytest_terminal_summary(terminalreporter):
    """Print the bad-input corpus size and pass count (issue: 'printed by the test suite')."""
    mod = sys.modules.get("test_bad_inputs") or sys.modules.get("tests.test_bad_inputs")
    if mod is not None:
        r = mod.RESULTS
        terminalreporter.write_line(f"bad-input corpus: {r['cases']} cases, {r['passed']} passed")


@pytest.fixture(scope="session")
def example_run(tmp_path_factory):
    """One finished run of the bundled example, shared by every test that only reads it.
    Tests that change inputs or settings work on a clone (runs.clone_run), never on this."""
    from runs import run_example

    start = time.monotonic()
    workdir = run_example(tmp_path_factory.mktemp("example"))
    EXAMPLE_SECONDS["example"] = time.monotonic() - start
    return workdir
