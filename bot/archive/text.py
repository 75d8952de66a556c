"""Text normalisation shared by the index and the queries.

Both sides must fold text the same way or a query cannot find what the index
stored, so this is the only place that decides what "the same word" means:
Unicode NFKC, case folding, accents removed, and the Arabic-script variations
that writers use interchangeably (tashkeel, tatweel, alef forms, alef maqsura
and yaa, taa marbuta and haa, Persian yeh and kaf, Arabic-Indic digits).
"""

from __future__ import annotations

import re
import unicodedata

_ARABIC_FOLD = str.maketrans(
    {
        "\u0640": None,  # tatweel (kashida) is decoration
        "\u0671": "\u0627",  # alef wasla -> alef (the hamza'd forms lose their mark below)
        "\u0649": "\u064a",  # alef maqsura -> yaa
        "\u06cc": "\u064a",  # Persian yeh -> yaa
        "\u0629": "\u0647",  # taa marbuta -> haa
        "\u06a9": "\u0643",  # Persian kaf -> kaf
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # extended Arabic-Indic digits
    }
)

_WORD = re.compile(r"[^\W_]+")
# ASCII letters and digits lower-cased, everything else a space: what ``_WORD``
# keeps of ASCII text, as a byte table that C applies in one pass.
_ASCII_WORDS = bytes(
    ord(chr(c).lower()) if chr(c).isalnum() else ord(" ") if c < 128 else c for c in range(256)
)


def starts_word(text: str, at: int) -> bool:
    """Whether a word, as :func:`tokenize` splits, can begin at ``at`` (no letter before)."""
    return not (at and _WORD.match(text, at - 1))


def word_at(text: str, at: int) -> str | None:
    """The word beginning at ``at``, or None when ``at`` is inside or outside a word."""
    match = _WORD.match(text, at) if starts_word(text, at) else None
    return None if match is None else match.group()


def normalise(text: str) -> str:
    """Fold ``text`` to the form the index compares.

    ASCII text (most of an English archive) only needs lower-casing, which is
    an order of magnitude cheaper than the full Unicode path.
    """
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKC", text).casefold()
    # NFD splits accents and Arabic marks (tashkeel, hamza on alef/waw/yaa)
    # into combining characters, which are then dropped.
    decomposed = unicodedata.normalize("NFD", folded)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped.translate(_ARABIC_FOLD))


def tokenize(text: str) -> list[str]:
    """Split text into normalised words (letters and digits; punctuation splits).

    ASCII text, most of an English archive, takes a byte-table path about
    twice as fast as the regex; both split exactly alike.
    """
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_WORDS).decode("ascii").split()
    return _WORD.findall(normalise(text))


def spaced_words(text: str | bytes) -> bytes:
    """The words :func:`tokenize` makes of ``text``, as UTF-8 between ASCII spaces.

    For counting words in bulk outside Python (split on b" ", dropping the
    empty pieces): ASCII text only goes through the byte table, leaving runs
    of spaces where the punctuation was, and no word holds a space byte.
    ``text`` may be given as its UTF-8 (with surrogates passed, as bodies are
    stored), which spares decoding the ASCII case.
    """
    if isinstance(text, str):
        if text.isascii():
            return text.encode("ascii").translate(_ASCII_WORDS)
    elif text.isascii():
        return text.translate(_ASCII_WORDS)
    else:
        text = text.decode("utf-8", "surrogatepass")
    return " ".join(tokenize(text)).encode("utf-8")


# Combining marks (accents, Arabic tashkeel, Hebrew points) belong to the word
# they sit on; \w alone would split a fully vocalised word at every mark.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
)
_WRITTEN_WORD = re.compile(rf"[^\W_](?:[^\W_]|[{_MARKS}])*")


def word_spans(text: str) -> list[tuple[int, str]]:
    """Each word of the *original* text as (start, word), marks included, for highlighting.

    Folded with :func:`normalise`, a word gives the token :func:`tokenize`
    makes of it (a lone tatweel folds away to nothing).
    """
    return [(m.start(), m.group()) for m in _WRITTEN_WORD.finditer(text)]
