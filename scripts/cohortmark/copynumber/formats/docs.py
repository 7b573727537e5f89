"""The copy-number format table of config/README.md, generated from the registry
(``make config-docs``; a test checks that the file is up to date)."""

from __future__ import annotations

from pathlib import Path

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
    if BEGIN not in text or END not in text:
        raise ValueError("config/README.md lacks the copy-number formats markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{formats_markdown()}\n{END}{tail}"


if __name__ == "__main__":  # make config-docs
    import sys

    readme = Path(sys.argv[1] if len(sys.argv) > 1 else "config/README.md")
    readme.write_text(readme_with_formats(readme.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote the copy-number formats table of {readme}")
