"""The registry of copy-number formats: one reader module per format.

``FORMATS`` lists the readers in detection order (the first whose ``detect`` accepts a
file's content names its format): specific layouts before general ones, the header-less
Control-FREEC last. Adding a format is one module here with its ``READER``, its line below,
and its test on a real file; the sheet's ``cn_format`` values (``schema.CN_FORMATS``), the
samples schema and the docs (``make config-docs``) follow from this list.
"""

from __future__ import annotations

from . import (
    ascat,
    cbioportal,
    cnv_vcf,
    cnvkit,
    facets,
    freec,
    gatk,
    gene_table,
    gistic,
    purple,
    seg,
    sequenza,
)
from .base import UNITS, CallerFit, Reader, SampleRequest

FORMATS: tuple[Reader, ...] = (
    cnv_vcf.READER, gatk.READER, purple.READER, cnvkit.READER, sequenza.READER,
    facets.READER, ascat.READER, gistic.READER, gene_table.READER, cbioportal.READER,
    seg.READER, freec.READER,
)
READERS: dict[str, Reader] = {r.name: r for r in FORMATS}

__all__ = ["FORMATS", "READERS", "UNITS", "CallerFit", "Reader", "SampleRequest"]
