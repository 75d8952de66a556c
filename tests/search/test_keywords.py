"""Key words of a chat message: the words that name its subject, for the message menu."""

from __future__ import annotations

from bot.search.index import SearchIndex


def test_key_words_of_a_message_are_its_rarest_known_words_in_order(article):
    index = SearchIndex.build(
        [article(f"Report {n}", f"The weather report number {n}.") for n in range(8)]
        + [article("Volcano", "The volcano report."), article("Lava", "The lava flows.")]
    )
    message = "hey did you see the lava and the volcano report??"
    assert index.key_words(message) == ["the", "lava", "volcano", "report"]
    assert index.key_words(message, limit=2) == ["lava", "volcano"]
    assert index.key_words("zzz qqq") == []


def test_key_words_of_a_message_name_its_subject_not_its_chat(article):
    """In chat words news rarely prints ("lol") are rare, but headlines never use them."""
    index = SearchIndex.build(
        [article(f"Weather report {n}", f"The weather report number {n}.") for n in range(100)]
        + [article(f"Volcano erupts {n}", f"The volcano erupted, day {n}.") for n in range(3)]
        + [article("Quotes", "A fan wrote lol about the weather.")]
    )
    assert index.key_words("lol did you see the volcano erupts") == ["volcano", "erupts"]
    assert index.key_words("lol") == ["lol"]  # nothing better: the rarest known words
