"""Snippets: the body around the best match, matched words in bold, within Discord's limits."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.search.index import SearchIndex
from bot.search.snippet import MAX_SNIPPET, densest_window, make_snippet


def test_snippets_bold_matches_escape_markdown_and_fit(article):
    body = (
        ("Padding words go here. " * 30)
        + "The *secret* pipeline_deal was signed. "
        + ("More padding follows. " * 30)
    )
    [hit] = SearchIndex.build([article("Deal", body)]).search("pipeline signed")
    assert len(hit.snippet) <= MAX_SNIPPET
    assert "**pipeline**" in hit.snippet
    assert "**signed**" in hit.snippet
    assert r"\*secret\*" in hit.snippet
    assert hit.snippet.startswith("…")


@pytest.mark.parametrize("extra_terms", [0, 64])  # a prefix can expand to 64 terms
def test_snippet_marks_whole_words_only_whatever_the_number_of_terms(extra_terms):
    terms = {"bank", "rates", *(f"unused{n}" for n in range(extra_terms))}
    body = "The Bank raised rates; banking stocks and embankments fell. BANK RATES!"
    snippet = make_snippet(body, terms)
    assert snippet == (
        "The **Bank** raised **rates**; banking stocks and embankments fell. **BANK** **RATES**!"
    )


@pytest.mark.parametrize("gap", [" ", "\n\n      \t"])
def test_snippet_finds_a_match_deep_in_a_long_body(gap):
    body = gap.join(["filler"] * 2000) + gap + "the merger closed" + gap + "end"
    snippet = make_snippet(body, {"merger"})
    assert "**merger**" in snippet
    assert snippet.startswith("…")
    assert len(snippet) <= MAX_SNIPPET


def test_snippet_collapses_whitespace_heavy_openings_without_losing_the_match():
    body = "Lead " + " " * 7000 + "the tariff rose " + "word " * 500
    snippet = make_snippet(body, {"tariff"})
    assert "**tariff**" in snippet
    assert "  " not in snippet


def test_snippet_without_a_body_match_opens_with_the_lede():
    body = "First sentence here. " + "more words " * 1000
    assert make_snippet(body, {"absent"}).startswith("First sentence here.")


@given(st.lists(st.integers(0, 2000), min_size=1, max_size=60, unique=True), st.integers(4, 300))
def test_snippet_window_is_the_densest(starts, width):
    spans = [(s * 5, s * 5 + 4) for s in sorted(starts)]  # disjoint and sorted, like words

    def held(start):
        return sum(1 for s, e in spans if s >= start and e - start <= width)

    best = max(held(s) for s, _ in spans)
    chosen = densest_window(spans, width)
    assert held(chosen) == best
    assert chosen == min(s for s, _ in spans if held(s) == best)  # the earliest of equals


_VOCABULARY = ["bank", "Banks", "rate", "s", "U", "tariff", "the", "*deal*", "merger_talks"]


def read_markdown(snippet: str) -> tuple[str, list[str]]:
    """The text a Discord client shows for ``snippet``, and its bold runs."""
    text, bold, in_bold = [], [], False
    for token in re.findall(r"\\.|\*\*|.", snippet, flags=re.S):
        if token == "**":
            in_bold = not in_bold
            bold.append("") if in_bold else None
            continue
        char = token[-1]  # an escaped character stands for itself
        text.append(char)
        if in_bold:
            bold[-1] += char
    assert not in_bold, "bold left open"
    return "".join(text), bold


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=400),
    gaps=st.lists(st.sampled_from([" ", "  ", "\n\n", " \t ", "'", ". "]), min_size=1),
    terms=st.sets(st.sampled_from(["bank", "banks", "rate", "s", "u", "tariff", "deal"])),
)
def test_snippet_is_the_bodys_text_with_exactly_the_matched_words_in_bold(words, gaps, terms):
    body = "".join(word + gaps[n % len(gaps)] for n, word in enumerate(words))
    snippet = make_snippet(body, terms)
    assert len(snippet) <= MAX_SNIPPET
    shown, bold = read_markdown(snippet)
    assert shown.strip("…").rstrip() in " ".join(body.split())
    assert all(word.lower() in terms for word in bold)
    # Every other whole word is not a term (the last may be cut short by the ellipsis).
    plain_words = re.findall(r"[^\W_]+", re.sub(r"\*\*.*?\*\*", " ", snippet.replace("\\*", "")))
    if snippet.endswith("…"):
        plain_words = plain_words[:-1]
    assert not [word for word in plain_words if word.lower() in terms]


def test_snippets_leave_out_the_outlet_credit_the_source_already_names(article):
    index = SearchIndex.build(
        [article("Pipeline approved", "Wire / Pipeline approved by the council.", source="Wire")]
    )
    [hit] = index.search("council")
    assert hit.snippet == "Pipeline approved by the **council**."
    assert hit.article.body.startswith("Wire / ")  # the text itself is unchanged
