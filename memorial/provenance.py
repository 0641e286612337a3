"""Publishing only when it is safe, and where each fact came from.

* The family first: a new hero is published only once staff confirm that the family has been
  officially notified (recorded on the hero and in the audit log). A hero imported as
  published through the archive format or a sheet counts as confirmed by the import
  (:func:`memorial.archive.upsert_hero` records it so).
* The embargo: a published hero with ``publish_at`` in the future stays invisible
  (:attr:`Hero.is_published` says so everywhere) and appears by itself at that moment.
  :func:`release_due` notices embargoes that have passed and touches those heroes once, so
  the change tracker puts them into the search index and retires the cached pages.
* The empty frame: a hero whose family is not ready shows only the name and the dates.
* Sources: each fact (a date, the unit, the rank, …) may have sources; staff verify them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from . import audit, clock
from .models import (
    FactField,
    FactSource,
    Hero,
    HeroCollection,
    HeroStatus,
    RevisionSource,
    SourceKind,
    User,
    as_utc,
)
from .revisions import recorded


class NotNotified(Exception):
    """Publication refused: nobody has confirmed that the family was officially notified."""


class SourceError(ValueError):
    """A source that cannot be recorded as given."""


# -- the family first ----------------------------------------------------------------------
def needs_notice(hero: Hero) -> bool:
    """Whether publishing ``hero`` still needs the confirmation that the family knows (a
    living veteran's page needs none: there is no death to be told of)."""
    return hero.collection != HeroCollection.VETERAN and hero.notified_confirmed_at is None


def confirm_notified(session: Session, hero: Hero, user: User, confirmed: bool) -> None:
    """Record the moderator's confirmation before a publication (flush only).

    Raises :class:`NotNotified`, changing nothing, when the hero has none yet and the
    moderator did not confirm now.
    """
    if not needs_notice(hero):
        return
    if not confirmed:
        raise NotNotified("the family's official notification is not confirmed")
    hero.notified_confirmed_at = clock.now()
    hero.notified_confirmed_by_id = user.id
    if hero.id is not None:
        session.flush()
        audit.record(session, "hero.notified", user, object_type="hero", object_id=hero.id)


# -- the embargo ---------------------------------------------------------------------------
def parse_kyiv(text: str) -> dt.datetime | None:
    """A moment typed in Kyiv time (``YYYY-MM-DDTHH:MM``) as UTC; empty means none.

    Raises :class:`ValueError` for anything else.
    """
    text = (text or "").strip()
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        raise ValueError("a Kyiv time carries no zone")
    return moment.replace(tzinfo=clock.KYIV).astimezone(dt.UTC)


def in_kyiv(moment: dt.datetime | None) -> str:
    """A stored moment as the form shows it: Kyiv time, to the minute."""
    if moment is None:
        return ""
    return as_utc(moment).astimezone(clock.KYIV).strftime("%Y-%m-%dT%H:%M")


def embargoed(hero: Hero) -> bool:
    """Whether ``hero`` is published but waits for its publication moment."""
    return (
        hero.status == HeroStatus.PUBLISHED
        and hero.publish_at is not None
        and as_utc(hero.publish_at) > clock.now()
    )


def set_embargo(
    session: Session, hero: Hero, moment: dt.datetime | None, user: User, reason: str
) -> None:
    """Set (or lift, with ``None``) the publication moment of ``hero``; audited (flush only)."""
    before = hero.publish_at
    with recorded(session, hero, RevisionSource.EDIT, user, reason):
        hero.publish_at = moment
    audit.record(
        session,
        "hero.embargo",
        user,
        object_type="hero",
        object_id=hero.id,
        before=as_utc(before).isoformat() if before else "",
        after=moment.isoformat() if moment else "",
        reason=reason,
    )


def _due():
    # Drafts are released too (once): the condition stays on one index, whatever the status.
    return and_(
        Hero.publish_released_at.is_(None),
        Hero.publish_at.is_not(None),
        Hero.publish_at <= clock.now(),
    )


def release_due(session: Session) -> list[int]:
    """Touch, once, every hero whose embargo has passed, and commit.

    The touch is an ORM write, so the change tracker sends the heroes to the search index
    and retires the cached pages; nobody needs to act. Costs one indexed query when
    nothing is due.
    """
    ids = list(session.scalars(select(Hero.id).where(_due())))
    if not ids:
        return []
    now = clock.now()
    for hero in session.scalars(select(Hero).where(Hero.id.in_(ids), _due())):
        hero.publish_released_at = now
        # Feeds and "recently published" date the hero from the moment it appeared.
        moment = as_utc(hero.publish_at) if hero.publish_at is not None else None
        later = hero.published_at is None or (
            moment is not None and as_utc(hero.published_at) < moment
        )
        if hero.status == HeroStatus.PUBLISHED and moment is not None and later:
            hero.published_at = moment
    session.commit()
    return ids


# -- the empty frame -----------------------------------------------------------------------
def set_name_only(session: Session, hero: Hero, name_only: bool, user: User, reason: str) -> None:
    """Show only the name and the dates ("the family is not ready"), or everything again."""
    if bool(hero.name_only) == name_only:
        return
    with recorded(session, hero, RevisionSource.EDIT, user, reason):
        hero.name_only = name_only
    audit.record(
        session,
        "hero.name_only" if name_only else "hero.name_only_lifted",
        user,
        object_type="hero",
        object_id=hero.id,
        reason=reason,
    )


def memorial_line_only(hero: Hero) -> str:
    """The one line the book prints for a hero in an empty frame: the name and the dates."""
    dates = " – ".join(
        d.display() if d is not None else "?" for d in (hero.birth_date, hero.death_date)
    )
    return f"{hero.full_name} ({dates})" if hero.birth_date or hero.death_date else hero.full_name


# -- sources -------------------------------------------------------------------------------
def add_source(
    session: Session,
    hero: Hero,
    user: User,
    *,
    field: str,
    kind: str,
    link: str = "",
    note: str = "",
    document_path: str | None = None,
    document_public: bool = False,
) -> FactSource:
    """Record a source of one fact of ``hero``; audited (flush only)."""
    if field not in set(FactField):
        raise SourceError("unknown fact")
    if kind not in set(SourceKind):
        raise SourceError("unknown kind of source")
    link = (link or "").strip()
    if kind == SourceKind.PUBLICATION and not link:
        raise SourceError("a publication needs a link")
    if link and not link.startswith(("https://", "http://")):
        raise SourceError("a link starts with https://")
    source = FactSource(
        hero_id=hero.id,
        field=field,
        kind=kind,
        link=link[:1000],
        note=(note or "").strip(),
        document_path=document_path,
        document_public=bool(document_public and document_path),
        created_by_id=user.id,
    )
    session.add(source)
    session.flush()
    audit.record(
        session, "source.add", user, object_type="hero", object_id=hero.id, field=field, kind=kind
    )
    return source


def verify_source(session: Session, source: FactSource, user: User) -> None:
    """Mark a source as checked by ``user``; audited (flush only)."""
    source.verified_at = clock.now()
    source.verified_by_id = user.id
    session.flush()
    audit.record(
        session,
        "source.verify",
        user,
        object_type="hero",
        object_id=source.hero_id,
        field=source.field,
        source=source.id,
    )


def remove_source(session: Session, source: FactSource, user: User) -> None:
    """Delete a source; the audit entry keeps what it said (flush only)."""
    audit.record(
        session,
        "source.remove",
        user,
        object_type="hero",
        object_id=source.hero_id,
        field=source.field,
        kind=source.kind,
        link=source.link,
        note=source.note,
    )
    session.delete(source)
    session.flush()


def verified_facts(session: Session, hero_id: int) -> dict[str, FactSource]:
    """The first verified source of each fact of a hero, for the public mark."""
    rows = session.scalars(
        select(FactSource)
        .where(FactSource.hero_id == hero_id, FactSource.verified_at.is_not(None))
        .order_by(FactSource.verified_at, FactSource.id)
    )
    found: dict[str, FactSource] = {}
    for row in rows:
        found.setdefault(row.field, row)
    return found


def unverified_heroes(session: Session, field: str | None = None, limit: int = 200):
    """Heroes with at least one unverified source (of ``field``), with the count of them."""
    conditions: list = [FactSource.verified_at.is_(None)]
    if field:
        conditions.append(FactSource.field == field)
    return session.execute(
        select(Hero, func.count(FactSource.id))
        .join(FactSource, FactSource.hero_id == Hero.id)
        .where(*conditions)
        .group_by(Hero.id)
        .order_by(Hero.sort_name, Hero.id)
        .limit(limit)
    ).all()


def has_unverified(session: Session, hero_id: int) -> bool:
    """Whether a hero has a source nobody verified yet."""
    return bool(
        session.scalar(
            select(exists().where(FactSource.hero_id == hero_id, FactSource.verified_at.is_(None)))
        )
    )
