"""Snippets lose Discord's markup on the command line without losing which words matched."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.markdown import escape_markdown, unmark_bold

# Text with every character markdown treats specially, and bold runs over parts of it.
pieces = st.lists(
    st.tuples(st.text(alphabet=st.sampled_from("ab *_~|`>[]#\\ü")), st.booleans()), max_size=8
)


@given(pieces)
def test_unmarking_inverts_escaping_and_finds_every_bold_run(parts):
    markdown, plain, spans = "", "", []
    for text, bold in parts:
        if bold and text:
            spans.append((len(plain), len(plain) + len(text)))
            markdown += f"**{escape_markdown(text)}**"
        else:
            markdown += escape_markdown(text)
        plain += text
    assert unmark_bold(markdown) == (plain, spans)


def test_a_snippet_reads_as_plain_text_with_offsets():
    assert unmark_bold(r"The **bank** cut 2\*3 \_rates\_") == ("The bank cut 2*3 _rates_", [(4, 8)])
