"""The one change tracker: what a transaction changed, and who hears of it after the commit.

At every flush the tracker notes which heroes the flush wrote (directly, or through one of
their awards, stories or photos) and which *versions* of what visitors see the writes retire:
the archive's content, or the candles. Followers that must write in the same transaction (the
search outbox) are called right then, so a rollback takes their rows with it. After the
commit, the versions are replaced in a transaction of their own and every follower of the
app hears what changed: the index sync drains the outbox, the page cache reads the new
versions. A rollback forgets what the transaction noted.

A version is a random number in ``content_version`` (row 1: the content, row 2: the candles):
unlike a count, a database restored from a backup or a second site sharing a cache server
never meets pages kept for another state under its key.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import (
    Award,
    CandleLight,
    Cemetery,
    ContentVersion,
    FactSource,
    Grave,
    GraveSector,
    GraveWork,
    Hero,
    Interview,
    Photo,
    Story,
)

log = logging.getLogger(__name__)

#: The two versions (rows of ``content_version``): the archive's content, and the candles.
CONTENT, CANDLES = 1, 2
#: Models whose rows visitors see, and the version a write of one retires. Candles have their
#: own, so that a candle lit (often, by anyone) does not retire every list and search.
VERSION_OF: tuple[tuple[tuple[type, ...], int], ...] = (
    ((CandleLight,), CANDLES),
    # The places of graves and the visiting details show on profiles and sector plans.
    ((Hero, Award, Story, Photo, Interview, Cemetery, GraveSector, Grave, GraveWork), CONTENT),
    # A verified source shows as a mark beside the fact on the profile.
    ((FactSource,), CONTENT),
)
_KEY = "memorial.changes"


@dataclass
class Changed:
    """What one transaction changed: the heroes written, and the versions retired."""

    heroes: set[int] = field(default_factory=set)
    versions: set[int] = field(default_factory=set)


#: Called at each flush that wrote heroes, inside its transaction: ``(session, hero_ids)``.
_flush_followers: list[Callable[[Session, set[int]], None]] = []


def on_flush(follower: Callable[[Session, set[int]], None]) -> None:
    """Call ``follower(session, hero_ids)`` at every flush that wrote heroes (once per function)."""
    if follower not in _flush_followers:
        _flush_followers.append(follower)


class Tracker:
    """The followers of one app that hear, after each commit, what it changed."""

    def __init__(self) -> None:
        self.followers: list[Callable[[Changed], None]] = []

    def follow(self, follower: Callable[[Changed], None]) -> None:
        """Call ``follower(changed)`` after every commit that changed something."""
        self.followers.append(follower)

    def committed(self, changed: Changed) -> None:
        """Tell every follower; one that fails is logged and never fails the caller."""
        for follower in self.followers:
            try:
                follower(changed)
            except Exception:  # the commit stands; what follows can be redone
                log.exception("a follower of committed changes failed")


def tracker(app: Flask | None = None) -> Tracker:
    """The change tracker of ``app`` (default: the current app)."""
    return (app or current_app).extensions["memorial.changes"]


def _changed(session: Session) -> Changed:
    return session.info.setdefault(_KEY, Changed())


def note_version(session: Session, which: int = CONTENT) -> None:
    """Retire a version after this transaction commits (for writes the models do not show,
    such as a search index that took in a batch)."""
    _changed(session).versions.add(which)


def version_of(cls: type) -> int | None:
    """Which version a write of a ``cls`` row retires, if any."""
    for models, which in VERSION_OF:
        if issubclass(cls, models):
            return which
    return None


def _heroes_written(objects) -> set[int]:
    """Ids of the heroes that written objects belong to."""
    ids: set[int] = set()
    for obj in objects:
        if isinstance(obj, Hero):
            if obj.id is not None:
                ids.add(obj.id)
        elif isinstance(obj, (Award, Story, Photo, Interview)):
            hero_id = obj.hero_id if obj.hero_id is not None else getattr(obj.hero, "id", None)
            if hero_id is not None:
                ids.add(hero_id)
    return ids


def _after_flush(session: Session, flush_context) -> None:
    """Note what this flush wrote; flush followers write in its own transaction.

    At this point the session's collections still list what was flushed, and inserted
    objects already carry their ids.
    """
    written = (*session.new, *session.dirty, *session.deleted)
    versions = {v for v in (version_of(type(obj)) for obj in written) if v is not None}
    heroes = _heroes_written(written)
    if not versions and not heroes:
        return
    changed = _changed(session)
    changed.versions |= versions
    changed.heroes |= heroes
    if heroes:
        for follower in _flush_followers:
            follower(session, heroes)


def _after_bulk(state) -> None:
    """The same for ``update(Hero)``-style statements run through a session."""
    if (state.is_update or state.is_delete or state.is_insert) and state.bind_mapper is not None:
        which = version_of(state.bind_mapper.class_)
        if which is not None:
            _changed(state.session).versions.add(which)


def _after_commit(session: Session) -> None:
    """Replace the retired versions, then tell the app's followers (no SQL in this session)."""
    changed = session.info.pop(_KEY, None)
    if changed is None:
        return
    if changed.versions:
        bind = session.get_bind()
        raise_versions(getattr(bind, "engine", bind), changed.versions)
    if has_app_context():
        state = current_app.extensions.get("memorial.changes")
        if state is not None:
            state.committed(changed)


def _after_rollback(session: Session, previous_transaction) -> None:
    """A rollback of the whole transaction drops what it noted (a savepoint's keeps it)."""
    if previous_transaction.parent is None:
        session.info.pop(_KEY, None)


# -- versions -----------------------------------------------------------------------------
def read_versions(session: Session) -> dict[int, int]:
    """The content and candle versions stored in the database (0 before the first change)."""
    rows = dict(
        session.execute(
            select(ContentVersion.id, ContentVersion.version).where(
                ContentVersion.id.in_((CONTENT, CANDLES))
            )
        ).all()
    )
    return {CONTENT: rows.get(CONTENT, 0), CANDLES: rows.get(CANDLES, 0)}


def new_version() -> int:
    """A fresh random version."""
    return 1 + secrets.randbelow(2**31 - 2)


def raise_version(connection, which: int = CONTENT) -> None:
    """Give the content (or the candles) a new version inside the transaction of
    ``connection`` (or a session)."""
    version = new_version()
    result = connection.execute(
        update(ContentVersion).where(ContentVersion.id == which).values(version=version)
    )
    if result.rowcount == 0:
        connection.execute(insert(ContentVersion).values(id=which, version=version))


def raise_versions(engine, which: set[int]) -> None:
    """Replace versions in a transaction of their own, so a long import never holds the
    version's row locked while other writers wait on it."""
    for _ in range(3):
        try:
            with engine.begin() as connection:
                for version in sorted(which):
                    raise_version(connection, version)
            return
        except IntegrityError:  # two first raises met; the other row is there now
            continue
        except Exception:
            log.warning(
                "content version not raised; cached pages expire on their own", exc_info=True
            )
            return


def init_app(app: Flask) -> None:
    """Give ``app`` its tracker and listen to every session (once per process)."""
    app.extensions["memorial.changes"] = Tracker()
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _after_bulk)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
