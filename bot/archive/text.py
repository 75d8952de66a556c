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


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the words in the *original* text, for highlighting."""
    return [m.span() for m in _WORD.finditer(text)]
