"""Partial dates: parsing, display, order and age at death."""

from __future__ import annotations

import datetime as dt

import pytest

from memorial.dates import PartialDate, age_at_death


@pytest.mark.parametrize(
    "text, iso, uk, en",
    [
        ("1987", "1987", "1987", "1987"),
        ("1987-03", "1987-03", "березень 1987", "March 1987"),
        ("1987-03-14", "1987-03-14", "14 березня 1987", "14 March 1987"),
        (" 2022-12-01 ", "2022-12-01", "1 грудня 2022", "1 December 2022"),
    ],
)
def test_parse_and_display(text, iso, uk, en):
    date = PartialDate.parse(text)
    assert date.iso() == iso
    assert date.display("uk") == uk
    assert date.display("en") == en


@pytest.mark.parametrize(
    "text",
    [
        "2023-13",
        "2023-02-30",
        "87",
        "1987-3",
        "1987/03/14",
        "sometime",
        "1987-00",
        "0999",
        "2023-04-31",
    ],
)
def test_not_a_date(text):
    with pytest.raises(ValueError, match="is not a date"):
        PartialDate.parse(text)


def test_empty_is_none():
    assert PartialDate.parse(None) is None
    assert PartialDate.parse("") is None


def test_year_only_stays_year_only():
    date = PartialDate.parse("1987")
    assert (date.year, date.month, date.day) == (1987, None, None)
    assert date.precision == "year"


def test_sorting_puts_coarser_first():
    dates = [PartialDate.parse(t) for t in ["1987-03-14", "1987", "1986-12", "1987-03"]]
    assert [d.iso() for d in sorted(dates, key=PartialDate.sort_key)] == [
        "1986-12",
        "1987",
        "1987-03",
        "1987-03-14",
    ]


@pytest.mark.parametrize(
    "birth, death, age",
    [
        ("1987-03-14", "2022-05-24", 35),
        ("1987-06-14", "2022-05-24", 34),
        ("1987-05-25", "2022-05-24", 34),
        ("1987-05-24", "2022-05-24", 35),
        ("1987-03", "2022-05", 35),
        ("1987-07", "2022-05-24", 34),
        ("1987-05", "2022-05-24", None),
        ("1987", "2022-05-24", None),
        ("1979", "2015", None),
        (None, "2015", None),
    ],
)
def test_age_at_death(birth, death, age):
    assert age_at_death(PartialDate.parse(birth), PartialDate.parse(death)) == age


def test_same_day_of_year_needs_full_date():
    assert PartialDate.parse("1990-11-28").same_day_of_year(dt.date(2026, 11, 28))
    assert not PartialDate.parse("1990-11").same_day_of_year(dt.date(2026, 11, 28))
