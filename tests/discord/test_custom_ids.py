"""Custom_ids: every one the bot makes fits in 100 characters and reads back as made.

States too long for an id are kept in a real store (SQLite here; the store suite
runs the same table on PostgreSQL), one per test, shared by its examples.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.discord import limits
from bot.discord.custom_ids import KEPT_FOR, CustomIds, CustomIdTooLong, SearchRequest
from bot.discord.views import (
    ArticlePageButton,
    SearchPageButton,
    ShareButton,
    article_options,
    page_buttons,
)
from bot.search.types import Filters, Order
from bot.store import Store

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
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
# One store for a test's examples: what one example keeps another may find, as in the bot.
shared_store = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
async def store(tmp_path):
    opened = Store.open(f"sqlite+aiosqlite:///{tmp_path / 'store.sqlite3'}")
    await opened.start()
    yield opened
    await opened.close()


@pytest.fixture
def custom_ids(store):
    return CustomIds(store, lambda: NOW)


async def read_back(custom_ids: CustomIds, item) -> tuple[int, int, str]:
    """Owner, page and state of a button, parsed the way discord.py dispatches it."""
    custom_id = item.item.custom_id
    assert len(custom_id) <= limits.CUSTOM_ID
    match = type(item).__discord_ui_compiled_template__.fullmatch(custom_id)
    assert match is not None, custom_id
    state = await custom_ids.read(match["token"])
    assert state is not None
    return int(match["owner"]), int(match["page"]), state


@shared_store
@given(requests, owners, pages)
async def test_every_search_page_button_fits_and_reads_back_its_search(
    custom_ids, request, owner, where
):
    page, count = where
    buttons = await page_buttons(custom_ids, SearchPageButton, owner, request.pack(), page, count)
    assert [b.item.label for b in buttons] == (["Previous", "Next"] if count > 1 else [])
    for button, to in zip(buttons, (page - 1, page + 1), strict=False):
        assert button.item.disabled == (not 0 <= to < count)
        found_owner, found_page, state = await read_back(custom_ids, button)
        assert (found_owner, found_page) == (owner, to)
        assert SearchRequest.unpack(state) == request


@shared_store
@given(article_ids, owners, pages)
async def test_every_article_button_fits_and_reads_back_its_article(
    custom_ids, article_id, owner, where
):
    page, count = where
    for button in await page_buttons(custom_ids, ArticlePageButton, owner, article_id, page, count):
        assert (await read_back(custom_ids, button))[::2] == (owner, article_id)
    share = ShareButton(await custom_ids.token(ShareButton.HEAD, article_id))
    match = ShareButton.__discord_ui_compiled_template__.fullmatch(share.item.custom_id)
    assert len(share.item.custom_id) <= limits.CUSTOM_ID
    assert await custom_ids.read(match["token"]) == article_id


class _Article:
    def __init__(self, article_id: str) -> None:
        self.id, self.title, self.source = article_id, "t" * 300, "s" * 300
        self.calendar_date = date(2020, 1, 1)


@shared_store
@given(st.lists(article_ids, min_size=1, max_size=25, unique=True))
async def test_every_menu_option_fits_and_names_its_article(custom_ids, ids):
    articles = [(_Article(i), n % 2 == 1) for n, i in enumerate(ids)]
    options = await article_options(custom_ids, articles)
    assert all(len(o.value) <= limits.SELECT_VALUE for o in options)
    assert all(len(o.description) <= 100 for o in options)  # Discord's limit for a description
    assert [await custom_ids.read(o.value) for o in options] == ids


async def test_a_search_that_fits_is_carried_whole_in_its_id(tmp_path, custom_ids):
    request = SearchRequest("volcano", Filters(date(2015, 1, 1), date(2015, 12, 31), "Wire"))
    token = await custom_ids.token(SearchPageButton.head(1, 1), request.pack())
    elsewhere = Store.open(f"sqlite+aiosqlite:///{tmp_path / 'another.sqlite3'}")
    await elsewhere.start()
    try:  # read with a store that never kept anything
        assert SearchRequest.unpack(await CustomIds(elsewhere, lambda: NOW).read(token)) == request
    finally:
        await elsewhere.close()


async def test_a_kept_state_reads_back_in_a_new_process_until_it_expires(store, custom_ids):
    token = await custom_ids.token("h:", "a" * 100)
    assert token.startswith("#")
    assert await CustomIds(store, lambda: NOW + KEPT_FOR / 2).read(token) == "a" * 100
    assert await CustomIds(store, lambda: NOW + KEPT_FOR).read(token) is None


async def test_keeping_a_state_again_moves_its_expiry_on(store, custom_ids):
    token = await custom_ids.token("h:", "a" * 100)
    later = CustomIds(store, lambda: NOW + KEPT_FOR / 2)  # the next page puts it on again
    assert await later.token("h:", "a" * 100) == token
    assert await CustomIds(store, lambda: NOW + KEPT_FOR).read(token) == "a" * 100


async def test_a_head_too_long_for_any_key_is_refused_not_cut(custom_ids):
    with pytest.raises(CustomIdTooLong):
        await custom_ids.token("x" * 90, "state that does not fit")


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
async def test_a_state_that_fits_is_carried_bare_unless_it_could_be_read_as_a_mark(
    custom_ids, state, token
):
    assert await custom_ids.token("dl:sh:", state) == token  # dl:sh:story2, as older releases made
    assert await custom_ids.read(token) == state
