"""Which outlets a digest is limited to: typed as a comma-separated list, checked and completed.

Names are matched without regard to case and stored as the archive spells
them; a name the archive doesn't know is refused, since it would silently
match nothing every day.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.errors import UserFacingError


def split_outlets(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def parse_outlets(text: str | None, known: Sequence[str]) -> list[str]:
    spelt = {source.casefold(): source for source in known}
    named = split_outlets(text)
    unknown = [name for name in named if name.casefold() not in spelt]
    if unknown:
        raise UserFacingError(
            f"The archive has no outlet called {', '.join(map(repr, unknown))}. "
            "Pick from the suggestions as you type."
        )
    return [spelt[name.casefold()] for name in named]


def complete_outlets(typed: str, known: Sequence[str], *, max_length: int) -> list[str]:
    """Completions of the last comma-separated name, keeping the names before it."""
    *chosen, last = [part.strip() for part in typed.split(",")]
    prefix = "".join(f"{name}, " for name in chosen if name)
    last = last.casefold()
    return [
        prefix + source
        for source in known
        if last in source.casefold()
        and source not in chosen
        and len(prefix) + len(source) <= max_length
    ]
