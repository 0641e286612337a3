"""The archive's one clock: the moment now (UTC), and the calendar day in Kyiv.

Every "now" and "today" of the archive is read here, so a test can set the clock to a fixed
moment (:func:`frozen`) instead of a production page taking the date from its address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

#: The archive's own time zone: the day a candle counts for and the day remembered on the home
#: page are days in Kyiv.
KYIV = ZoneInfo("Europe/Kyiv")

_fixed: list[dt.datetime] = []


def now() -> dt.datetime:
    """The current moment in UTC, as stored everywhere in the database."""
    return _fixed[-1] if _fixed else dt.datetime.now(dt.UTC)


def today_in_kyiv(moment: dt.datetime | None = None) -> dt.date:
    """The calendar day in Kyiv at ``moment`` (default: now)."""
    return (moment or now()).astimezone(KYIV).date()


@contextmanager
def frozen(moment: dt.datetime | dt.date) -> Iterator[dt.datetime]:
    """Stop the clock at ``moment`` inside the block (a date means its noon in Kyiv)."""
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(12), tzinfo=KYIV)
    if moment.tzinfo is None:
        raise ValueError("a frozen moment needs a time zone")
    _fixed.append(moment.astimezone(dt.UTC))
    try:
        yield _fixed[-1]
    finally:
        _fixed.pop()
