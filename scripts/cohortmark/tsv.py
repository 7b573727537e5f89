"""Reading user tables robustly and writing our tables deterministically and atomically."""

from __future__ import annotations

import gzip
import io
import os
import tempfile
from pathlib import Path

import pandas as pd

from .errors import InputError

GZIP_MAGIC = b"\x1f\x8b"


def open_text(path: str | os.PathLike, *, patient: str | None = None) -> io.TextIOBase:
    """Open a text file, gzipped or not (judged by content, not extension), as UTF-8.

    A byte-order mark is dropped and any newline convention (LF, CRLF, CR) accepted.
    Raises InputError for a missing, unreadable or empty file.
    """
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(2)
    except FileNotFoundError:
        raise InputError("file does not exist", patient=patient, path=str(path)) from None
    except OSError as e:
        raise InputError(f"cannot read file ({e.strerror})", patient=patient, path=str(path)) from None
    if head == b"":
        raise InputError("file is empty", patient=patient, path=str(path))
    raw = gzip.open(p, "rb") if head == GZIP_MAGIC else open(p, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline=None)


def read_text(path: str | os.PathLike, *, patient: str | None = None) -> str:
    """The whole decoded text of a (possibly gzipped) file; InputError on bad bytes."""
    with open_text(path, patient=patient) as fh:
        try:
            return fh.read()
        except UnicodeDecodeError as e:
            raise InputError(f"not UTF-8 text (bad byte at offset {e.start})", patient=patient,
                             path=str(path)) from None
        except (EOFError, gzip.BadGzipFile, OSError) as e:
            raise InputError(f"truncated or corrupt gzip data ({e})", patient=patient,
                             path=str(path)) from None


def write_tsv(df: pd.DataFrame, path: str | os.PathLike, columns: list[str] | None = None) -> None:
    """Write a TSV atomically (temp file + rename) with a stable float format.

    Missing values become empty cells; floats are written with up to 10 significant digits
    so that two runs on the same input give byte-identical files.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if columns is not None:
        df = df.reindex(columns=columns)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            df.to_csv(fh, sep="\t", index=False, na_rep="", float_format="%.10g",
                      lineterminator="\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# Identifier columns stay text: a patient "001" or a gene "SEPT9"-like symbol is never a number.
TEXT_COLUMNS = {"patient_id": str, "gene": str, "gene1": str, "gene2": str, "rule": str,
                "variant": str, "timepoint": str, "protein_change": str, "ref": str, "alt": str,
                "chrom": str}


def read_tsv(path: str | os.PathLike) -> pd.DataFrame:
    """Read one of our own TSV outputs (empty cells as NaN; identifier columns as text)."""
    return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=[""],
                       dtype=TEXT_COLUMNS)
