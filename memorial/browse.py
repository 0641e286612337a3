"""Ways into the archive besides search: by year of death, unit, community, burial place, and
the heroes remembered on a given day."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from .extensions import db
from .language import name_sort_key, slugify
from .models import CandleLight, Hero, Photo, Story

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


def published():
    """A select of published heroes."""
    return select(Hero).where(Hero.status == "published")


def groups(field: str) -> list[Group]:
    """Every value of ``field`` among published heroes, merged by URL key, in А–Я order."""
    column = GROUP_FIELDS[field]
    rows = db.session.execute(
        select(column, func.count(Hero.id)).where(Hero.status == "published", column.is_not(None),
                                                  column != "")
        .group_by(column)).all()
    merged: dict[str, tuple[str, int]] = {}
    for value, count in rows:
        key = slugify(value)
        if not key:
            continue
        label, total = merged.get(key, (value, 0))
        # Spellings that share a key are shown under the most common one.
        merged[key] = (label if total >= count else value, total + count)
    return sorted((Group(key, label, count) for key, (label, count) in merged.items()),
                  key=lambda g: _natural_key(g.label))


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
        select(column).where(Hero.status == "published", column.is_not(None)).distinct())
    return [v for v in values if slugify(v) == key]


def group_query(field: str, values: list[str]):
    """Published heroes whose ``field`` is one of ``values``."""
    return published().where(GROUP_FIELDS[field].in_(values))


def death_years() -> list[tuple[int, int]]:
    """(year, number of heroes) for every year of death among published heroes, latest first."""
    return [tuple(row) for row in db.session.execute(
        select(Hero.death_year, func.count(Hero.id))
        .where(Hero.status == "published", Hero.death_year.is_not(None))
        .group_by(Hero.death_year).order_by(Hero.death_year.desc())).all()]


def _same_day(month_col, day_col, day: dt.date):
    """Rows whose partial date falls on ``day``'s month and day (day precision only).

    In a common year 28 February also remembers those whose date is 29 February.
    """
    condition = and_(month_col == day.month, day_col == day.day)
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        condition = or_(condition, and_(month_col == 2, day_col == 29))
    return condition


def remembered_on(day: dt.date) -> tuple[list[Hero], list[Hero]]:
    """Published heroes who died on this day of the year, and those born on it."""
    load = selectinload(Hero.photos)
    died = db.session.scalars(
        published().where(_same_day(Hero.death_month, Hero.death_day, day))
        .order_by(Hero.death_year.desc(), Hero.sort_name).options(load)).all()
    born = db.session.scalars(
        published().where(_same_day(Hero.birth_month, Hero.birth_day, day))
        .order_by(Hero.sort_name).options(load)).all()
    return list(died), list(born)


def counters() -> dict[str, int]:
    """How many heroes, stories, photos and candles the public archive holds."""
    is_public = Hero.status == "published"
    return {
        "heroes": db.session.scalar(select(func.count(Hero.id)).where(is_public)) or 0,
        "stories": db.session.scalar(
            select(func.count(Story.id)).join(Hero).where(is_public)) or 0,
        "photos": db.session.scalar(
            select(func.count(Photo.id)).join(Hero).where(is_public)) or 0,
        "candles": db.session.scalar(
            select(func.count(CandleLight.id)).join(Hero).where(is_public)) or 0,
    }
