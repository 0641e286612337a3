"""The hero *record*: the archive format's fields, and a hero turned into them.

One concept used by the archive format (import and export), the JSON API, revisions and the
staff forms; it imports none of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import selectinload

from .models import Grave, GraveSector, Hero, HeroStatus, Photo, as_utc

#: Plain text fields of a hero, in the order of the archive format.
HERO_TEXT_FIELDS = (
    "surname",
    "given_name",
    "patronymic",
    "call_sign",
    "birth_place",
    "home_community",
    "rank",
    "position",
    "military_unit",
    "death_place",
    "death_circumstances",
    "burial_place",
    "burial_plot",
    "biography",
)
HERO_DATE_FIELDS = ("birth_date", "death_date")
#: Every field of a hero a person types (and a correction may change), in archive order.
HERO_FIELDS = HERO_TEXT_FIELDS + HERO_DATE_FIELDS
#: Lists of things that belong to a hero.
LIST_FIELDS = ("awards", "stories", "photos")
#: Loader options that fetch everything a record holds, for many heroes at once.
RECORD_LOADS = (
    selectinload(Hero.awards),
    selectinload(Hero.stories),
    selectinload(Hero.photos),
    selectinload(Hero.grave).joinedload(Grave.sector).joinedload(GraveSector.cemetery),
)
#: A record that does not name a grave leaves the hero's grave as it is.
KEEP = object()


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

    @classmethod
    def stored(cls, image, caption: str | None = None, primary: bool = False) -> PhotoInput:
        """A photo just stored by :mod:`memorial.media` (a ``StoredImage``)."""
        return cls(
            image.file_path,
            image.sha256,
            image.size_bytes,
            image.width,
            image.height,
            caption,
            primary,
        )


@dataclass
class HeroInput:
    """A validated hero record, ready to be written."""

    external_id: str
    fields: dict
    #: ``None``: keep the hero's (a record that does not speak of them).
    awards: list[dict] | None = field(default_factory=list)
    stories: list[dict] | None = field(default_factory=list)
    photos: list[PhotoInput] = field(default_factory=list)
    status: str = HeroStatus.PUBLISHED
    #: The structured grave (``{cemetery, sector, row, place[, code]}``), ``None`` for no
    #: grave, or :data:`KEEP` to leave the hero's grave as it is (the record does not say).
    grave: dict | None | object = field(default_factory=lambda: KEEP)


def hero_fields(record: dict) -> dict:
    """The plain and date fields of a record (missing ones as ``None``)."""
    return {name: record.get(name) for name in HERO_FIELDS}


def hero_record(hero: Hero) -> dict:
    """A hero in the archive format (photos named as in an export folder)."""
    out: dict = {"external_id": hero.external_id}
    for name in HERO_TEXT_FIELDS[:4]:
        out[name] = getattr(hero, name)
    out["birth_date"] = hero.birth_date.iso() if hero.birth_date else None
    out["death_date"] = hero.death_date.iso() if hero.death_date else None
    for name in HERO_TEXT_FIELDS[4:]:
        out[name] = getattr(hero, name)
    out["awards"] = [
        {"name": a.name, "date": a.date.iso() if a.date else None, "posthumous": a.posthumous}
        for a in hero.awards
    ]
    out["stories"] = [
        {
            "title": s.title,
            "body": s.body,
            "author_name": s.author_name,
            "author_relation": s.author_relation,
            "date": s.date.iso() if s.date else None,
        }
        for s in hero.stories
    ]
    out["photos"] = [
        {"file": export_photo_name(p), "caption": p.caption, "primary": p.is_primary}
        for p in hero.photos
    ]
    out["grave"] = grave_record(hero.grave)
    out["status"] = hero.status
    return out


#: What a hero in an empty frame (the family is not ready) shows: the name and the dates.
NAME_ONLY_FIELDS = ("surname", "given_name", "patronymic", "birth_date", "death_date")


def public_record(hero: Hero) -> dict:
    """A hero in the archive format as the public may see it: for a hero in an empty frame,
    only the name and the dates (the revisions keep the whole record)."""
    record = hero_record(hero)
    if not hero.name_only:
        return record
    out = {"external_id": record["external_id"]}
    for name in (*HERO_TEXT_FIELDS[:4], "birth_date", "death_date", *HERO_TEXT_FIELDS[4:]):
        out[name] = record[name] if name in NAME_ONLY_FIELDS else None
    out.update(awards=[], stories=[], photos=[], grave=None, status=record["status"])
    return out


def grave_record(grave: Grave | None) -> dict | None:
    """A grave as the archive format writes it (row and place as strings), with its
    permanent code."""
    if grave is None:
        return None
    return {
        "cemetery": grave.sector.cemetery.name,
        "sector": grave.sector.name,
        "row": str(grave.row),
        "place": str(grave.place),
        "code": grave.code,
    }


def export_photo_name(photo: Photo) -> str:
    """File name of a photo inside an export folder."""
    ext = Path(photo.file_path).suffix or ".jpg"
    return f"photos/{photo.id}{ext}"


def snapshot(hero: Hero) -> dict:
    """The hero in the archive format, photos named by their stored path so they can be restored."""
    record = hero_record(hero)
    record["photos"] = [
        {
            "file": p.file_path,
            "caption": p.caption,
            "primary": p.is_primary,
            "sha256": p.sha256,
            "width": p.width,
            "height": p.height,
            "size_bytes": p.size_bytes,
        }
        for p in hero.photos
    ]
    # What staff decided about showing the hero, kept only when set (older revisions lack it).
    if hero.name_only:
        record["name_only"] = True
    if hero.publish_at is not None:
        record["publish_at"] = as_utc(hero.publish_at).isoformat()
    return record


def restore_showing(hero: Hero, record: dict) -> None:
    """Put back the empty frame and the embargo as a snapshot recorded them."""
    hero.name_only = bool(record.get("name_only"))
    moment = record.get("publish_at")
    hero.publish_at = dt.datetime.fromisoformat(moment) if moment else None


def snapshot_photos(record: dict) -> list[PhotoInput]:
    """The photos of a snapshot, to be attached again."""
    return [
        PhotoInput(
            p["file"],
            p["sha256"],
            p["size_bytes"],
            p["width"],
            p["height"],
            p.get("caption"),
            bool(p.get("primary")),
        )
        for p in record.get("photos") or []
    ]


def photo_inputs(photos) -> list[PhotoInput]:
    """Stored photo rows (of a hero or a submission) described for attaching."""
    return [
        PhotoInput(
            p.file_path,
            p.sha256,
            p.size_bytes,
            p.width,
            p.height,
            p.caption,
            bool(getattr(p, "is_primary", False)),
        )
        for p in photos
    ]
