"""Ways into the archive besides search: by year of death, unit, community, burial place, and
the heroes remembered on a given day."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .anniversaries import on_day, same_day
from .extensions import db
from .language import name_sort_key, slugify
from .models import (
    CandleLight,
    Hero,
    HeroCollection,
    Photo,
    Story,
    field_shown,
    published_heroes,
)

#: Browsable text fields of a hero: URL part -> column.
GROUP_FIELDS = {
    "unit": Hero.military_unit,
    "community": Hero.home_community,
    "burial": Hero.burial_place,
}


_LEADING_NUMBER = re.compile(r"^\s*(\d+)")


@dataclass(frozen=True)
class Group:
    """One value of a browsable field, with its URL key and how many heroes share it."""

    key: str
    label: str
    count: int


def groups(field: str) -> list[Group]:
    """Every value of ``field`` among published heroes, merged by URL key, in А–Я order."""
    column = GROUP_FIELDS[field]
    rows = db.session.execute(
        select(column, func.count(Hero.id))
        .where(
            Hero.is_remembered,
            Hero.name_only.is_(False),
            column.is_not(None),
            column != "",
            field_shown(column.key),
        )
        .group_by(column)
    ).all()
    merged: dict[str, tuple[str, int]] = {}
    for value, count in rows:
        if value is None:  # excluded by the query; narrows the type
            continue
        key = slugify(value)
        if not key:
            continue
        label, total = merged.get(key, (value, 0))
        # Spellings that share a key are shown under the most common one.
        merged[key] = (label if total >= count else value, total + count)
    return sorted(
        (Group(key, label, count) for key, (label, count) in merged.items()),
        key=lambda g: _natural_key(g.label),
    )


def _natural_key(label: str) -> tuple[int, int, str]:
    """Numbered names (``24-та бригада``) first in numeric order, then the rest А–Я."""
    number = _LEADING_NUMBER.match(label)
    if number:
        return (0, int(number.group(1)), name_sort_key(label))
    return (1, 0, name_sort_key(label))


def group_values(field: str, key: str) -> list[str]:
    """The stored spellings of ``field`` whose URL key is ``key``."""
    column = GROUP_FIELDS[field]
    values = db.session.scalars(
        select(column)
        .where(
            Hero.is_remembered,
            Hero.name_only.is_(False),
            column.is_not(None),
            field_shown(column.key),
        )
        .distinct()
    )
    return [v for v in values if v is not None and slugify(v) == key]


def group_query(field: str, values: list[str]):
    """Published heroes whose ``field`` is one of ``values``."""
    column = GROUP_FIELDS[field]
    return published_heroes().where(
        column.in_(values), field_shown(column.key), Hero.name_only.is_(False)
    )


def death_years() -> list[tuple[int, int]]:
    """(year, number of heroes) for every year of death among published heroes, latest first."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(Hero.death_year, func.count(Hero.id))
            .where(Hero.is_remembered, Hero.death_year.is_not(None), field_shown("death_date"))
            .group_by(Hero.death_year)
            .order_by(Hero.death_year.desc())
        ).all()
    ]


#: How many heroes who died on the day, and how many born on it, the home page shows; the
#: day's own page (``/heroes/day/MM-DD``) lists them all.
TODAY_SHOWN = 12

_DIED_ORDER = (Hero.death_year.desc(), Hero.sort_name, Hero.id)
_BORN_ORDER = (Hero.sort_name, Hero.id)
_DAY_KEY = re.compile(r"([0-9]{2})-([0-9]{2})")


@dataclass(frozen=True)
class DayHeroes:
    """Heroes remembered on a day: the shown ones, and how many there are in all."""

    died: list[Hero]
    born: list[Hero]
    died_total: int
    born_total: int


def _heroes(condition, order, offset: int = 0, limit: int | None = None) -> list[Hero]:
    """Published heroes matching ``condition`` in ``order``, photos loaded; a slice if asked."""
    query = published_heroes().where(condition).order_by(*order).options(selectinload(Hero.photos))
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query).all())


def _count(condition) -> int:
    """How many published heroes match ``condition``, counted by the database."""
    return db.session.scalar(select(func.count(Hero.id)).where(Hero.is_remembered, condition)) or 0


def remembered_on(day: dt.date, limit: int | None = None) -> tuple[list[Hero], list[Hero]]:
    """Published heroes who died on this day of the year, and those born on it.

    Those who died come latest year of death first, then by name; those born, by name.
    ``limit`` keeps only the first so many of each.
    """
    died = _heroes(same_day(Hero.death_month, Hero.death_day, day), _DIED_ORDER, limit=limit)
    born = _heroes(same_day(Hero.birth_month, Hero.birth_day, day), _BORN_ORDER, limit=limit)
    return died, born


def remembered_today(day: dt.date, shown: int = TODAY_SHOWN) -> DayHeroes:
    """The first ``shown`` heroes of each kind remembered on ``day``, and how many in all.

    The database counts only when a list is full, so a quiet day costs two queries.
    """
    died, born = remembered_on(day, limit=shown)
    died_total = (
        len(died) if len(died) < shown else _count(same_day(Hero.death_month, Hero.death_day, day))
    )
    born_total = (
        len(born) if len(born) < shown else _count(same_day(Hero.birth_month, Hero.birth_day, day))
    )
    return DayHeroes(died, born, died_total, born_total)


def parse_day_key(key: str) -> dt.date | None:
    """The day of the year a ``MM-DD`` URL part names, as a date of the leap year 2000.

    ``02-29`` is a day of its own; anything that is not a real day of the year gives ``None``.
    """
    match = _DAY_KEY.fullmatch(key)
    if not match:
        return None
    try:
        return dt.date(2000, int(match.group(1)), int(match.group(2)))
    except ValueError:
        return None


def day_totals(day: dt.date) -> tuple[int, int]:
    """How many published heroes died on this month and day, and how many were born on it.

    A page that names a day without a year means that day only: ``02-28`` leaves out 29 February.
    """
    return died_on_day(day), _count(on_day(Hero.birth_month, Hero.birth_day, day.month, day.day))


def died_on_day(day: dt.date) -> int:
    """How many published heroes died on this month and day (that day only, as ``day_totals``)."""
    return _count(on_day(Hero.death_month, Hero.death_day, day.month, day.day))


def day_slice(
    day: dt.date, died_total: int, offset: int, limit: int
) -> tuple[list[Hero], list[Hero]]:
    """One page of the day's list: those who died on it first, then those born on it.

    ``offset`` and ``limit`` count in that joined list; only the page's rows are fetched.
    """
    died: list[Hero] = []
    born: list[Hero] = []
    if offset < died_total:
        died = _heroes(
            on_day(Hero.death_month, Hero.death_day, day.month, day.day),
            _DIED_ORDER,
            offset,
            min(limit, died_total - offset),
        )
    left = limit - len(died)
    if left > 0:
        born = _heroes(
            on_day(Hero.birth_month, Hero.birth_day, day.month, day.day),
            _BORN_ORDER,
            max(0, offset - died_total),
            left,
        )
    return died, born


def counters() -> dict[str, int]:
    """How many heroes, stories, photos and candles the public archive holds."""
    is_public = Hero.is_remembered
    return {
        "heroes": db.session.scalar(select(func.count(Hero.id)).where(is_public)) or 0,
        "stories": db.session.scalar(
            select(func.count(Story.id)).join(Hero).where(is_public, Story.hidden.is_(False))
        )
        or 0,
        "photos": db.session.scalar(
            select(func.count(Photo.id)).join(Hero).where(is_public, Photo.hidden.is_(False))
        )
        or 0,
        "candles": db.session.scalar(select(func.count(CandleLight.id)).join(Hero).where(is_public))
        or 0,
        "veterans": db.session.scalar(
            select(func.count(Hero.id)).where(
                Hero.is_published, Hero.collection == HeroCollection.VETERAN
            )
        )
        or 0,
    }
