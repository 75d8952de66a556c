"""Arabic words written with and without their attached particles and endings.

Arabic writes "and", "the", "with the", "for the" as part of the next word, and
pronouns and plural endings as part of the word itself: الكهرباء (the
electricity), للكهرباء (for the electricity), والكهرباء (and the electricity),
سياسة (policy), سياسات (policies), سياستها (its policy) are one or two words to
a reader but six strings to an index, most of them two or more edits apart,
beyond typo tolerance. So a query word also stands for its other forms with
the same light stem, found in the vocabulary by exact lookup; the index keeps
the words as written, so phrases and highlighting are unaffected.

The prefixes, suffixes and their order are Larkey's "light10" rules (Larkey,
Ballesteros and Connell, 2007), the usual light stemming for Arabic search,
written in this index's normalised letters (taa marbuta is haa, alef maqsura
is yaa). Light10 strips a suffix whenever two letters remain; here three must,
since Arabic stems are three letters or more and two-letter remnants conflate
unrelated words (بيان "statement" would meet بين "between").
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations

# Normalised forms (alef variants are already plain alef). Longest first, so a
# word loses its whole prefix ("وال", not just "و").
ARTICLE_PREFIXES = ("وال", "بال", "كال", "فال", "ال", "لل")
AND_PREFIX = "و"
MIN_AFTER_ARTICLE = 2
MIN_AFTER_AND = 3
# Light10's suffixes in the order it strips them (يه and ه stand for ية and ة).
SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")
MIN_AFTER_SUFFIX = 3
# Word endings a stem can carry: nothing, one suffix, or two that light10
# strips one after the other (the outer one comes first in its order: سياساتها).
ENDINGS = (
    "",
    *SUFFIXES,
    *(inner + outer for outer, inner in combinations(SUFFIXES, 2)),
)
PREFIXES = ("", AND_PREFIX, *ARTICLE_PREFIXES)


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


def light_stem(word: str) -> str:
    """``word`` without its particles and endings: the form its other forms share."""
    stem = bare(word)
    for suffix in SUFFIXES:
        if stem.endswith(suffix) and len(stem) - len(suffix) >= MIN_AFTER_SUFFIX:
            stem = stem[: -len(suffix)]
    return stem


@lru_cache(maxsize=4096)
def other_forms(word: str) -> tuple[str, ...]:
    """The other ways ``word`` is written with particles and endings (empty unless Arabic).

    Candidates are built from its stem and kept only if they stem back to it,
    so the rules decide both ways; the caller keeps the ones the archive has.
    """
    if not is_arabic(word):
        return ()
    stem = light_stem(word)
    forms = {prefix + stem + ending for prefix in PREFIXES for ending in ENDINGS}
    forms = {form for form in forms if light_stem(form) == stem}
    forms.discard(word)
    return tuple(sorted(forms))
