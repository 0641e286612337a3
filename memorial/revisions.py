"""Revisions of heroes: every change is kept with who, when, why, and the record before and after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from .models import Hero, Revision, User


def snapshot(hero: Hero) -> dict:
    """The hero in the archive format, photos named by their stored path so they can be restored."""
    from .porting import hero_record  # porting imports archive, which imports this module

    record = hero_record(hero)
    record["photos"] = [
        {"file": p.file_path, "caption": p.caption, "primary": p.is_primary, "sha256": p.sha256,
         "width": p.width, "height": p.height, "size_bytes": p.size_bytes}
        for p in hero.photos
    ]
    return record


@contextmanager
def recorded(session: Session, hero: Hero, source: str, user: User | None = None,
             reason: str = "", submission_id: int | None = None,
             restored_from_id: int | None = None) -> Iterator[None]:
    """Record the change made inside the block as a revision of ``hero`` (flush only).

    A hero without an id is being created: its revision has no "before".
    """
    before = snapshot(hero) if hero.id is not None else None
    yield
    session.flush()
    after = snapshot(hero)
    if before == after:
        return
    session.add(Revision(hero_id=hero.id, user_id=user.id if user else None, source=source,
                         reason=reason or "", submission_id=submission_id,
                         restored_from_id=restored_from_id, before=before, after=after))
    session.flush()


def changed_fields(before: dict | None, after: dict) -> list[tuple[str, object, object]]:
    """The fields a revision changed, as ``(name, before, after)`` in archive order."""
    before = before or {}
    return [(name, before.get(name), value) for name, value in after.items()
            if before.get(name) != value]
