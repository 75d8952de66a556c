"""Duplicate detection agrees with its definition: same text up to case and spacing."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.archive.duplicates import Duplicates
from bot.archive.model import Article


def first_copies(bodies: list[str]) -> list[int | None]:
    """For each body, the position of the earlier (kept) article found to have its text."""
    duplicates = Duplicates()
    found = []
    for position, body in enumerate(bodies):
        article = Article(
            id=str(position),
            published=datetime(2020, 1, 1, tzinfo=UTC),
            source="S",
            title="T",
            body=body,
            url=None,
        )
        key, original = duplicates.original_of(article)
        if original is None:
            duplicates.add(key, article)
        found.append(None if original is None else int(original.id))
    return found


def test_case_and_spacing_do_not_make_a_different_text():
    bodies = [
        "The  Handover\nwent well.",
        "the handover went WELL.",
        "Straße\u00a0news",
        "STRASSE news",
    ]
    assert first_copies(bodies) == [None, 0, None, 2]


def test_moving_a_space_does():
    assert first_copies(["ab c", "a bc", "abc"]) == [None, None, None]


@given(st.lists(st.text(alphabet="aAbß s\n\t\u00a0\x1c", max_size=6), max_size=12))
def test_matches_the_definition(bodies):
    def collapsed(body: str) -> str:
        return " ".join(body.casefold().split())

    expected = []
    for n, body in enumerate(bodies):
        earlier = [m for m in range(n) if collapsed(bodies[m]) == collapsed(body)]
        expected.append(earlier[0] if earlier else None)
    assert first_copies(bodies) == expected
