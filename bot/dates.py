"""Date bounds as people type them: ``2020-03-26``, ``2020-03`` or ``2020``."""

from __future__ import annotations

import calendar
import re
from datetime import date

from bot.errors import BadDate

_BOUND = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def parse_date_bound(text: str, *, end: bool) -> date:
    """The first (``end=False``) or last (``end=True``) day that ``text`` names.

    So ``after 2020`` starts on 1 January and ``before 2020-02`` ends on
    29 February: a partial date covers all of the period it names.
    """
    match = _BOUND.fullmatch(text.strip())
    if match is None:
        raise BadDate(f"{text.strip()!r} is not a date: use YYYY-MM-DD, YYYY-MM or YYYY.")
    year = int(match[1])
    month, day = (int(g) if g else None for g in match.groups()[1:])
    try:
        if month is None:
            return date(year, 12, 31) if end else date(year, 1, 1)
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return date(year, month, last if end else 1)
        return date(year, month, day)
    except (ValueError, calendar.IllegalMonthError):
        raise BadDate(f"{text.strip()!r} is not a real date.") from None


_DAY = re.compile(r"(?:(\d{4})-)?(\d{1,2})-(\d{1,2})")


def parse_day(text: str, today: date) -> date:
    """A calendar day typed as ``YYYY-MM-DD`` or ``MM-DD`` (this year)."""
    match = _DAY.fullmatch(text.strip())
    if match is None:
        raise BadDate(f"{text.strip()!r} is not a day: use YYYY-MM-DD or MM-DD.")
    year, month, day = match.groups()
    try:
        return date(int(year) if year else today.year, int(month), int(day))
    except ValueError:
        if (int(month), int(day)) == (2, 29):
            return date(today.year, 2, 28)  # 29 February asked for in a common year
        raise BadDate(f"{text.strip()!r} is not a real date.") from None
