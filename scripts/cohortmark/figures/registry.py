"""The one list of figures: name, title, caption, draw function, the tables and the settings each
uses, and where the report shows it. The workflow's rules, the figures step and the report
template loop over ``FIGURES``; adding a figure is a plotting function, an entry here and (when
it needs a new setting) a key in the config schema.

A figure's ``draw(tables, settings, out_prefix)`` takes the tables named in ``tables`` (see
``TABLES``) and ``settings``, the part of the config named in ``settings`` (a nested dict such
as ``{"figures": {"dpi": 300}, "statistics": {"conf_level": 0.95}}``; rules hand exactly this
to the job as a param, so a changed setting redraws only the figures that use it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..config import default_config
from . import conf_label

# name -> where the table comes from (relative to the working directory; "config:KEY" = the
# path a config key names)
TABLES = {
    "sheet": "config:samples",
    "panel": "config:panel",
    "plasma": "config:ctdna",
    "alterations": "results/cohort/alterations.tsv",
    "associations": "results/cohort/associations.tsv",
    "interactions": "results/cohort/interactions.tsv",
    "outcomes": "results/cohort/outcomes.tsv",
    "trajectories": "results/ctdna/trajectories.tsv",
    "molecular_response": "results/ctdna/molecular_response.tsv",
    "emergent": "results/ctdna/emergent.tsv",
    "patients": "results/cohort/patients.tsv",
    "eligibility": "results/cohort/eligibility.tsv",
    "trial_summary": "results/cohort/trial_summary.tsv",
}
# The columns of a table the figures read (the rest is never loaded by a figure job).
TABLE_COLUMNS = {"alterations": ["patient_id", "gene", "cn_status", "cn_call", "mut_status",
                                 "mutation_class", "sv_status"],
                 "eligibility": ["patient_id", "rule", "status"]}
# patients.tsv columns a figure may draw as a clinical track (figures.heatmap_tracks): the
# patient-level biomarkers measured by the workflow, merged into the sheet when it is loaded
PATIENT_TRACKS = ("tmb", "msi_status", "msi_score")


@dataclass(frozen=True)
class Figure:
    name: str
    title: str
    caption: str  # reStructuredText; "{conf}" stands for the confidence level as a percentage
    draw: Callable
    tables: tuple[str, ...]
    settings: tuple[str, ...]  # "section.key" of every setting the drawing reads
    section: str  # report section: outcomes, genomics, associations, ctdna, trials
    # "ctdna": drawn only when a plasma sheet is configured; "cohorts": only with trial rules
    needs: str | None = None
    own_rule: bool = False  # drawn by a rule of its own (not the generic figure rule)
    # tables needed only when a setting is not null: {table: "section.key"}
    optional: dict = field(default_factory=dict)


# --- the draw functions: tables + settings -> the plotting functions' arguments ----------------

def _heatmap(t, s, out):
    from .heatmap import plot_biomarker_heatmap

    f = s["figures"]
    return plot_biomarker_heatmap(
        t["alterations"], t["sheet"], t["panel"], out, associations=t["associations"],
        tracks=f["heatmap_tracks"], max_genes=f["heatmap_max_genes"], sort=f["heatmap_sort"],
        per_patient_max=f["heatmap_per_patient_max"], endpoint=f["heatmap_pvalue_endpoint"],
        altered_calls=s["copy_number"]["altered_calls"], dpi=f["dpi"])


def _waterfall(t, s, out):
    from .clinical import plot_waterfall

    f, st = s["figures"], s["statistics"]
    return plot_waterfall(t["sheet"], out, new_lesions_column=f["new_lesions_column"],
                          biomarker=f["waterfall_biomarker"], alterations=t.get("alterations"),
                          amplification_calls=st["amplification_calls"],
                          deletion_calls=st["deletion_calls"], dpi=f["dpi"])


def _swimmer(t, s, out):
    from .clinical import plot_swimmer

    f = s["figures"]
    return plot_swimmer(t["sheet"], out, max_patients=f["swimmer_max_patients"],
                        response_column=f["response_onset_column"], dpi=f["dpi"])


def _km(endpoint):
    def draw(t, s, out):
        from .survival import plot_km

        f = s["figures"]
        return plot_km(t["sheet"], endpoint, out, alterations=t.get("alterations"),
                       outcomes=t["outcomes"], split_by=f["km_split_by"],
                       statistics=s["statistics"],
                       min_at_risk_fraction=f["km_min_at_risk_fraction"], dpi=f["dpi"])
    return draw


def _forest(t, s, out):
    from .forest import plot_forest

    return plot_forest(t["associations"], out, max_rows=s["figures"]["forest_max_rows"],
                       conf_level=s["statistics"]["conf_level"], dpi=s["figures"]["dpi"])


def _interactions(t, s, out):
    from .interactions import plot_interactions

    return plot_interactions(t["interactions"], out,
                             max_genes=s["figures"]["interactions_max_genes"],
                             dpi=s["figures"]["dpi"])


def _trial_matches(t, s, out):
    from .trials import plot_trial_matches

    summary = t["trial_summary"]
    f = s["figures"]
    return plot_trial_matches(t["eligibility"], list(summary["rule"]), out, summary=summary,
                              max_columns=f["heatmap_per_patient_max"], dpi=f["dpi"])


def _ctdna(t, s, out):
    from .ctdna import plot_ctdna_vaf

    return plot_ctdna_vaf(t["trajectories"], out, t["sheet"], t["molecular_response"],
                          t["plasma"], s)


KM_CAPTION = (
    "Kaplan-Meier estimate of {what} (product-limit, {conf} band with the interval type of "
    "``statistics.km_conf_type``, as the medians of outcomes.tsv), censored patients as ticks; "
    "the legend gives n, events and the median with its interval in months; dashed lines mark "
    "the landmark rates of outcomes.tsv. Under the axis: patients at risk (censored so far). "
    "With ``figures.km_split_by`` one curve per biomarker group with the log-rank p and the "
    "Cox hazard ratio (altered vs not) on the plot; patients not profiled for the biomarker "
    "are left out and counted in the title. The axis ends where fewer than "
    "``figures.km_min_at_risk_fraction`` of the patients remain at risk.")

FIGURES: list[Figure] = [
    Figure(
        "biomarker_heatmap", "Biomarker heatmap",
        "Columns are patients, grouped by best response (CR, PR, SD, PD, NE) and ordered "
        "inside a group by best % change (trial size) or by alteration pattern (registry size; "
        "``figures.heatmap_sort``); bars on top show best % change and the altered genes per "
        "patient, then clinical tracks. Rows are panel genes (with a large panel, the "
        "``figures.heatmap_max_genes`` with the smallest primary q, then the most often "
        "altered; the title says so). Cell colour is the copy-number call (red amplification/"
        "gain, blue deep deletion/loss, white neutral), black a mutation (glyph = class), "
        "orange a fusion; **hatched grey is not profiled** - never wild type. Tracks may be "
        "sheet columns or the measured TMB and MSI (tmb, msi_status, msi_score of "
        "patients.tsv). Gains and losses "
        "marked * are drawn but not counted as altered (``copy_number.altered_calls``). "
        "Right: alteration types per gene (% of assessed), % altered of the patients assessed, "
        "and the gene's primary association for ``figures.heatmap_pvalue_endpoint`` (q and p, "
        "the test named).",
        _heatmap, ("sheet", "panel", "alterations", "associations", "patients"),
        ("figures.heatmap_tracks", "figures.heatmap_max_genes", "figures.heatmap_sort",
         "figures.heatmap_per_patient_max", "figures.heatmap_pvalue_endpoint", "figures.dpi",
         "copy_number.altered_calls"), "genomics"),
    Figure(
        "waterfall", "Waterfall: best % change",
        "Best % change of the sum of target lesions from baseline per patient, coloured by "
        "RECIST 1.1 best response, with the +20% (progression) and -30% (partial response) "
        "lines. Non-evaluable patients are hatched; an asterisk marks progression by new "
        "lesions (sheet column ``figures.new_lesions_column``); patients without a measurement "
        "are listed in the title. With ``figures.waterfall_biomarker`` a strip under the bars "
        "shows the biomarker (black altered, white not altered, grey not profiled).",
        _waterfall, ("sheet",),
        ("figures.new_lesions_column", "figures.waterfall_biomarker", "figures.dpi",
         "statistics.amplification_calls", "statistics.deletion_calls"), "outcomes",
        optional={"alterations": "figures.waterfall_biomarker"}),
    Figure(
        "swimmer", "Swimmer: treatment and follow-up",
        "One lane per patient: a bar for the time on treatment (coloured by best response), "
        "then a grey line of follow-up to last contact or death; markers for response onset "
        "(sheet column ``figures.response_onset_column``), progression and death; an arrow for "
        "patients still on treatment. The axis runs to the longest follow-up. Above "
        "``figures.swimmer_max_patients`` patients only the longest on treatment are drawn (the "
        "title says how many of how many).",
        _swimmer, ("sheet",),
        ("figures.swimmer_max_patients", "figures.response_onset_column", "figures.dpi"),
        "outcomes"),
    Figure("km_pfs", "Kaplan-Meier: progression-free survival",
           KM_CAPTION.replace("{what}", "progression-free survival"), _km("pfs"),
           ("sheet", "outcomes"),
           ("figures.km_split_by", "figures.km_min_at_risk_fraction", "figures.dpi",
            "statistics.conf_level", "statistics.km_conf_type", "statistics.amplification_calls",
            "statistics.deletion_calls"), "outcomes",
           optional={"alterations": "figures.km_split_by"}),
    Figure("km_os", "Kaplan-Meier: overall survival",
           KM_CAPTION.replace("{what}", "overall survival"), _km("os"),
           ("sheet", "outcomes"),
           ("figures.km_split_by", "figures.km_min_at_risk_fraction", "figures.dpi",
            "statistics.conf_level", "statistics.km_conf_type", "statistics.amplification_calls",
            "statistics.deletion_calls"), "outcomes",
           optional={"alterations": "figures.km_split_by"}),
    Figure(
        "forest", "Forest plot of the primary associations",
        "One row per gene and endpoint: the primary test's association with the smallest q "
        "(odds ratio for response, hazard ratio for survival - a log-rank row shows the Cox "
        "hazard ratio of the same comparison -, correlation for best % change) with its "
        "{conf} interval, one panel per endpoint with an axis fitted to the intervals; at most "
        "``figures.forest_max_rows`` rows, the smallest q. An open circle is an estimate of 0 "
        "or infinity (a zero cell), an arrow an interval running beyond the axis.",
        _forest, ("associations",),
        ("figures.forest_max_rows", "figures.dpi", "statistics.conf_level"), "associations"),
    Figure(
        "interactions", "Co-occurrence and mutual exclusivity",
        "Pairs of genes (lower triangle): colour is -log10 p of Fisher's exact test, purple "
        "where the alterations occur together more often than expected, orange where they "
        "exclude each other; a star marks q < 0.05, a dot p < 0.05; white: not testable. At "
        "most ``figures.interactions_max_genes`` genes (those in the pairs with the smallest "
        "p).",
        _interactions, ("interactions",),
        ("figures.interactions_max_genes", "figures.dpi"), "associations"),
    Figure(
        "ctdna_vaf", "ctDNA variant allele fractions",
        "Plasma variant allele fraction (%) over days from the start of treatment, one panel "
        "per patient (own day axis) and one line per variant, labelled with gene and protein "
        "change. A segment is solid where the variant was detected at both samples and dashed "
        "where it was not detected at one of them; hollow markers are samples where it was not "
        "detected. Emergent variants (first detected after baseline) are thick with a star at "
        "their first detection. The dashed vertical line is clinical progression (PFS months x "
        "``ctdna_analysis.days_per_month``).",
        _ctdna, ("sheet", "trajectories", "molecular_response", "plasma"),
        ("ctdna_analysis.days_per_month", "ctdna_analysis.max_panel_patients", "figures.dpi"),
        "ctdna", needs="ctdna", own_rule=True),
    Figure(
        "trial_matches", "Patients x trials",
        "One row per trial (biomarker rule of ``cohorts``), one column per patient, ordered by "
        "the number of trials a patient is eligible for, then may match: blue eligible, "
        "orange unknown (something the rule needs was not measured), grey ineligible. Above "
        "``figures.heatmap_per_patient_max`` patients, each column is a bin of patients and "
        "its colours are the shares of the three statuses. Right: counts per trial and the "
        "most common reason for unknown (trial_summary.tsv); below: how many trials each "
        "patient is eligible for.",
        _trial_matches, ("eligibility", "trial_summary"),
        ("figures.heatmap_per_patient_max", "figures.dpi"), "trials", needs="cohorts"),
]
BY_NAME = {f.name: f for f in FIGURES}


def applicable(config: dict) -> list[Figure]:
    """The figures of a run: those needing plasma only when a plasma sheet is configured, the
    trial figure only when trial rules (``cohorts``) are."""
    return [f for f in FIGURES if f.needs is None or config.get(f.needs)]


def tables_of(figure: Figure, config: dict) -> list[str]:
    """The tables ``figure`` reads with this config (an optional one only when its setting
    is set: a Kaplan-Meier curve without a biomarker split never reads alterations.tsv)."""
    names = list(figure.tables)
    for table, key in figure.optional.items():
        sec, name = key.split(".", 1)
        if config[sec][name] is not None:
            names.append(table)
    return names


def load_tables(paths: dict, build: str) -> dict:
    """The tables named in ``paths`` (name -> file), read as the draw functions take them."""
    from .. import parsed
    from ..sheets import load_plasma
    from ..tsv import read_tsv

    out = {}
    if "sheet" in paths:
        out["sheet"] = parsed.samples(paths["sheet"])
    stores = paths.get("stores")
    for name, path in paths.items():
        if name == "stores":
            continue
        if name == "alterations" and stores and "sheet" in out:
            # the same rows as alterations.tsv, from the shards' columnar stores (a registry's
            # 2.5 million rows: ~0.5 s instead of ~5 s as text)
            from ..store import cohort_rows

            out[name] = cohort_rows(stores, out["sheet"], TABLE_COLUMNS.get(name),
                                    sheet_order=True)
        elif name == "panel":
            out[name] = parsed.panel(path, build)
        elif name == "plasma":
            out[name] = (load_plasma(path, out["sheet"]["patient_id"], check_files=False)
                         if path else None)
        elif name != "sheet":
            out[name] = read_tsv(path, TABLE_COLUMNS.get(name))
    if "patients" in out and "sheet" in out:
        measured = out["patients"].set_index("patient_id")
        for col in PATIENT_TRACKS:
            if col in measured.columns:
                out["sheet"][col] = out["sheet"]["patient_id"].map(measured[col])
    return out


def settings_of(figure: Figure, config: dict) -> dict:
    """The part of a (complete) config that ``figure`` uses, as nested sections."""
    out: dict = {}
    for key in figure.settings:
        sec, name = key.split(".", 1)
        out.setdefault(sec, {})[name] = config[sec][name]
    return out


def caption(figure: Figure, conf_level: float) -> str:
    """The figure's caption (reStructuredText) with the confidence level filled in."""
    return figure.caption.replace("{conf}", conf_label(conf_level))


def draw(name: str, tables: dict, settings: dict, out_prefix):
    """Draw figure ``name`` from its tables and settings; returns (svg, png) paths."""
    return BY_NAME[name].draw(tables, settings, out_prefix)


def draw_with_defaults(name: str, tables: dict, out_prefix, **overrides):
    """Draw with the schema's default settings (tests, library use), ``overrides`` as in
    ``default_config``."""
    return draw(name, tables, settings_of(BY_NAME[name], default_config(**overrides)),
                out_prefix)
