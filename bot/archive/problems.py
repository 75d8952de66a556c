"""Problems found while loading: values, not exceptions, so one bad record never stops a load."""

from __future__ import annotations

from dataclasses import dataclass

_SAME_TEXT = "same text as article "
_KEPT_ONCE = "; kept once"


def same_text_as(original_id: str) -> str:
    """The reason given for an exact duplicate (see :attr:`Problem.is_note`)."""
    return f"{_SAME_TEXT}{original_id!r}{_KEPT_ONCE}"


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    line: int | None
    reason: str

    @property
    def is_note(self) -> bool:
        """An exact duplicate: worth knowing, but nothing is lost (its id opens the kept copy).

        Read from the reason, so problems read back from an index cache keep it.
        """
        return self.reason.startswith(_SAME_TEXT) and self.reason.endswith(_KEPT_ONCE)

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"


class RecordError(ValueError):
    """Raised by a parser for one bad record; the loader turns it into a :class:`Problem`."""
