"""Searches packed into custom_ids: every order round-trips, and older buttons still open."""

from __future__ import annotations

from datetime import date

import pytest

from bot.discord.state import SearchMemory, SearchRequest
from bot.search.types import Filters, Order


@pytest.mark.parametrize("order", list(Order))
def test_a_search_round_trips_through_its_token(order):
    request = SearchRequest("greek debt", Filters(date(2010, 1, 1), None, "Reuters"), order)
    memory = SearchMemory()
    assert memory.decode(memory.encode(request, "")) == request


def test_a_button_made_before_orders_existed_opens_in_best_order():
    assert SearchRequest.unpack("volcano␟2010-01-01␟␟") == SearchRequest(
        "volcano", Filters(after=date(2010, 1, 1))
    )
