"""Custom_ids: every one the bot makes fits in 100 characters and reads back as made."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.discord import limits
from bot.discord.custom_ids import KEPT_STATES, CustomIds, CustomIdTooLong, SearchRequest
from bot.discord.views import (
    ArticlePageButton,
    SearchPageButton,
    ShareButton,
    article_options,
    page_buttons,
)
from bot.search.types import Filters, Order

owners = st.integers(min_value=0, max_value=2**64 - 1)  # snowflakes: up to 20 digits
pages = st.integers(min_value=0, max_value=10_000).flatmap(
    lambda n: st.tuples(st.integers(0, n), st.just(n + 1))
)
dates = st.none() | st.dates()
requests = st.builds(
    SearchRequest,
    st.text(min_size=1, max_size=200),  # Discord allows 200 characters in /search query
    st.builds(Filters, dates, dates, st.none() | st.text(max_size=300)),
    st.sampled_from(Order),
)
article_ids = st.text(min_size=1, max_size=300)


def read_back(custom_ids: CustomIds, item) -> tuple[int, int, str]:
    """Owner, page and state of a button, parsed the way discord.py dispatches it."""
    custom_id = item.item.custom_id
    assert len(custom_id) <= limits.CUSTOM_ID
    match = type(item).__discord_ui_compiled_template__.fullmatch(custom_id)
    assert match is not None, custom_id
    state = custom_ids.read(match["token"])
    assert state is not None
    return int(match["owner"]), int(match["page"]), state


@given(requests, owners, pages)
def test_every_search_page_button_fits_and_reads_back_its_search(request, owner, where):
    page, count = where
    custom_ids = CustomIds()
    buttons = page_buttons(custom_ids, SearchPageButton, owner, request.pack(), page, count)
    assert [b.item.label for b in buttons] == (["Previous", "Next"] if count > 1 else [])
    for button, to in zip(buttons, (page - 1, page + 1), strict=False):
        assert button.item.disabled == (not 0 <= to < count)
        found_owner, found_page, state = read_back(custom_ids, button)
        assert (found_owner, found_page) == (owner, to)
        assert SearchRequest.unpack(state) == request


@given(article_ids, owners, pages)
def test_every_article_button_fits_and_reads_back_its_article(article_id, owner, where):
    page, count = where
    custom_ids = CustomIds()
    for button in page_buttons(custom_ids, ArticlePageButton, owner, article_id, page, count):
        assert read_back(custom_ids, button)[::2] == (owner, article_id)
    share = ShareButton(custom_ids.token(ShareButton.HEAD, article_id))
    match = ShareButton.__discord_ui_compiled_template__.fullmatch(share.item.custom_id)
    assert len(share.item.custom_id) <= limits.CUSTOM_ID
    assert custom_ids.read(match["token"]) == article_id


class _Article:
    def __init__(self, article_id: str) -> None:
        self.id, self.title, self.source = article_id, "t" * 300, "s" * 300
        self.calendar_date = date(2020, 1, 1)


@given(st.lists(article_ids, min_size=1, max_size=25, unique=True))
def test_every_menu_option_fits_and_names_its_article(ids):
    custom_ids = CustomIds()
    options = article_options(custom_ids, [(_Article(i), n % 2 == 1) for n, i in enumerate(ids)])
    assert all(len(o.value) <= limits.SELECT_VALUE for o in options)
    assert all(len(o.description) <= 100 for o in options)  # Discord's limit for a description
    assert [custom_ids.read(o.value) for o in options] == ids


def test_a_search_that_fits_is_carried_whole_and_survives_a_restart():
    request = SearchRequest("volcano", Filters(date(2015, 1, 1), date(2015, 12, 31), "Wire"))
    token = CustomIds().token(SearchPageButton.head(1, 1), request.pack())
    assert SearchRequest.unpack(CustomIds().read(token)) == request  # a new process reads it


def test_a_head_too_long_for_any_key_is_refused_not_cut():
    with pytest.raises(CustomIdTooLong):
        CustomIds().token("x" * 90, "state that does not fit")


def test_kept_states_expire_oldest_first_and_then_read_as_expired():
    custom_ids = CustomIds()
    first = custom_ids.token("h:", "a" * 100)
    for n in range(KEPT_STATES):
        custom_ids.token("h:", f"{n:0100}")
    assert custom_ids.read(first) is None


@pytest.mark.parametrize("order", list(Order))
def test_a_search_round_trips_through_its_token(order):
    request = SearchRequest("greek debt", Filters(date(2010, 1, 1), None, "Reuters"), order)
    assert SearchRequest.unpack(request.pack()) == request


def test_the_separator_is_a_space_from_the_moment_a_search_is_made():
    request = SearchRequest("a␟b", Filters(source="x␟y"))
    assert (request.query, request.filters.source) == ("a b", "x y")
    assert SearchRequest.unpack(request.pack()) == request


def test_a_button_made_before_orders_existed_opens_in_best_order():
    assert SearchRequest.unpack("volcano␟2010-01-01␟␟") == SearchRequest(
        "volcano", Filters(after=date(2010, 1, 1))
    )


@pytest.mark.parametrize(
    ("state", "token"), [("story2", "story2"), ("=x", "==x"), ("#x", "=#x"), ("", "=")]
)
def test_a_state_that_fits_is_carried_bare_unless_it_could_be_read_as_a_mark(state, token):
    assert CustomIds().token("dl:sh:", state) == token  # dl:sh:story2, as older releases made
    assert CustomIds().read(token) == state
