"""Domain operations on the archive. They change models and flush; they never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit, graves
from .dates import PartialDate
from .models import (
    Award,
    Hero,
    HeroCollection,
    HeroStatus,
    Photo,
    RevisionSource,
    Story,
    User,
    utcnow,
)
from .records import (
    HERO_DATE_FIELDS,
    HERO_TEXT_FIELDS,
    KEEP,
    HeroInput,
    PhotoInput,
    hero_fields,
    restore_showing,
    snapshot_photos,
)
from .revisions import recorded


def set_status(hero: Hero, status: str) -> None:
    """Publish or unpublish a hero; the first publication time is kept."""
    hero.status = HeroStatus(status)
    if status == HeroStatus.PUBLISHED and hero.published_at is None:
        hero.published_at = utcnow()


def apply_fields(hero: Hero, fields: dict) -> None:
    """Copy plain and date fields onto a hero; empty strings become ``None``."""
    for name in HERO_TEXT_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(
                hero,
                name,
                value.strip()
                if isinstance(value, str) and value.strip()
                else (None if name not in ("surname", "given_name") else value),
            )
    for name in HERO_DATE_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(
                hero, name, value if isinstance(value, PartialDate) else PartialDate.parse(value)
            )
    if "collection" in fields:
        hero.collection = HeroCollection(fields["collection"] or HeroCollection.FALLEN)
    if "service_periods" in fields:
        hero.service_periods = list(fields["service_periods"] or []) or None
    if "unit_hidden" in fields:
        hero.unit_hidden = bool(fields["unit_hidden"])
    if "life_now" in fields:
        value = fields["life_now"]
        hero.life_now = value.strip() if isinstance(value, str) and value.strip() else None


def replace_awards(hero: Hero, awards: list[dict]) -> None:
    """Make the hero's awards exactly ``awards`` (in order)."""
    hero.awards.clear()
    for pos, award in enumerate(awards):
        hero.awards.append(
            Award(
                position=pos,
                name=award["name"],
                date=PartialDate.parse(award.get("date")),
                posthumous=bool(award.get("posthumous", False)),
            )
        )


def _story_key(title: str | None, body: str | None) -> tuple[str, str]:
    """What makes a story the same story when the list is written anew."""
    return ((title or "").strip(), (body or "").strip())


def replace_stories(hero: Hero, stories: list[dict]) -> None:
    """Make the hero's stories exactly ``stories`` (in order).

    A story that was there before (same title and text) keeps its marks (hidden, sensitive)
    unless the record gives them, so an import or a restore never wipes a family's request.
    """
    marks = {
        _story_key(s.title, s.body): {"hidden": s.hidden, "sensitive": s.sensitive}
        for s in hero.stories
    }
    hero.stories.clear()
    for pos, story in enumerate(stories):
        kept = marks.get(_story_key(story.get("title"), story.get("body")), {})
        hero.stories.append(
            Story(
                position=pos,
                title=story.get("title") or "",
                body=story["body"],
                author_name=story.get("author_name") or "",
                author_relation=story.get("author_relation") or "",
                date=PartialDate.parse(story.get("date")),
                hidden=bool(story.get("hidden", kept.get("hidden", False))),
                sensitive=bool(story.get("sensitive", kept.get("sensitive", False))),
                chapter=story.get("chapter") or None,
            )
        )


def sync_photos(session: Session, hero: Hero, photos: list[PhotoInput]) -> None:
    """Make the hero's photos match ``photos``; a photo already stored (same checksum) is kept."""
    existing = {p.sha256: p for p in hero.photos}
    wanted: list[Photo] = []
    for photo in photos:
        row = existing.pop(photo.sha256, None)
        if row is None:
            row = Photo(
                file_path=photo.file_path,
                sha256=photo.sha256,
                size_bytes=photo.size_bytes,
                width=photo.width,
                height=photo.height,
            )
        wanted.append(row)
    for row in existing.values():
        hero.photos.remove(row)
    # Clear portrait flags first so the one-portrait constraint holds at every flush.
    for row in hero.photos:
        row.is_primary = False
    session.flush()
    for pos, (row, photo) in enumerate(zip(wanted, photos, strict=True)):
        row.position = pos
        row.caption = photo.caption
        # A record that does not speak of the marks leaves a stored photo's own.
        if photo.hidden is not None:
            row.hidden = photo.hidden
        elif row.hidden is None:
            row.hidden = False
        if photo.sensitive is not None:
            row.sensitive = photo.sensitive
        elif row.sensitive is None:
            row.sensitive = False
        if row not in hero.photos:
            hero.photos.append(row)
    session.flush()
    primary = next((r for r, p in zip(wanted, photos, strict=True) if p.primary), None)
    if primary is None and wanted:
        primary = wanted[0]
    if primary is not None:
        primary.is_primary = True


def upsert_hero(
    session: Session,
    record: HeroInput,
    *,
    source: str = RevisionSource.IMPORT,
    user: User | None = None,
    reason: str = "",
    submission_id: int | None = None,
) -> tuple[Hero, bool]:
    """Create or update the hero with ``record.external_id``; return it and whether it is new.

    The change is kept as a revision (``source`` says whether by import or moderation).
    Fields missing from ``record.fields``, and awards or stories given as ``None``, are kept.
    """
    existing = session.scalar(select(Hero).where(Hero.external_id == record.external_id))
    created = existing is None
    if existing is None:
        hero = Hero(external_id=record.external_id, status=HeroStatus.DRAFT)
    else:
        hero = existing
    with recorded(session, hero, source, user, reason, submission_id):
        if created:
            session.add(hero)
        apply_fields(hero, record.fields)
        if record.awards is not None:  # None: the hero keeps the awards it has
            replace_awards(hero, record.awards)
        if record.stories is not None:  # None: the hero keeps the stories it has
            replace_stories(hero, record.stories)
        session.flush()
        sync_photos(session, hero, record.photos)
        if record.grave is not KEEP:
            graves.place_from_record(session, hero, record.grave)  # type: ignore[arg-type]
        set_status(hero, record.status)
        if hero.status == HeroStatus.PUBLISHED and hero.notified_confirmed_at is None:
            # A hero imported as published (archive format, sheets) comes from staff who
            # vouch for the family having been notified: the import is their confirmation.
            # A moderator's approval has checked it before coming here.
            hero.notified_confirmed_at = utcnow()
            hero.notified_confirmed_by_id = user.id if user is not None else None
        session.flush()
    return hero, created


def add_story(hero: Hero, story: dict) -> None:
    """Add a story after the hero's others."""
    hero.stories.append(
        Story(
            position=len(hero.stories),
            title=story.get("title") or "",
            body=story["body"],
            author_name=story.get("author_name") or "",
            author_relation=story.get("author_relation") or "",
            date=PartialDate.parse(story.get("date")),
            chapter=story.get("chapter") or None,
            hidden=bool(story.get("hidden", False)),
        )
    )


def add_photos(session: Session, hero: Hero, photos: list[PhotoInput]) -> None:
    """Attach photos after the hero's own; one already attached (same checksum) is skipped."""
    kept = [
        PhotoInput(p.file_path, p.sha256, p.size_bytes, p.width, p.height, p.caption, p.is_primary)
        for p in hero.photos
    ]
    known = {p.sha256 for p in kept}
    sync_photos(session, hero, kept + [p for p in photos if p.sha256 not in known])


def edit_hero(session: Session, hero: Hero, fields: dict, user: User, reason: str) -> None:
    """A staff edit of a hero's fields, kept as a revision and in the audit log."""
    with recorded(session, hero, RevisionSource.EDIT, user, reason):
        apply_fields(hero, fields)
    audit.record(session, "hero.edit", user, object_type="hero", object_id=hero.id)


def change_status(session: Session, hero: Hero, status: str, user: User, reason: str) -> None:
    """Publish or unpublish (the reversible deletion) a hero, kept as a revision and logged."""
    publish = status == HeroStatus.PUBLISHED
    with recorded(
        session, hero, RevisionSource.PUBLISH if publish else RevisionSource.UNPUBLISH, user, reason
    ):
        set_status(hero, status)
    audit.record(
        session,
        "hero.publish" if publish else "hero.unpublish",
        user,
        object_type="hero",
        object_id=hero.id,
    )


def _unmarked(story: dict) -> dict:
    """A story of a snapshot without its marks, so the story's current ones are kept."""
    return {k: v for k, v in story.items() if k not in ("hidden", "sensitive")}


def restore_revision(session: Session, revision, user: User, reason: str = "") -> None:
    """Bring the hero back to the state recorded after ``revision``; itself a new revision."""
    hero = revision.hero
    state = revision.after
    with recorded(
        session, hero, RevisionSource.RESTORE, user, reason, restored_from_id=revision.id
    ):
        apply_fields(hero, hero_fields(state))
        replace_awards(hero, state.get("awards") or [])
        # Stories keep their marks as they are now (see replace_stories), as photos do.
        replace_stories(hero, [_unmarked(s) for s in state.get("stories") or []])
        session.flush()
        sync_photos(session, hero, snapshot_photos(state))
        set_status(hero, state.get("status") or HeroStatus.DRAFT)
        restore_showing(hero, state)
    audit.record(
        session,
        "revision.restore",
        user,
        object_type="revision",
        object_id=revision.id,
        hero_id=hero.id,
    )
