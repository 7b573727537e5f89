"""Figures: layout and summary functions against hand-worked values (the Kaplan-Meier estimate
is cohortmark.stats.survival's, checked against R in test_survival.py), deterministic files,
and the heatmap at registry scale."""

import re
import time

import numpy as np
import pandas as pd
import pytest
import report_fixtures as rf
from cohortmark.errors import InputError
from cohortmark.figures.clinical import plot_swimmer, plot_waterfall, swimmer_order, waterfall_order
from cohortmark.figures.forest import forest_rows, plot_forest
from cohortmark.figures.heatmap import (
    cell_summary,
    column_layout,
    gene_frequencies,
    gene_pvalues,
    gene_rows,
    plot_biomarker_heatmap,
    track_values,
)
from cohortmark.figures.settings import figure_settings
from cohortmark.figures.survival import (
    at_risk,
    biomarker_groups,
    parse_split,
    plot_km,
)


@pytest.fixture(scope="module")
def trial():
    return rf.trial()


# --- Kaplan-Meier ---------------------------------------------------------------------------

# The estimate, band and median are cohortmark.stats.survival's (tests/test_survival.py checks
# them against R survfit and that the figure draws exactly them); here only the drawing parts.

def test_numbers_at_risk_hand_worked():
    assert at_risk([1, 2, 2, 3, 4], [0, 2, 3, 5]) == [5, 4, 2, 0]


def test_biomarker_split(trial):
    sheet, panel, alt, *_ = trial
    groups = biomarker_groups(alt, "TWIST1", "amplification")
    assert sorted(groups[groups == "altered"].index) == ["P01", "P02", "P03"]
    assert groups["P09"] is None  # no copy number: not profiled, not "not altered"
    assert parse_split("CDKN2A:deletion") == ("CDKN2A", "deletion")
    assert parse_split("TP53") == ("TP53", "any")
    with pytest.raises(InputError, match="km_split_by"):
        parse_split("TP53:loss")
    with pytest.raises(InputError, match="not in the cohort"):
        biomarker_groups(alt, "BRCA9", "any")


# --- heatmap layout and summaries -----------------------------------------------------------

def test_columns_ordered_by_best_change(trial):
    sheet = trial[0]
    layout = column_layout(sheet, max_columns=150)
    assert not layout["binned"].any()
    assert list(layout["patient_id"]) == ["P01", "P02", "P03", "P04", "P05", "P06", "P07",
                                          "P08", "P09", "P10", "P11"]  # unmeasured last
    assert list(layout["column"]) == list(range(11))


def test_binned_columns_at_scale():
    sheet, panel, alt = rf.synthetic(1200, seed=3)
    layout = column_layout(sheet, max_columns=150, bins=40)
    assert layout["binned"].all() and len(layout) == 1200
    per_col = layout.groupby("column")
    assert per_col["response"].nunique().max() == 1  # a bin never mixes responses
    assert 5 <= layout["column"].nunique() <= 40 + 6
    # inside a response group, bins follow best % change
    for _, grp in layout.groupby("response"):
        med = grp.groupby("column")["best_pct_change"].median().dropna()
        assert med.is_monotonic_increasing


def test_cell_summary_three_states(trial):
    sheet, panel, alt, *_ = trial
    layout = column_layout(sheet)
    cells = cell_summary(alt, layout).set_index(["column", "gene"])
    col = layout.set_index("patient_id")["column"]
    assert cells.loc[(col["P09"], "MDM2"), "NP"] == 1.0  # no copy number -> not profiled
    assert cells.loc[(col["P01"], "MDM2"), "AMP"] == 1.0
    assert cells.loc[(col["P10"], "TP53"), "mut_np"] == 1.0  # no variants -> not profiled
    assert cells.loc[(col["P08"], "TP53"), "mut_class"] == "missense"
    shares = cells[["AMP", "GAIN", "HOMDEL", "LOSS", "NEUTRAL", "NP"]].sum(axis=1)
    assert np.allclose(shares, 1.0)


def test_gene_frequencies_count_only_assessed(trial):
    alt = trial[2]
    freq = gene_frequencies(alt).set_index("gene")
    # MDM2: amplified in the 10 patients with copy number; P09 (no CN) is unknown, not wild type
    assert (freq.loc["MDM2", "n_altered"], freq.loc["MDM2", "n_assessed"]) == (10, 10)
    # TWIST1: P01-P03 amplified; P09 (no CN) and P10 (no variants, CN neutral) unknown
    assert (freq.loc["TWIST1", "n_altered"], freq.loc["TWIST1", "n_assessed"]) == (3, 9)


def test_gene_pvalues_and_rows(trial):
    sheet, panel, alt, assoc, _ = trial
    p = gene_pvalues(assoc).set_index("gene")
    assert p.loc["TWIST1", "alteration"] == "amplification"
    assert p.loc["TWIST1", "p_value"] == pytest.approx(1 / 12)  # 2/2 vs 1/7 responders
    genes, headers = gene_rows(panel)
    assert len(genes) == 18 and len(headers) == 2
    assert genes["y"].is_monotonic_increasing


def test_unknown_track_is_a_clear_error(trial):
    with pytest.raises(InputError, match="figures.heatmap_tracks"):
        track_values(trial[0], ["no_such_column"])
    vals = track_values(trial[0], ["age", "primary_site"])
    assert pd.api.types.is_numeric_dtype(vals["age"])
    assert not pd.api.types.is_numeric_dtype(vals["primary_site"])


def test_figure_settings():
    assert figure_settings({})["max_heatmap_columns"] == 150
    assert figure_settings({"figures": {"heatmap_tracks": ["age"]}})["heatmap_tracks"] == ["age"]
    with pytest.raises(InputError, match="figures.colour"):
        figure_settings({"figures": {"colour": "red"}})


# --- orders ---------------------------------------------------------------------------------

def test_waterfall_and_swimmer_order(trial):
    sheet = trial[0]
    wf = waterfall_order(sheet)
    assert list(wf["patient_id"][:2]) == ["P09", "P08"] and wf["patient_id"].iloc[-1] == "P01"
    assert "P10" not in set(wf["patient_id"])  # not measured: listed in the title instead
    sw = swimmer_order(sheet)
    assert sw["patient_id"].iloc[-1] == "P01"  # longest on top


def test_forest_rows(trial):
    assoc = trial[3]
    rows = forest_rows(assoc, max_rows=3)
    assert len(rows) == 3
    assert set(rows["gene"]) == {"TWIST1", "CDKN2A", "PDGFRA"}


# --- files ----------------------------------------------------------------------------------

def _draw_all(trial, d):
    sheet, panel, alt, assoc, _ = trial
    plot_biomarker_heatmap(alt, sheet, panel, d / "biomarker_heatmap", associations=assoc,
                           tracks=["primary_site", "age"])
    plot_waterfall(sheet, d / "waterfall")
    plot_swimmer(sheet, d / "swimmer")
    plot_km(sheet, "pfs", d / "km_pfs")
    plot_km(sheet, "os", d / "km_os", alterations=alt, split_by="TWIST1:amplification")
    plot_forest(assoc, d / "forest")


def test_figures_are_deterministic(trial, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    _draw_all(trial, a)
    _draw_all(trial, b)
    files = sorted(p.name for p in a.iterdir())
    assert len(files) == 12
    for name in files:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
        assert (a / name).stat().st_size > 5000
    svg = (a / "biomarker_heatmap.svg").read_text()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg


def test_heatmap_registry_scale(tmp_path):
    sheet, panel, alt = rf.synthetic(5000)
    t0 = time.perf_counter()
    svg, png = plot_biomarker_heatmap(alt, sheet, panel, tmp_path / "h", tracks=["sex"],
                                      max_columns=150, bins=60)
    seconds = time.perf_counter() - t0
    assert seconds < 90, seconds
    from PIL import Image

    width, height = Image.open(png).size
    assert width < 2500 and height < 2500  # a page-sized figure, not a 5,000-column raster
    assert svg.stat().st_size < 8_000_000
    assert "R00001" not in svg.read_text()  # no per-patient labels at this scale


def test_swimmer_caps_registry_scale(tmp_path):
    sheet = rf.synthetic(300, seed=5)[0]
    svg, _ = plot_swimmer(sheet, tmp_path / "s", max_patients=40)
    text = svg.read_text()
    longest = sheet.sort_values("treatment_months")["patient_id"]
    assert longest.iloc[-1] in text and longest.iloc[0] not in text
    assert "the 40 patients longest on treatment, of 300" in text


def test_figures_survive_a_sheet_without_clinical_data(tmp_path, trial):
    """A genomics-only registry: no responses, no survival; every figure still draws."""
    sheet, panel, alt, *_ = trial
    bare = sheet.copy()
    for col in ("best_response", "best_pct_change", "pfs_months", "pfs_event", "os_months",
                "os_event", "treatment_months", "on_treatment"):
        bare[col] = None if col in ("best_response", "on_treatment") else float("nan")
    empty_assoc = pd.DataFrame(columns=trial[3].columns)
    plot_biomarker_heatmap(alt, bare, panel, tmp_path / "h", associations=empty_assoc)
    plot_waterfall(bare, tmp_path / "w")
    plot_swimmer(bare, tmp_path / "s")
    plot_km(bare, "pfs", tmp_path / "k")
    plot_forest(empty_assoc, tmp_path / "f")
    assert len(list(tmp_path.glob("*.svg"))) == 5


def test_not_profiled_is_drawn_grey_hatched(tmp_path, trial):
    """The hatched grey of 'not profiled' is in the figure only when something was not profiled
    (legend aside): wild type stays white."""
    from cohortmark.figures.heatmap import NP_FACE

    sheet, panel, alt, *_ = trial
    svg, _ = plot_biomarker_heatmap(alt, sheet, panel, tmp_path / "with")
    keep = ~sheet["patient_id"].eq("P09")  # the one patient without copy number
    svg2, _ = plot_biomarker_heatmap(alt[alt["patient_id"] != "P09"], sheet[keep], panel,
                                     tmp_path / "without")
    def hatched_grey(path):
        """Shapes filled with a hatch pattern whose background is the not-profiled grey."""
        text = path.read_text()
        ids = re.findall(r'<pattern id="(\w+)"[^>]*>\s*<rect [^>]*fill="' + NP_FACE.lower(),
                         text)
        return sum(text.count(f"url(#{i})") for i in ids)

    n_with, n_without = hatched_grey(svg), hatched_grey(svg2)
    assert n_with >= 18 + n_without  # P09's 18 cells, on top of the legend and P10's bands


def test_forest_groups_endpoints_and_skips_non_ratio_tests(trial, tmp_path):
    assoc = trial[3]
    extra = pd.DataFrame([
        {"gene": "TWIST1", "alteration": "amplification", "endpoint": "pfs", "test": "cox",
         "n_assessed": 10, "n_altered": 3, "effect": 0.21, "ci_low": 0.05, "ci_high": 0.9,
         "p_value": 0.03, "q_value": 0.3},
        {"gene": "TWIST1", "alteration": "copy_number", "endpoint": "best_pct_change",
         "test": "spearman", "n_assessed": 8, "n_altered": 3, "effect": -0.7, "ci_low": None,
         "ci_high": None, "p_value": 0.001, "q_value": 0.01}])
    rows = forest_rows(pd.concat([assoc, extra], ignore_index=True), max_rows=5)
    assert "spearman" not in set(rows["test"])  # a correlation is not a ratio
    assert list(rows["endpoint"]) == ["response"] * 4 + ["pfs"]
    plot_forest(pd.concat([assoc, extra], ignore_index=True), tmp_path / "forest")


def test_km_split_uses_the_statistics_definitions():
    """A split curve compares the groups its log-rank row compares: deletion = HOMDEL unless
    statistics.deletion_calls says otherwise; not profiled patients are left out."""
    from cohortmark.figures.survival import biomarker_groups

    alt = pd.DataFrame({"patient_id": ["A", "B", "C", "D"], "gene": ["CDKN2A"] * 4,
                        "cn_status": ["altered", "wildtype", "wildtype", "not_profiled"],
                        "cn_call": ["HOMDEL", "LOSS", "NEUTRAL", None],
                        "mut_status": ["wildtype"] * 4})
    default = biomarker_groups(alt, "CDKN2A", "deletion")
    assert default.to_dict() == {"A": "altered", "B": "not altered", "C": "not altered",
                                 "D": None}
    wider = biomarker_groups(alt, "CDKN2A", "deletion", deletion_calls=("HOMDEL", "LOSS"))
    assert wider["B"] == "altered"
