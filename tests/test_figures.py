"""Figures: layout and summary functions against hand-worked values (the Kaplan-Meier estimate
is cohortmark.stats.survival's, checked against R in test_survival.py; the split's log-rank p
here against lifelines), every sheet event drawn, one heatmap column per patient at registry
scale, bounded files, text kept as text, deterministic files."""

import base64
import io
import re

import numpy as np
import pandas as pd
import pytest
import report_fixtures as rf
from cohortmark.config import default_config
from cohortmark.errors import InputError
from cohortmark.figures import registry
from cohortmark.figures.biomarker import biomarker_groups, parse_split
from cohortmark.figures.clinical import plot_swimmer, plot_waterfall, swimmer_events
from cohortmark.figures.forest import axis_limits, forest_rows
from cohortmark.figures.heatmap import plot_biomarker_heatmap
from cohortmark.figures.heatmap_data import (
    CN_CODES,
    MUT_NONE,
    MUT_NP,
    cell_arrays,
    gene_associations,
    gene_frequencies,
    patient_order,
    pattern_key,
    select_genes,
    track_values,
)
from cohortmark.figures.interactions import interaction_matrix
from cohortmark.figures.survival import (
    at_risk,
    axis_end,
    censored_by,
    landmarks_of,
    split_statistics,
)
from PIL import Image


@pytest.fixture(scope="module")
def trial():
    return rf.trial()


@pytest.fixture(scope="module")
def tables():
    return rf.trial_tables()


def heatmap_kw(**over):
    f = default_config()["figures"]
    kw = dict(tracks=[], max_genes=f["heatmap_max_genes"], sort=f["heatmap_sort"],
              per_patient_max=f["heatmap_per_patient_max"], endpoint="response",
              altered_calls=["AMP", "HOMDEL"], dpi=100)
    kw.update(over)
    return kw


# --- Kaplan-Meier pieces --------------------------------------------------------------------

def test_risk_table_hand_worked():
    t, e = [1, 2, 2, 3, 4], [1, 1, 0, 0, 1]
    assert at_risk(t, [0, 2, 3, 5]) == [5, 4, 2, 0]
    assert censored_by(t, e, [0, 2, 3, 5]) == [0, 1, 2, 2]
    # 10 patients, 10%: the axis ends at the longest follow-up but one patient remains
    assert axis_end(range(1, 11), 0.1) == 10 and axis_end(range(1, 11), 0.3) == 8
    assert axis_end([5, 1, 9], 0.0) == 9
    out = pd.DataFrame({"metric": ["ORR", "PFS_3mo", "PFS_6mo", "OS_12mo"]})
    assert landmarks_of(out, "pfs") == [3.0, 6.0] and landmarks_of(out, "os") == [12.0]


def test_split_logrank_agrees_with_lifelines():
    from lifelines.statistics import logrank_test

    rng = np.random.default_rng(4)
    t = rng.exponential(6, 40).round(1) + 0.1
    e = (rng.random(40) < 0.7).astype(float)
    g = np.where(rng.random(40) < 0.4, "altered", "not altered")
    d = pd.DataFrame({"pfs_months": t, "pfs_event": e, "group": g})
    ours = split_statistics(d, "pfs_months", "pfs_event", 0.95)
    a = g == "altered"
    theirs = logrank_test(t[a], t[~a], e[a], e[~a])
    assert ours["p"] == pytest.approx(theirs.p_value, rel=1e-6)
    assert ours["estimable"] and ours["lo"] < ours["hr"] < ours["hi"]


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
    with pytest.raises(InputError, match="no fusion calls"):
        biomarker_groups(alt, "TWIST1", "fusion")


def test_km_split_uses_the_statistics_definitions():
    alt = pd.DataFrame({"patient_id": ["A", "B", "C", "D"], "gene": ["CDKN2A"] * 4,
                        "cn_status": ["altered", "wildtype", "wildtype", "not_profiled"],
                        "cn_call": ["HOMDEL", "LOSS", "NEUTRAL", None],
                        "mut_status": ["wildtype"] * 4})
    default = biomarker_groups(alt, "CDKN2A", "deletion")
    assert default.to_dict() == {"A": "altered", "B": "not altered", "C": "not altered",
                                 "D": None}
    wider = biomarker_groups(alt, "CDKN2A", "deletion", deletion_calls=("HOMDEL", "LOSS"))
    assert wider["B"] == "altered"


# --- heatmap content ------------------------------------------------------------------------

def test_columns_grouped_by_response_then_change(trial):
    sheet, _, alt, *_ = trial
    altered = np.zeros((len(sheet), 1), bool)
    order, used = patient_order(sheet, altered, "auto", 150)
    ids = list(sheet["patient_id"].to_numpy()[order])
    assert used == "response_change"
    # PR, then SD by % change, then PD (P10 unmeasured last among PD), then NE
    assert ids == ["P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08", "P09", "P10", "P11"]
    sheet2 = sheet.copy()
    sheet2.loc[sheet2["patient_id"] == "P11", ["best_response", "best_pct_change"]] = ["PD", 5.0]
    order, _ = patient_order(sheet2, altered, "response_change", 150)
    ids = list(sheet2["patient_id"].to_numpy()[order])
    assert ids.index("P11") > ids.index("P06")  # a PD patient never sits between SD patients
    with pytest.raises(InputError, match="heatmap_sort"):
        patient_order(sheet, altered, "random", 150)


def test_pattern_sort_hand_worked():
    altered = np.array([[0, 1, 0], [1, 0, 0], [1, 1, 0], [0, 0, 0], [0, 1, 1], [1, 0, 1]], bool)
    # altered in the first gene first (then by the second, third), ties stable
    assert list(pattern_key(altered)) == [2, 5, 1, 4, 0, 3]


def test_registry_scale_order_is_pattern_inside_response():
    sheet, panel, alt = rf.synthetic(400, seed=2)
    arr = cell_arrays(alt, sheet["patient_id"], panel["gene"])
    altered = arr["cn_altered"] | arr["mut_altered"]
    order, used = patient_order(sheet, altered, "auto", 150)
    assert used == "response_pattern"
    resp = sheet["best_response"].fillna("unknown").to_numpy()[order]
    rank = {r: i for i, r in enumerate(["CR", "PR", "SD", "PD", "NE", "unknown"])}
    assert all(rank[a] <= rank[b] for a, b in zip(resp, resp[1:]))
    first = altered[order][resp == "SD"][:, 0]  # inside SD: altered in gene 1 first
    assert first[: first.sum()].all()


def test_cell_arrays_three_states(trial):
    sheet, panel, alt, *_ = trial
    arr = cell_arrays(alt, sheet["patient_id"], panel["gene"])
    p = {pid: i for i, pid in enumerate(sheet["patient_id"])}
    g = {gene: j for j, gene in enumerate(panel["gene"])}
    assert CN_CODES[arr["cn"][p["P09"], g["MDM2"]]] == "NP"
    assert CN_CODES[arr["cn"][p["P01"], g["MDM2"]]] == "AMP"
    assert arr["mut"][p["P10"], g["TP53"]] == MUT_NP
    assert arr["mut"][p["P01"], g["TP53"]] == MUT_NONE
    assert arr["mut"][p["P08"], g["TP53"]] == 2  # missense
    assert not arr["sv_altered"].any()


def test_gene_frequencies_count_only_assessed(trial):
    alt = trial[2]
    freq = gene_frequencies(alt).set_index("gene")
    assert (freq.loc["MDM2", "n_altered"], freq.loc["MDM2", "n_assessed"]) == (10, 10)
    assert (freq.loc["TWIST1", "n_altered"], freq.loc["TWIST1", "n_assessed"]) == (3, 9)
    fus = alt.assign(sv_status="wildtype", sv_partners=None)
    fus.loc[(fus["patient_id"] == "P04") & (fus["gene"] == "TWIST1"), "sv_status"] = "altered"
    fus.loc[fus["patient_id"] == "P05", "sv_status"] = "not_profiled"
    f2 = gene_frequencies(fus).set_index("gene")
    # P04 (assessed already) now altered by a fusion; P05 (not altered, no fusion data) is
    # no longer assessed: 9 - 1
    assert (f2.loc["TWIST1", "n_altered"], f2.loc["TWIST1", "n_assessed"]) == (4, 8)


def test_gene_associations_use_the_primary_family(trial):
    assoc = trial[3]
    fam = rf.with_family(assoc)
    fam.loc[(fam["gene"] == "TWIST1") & (fam["alteration"] == "amplification"), "family"] = (
        "exploratory")
    rows, source = gene_associations(fam, "response")
    assert source == "family"
    assert "TWIST1" not in set(rows["gene"])  # its only row is exploratory: never shown
    assert rows.set_index("gene").loc["CDKN2A", "test"] == "fisher"
    rows, source = gene_associations(assoc.drop(columns="family", errors="ignore"),
                                     "response")  # a table without the column
    assert source.startswith("default primary tests")
    assert rows.set_index("gene").loc["TWIST1", "p_value"] == pytest.approx(1 / 12)


def test_large_panels_show_top_genes_by_q_then_frequency():
    panel = pd.DataFrame({"gene": [f"G{i}" for i in range(6)], "group": ["a"] * 6})
    freq = pd.DataFrame({"gene": panel["gene"], "n_altered": [1, 5, 9, 2, 0, 7],
                         "n_assessed": [10] * 6})
    assoc = pd.DataFrame({"gene": ["G3", "G0"], "alteration": ["any", "any"],
                          "test": ["fisher", "fisher"], "p_value": [0.01, 0.2],
                          "q_value": [0.04, 0.3]})
    genes = select_genes(panel, freq, assoc, 4)
    assert list(genes["gene"]) == ["G3", "G0", "G2", "G5"]
    assert list(select_genes(panel, freq, assoc, 10)["gene"]) == list(panel["gene"])


def test_unknown_track_is_a_clear_error(trial):
    with pytest.raises(InputError, match="figures.heatmap_tracks"):
        track_values(trial[0], ["no_such_column"])
    vals = track_values(trial[0], ["age", "primary_site"])
    assert pd.api.types.is_numeric_dtype(vals["age"])


def _images(svg_text: str):
    """The PNG images embedded in an SVG, opened."""
    return [Image.open(io.BytesIO(base64.b64decode(b)))
            for b in re.findall(r'xlink:href="data:image/png;base64,([^"]+)"', svg_text)]


def test_heatmap_registry_scale_one_column_per_patient(tmp_path):
    sheet, panel, alt = rf.synthetic(5000)
    svg, png = plot_biomarker_heatmap(alt, sheet, panel, tmp_path / "h", associations=None,
                                      **heatmap_kw(tracks=["sex"], dpi=300))
    text = svg.read_text()
    # the matrix: one image per best-response group, together one pixel column per patient
    groups = re.findall(r'base64,([^"]+)" id="heatmap-matrix-\d+"', text)
    widths = [Image.open(io.BytesIO(base64.b64decode(b))).size[0] for b in groups]
    assert len(groups) == 5 and sum(widths) == 5000  # CR, PR, SD, PD, NE
    assert svg.stat().st_size < 2_000_000 and png.stat().st_size < 2_000_000
    assert "R00001" not in text  # no per-patient labels at this scale
    assert "<text" in text and "MDM2" in text  # text stays text


def test_heatmap_draws_fusions_when_the_column_is_present(trial, tmp_path):
    sheet, panel, alt, assoc, _ = trial
    fus = alt.assign(sv_status="wildtype", sv_partners=None)
    fus.loc[(fus["patient_id"] == "P02") & (fus["gene"] == "PDGFRA"), "sv_status"] = "altered"
    svg, _ = plot_biomarker_heatmap(fus, sheet, panel, tmp_path / "f", associations=assoc,
                                    **heatmap_kw())
    plain, _ = plot_biomarker_heatmap(alt, sheet, panel, tmp_path / "p", associations=assoc,
                                      **heatmap_kw())
    assert "fusion / rearrangement" in svg.read_text()
    assert "fusion / rearrangement" not in plain.read_text()
    assert svg.read_text().lower().count("#e69f00") > plain.read_text().lower().count("#e69f00")


def test_not_profiled_is_drawn_grey_hatched(tmp_path, trial):
    from cohortmark.figures import NP_FACE

    sheet, panel, alt, *_ = trial
    svg, _ = plot_biomarker_heatmap(alt, sheet, panel, tmp_path / "with", associations=None,
                                    **heatmap_kw())
    keep = ~sheet["patient_id"].eq("P09")
    svg2, _ = plot_biomarker_heatmap(alt[alt["patient_id"] != "P09"], sheet[keep], panel,
                                     tmp_path / "without", associations=None, **heatmap_kw())

    def hatched_grey(path):
        text = path.read_text()
        ids = re.findall(r'<pattern id="(\w+)"[^>]*>\s*<rect [^>]*fill="' + NP_FACE.lower(),
                         text)
        return sum(text.count(f"url(#{i})") for i in ids)

    assert hatched_grey(svg) >= 18 + hatched_grey(svg2)


# --- clinical figures -----------------------------------------------------------------------

def _uses(svg_text: str, gid: str) -> int:
    """Markers drawn by the artist with ``gid`` (one <use> per point)."""
    m = re.search(rf'<g id="{gid}">(.*?)</g>', svg_text, re.S)
    return 0 if m is None else m.group(1).count("<use ")


def test_swimmer_draws_every_event_of_the_sheet(trial, tmp_path):
    sheet = trial[0].copy()
    sheet["response_months"] = [2.0, 1.9] + [None] * 9
    sheet.loc[sheet["patient_id"] == "P05", "os_months"] = 30.0  # long after the others
    sheet.loc[sheet["patient_id"] == "P05", "os_event"] = 1
    events = swimmer_events(sheet, "response_months")
    assert len(events) == 2 + int(sheet["pfs_event"].sum()) + int(sheet["os_event"].sum())
    svg, _ = plot_swimmer(sheet, tmp_path / "s", max_patients=60,
                          response_column="response_months", dpi=100)
    text = svg.read_text()
    for kind in ("response", "progression", "death"):
        assert _uses(text, f"swimmer-{kind}") == (events["kind"] == kind).sum(), kind
    xmax = float(re.findall(r">(\d+)</text>", text.split("Months from start")[0])[-1])
    assert xmax >= 30  # the axis runs to the longest follow-up: the death at 30 is shown


def test_swimmer_caps_registry_scale(tmp_path):
    sheet = rf.synthetic(300, seed=5)[0]
    svg, _ = plot_swimmer(sheet, tmp_path / "s", max_patients=40,
                          response_column="response_months", dpi=100)
    text = svg.read_text()
    assert "the 40 patients longest on treatment, of 300" in text


def test_waterfall_marks_new_lesions_and_biomarker(trial, tmp_path):
    sheet, _, alt, *_ = trial
    sheet = sheet.assign(new_lesions=["false"] * 7 + ["true", "true", "false", "false"])
    svg, _ = plot_waterfall(sheet, tmp_path / "w", new_lesions_column="new_lesions",
                            biomarker="TWIST1:amplification", alterations=alt,
                            amplification_calls=["AMP"], deletion_calls=["HOMDEL"], dpi=100)
    text = svg.read_text()
    assert _uses(text, "waterfall-new-lesions") == 2
    assert "TWIST1 amplification" in text and "not measured (2): P10, P11" in text


# --- forest and interactions ----------------------------------------------------------------

def test_forest_one_primary_row_per_gene_and_endpoint(trial):
    assoc = rf.with_family(trial[3])
    extra = pd.DataFrame([
        {"gene": "TWIST1", "alteration": "amplification", "endpoint": "pfs", "test": "logrank",
         "n_assessed": 10, "n_altered": 3, "p_value": 0.03, "q_value": 0.3, "family": "primary"},
        {"gene": "TWIST1", "alteration": "amplification", "endpoint": "pfs", "test": "cox",
         "n_assessed": 10, "n_altered": 3, "effect": 0.21, "ci_low": 0.05, "ci_high": 0.9,
         "p_value": 0.04, "q_value": 0.3, "family": "exploratory"}])
    rows, source = forest_rows(pd.concat([assoc, extra], ignore_index=True), 30)
    assert source == "family"
    assert not rows.duplicated(["gene", "endpoint"]).any()
    assert set(rows["test"]) == {"fisher", "logrank"}
    pfs = rows[rows["endpoint"] == "pfs"].iloc[0]
    assert (pfs["effect"], pfs["ci_low"], pfs["ci_high"]) == (0.21, 0.05, 0.9)  # Cox HR
    assert list(rows["endpoint"]).index("pfs") > list(rows["endpoint"]).index("response")


def test_forest_axis_fitted_to_the_data():
    lo, hi = axis_limits([0.5, 0.8], [2.0, 3.0], True, 1.0)
    assert 0.3 < lo < 0.5 and 3.0 < hi < 5.0
    lo, hi = axis_limits([np.nan], [np.nan], False, 0.0, [-0.75, -0.1])
    assert -0.9 < lo < -0.75 and 0.0 < hi < 0.2


def test_interaction_matrix():
    genes, signed, p, q = interaction_matrix(rf.interactions_table(), 10)
    assert genes == ["CDKN2A", "CDK4", "CDKN2B", "TWIST1"]  # genes of tested pairs only
    i, j = genes.index("CDKN2B"), genes.index("CDKN2A")
    assert signed[i, j] == pytest.approx(-np.log10(0.012)) and q[i, j] == 0.036
    assert np.isnan(signed).sum() == 16 - 2


# --- every figure through the registry ------------------------------------------------------

def _draw_all(tables, d):
    cfg = default_config(figures={"heatmap_tracks": ["primary_site", "age"], "dpi": 100,
                                  "km_split_by": "TWIST1:amplification",
                                  "waterfall_biomarker": "TWIST1"})
    for f in registry.applicable(cfg):
        registry.draw(f.name, tables, registry.settings_of(f, cfg), d / f.name)


def test_figures_deterministic_text_as_text(tables, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    _draw_all(tables, a)
    _draw_all(tables, b)
    files = sorted(p.name for p in a.iterdir())
    assert len(files) == 2 * len([f for f in registry.FIGURES if f.needs is None])
    for name in files:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    for svg in a.glob("*.svg"):
        text = svg.read_text()
        assert "<dc:date>" not in text and "Matplotlib v" not in text
        assert "<text" in text, svg.name  # searchable, editable text
    assert "TWIST1" in (a / "biomarker_heatmap.svg").read_text()


def test_png_is_300_dpi_by_default(tables, tmp_path):
    cfg = default_config()
    f = registry.BY_NAME["waterfall"]
    _, png = registry.draw("waterfall", tables, registry.settings_of(f, cfg), tmp_path / "w")
    dpi = Image.open(png).info["dpi"]
    assert round(dpi[0]) == 300 == cfg["figures"]["dpi"]


def test_figures_survive_a_sheet_without_clinical_data(tmp_path, tables):
    """A genomics-only registry: no responses, no survival; every figure still draws."""
    bare = tables["sheet"].copy()
    for col in ("best_response", "best_pct_change", "pfs_months", "pfs_event", "os_months",
                "os_event", "treatment_months", "on_treatment"):
        bare[col] = None if col in ("best_response", "on_treatment") else float("nan")
    empty = tables["associations"].head(0)
    t = {**tables, "sheet": bare, "associations": empty,
         "interactions": tables["interactions"].head(0), "outcomes": None}
    _draw_all(t, tmp_path)
    assert len(list(tmp_path.glob("*.svg"))) == len([f for f in registry.FIGURES
                                                     if f.needs is None])


def test_an_assay_the_run_never_used_does_not_shrink_the_assessed(trial):
    """A MAF-only cohort (copy number not profiled for anyone): a gene's assessed patients are
    those profiled for mutations, not only the mutated ones (which would read 100% altered)."""
    alt = trial[2].assign(cn_status="not_profiled", cn_call=None)
    freq = gene_frequencies(alt).set_index("gene")
    # TP53: P08 mutated; P10 has no variant file -> 1 of 10 assessed
    assert (freq.loc["TP53", "n_altered"], freq.loc["TP53", "n_assessed"]) == (1, 10)


def test_registry_size_bars_are_one_step_outline_per_colour():
    """Touching bars (registry size) are drawn as a filled step outline per colour, in one
    rasterized collection: each patient's bar keeps its bottom, height and colour, gaps stay
    empty."""
    import matplotlib.pyplot as plt
    import numpy as np
    from cohortmark.figures.heatmap import _bars, _step_patches
    from matplotlib.collections import PatchCollection
    from matplotlib.colors import to_rgba

    x = np.array([0, 1, 2, 3, 5, 6])  # no patient bar at 4
    h = np.array([2.0, -1.0, 0.0, 3.0, 1.5, 0.0])
    b = np.array([0.0, 0.0, 1.0, 1.0, 2.0, 0.0])
    colours = ["red", "blue", "red", "red", "blue", "red"]
    patches = {p.get_facecolor(): p for p in _step_patches(x, h, b, colours)}
    assert len(patches) == 2
    for colour, expect in (("red", [2.0, 0, 0, 3.0, 0, 0, 0]),
                           ("blue", [0, -1.0, 0, 0, 0, 1.5, 0])):
        values, edges, baseline = patches[to_rgba(colour)].get_data()
        assert edges.tolist() == list(range(8))
        assert (values - baseline).tolist() == expect
        bars = np.array(expect) != 0
        assert baseline[bars].tolist() == [b[list(x).index(i)] for i in np.flatnonzero(bars)]
    fig, ax = plt.subplots()
    ax.set_ylim(-5, 5)
    _bars(ax, x, np.r_[h[:5], np.nan], colours, raster=True, width=1.0, bottom=b)
    (pc,) = [c for c in ax.get_children() if isinstance(c, PatchCollection)]
    assert pc.get_rasterized() and len(pc.get_paths()) == 2
    assert [tuple(c) for c in pc.get_facecolor()] == [to_rgba("red"), to_rgba("blue")]
    assert ax.get_ylim() == (-5, 5)  # limits left to the caller
    plt.close(fig)
