"""The config schema is the one source of defaults and rules; errors name the key."""

import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from cohortmark.config import complete, default_config, load_schema, resolve, section
from cohortmark.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "scripts" / "cohortmark"


def test_schema_is_valid_and_its_defaults_satisfy_it():
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(default_config(), schema)


def test_every_key_has_a_description_and_every_leaf_a_default():
    def walk(props, prefix):
        for key, sub in props.items():
            name = f"{prefix}{key}"
            assert sub.get("description"), f"{name} has no description"
            if "properties" in sub:
                walk(sub["properties"], f"{name}.")
            elif name != "samples":
                assert "default" in sub, f"{name} has no default"

    walk(load_schema()["properties"], "")


def test_no_second_copy_of_defaults_in_the_package():
    """No module keeps a DEFAULTS table or reads a setting with an inline fallback."""
    offenders = []
    pattern = re.compile(r"^\s*DEFAULTS\s*[:=]|config\.get\(\"\w+\",\s*[^)]")
    for path in PACKAGE.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_shipped_config_resolves_and_keeps_user_values():
    user = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    cfg = resolve(user)
    assert cfg["copy_number"]["amp_min_fold"] == user["copy_number"]["amp_min_fold"]
    assert cfg["statistics"]["conf_level"] == 0.95
    assert user.get("ingest", {}).get("shards", 16) == cfg["ingest"]["shards"]


def test_partial_section_is_completed_from_the_schema():
    props = load_schema()["properties"]["variants"]["properties"]
    got = section({"variants": {"min_vaf": 0.1}}, "variants")
    assert got["min_vaf"] == 0.1
    assert got["filter"] == props["filter"]["default"]
    assert section(None, "variants") == section({}, "variants") == default_config()["variants"]
    assert complete("copy_number", None)["amp_min_fold"] == \
        load_schema()["properties"]["copy_number"]["properties"]["amp_min_fold"]["default"]


def test_returned_sections_are_copies():
    a = section({}, "statistics")
    a["tests"].append("nonsense")
    assert "nonsense" not in section({}, "statistics")["tests"]


@pytest.mark.parametrize("config,message", [
    ({"samples": "s.tsv", "ingest": {"shards": "many"}},
     "config key 'ingest.shards': 'many' is not of type 'integer'"),
    ({"samples": "s.tsv", "copy_number": {"amp_min_fol": 4}},
     "config key 'copy_number.amp_min_fol' is not a known key"),
    ({"samples": "s.tsv", "statistics": {"conf_level": 1.5}},
     "config key 'statistics.conf_level': 1.5 is greater than or equal to the maximum of 1"),
    ({"samples": "s.tsv", "ctdna_analysis": {"response_drop": 0}},
     "config key 'ctdna_analysis.response_drop'"),
    ({"genome": "GRCh38"}, "config: 'samples' is a required property"),
])
def test_errors_are_one_line_naming_the_key(config, message):
    with pytest.raises(InputError) as err:
        resolve(config)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_section_errors_name_the_key():
    with pytest.raises(InputError, match=r"config key 'variants.min_vaff' is not a known key"):
        section({"variants": {"min_vaff": 0.1}}, "variants")
    with pytest.raises(InputError, match=r"config key 'copy_number.amp_min_fold': 'four'"):
        complete("copy_number", {"amp_min_fold": "four"})


def test_config_readme_reference_is_generated_from_the_schema():
    """config/README.md cannot drift from the schema: its reference part is generated."""
    from cohortmark.config import readme_with_reference

    text = (ROOT / "config" / "README.md").read_text(encoding="utf-8")
    assert text == readme_with_reference(text), "run `make config-docs`"
    for key in load_schema()["properties"]["copy_number"]["properties"]:
        assert f"`copy_number.{key}`" in text
