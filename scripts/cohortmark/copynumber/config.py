"""The ``copy_number`` config section: defaults and a light type check (the JSON schema in
config/schemas/copy_number.schema.yaml is the authoritative validation)."""

from __future__ import annotations

from ..errors import InputError

CALLS = ("AMP", "GAIN", "NEUTRAL", "LOSS", "HOMDEL")

DEFAULTS: dict = {
    # cn_status is "altered" when cn_call is one of these
    "altered_calls": ["AMP", "HOMDEL"],
    # thresholds on absolute total copy number (cn) and on cn / ploidy (fold); null = not used.
    # A call needs every non-null threshold of its kind to hold.
    "amp_min_cn": None,
    "amp_min_fold": 3.0,
    "gain_min_cn": None,
    "gain_min_fold": 1.25,
    "loss_max_cn": None,
    "loss_max_fold": 0.75,
    "homdel_max_cn": 0.5,
    "homdel_max_fold": None,
    # per-gene overrides of the thresholds above, e.g. {MDM2: {amp_min_cn: 12, amp_min_fold: null}}
    "gene_thresholds": {},
    # an amplified/deleted run of segments shorter than this (bp) is focal
    "focal_max_length": 10_000_000,
    # consecutive segments with the same call separated by more than this (bp) are two events
    "run_max_gap": 1_000_000,
    # a gene whose covered fraction is below this is not_profiled (0: any overlap counts)
    "min_coverage": 0.0,
    # used when the sheet's purity / ploidy cells are empty
    "default_purity": 1.0,
    "default_ploidy": 2.0,
    # SEG files: log base of seg.mean, or copy_number when the column is absolute copy number
    "seg_log_base": 2.0,
    "seg_values": "log_ratio",
    # gene_table files: auto (by column name), log2 or copy_number
    "gene_table_values": "auto",
    # cBioPortal gene x sample matrices: auto (integers -2..2 -> discrete, else log2), discrete, log2
    "matrix_values": "auto",
    # CNVkit .call.cns: use the integer `cn` column when present (else the log2 column)
    "cnvkit_use_cn": True,
    # segments on a chromosome that is not in the genome build (e.g. alt contigs): error or ignore
    "unknown_chrom": "error",
}

THRESHOLD_KEYS = ("amp_min_cn", "amp_min_fold", "gain_min_cn", "gain_min_fold", "loss_max_cn",
                  "loss_max_fold", "homdel_max_cn", "homdel_max_fold")
_NUMBER_KEYS = [k for k, v in DEFAULTS.items() if isinstance(v, float | int) and
                not isinstance(v, bool)] + ["amp_min_cn", "gain_min_cn", "loss_max_cn",
                                            "homdel_max_fold"]
_CHOICES = {
    "seg_values": ("log_ratio", "copy_number"),
    "gene_table_values": ("auto", "log2", "copy_number"),
    "matrix_values": ("auto", "discrete", "log2"),
    "unknown_chrom": ("error", "ignore"),
}


def resolve(section: dict | None) -> dict:
    """The copy_number section with defaults filled in; InputError naming a bad key."""
    section = section or {}
    if not isinstance(section, dict):
        raise InputError("copy_number must be a mapping", field="copy_number")
    unknown = sorted(set(section) - set(DEFAULTS))
    if unknown:
        raise InputError(f"unknown key copy_number.{unknown[0]}", field="copy_number")
    cfg = {**DEFAULTS, **section}
    for key in _NUMBER_KEYS:
        v = cfg[key]
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise InputError(f"copy_number.{key} must be a number or null, not {v!r}",
                             field="copy_number")
    for key, choices in _CHOICES.items():
        if cfg[key] not in choices:
            raise InputError(f"copy_number.{key} must be one of {', '.join(choices)}, "
                             f"not {cfg[key]!r}", field="copy_number")
    gt = cfg["gene_thresholds"] or {}
    if not isinstance(gt, dict):
        raise InputError("copy_number.gene_thresholds must map gene names to thresholds",
                         field="copy_number")
    for gene, over in gt.items():
        if not isinstance(over, dict):
            raise InputError(f"copy_number.gene_thresholds.{gene} must be a mapping",
                             field="copy_number")
        for key, v in over.items():
            if key not in THRESHOLD_KEYS:
                raise InputError(f"unknown key copy_number.gene_thresholds.{gene}.{key} "
                                 f"(one of {', '.join(THRESHOLD_KEYS)})", field="copy_number")
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                raise InputError(f"copy_number.gene_thresholds.{gene}.{key} must be a number "
                                 f"or null, not {v!r}", field="copy_number")
    cfg["gene_thresholds"] = gt
    bad = [c for c in cfg["altered_calls"] if c not in CALLS]
    if bad:
        raise InputError(f"copy_number.altered_calls: {bad[0]!r} is not one of "
                         f"{', '.join(CALLS)}", field="copy_number")
    if cfg["seg_log_base"] is None or cfg["seg_log_base"] <= 1:
        raise InputError("copy_number.seg_log_base must be a number above 1", field="copy_number")
    for key in ("default_ploidy", "default_purity"):
        if cfg[key] is None or cfg[key] <= 0:
            raise InputError(f"copy_number.{key} must be above 0", field="copy_number")
    if cfg["default_purity"] > 1:
        raise InputError("copy_number.default_purity must be at most 1", field="copy_number")
    return cfg
