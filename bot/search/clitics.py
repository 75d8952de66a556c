"""Arabic words written with and without their attached particles.

Arabic writes "and", "the", "with the", "for the" as part of the next word:
الكهرباء (the electricity), للكهرباء (for the electricity), والكهرباء (and the
electricity) are one word to a reader but three strings to an index, and
two of them sit two edits apart, beyond typo tolerance. So a query word
also stands for its other prefixed forms, found in the vocabulary by exact
lookup; the index keeps the words as written, so phrases and highlighting
are unaffected.

The prefixes and the lengths they must leave are Larkey's "light10" rules
(Larkey, Ballesteros and Connell, 2002), the usual light stemming for Arabic
search; suffixes are left alone, where stripping guesses wrong more often.
"""

from __future__ import annotations

from functools import lru_cache

# Normalised forms (alef variants are already plain alef). Longest first, so a
# word loses its whole prefix ("وال", not just "و").
ARTICLE_PREFIXES = ("وال", "بال", "كال", "فال", "ال", "لل")
AND_PREFIX = "و"
MIN_AFTER_ARTICLE = 2
MIN_AFTER_AND = 3


def is_arabic(word: str) -> bool:
    return "\u0600" <= word[:1] <= "\u06ff"


def bare(word: str) -> str:
    """``word`` without its leading particles, as light10 strips them."""
    if word.startswith(AND_PREFIX) and len(word) - 1 >= MIN_AFTER_AND:
        word = word[1:]
    for prefix in ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_AFTER_ARTICLE:
            return word[len(prefix) :]
    return word


@lru_cache(maxsize=4096)
def prefixed_forms(word: str) -> tuple[str, ...]:
    """The other ways ``word`` is written with or without particles (empty unless Arabic)."""
    if not is_arabic(word):
        return ()
    stem = bare(word)
    forms = {stem, AND_PREFIX + stem, *(prefix + stem for prefix in ARTICLE_PREFIXES)}
    forms = {form for form in forms if bare(form) == stem}  # only what strips back to it
    forms.discard(word)
    return tuple(sorted(forms))
