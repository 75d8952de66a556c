"""English nouns in the singular and the plural, as one word.

A headline says "banks", "jobs", "taxes"; a reader types "bank job tax". Typo
tolerance bridges the plural of a longer word (one edit), but a word of four
letters or fewer that the archive has is taken as typed, so a query word also
stands for its other number, found in the vocabulary by exact lookup. The index
keeps words as written, so phrases and highlighting are unaffected.

The rules are the regular English plural (-s; -es after s, x, z, ch, sh;
-ies for a consonant and y), checked both ways so a word only pairs with a
form that maps back to it; the few pairs that are different words in news
("news" and "new", "arms" and "arm") are left apart.
"""

from __future__ import annotations

from functools import lru_cache

MIN_STEM = 3  # "us" is no plural of "u", nor "uses" of "us"
NOT_PLURALS = frozenset({"news", "goods", "means", "arms", "series", "species", "politics", "does"})
_SIBILANTS = ("s", "x", "z", "ch", "sh")


def singular(word: str) -> str:
    """``word`` without a regular plural ending; unchanged when it has none."""
    if word in NOT_PLURALS or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        stem = word[:-3] + "y"
    elif word.endswith("es") and word[:-2].endswith(_SIBILANTS):
        stem = word[:-2]
    else:
        stem = word[:-1]
    return stem if len(stem) >= MIN_STEM else word


def plural(stem: str) -> str:
    if stem.endswith(_SIBILANTS):
        return stem + "es"
    if stem.endswith("y") and stem[-2:-1] not in "aeiou":
        return stem[:-1] + "ies"
    return stem + "s"


@lru_cache(maxsize=4096)
def number_forms(word: str) -> tuple[str, ...]:
    """The other number of an English ``word`` ("banks" for "bank"); empty for other words."""
    if not (word.isascii() and word.isalpha()) or word in NOT_PLURALS:
        return ()
    stem = singular(word)
    if len(stem) < MIN_STEM:
        return ()
    forms = {form for form in (stem, plural(stem)) if singular(form) == stem}
    forms.discard(word)
    return tuple(forms)
