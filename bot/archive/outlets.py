"""Outlet names as people type them: checked against the archive, guessed and completed.

Names are matched without regard to case and kept as the archive spells
them; a name the archive doesn't know is refused with the closest one it
does, since a filter on it would silently match nothing. Digests take a
comma-separated list; a search filter takes one name.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import process

from bot.errors import UnknownSource

GUESS_SCORE = 80  # rapidfuzz WRatio: close enough to suggest as the outlet meant


def split_outlets(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def closest_outlet(name: str, known: Sequence[str]) -> str | None:
    """The outlet ``name`` was probably meant to be ("reuter" -> "Reuters"), if any is close."""
    guess = process.extractOne(name, known, processor=str.casefold, score_cutoff=GUESS_SCORE)
    return None if guess is None else guess[0]


def parse_outlets(text: str | None, known: Sequence[str]) -> list[str]:
    spelt = {source.casefold(): source for source in known}
    named = split_outlets(text)
    unknown = [name for name in named if name.casefold() not in spelt]
    if unknown:
        guess = closest_outlet(unknown[0], known)
        hint = f"Did you mean {guess!r}?" if guess else "Pick from the suggestions as you type."
        raise UnknownSource(
            f"The archive has no outlet called {', '.join(map(repr, unknown))}. {hint}"
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
