"""The Methods text of the statistics, written from the settings that made the numbers (so the
report says exactly what the code did)."""

from __future__ import annotations

from .association import primary_tests, settings
from .survival import conf_type_words

NAMES = {"fisher": "Fisher", "mannwhitney": "Mann-Whitney", "spearman": "Spearman",
         "pearson": "Pearson", "logrank": "log-rank", "cox": "Cox"}
ENDPOINT_NAMES = {"response": "response", "best_pct_change": "best % change", "pfs": "PFS",
                  "os": "OS"}


def methods_text(config: dict | None) -> dict:
    """dict of sentences: ``outcomes``, ``survival``, ``tests`` (test -> words),
    ``multiplicity``, ``small_groups``, ``interactions``."""
    cfg = settings(config)
    pct = f"{float(cfg['conf_level']) * 100:g}%"
    responders, control = "/".join(cfg["responders"]), "/".join(cfg["disease_control"])
    unassessed = ("count as non-responders" if cfg["unassessed_response"] == "non_responder"
                  else "are left out")
    landmarks = ", ".join(f"{x:g}" for x in cfg["landmarks_months"])
    km = conf_type_words(cfg["km_conf_type"])
    population = ("all patients" if cfg["survival_population"] == "all"
                  else "evaluable patients")
    primary = sorted(primary_tests(cfg))
    primary_words = ", ".join(f"{NAMES[t]} ({ENDPOINT_NAMES[e]})" for e, t in primary)
    ilabel = cfg["interactions"]
    return {
        "outcomes": (
            f"ORR ({responders}) and DCR ({control}) are proportions of the evaluable patients "
            f"with exact Clopper-Pearson {pct} intervals; evaluable patients without a recorded "
            f"best response {unassessed} (statistics.unassessed_response), an explicit NE is a "
            "non-responder, non-evaluable patients are left out."),
        "survival": (
            f"Kaplan-Meier estimates over {population} with a time and an event: the median "
            f"and the rates at {landmarks} months, each with a pointwise {pct} interval "
            f"({km}); the curves in the figures show the same estimate and band. An empty "
            "median or limit means the curve never got that low; an empty rate means "
            "follow-up ended before the landmark. Numbers at risk are patients still followed "
            "at each time."),
        "tests": {
            "fisher": (f"Fisher's exact test (two-sided) of response against the alteration; "
                       f"effect: conditional maximum-likelihood odds ratio with its exact {pct} "
                       "interval (the conditional likelihood equations of R's fisher.test, "
                       "solved to 1e-11 on the log scale)."),
            "mannwhitney": ("Mann-Whitney (Wilcoxon rank-sum, two-sided) of best % change "
                            "between altered and unaltered patients, and of copy number "
                            "between responders and non-responders: exact when both groups "
                            "have fewer than 50 patients (with ties: the exact permutation "
                            "distribution of the mid-ranks), otherwise the normal "
                            "approximation with continuity and tie correction; the note "
                            "says which."),
            "spearman": ("Spearman rank correlation of copy number with best % change; exact "
                         "(n <= 9) or Edgeworth series (AS 89) without ties, t approximation "
                         "with ties, as R's cor.test."),
            "pearson": (f"Pearson correlation of log2(copy number / ploidy) with best % change "
                        f"(values below {float(cfg['cn_fold_floor']):g} x ploidy raised to it), "
                        f"t test, Fisher z {pct} interval."),
            "logrank": (
                "Log-rank test (altered vs unaltered, two-sided): the chi-square of R's "
                "survdiff, or, when the smaller group has fewer than "
                f"{cfg['logrank_permutation_below']} patients or either group expects fewer "
                f"than {cfg['logrank_permutation_min_expected']:g} events, a permutation test "
                "conditional on the observed times (every group assignment enumerated when "
                f"there are at most {cfg['permutation_max_enumerate']}, else "
                f"{cfg['permutation_resamples']} random assignments with a fixed seed and the "
                "p-value's Monte Carlo standard error); the note says which."),
            "cox": (f"Cox proportional-hazards model (Efron ties); effect: hazard ratio "
                    f"altered vs unaltered with its Wald {pct} interval; flagged "
                    f"'unstable' when a group has fewer than {cfg['cox_min_events']} events."),
        },
        "multiplicity": (
            f"Primary tests: {primary_words} (statistics.primary_tests). Their q-values are "
            "Benjamini-Hochberg adjusted together over every gene and alteration (family "
            "'primary'); all other rows are exploratory, adjusted test by test, so that two "
            "views of one hypothesis (Spearman and Pearson, log-rank and Cox) never share an "
            "adjustment. Rows that cannot be tested have no p-value and do not count."),
        "small_groups": (
            f"A row is tested only with at least {cfg['min_altered']} altered patient(s) "
            "among those assessed (statistics.min_altered); log-rank and Cox rows need at "
            f"least {max(int(cfg['min_altered']), int(cfg['min_altered_survival']))} "
            "patients in both the altered and the unaltered group "
            "(statistics.min_altered_survival). Patients not profiled for an alteration are "
            "not assessed for it."),
        "interactions": (
            f"Pairs of genes: two-sided Fisher test over patients assessed for both; labelled "
            f"co-occurrence or exclusivity only when {ilabel['label_by']} < "
            f"{float(ilabel['alpha']):g} ('no evidence' otherwise). Pairs at most "
            f"{float(ilabel['colocated_max_distance']) / 1e6:g} Mb apart on one chromosome, "
            "or on one amplicon or deletion in some patient, are flagged co-located: physical "
            "linkage, not necessarily biology."),
    }
