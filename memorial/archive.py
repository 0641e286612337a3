"""Domain operations on the archive. They change models and flush; they never commit."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from .dates import PartialDate
from .models import Award, Hero, Photo, Story, utcnow

#: Plain text fields of a hero, in the order of the archive format.
HERO_TEXT_FIELDS = (
    "surname", "given_name", "patronymic", "call_sign",
    "birth_place", "home_community", "rank", "position", "military_unit",
    "death_place", "death_circumstances", "burial_place", "burial_plot", "biography",
)
HERO_DATE_FIELDS = ("birth_date", "death_date")


@dataclass
class PhotoInput:
    """A photo to attach: stored file facts plus caption and portrait flag."""

    file_path: str
    sha256: str
    size_bytes: int
    width: int
    height: int
    caption: str | None = None
    primary: bool = False


@dataclass
class HeroInput:
    """A validated hero record, ready to be written."""

    external_id: str
    fields: dict
    awards: list[dict] = field(default_factory=list)
    stories: list[dict] = field(default_factory=list)
    photos: list[PhotoInput] = field(default_factory=list)
    status: str = "published"


def set_status(hero: Hero, status: str) -> None:
    """Publish or unpublish a hero; the first publication time is kept."""
    hero.status = status
    if status == "published" and hero.published_at is None:
        hero.published_at = utcnow()


def apply_fields(hero: Hero, fields: dict) -> None:
    """Copy plain and date fields onto a hero; empty strings become ``None``."""
    for name in HERO_TEXT_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(hero, name, value.strip() if isinstance(value, str) and value.strip() else
                    (None if name not in ("surname", "given_name") else value))
    for name in HERO_DATE_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(hero, name, value if isinstance(value, PartialDate) else PartialDate.parse(value))


def replace_awards(hero: Hero, awards: list[dict]) -> None:
    """Make the hero's awards exactly ``awards`` (in order)."""
    hero.awards.clear()
    for pos, award in enumerate(awards):
        hero.awards.append(Award(
            position=pos, name=award["name"], date=PartialDate.parse(award.get("date")),
            posthumous=bool(award.get("posthumous", False)),
        ))


def replace_stories(hero: Hero, stories: list[dict]) -> None:
    """Make the hero's stories exactly ``stories`` (in order)."""
    hero.stories.clear()
    for pos, story in enumerate(stories):
        hero.stories.append(Story(
            position=pos, title=story.get("title") or "", body=story["body"],
            author_name=story.get("author_name") or "",
            author_relation=story.get("author_relation") or "",
            date=PartialDate.parse(story.get("date")),
        ))


def sync_photos(session: Session, hero: Hero, photos: list[PhotoInput]) -> None:
    """Make the hero's photos match ``photos``; a photo already stored (same checksum) is kept."""
    existing = {p.sha256: p for p in hero.photos}
    wanted: list[Photo] = []
    for photo in photos:
        row = existing.pop(photo.sha256, None)
        if row is None:
            row = Photo(file_path=photo.file_path, sha256=photo.sha256,
                        size_bytes=photo.size_bytes, width=photo.width, height=photo.height)
        wanted.append(row)
    for row in existing.values():
        hero.photos.remove(row)
    # Clear portrait flags first so the one-portrait constraint holds at every flush.
    for row in hero.photos:
        row.is_primary = False
    session.flush()
    for pos, (row, photo) in enumerate(zip(wanted, photos)):
        row.position = pos
        row.caption = photo.caption
        if row not in hero.photos:
            hero.photos.append(row)
    session.flush()
    primary = next((r for r, p in zip(wanted, photos) if p.primary), None)
    if primary is None and wanted:
        primary = wanted[0]
    if primary is not None:
        primary.is_primary = True


def upsert_hero(session: Session, record: HeroInput) -> tuple[Hero, bool]:
    """Create or update the hero with ``record.external_id``; return it and whether it is new."""
    hero = session.scalar(select(Hero).where(Hero.external_id == record.external_id))
    created = hero is None
    if created:
        hero = Hero(external_id=record.external_id, status="draft")
        session.add(hero)
    apply_fields(hero, record.fields)
    replace_awards(hero, record.awards)
    replace_stories(hero, record.stories)
    session.flush()
    sync_photos(session, hero, record.photos)
    set_status(hero, record.status)
    session.flush()
    return hero, created
