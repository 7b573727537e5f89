"""Trial outcomes, biomarker associations and co-occurrence, with exact small-sample statistics
that agree with R (README.md "Statistics"; tests/test_stats_vs_r.py, test_survival.py,
test_stats_small_groups.py). Kaplan-Meier, log-rank and Cox: ``cohortmark.stats.survival``;
the Methods text: ``cohortmark.stats.describe``."""

from .association import associations, settings
from .exact import (
                    benjamini_hochberg,
                    clopper_pearson,
                    fisher_exact_or,
                    fisher_tables,
                    spearman_p,
                    wilcox_exact_p,
)
from .interactions import interactions
from .outcomes import outcomes
from .survival import (
    cox_hr,
    kaplan_meier,
    kaplan_meier_median,
    km_table,
    logrank,
    median_survival,
    survival_at,
)

__all__ = [
    "associations", "benjamini_hochberg", "clopper_pearson", "cox_hr", "fisher_exact_or",
    "fisher_tables", "interactions", "kaplan_meier", "kaplan_meier_median", "km_table",
    "logrank", "median_survival", "outcomes", "settings", "spearman_p", "survival_at",
    "wilcox_exact_p",
]
