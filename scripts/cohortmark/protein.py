"""HGVS protein notation, normalised so that the ways callers and curators write one change
compare equal: ``p.Val600Glu`` = ``p.V600E`` = ``V600E`` = ``p.(V600E)``,
``p.Arg213Ter`` = ``R213*`` = ``R213X``, ``p.Arg213LeufsTer5`` = ``R213Lfs*5``.

``normalise(text)`` gives the short form without ``p.`` (``V600E``); ``parse(text)`` splits it
into the first residue, its position and the rest (``('V', 600, 'E')``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

AA3 = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
    "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
    "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Ter": "*",
    "Sec": "U", "Pyl": "O", "Xaa": "X",
}
_AA3 = re.compile("|".join(AA3))
_START = re.compile(r"^([A-Z*])(\d+)(.*)$")
# A protein change as a rule writes it: V600E, V600, p.V600E, p.Val600Glu, E746_A750del, ...
LOOKS_LIKE = re.compile(r"^(?:p\.)?\(?(?:[A-Z]|[A-Z][a-z]{2})\d+")
# What may follow the first residue and position in a normalised change.
_REST = re.compile(r"^(?:|[A-Z*=?]|[A-Z]?fs\*?\d*|del|dup|(?:del)?ins[A-Z*]+|ext[A-Z*?\d-]*"
                   r"|_[A-Z*]\d+(?:del|dup|(?:del)?ins[A-Z*]+)|[A-Z]?\*\d*|delins[A-Z*]+)$")


def normalise(text) -> str:
    """The short, comparable form of a protein change ('' for none): transcript prefix, ``p.``
    and prediction parentheses dropped, three-letter residues as one letter, a stop as ``*``
    (``Ter``, and ``X`` written as the new residue or after ``fs``)."""
    p = unquote(str(text or "")).strip()
    if not p or p in (".", "-", "NA", "nan", "p.?", "?"):
        return ""
    if ":" in p:
        p = p.split(":", 1)[1]
    if p.startswith("p."):
        p = p[2:]
    if p.startswith("(") and p.endswith(")"):
        p = p[1:-1]
    p = _AA3.sub(lambda m: AA3[m.group(0)], p)
    p = re.sub(r"fsX", "fs*", p)
    p = re.sub(r"^([A-Z])(\d+)X$", r"\1\2*", p)
    return p


@dataclass(frozen=True)
class Change:
    """A normalised change: ``ref`` residue at ``pos``, then ``rest`` (``E``, ``del``,
    ``_A750del``, ``Lfs*5``, ``=``, ... or '' for a bare position such as ``V600``)."""

    ref: str
    pos: int
    rest: str

    def __str__(self):
        return f"{self.ref}{self.pos}{self.rest}"


def parse(text) -> Change | None:
    """A Change, or None when the text is not a protein change with a first position."""
    m = _START.match(normalise(text))
    if not m:
        return None
    return Change(m.group(1), int(m.group(2)), m.group(3))


def is_valid(change: Change) -> bool:
    """True when the part after the position reads as HGVS (E, *, =, del, dup, insGS,
    delinsP, fs*5, Lfs*5, _A750del, ext*?, ...)."""
    return bool(_REST.match(change.rest))


def is_position(text) -> bool:
    """True for a bare position (``V600``, ``G12``, ``p.Gly12``): any change there matches."""
    c = parse(text)
    return c is not None and c.rest == ""


def matches(wanted: Change, observed: str) -> bool | None:
    """Does the observed change match the wanted one? A bare position matches every change
    starting at that position (OQL's ``MUT = V600``); otherwise the normalised texts must be
    equal. None when ``observed`` is not a readable protein change."""
    seen = parse(observed)
    if seen is None:
        return None
    if wanted.rest == "":
        return seen.pos == wanted.pos and seen.ref == wanted.ref
    return (seen.ref, seen.pos, seen.rest) == (wanted.ref, wanted.pos, wanted.rest)
