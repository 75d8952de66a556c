"""Problems found while loading: values, not exceptions, so one bad record never stops a load."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"


class RecordError(ValueError):
    """Raised by a parser for one bad record; the loader turns it into a :class:`Problem`."""
