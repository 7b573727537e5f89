"""cohortmark: genomic biomarker analysis for cancer clinical trials and registries.

The science lives in pure functions over pandas tables (subpackages per stage:
``copynumber``, ``variants``, ``cohort``, ``stats``, ``ctdna``, ``figures``, ``report``);
the Snakemake rules call thin entry points in ``scripts/``.
"""

__version__ = "0.1.0"
