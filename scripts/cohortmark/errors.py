"""One exception type for bad input, so every message names where the problem is."""

from __future__ import annotations


class InputError(Exception):
    """Bad user input: names the patient, the file, the line or field, and what is wrong.

    ``str(err)`` is the one-line message shown to the user, e.g.
    ``patient P03: file data/P03.cns, line 12: column 'log2': 'abc' is not a number``.
    """

    def __init__(self, message: str, *, patient: str | None = None, path: str | None = None,
                 line: int | None = None, field: str | None = None):
        self.patient, self.path, self.line, self.field = patient, path, line, field
        self.detail = message
        where = []
        if patient is not None:
            where.append(f"patient {patient}")
        if path is not None:
            where.append(f"file {path}")
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"column '{field}'")
        super().__init__(": ".join(where + [message]) if where else message)

    def with_context(self, *, patient: str | None = None, path: str | None = None) -> InputError:
        """Return a copy with patient/path filled in where they were not yet known."""
        return InputError(self.detail, patient=self.patient or patient, path=self.path or path,
                          line=self.line, field=self.field)
