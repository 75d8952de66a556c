"""The words handed to bulk counting are exactly the words ``tokenize`` makes."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from bot.archive.text import spaced_words, tokenize

# Any text, lone surrogates included (a body may hold them: they are stored with
# surrogatepass), and the scripts and marks the folding cares about.
characters = st.one_of(
    st.characters(),
    st.sampled_from(["\ud800", "\udfff", "\u0640", "\u064e", "\u0629", "\u0663", "_", "\u00a0"]),
)


@given(text=st.text(characters))
@example(text="Gaza's 2010 café, قِطّة_x\tﬁne")
@example(text="")
def test_spaced_words_split_into_exactly_tokenizes_words(text):
    expected = [word.encode("utf-8") for word in tokenize(text)]
    for given_as in (text, text.encode("utf-8", "surrogatepass")):
        spaced = spaced_words(given_as)
        assert [word for word in spaced.split(b" ") if word] == expected
        assert not set(spaced) & set(b"\t\n\r\x0b\x0c")  # a space is the only separator
