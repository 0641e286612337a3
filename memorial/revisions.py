"""Revisions of heroes: every change is kept with who, when, why, and the record before and
after; and the word-level difference staff read."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from .models import Hero, Revision, User
from .records import snapshot


@contextmanager
def recorded(
    session: Session,
    hero: Hero,
    source: str,
    user: User | None = None,
    reason: str = "",
    submission_id: int | None = None,
    restored_from_id: int | None = None,
) -> Iterator[None]:
    """Record the change made inside the block as a revision of ``hero`` (flush only).

    A hero without an id is being created: its revision has no "before".
    """
    before = snapshot(hero) if hero.id is not None else None
    yield
    session.flush()
    after = snapshot(hero)
    if before == after:
        return
    session.add(
        Revision(
            hero_id=hero.id,
            user_id=user.id if user else None,
            source=source,
            reason=reason or "",
            submission_id=submission_id,
            restored_from_id=restored_from_id,
            before=before,
            after=after,
        )
    )
    session.flush()


def changed_fields(before: dict | None, after: dict) -> list[tuple[str, object, object]]:
    """The fields a revision changed, as ``(name, before, after)`` in archive order."""
    before = before or {}
    return [
        (name, before.get(name), value)
        for name, value in after.items()
        if before.get(name) != value
    ]


def word_diff(before: object, after: object) -> list[tuple[str, str]]:
    """A word-level difference as ``(op, text)`` pairs: ``same``, ``del`` or ``ins``."""
    old = "" if before is None else str(before)
    new = "" if after is None else str(after)
    a, b = old.split(" "), new.split(" ")
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("del", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("ins", " ".join(b[j1:j2])))
    return out
