"""The copy-number format table of config/README.md, generated from the registry
(``make config-docs``; a test checks that the file is up to date)."""

from __future__ import annotations

from . import FORMATS

BEGIN = ("<!-- BEGIN copy-number formats generated from cohortmark.copynumber.formats by "
         "`make config-docs`: edit the reader modules, not this part -->")
END = "<!-- END copy-number formats -->"


def formats_markdown() -> str:
    """One row per registered format, in detection order."""
    out = ["| `cn_format` | file | values | samples per file | recognised by | "
           "purity/ploidy from |", "| --- | --- | --- | --- | --- | --- |"]
    for r in FORMATS:
        many = "one or many (`cn_sample`)" if r.cohort_wide else "one"
        if r.events_only:
            many += "; lists altered regions only"
        side = ", ".join(f"`*{rep}`" for rep in dict.fromkeys(x for _, x in r.side_files))
        side = side or "the sheet only"
        out.append(f"| `{r.name}` | {r.description} | {r.values} | {many} | "
                   f"{r.detected_by} | {side} |")
    return "\n".join(out) + "\n"


def readme_with_formats(text: str) -> str:
    """``text`` (config/README.md) with the formats table regenerated."""
    from ...config import replace_generated

    return replace_generated(text, BEGIN, END, formats_markdown())
