"""Anniversaries: the days of a hero that come back every year (the day of memory, the
birthday), known only where the date is known to the day.

One rule everywhere (the home page, day pages, calendars, e-mail reminders): a date of
29 February is remembered on 28 February in a common year.
"""

from __future__ import annotations

import calendar
import datetime as dt

from sqlalchemy import and_, or_

from .dates import PartialDate
from .models import Hero, field_shown


def day_known(date: PartialDate | None) -> bool:
    """Whether a partial date is known to the day (only such dates have anniversaries)."""
    return date is not None and date.month is not None and date.day is not None


def in_year(date: PartialDate | None, year: int) -> dt.date | None:
    """The day in ``year`` on which ``date`` is remembered, or ``None`` when its day is unknown
    or ``year`` is not after the date's own year."""
    if not day_known(date) or date is None or date.year is None or year <= date.year:
        return None
    assert date.month is not None and date.day is not None
    if (date.month, date.day) == (2, 29) and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return dt.date(year, date.month, date.day)


def on_day(month_col, day_col, month: int, day: int):
    """Rows whose partial date is known to the day and falls on ``month`` and ``day`` (for a
    hero's dates, not when the family asked to hide that date)."""
    condition = and_(month_col == month, day_col == day)
    if getattr(month_col, "class_", None) is Hero and month_col.key in _DATE_OF:
        condition = and_(condition, field_shown(_DATE_OF[month_col.key]))
    return condition


#: The archive field a month column of a hero belongs to.
_DATE_OF = {"death_month": "death_date", "birth_month": "birth_date"}


def same_day(month_col, day_col, day: dt.date):
    """Rows whose partial date is remembered on ``day`` (day precision only).

    In a common year 28 February also remembers those whose date is 29 February.
    """
    condition = on_day(month_col, day_col, day.month, day.day)
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        condition = or_(condition, on_day(month_col, day_col, 2, 29))
    return condition
