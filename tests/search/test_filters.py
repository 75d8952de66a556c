"""Filters.from_bounds: what people type becomes the dates a search keeps, or a clear error."""

from __future__ import annotations

from datetime import date

import pytest

from bot.errors import BadDate
from bot.search.types import Filters


@pytest.mark.parametrize(
    ("after", "before", "year", "expected"),
    [
        (None, None, None, Filters()),
        ("2020", None, None, Filters(date(2020, 1, 1), None)),
        (None, "2020-02", None, Filters(None, date(2020, 2, 29))),  # the whole month
        ("2008-09-15", "2008-09-15", None, Filters(date(2008, 9, 15), date(2008, 9, 15))),
        (None, None, 2011, Filters(date(2011, 1, 1), date(2011, 12, 31))),
        ("2011-06", None, 2011, Filters(date(2011, 6, 1), date(2011, 12, 31))),  # narrowest wins
        ("2005", "2011-03", 2011, Filters(date(2011, 1, 1), date(2011, 3, 31))),
    ],
)
def test_bounds_cover_the_whole_period_they_name(after, before, year, expected):
    assert Filters.from_bounds(after, before, year=year) == expected


@pytest.mark.parametrize(
    ("after", "before", "year"),
    [("2021", "2019", None), ("2012", None, 2011), (None, "2010", 2011), ("2020-13", None, None)],
)
def test_bounds_with_nothing_between_them_or_no_date_are_refused(after, before, year):
    with pytest.raises(BadDate):
        Filters.from_bounds(after, before, year=year)


def test_an_empty_source_means_any_outlet():
    assert Filters.from_bounds(source="") == Filters()
    assert Filters.from_bounds(source="AFP").source == "AFP"
