"""One package list: requirements.txt, environment.yml and the rules' conda env agree."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _requirements():
    """{name: version} of requirements.txt, and the runtime subset (before the engine part)."""
    pins, runtime, section = {}, {}, None
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.startswith("# ---"):
            section = line
            continue
        line = line.split("#")[0].strip()
        if not line:
            continue
        name, version = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line).groups()
        pins[name.lower()] = version
        if section and "runtime" in section:
            runtime[name.lower()] = version
    return pins, runtime


def _conda(path):
    deps = yaml.safe_load(path.read_text())["dependencies"]
    out = {}
    for dep in deps:
        if isinstance(dep, dict):
            for pip_dep in dep.get("pip", []):
                name, version = pip_dep.split("==")
                out[name.lower()] = version
        elif dep not in ("pip",) and not dep.startswith("python="):
            name, version = dep.split("=")
            out[name.lower()] = version
    return out


def test_environment_yml_lists_the_requirements():
    pins, _ = _requirements()
    assert _conda(ROOT / "environment.yml") == pins


def test_rule_environment_is_the_runtime_part():
    _, runtime = _requirements()
    assert runtime, "requirements.txt lost its runtime section"
    assert _conda(ROOT / "workflow" / "envs" / "cohortmark.yaml") == runtime


def test_every_rule_names_the_environment():
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        text = smk.read_text()
        rules = re.findall(r"^rule (\w+):", text, flags=re.M)
        envs = re.findall(r'^    conda:\n        "\.\./envs/cohortmark\.yaml"', text, flags=re.M)
        assert len(rules) == len(envs), f"{smk.name}: {len(rules)} rules, {len(envs)} conda:"
