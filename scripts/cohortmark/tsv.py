"""Reading user tables robustly and writing our tables deterministically and atomically."""

from __future__ import annotations

import gzip
import io
import math
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from . import schema
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


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path beside ``path``; on success it is renamed to ``path`` (so a
    reader never sees a half-written file and a failed job leaves nothing), on failure it is
    removed. The file gets the permissions the user's umask gives any new file (mkstemp alone
    would leave it 0600, unreadable by colleagues on a shared cluster)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write(path: str | os.PathLike, content: str | bytes) -> None:
    """Write text (UTF-8, LF) or bytes to ``path`` atomically (see ``atomic_path``)."""
    with atomic_path(path) as tmp:
        if isinstance(content, bytes):
            tmp.write_bytes(content)
        else:
            tmp.write_text(content, encoding="utf-8", newline="\n")


def write_tsv(df: pd.DataFrame, path: str | os.PathLike, columns: list[str] | None = None) -> None:
    """Write a TSV atomically with a stable float format.

    Missing values become empty cells; floats are written with up to 10 significant digits
    so that two runs on the same input give byte-identical files.
    """
    if columns is not None:
        df = df.reindex(columns=columns)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        df.to_csv(fh, sep="\t", index=False, na_rep="", float_format="%.10g",
                  lineterminator="\n")


def tsv_rows(df: pd.DataFrame, columns: list[str] | None = None) -> list[str]:
    """The data rows of ``df`` exactly as ``write_tsv`` writes them (no header, no final
    newline): for assembling a table from parts kept as text."""
    if columns is not None:
        df = df.reindex(columns=columns)
    if not len(df):
        return []
    return split_rows(df.to_csv(sep="\t", index=False, header=False, na_rep="",
                                float_format="%.10g", lineterminator="\n"))


def split_rows(text: str) -> list[str]:
    """The rows of TSV text (without their final newline). A row spans several lines when a
    quoted field holds a newline; without any quote character every line is a row."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if '"' not in text:
        return lines
    import csv

    rows, start = [], 0
    reader = csv.reader(iter(lines), delimiter="\t")
    for _ in reader:
        rows.append("\n".join(lines[start:reader.line_num]))
        start = reader.line_num
    return rows


def rows_by_first_field(rows: list[str]) -> dict[str, list[str]]:
    """Rows grouped by their first field (a patient id: its characters are restricted, so it
    is never quoted), in order."""
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(row.split("\t", 1)[0], []).append(row)
    return out


def read_tsv(path: str | os.PathLike, columns: list[str] | None = None,
             categorical=()) -> pd.DataFrame:
    """Read one of the workflow's own TSV outputs with the dtypes of ``schema``.

    Empty cells are missing values; identifier and label columns (schema.TEXT_COLUMNS) stay
    text, so a patient ``001`` stays ``001``; True/False columns (schema.BOOL_COLUMNS) become
    Python bools with None where empty (unknown). ``columns``: read only these (those the file
    has) - a registry's alterations.tsv is millions of rows; ``categorical``: text columns read
    as pandas categoricals (a tenth of the memory).
    """
    head = pd.read_csv(path, sep="\t", nrows=0).columns
    use = None if columns is None else [c for c in head if c in set(columns)]
    wanted = head if use is None else use
    dtype = {c: str for c in schema.TEXT_COLUMNS if c in wanted}
    dtype.update({c: "category" for c in categorical if c in wanted})
    df = pd.read_csv(path, sep="\t", keep_default_na=False, na_values=[""], usecols=use,
                     dtype=dtype)
    for col in schema.BOOL_COLUMNS:
        if col in df.columns:
            df[col] = [None if isinstance(v, float) and math.isnan(v)
                       else str(v).lower() == "true" for v in df[col]]
    return df
