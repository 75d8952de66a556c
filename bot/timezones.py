"""Finding an IANA timezone from what someone types ("berlin", "baghdad", "new york")."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rapidfuzz import fuzz, process

from bot.errors import BadTimezone


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def _searchable(zone: str) -> str:
    return zone.replace("_", " ").replace("/", " ").lower()


def find_zones(text: str, limit: int = 25) -> list[str]:
    """Best-matching zone names for partial, possibly misspelt text; common ones when empty."""
    text = text.strip().lower().replace("_", " ")
    zones = _zones()
    if not text:
        return ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Baghdad"][:limit]
    prefix = [z for z in zones if any(p.startswith(text) for p in _searchable(z).split())]
    choices = {z: _searchable(z) for z in zones}
    fuzzy = process.extract(text, choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
    ranked = list(dict.fromkeys([*prefix, *(key for _, _, key in fuzzy)]))
    return ranked[:limit]


def parse_zone(text: str) -> ZoneInfo:
    try:
        return ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        guesses = find_zones(text, limit=3)
        hint = f" Did you mean {', '.join(guesses)}?" if guesses else ""
        raise BadTimezone(f"{text.strip()!r} is not a timezone I know.{hint}") from None
