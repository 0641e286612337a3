"""Feeds: what is newly published (Atom), and the days to remember (iCalendar).

A family abroad subscribes a phone's calendar to one hero's days, no e-mail needed; a
community's staff to the whole archive. An anniversary is an all-day event that comes back
every year, made only from a date known to the day.
"""

from __future__ import annotations

import datetime as dt

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, request, url_for
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..anniversaries import day_known
from ..dates import PartialDate
from ..extensions import db
from ..models import Hero, Submission, SubmissionKind, SubmissionStatus, published_heroes
from ..records import public_stories, public_view
from .i18n import current_language
from .public import load_published_hero

bp = Blueprint("feeds", __name__)

#: How many newly published heroes and stories the Atom feed carries.
FEED_ENTRIES = 50
ATOM = "application/atom+xml; charset=utf-8"
ICS = "text/calendar; charset=utf-8"


def _hero_url(hero: Hero, anchor: str | None = None) -> str:
    return url_for("public.hero", slug=hero.slug, _external=True, _anchor=anchor)


def _dates(hero: Hero) -> str:
    language = current_language()
    birth = hero.birth_date.display(language) if hero.birth_date else "?"
    death = hero.death_date.display(language) if hero.death_date else "?"
    return f"{birth} — {death}"


def _shown(submission: Submission) -> bool:
    """Whether the story a submission brought is still shown and not marked sensitive (a
    feed entry is a preview: its summary carries the text)."""
    body = (submission.payload.get("body") or "").strip()
    return any(
        (s.body or "").strip() == body for s in public_stories(submission.hero, for_preview=True)
    )


@bp.get("/feed.atom")
def atom():
    """The newest published heroes and stories, newest first."""
    heroes = db.session.scalars(
        published_heroes()
        .where(Hero.published_at.is_not(None))
        .order_by(Hero.published_at.desc(), Hero.id.desc())
        .limit(FEED_ENTRIES)
    ).all()
    stories = db.session.scalars(
        select(Submission)
        .join(Hero, Submission.hero_id == Hero.id)
        .where(
            Submission.kind == SubmissionKind.STORY,
            Submission.status == SubmissionStatus.PUBLISHED,
            Submission.decided_at.is_not(None),
            Hero.is_remembered,
            Hero.name_only.is_(False),
        )
        .order_by(Submission.decided_at.desc(), Submission.id.desc())
        .limit(FEED_ENTRIES)
        .options(joinedload(Submission.hero))
    ).all()
    entries = [(hero.published_at, "hero", public_view(hero)) for hero in heroes]
    entries += [(story.decided_at, "story", story) for story in stories if _shown(story)]
    entries.sort(key=lambda e: (_aware(e[0]), e[2].id), reverse=True)
    entries = entries[:FEED_ENTRIES]

    feed = FeedGenerator()
    home = url_for("public.index", _external=True)
    feed.id(home)
    feed.title(_("Меморіал: нові імена та спогади"))
    feed.subtitle(_("Нові профілі захисників і спогади про них, опубліковані в архіві."))
    feed.link(href=url_for("feeds.atom", _external=True), rel="self")
    feed.link(href=home, rel="alternate")
    feed.language(current_language())
    feed.updated(_aware(entries[0][0]) if entries else dt.datetime(2022, 2, 24, tzinfo=dt.UTC))
    for when, kind, item in reversed(entries):  # feedgen lists the last added first
        entry = feed.add_entry()
        if kind == "hero":
            entry.id(url_for("public.hero", slug=str(item.id), _external=True))
            entry.title(item.full_name)
            entry.link(href=_hero_url(item))
            entry.summary(
                _dates(item)
                + (f". {item.military_unit}" if item.military_unit and not item.name_only else "")
            )
        else:
            hero = item.hero
            entry.id(
                f"{url_for('public.hero', slug=str(hero.id), _external=True)}#{item.reference}"
            )
            title = item.payload.get("title") or ""
            entry.title(
                _("Спогад про %(name)s", name=hero.full_name) + (f": {title}" if title else "")
            )
            entry.link(href=_hero_url(hero, "stories"))
            entry.summary((item.payload.get("body") or "")[:500])
        entry.published(_aware(when))
        entry.updated(_aware(when))
    return Response(feed.atom_str(pretty=True), content_type=ATOM)


def _aware(moment: dt.datetime) -> dt.datetime:
    """A stored moment with its time zone (SQLite gives it back without one; it is UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _anniversary(hero: Hero, which: str, day: PartialDate | None) -> Event | None:
    """A yearly all-day event on the day of ``day``, or ``None`` unless the day is known."""
    if day is None or not day_known(day):
        return None
    assert day.month is not None and day.day is not None
    start = dt.date(day.year, day.month, day.day)
    event = Event()
    event.add("uid", f"hero-{hero.id}-{which}@{request.host}")
    event.add("dtstamp", _aware(hero.updated_at))
    event.add("dtstart", start)
    event.add("dtend", start + dt.timedelta(days=1))
    rule: dict = {"freq": "yearly"}
    if (day.month, day.day) == (2, 29):  # in a common year, the last day of February
        rule.update(bymonth=2, bymonthday=-1)
    event.add("rrule", rule)
    name = hero.full_name
    event.add(
        "summary",
        _("День пам'яті: %(name)s", name=name)
        if which == "death"
        else _("День народження: %(name)s", name=name),
    )
    event.add("description", f"{name}, {_dates(hero)}\n{_hero_url(hero)}")
    event.add("url", _hero_url(hero))
    event.add("transp", "TRANSPARENT")
    return event


def _calendar(heroes, name: str) -> Response:
    calendar = Calendar()
    calendar.add("prodid", "-//Memorial//anniversaries//UK")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for hero in map(public_view, heroes):
        for which, day in (("death", hero.death_date), ("birth", hero.birth_date)):
            event = _anniversary(hero, which, day)
            if event is not None:
                calendar.add_component(event)
    response = Response(calendar.to_ical(), content_type=ICS)
    response.headers["Content-Disposition"] = "inline; filename=memorial.ics"
    return response


@bp.get("/calendar.ics")
def calendar():
    """Every published hero's day of death and birthday, known to the day."""
    heroes = db.session.scalars(
        published_heroes()
        .where(Hero.death_day.is_not(None) | Hero.birth_day.is_not(None))
        .order_by(Hero.id)
    )
    return _calendar(heroes, _("Меморіал: дні пам'яті"))


@bp.get("/heroes/<slug>.ics")
def hero_calendar(slug: str):
    """One hero's day of death and birthday, to subscribe to from a phone."""
    hero = load_published_hero(slug)
    if hero.death_day is None and hero.birth_day is None:
        abort(404)
    return _calendar([public_view(hero)], _("Дні пам'яті: %(name)s", name=hero.full_name))
