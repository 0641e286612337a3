"""The hero *record*: the archive format's fields, and a hero turned into them.

One concept used by the archive format (import and export), the JSON API, revisions and the
staff forms; it imports none of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import selectinload

from .dates import PartialDate
from .language import full_name as _full_name
from .models import Grave, GraveSector, Hero, HeroCollection, HeroStatus, Photo, as_utc

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
#: A veteran's own fields (a fallen hero's record leaves them out): periods of service, the
#: unit kept from the public, what they do now.
VETERAN_FIELDS = ("service_periods", "unit_hidden", "life_now")
#: The collections, as the archive format and the API name them.
COLLECTIONS = tuple(c.value for c in HeroCollection)
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
    #: The marks to give the photo; ``None``: keep a stored photo's own (a record that does
    #: not speak of them, such as an import).
    hidden: bool | None = None
    sensitive: bool | None = None

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
    """The plain and date fields of a record (missing ones as ``None``), with its collection
    and a veteran's own fields (a record without them is one of the fallen)."""
    fields = {name: record.get(name) for name in HERO_FIELDS}
    fields["collection"] = record.get("collection") or HeroCollection.FALLEN
    for name in VETERAN_FIELDS:
        fields[name] = record.get(name)
    return fields


def service_periods(hero, with_unit: bool = True) -> list[dict]:
    """A veteran's periods of service as the archive format writes them; ``with_unit``
    false leaves out the unit (kept from the public)."""
    out = []
    for period in hero.service_periods or []:
        entry = {k: period.get(k) for k in ("from", "to", "unit", "role")}
        if not with_unit:
            entry["unit"] = None
        out.append(entry)
    return out


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
            **({"chapter": s.chapter} if s.chapter else {}),
        }
        for s in hero.stories
    ]
    out["photos"] = [
        {"file": export_photo_name(p), "caption": p.caption, "primary": p.is_primary}
        for p in hero.photos
    ]
    out["grave"] = grave_record(hero.grave)
    out["status"] = hero.status
    out["collection"] = hero.collection or HeroCollection.FALLEN
    if hero.collection == HeroCollection.VETERAN:
        out["service_periods"] = service_periods(hero)
        out["unit_hidden"] = bool(hero.unit_hidden)
        out["life_now"] = hero.life_now
    return out


#: What a hero in an empty frame (the family is not ready) shows: the name and the dates.
NAME_ONLY_FIELDS = ("surname", "given_name", "patronymic", "birth_date", "death_date")


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
    """The hero in the archive format, photos named by their stored path so they can be restored.

    Unlike every public output, a snapshot keeps hidden items, hidden fields and the marks
    (hidden, sensitive), so restoring it restores them too."""
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
            **_marks(p),
        }
        for p in hero.photos
    ]
    for entry, story in zip(record["stories"], hero.stories, strict=True):
        entry.update(_marks(story))
    record["hidden_fields"] = list(hero.hidden_fields or [])
    # What staff decided about showing the hero, kept only when set (older revisions lack it).
    if hero.name_only:
        record["name_only"] = True
    if hero.publish_at is not None:
        record["publish_at"] = as_utc(hero.publish_at).isoformat()
    return record


def _marks(item) -> dict:
    """The family's and the staff's marks of a photo or story, only those set."""
    return {name: True for name in ("hidden", "sensitive") if getattr(item, name, False)}


# --- What the public sees -------------------------------------------------------------------

#: Fields a family may ask to hide (the name stays: it is what the memorial is for).
HIDEABLE_FIELDS = tuple(f for f in HERO_FIELDS if f not in ("surname", "given_name"))
#: Columns that a hidden date field hides as well.
_DATE_PARTS = {
    "birth_date": ("birth_year", "birth_month", "birth_day"),
    "death_date": ("death_year", "death_month", "death_day"),
}


def public_photos(hero: Hero, for_preview: bool = False) -> list[Photo]:
    """The photos the public may see; ``for_preview`` (cards, link cards, the book's lists)
    also leaves out those marked sensitive."""
    return [p for p in hero.photos if not p.hidden and not (for_preview and p.sensitive)]


def public_stories(hero: Hero, for_preview: bool = False) -> list:
    """The stories the public may see; ``for_preview`` (snippets, feed summaries) also leaves
    out those marked sensitive."""
    return [s for s in hero.stories if not s.hidden and not (for_preview and s.sensitive)]


def hidden_field_names(hero: Hero) -> set[str]:
    """The hero's fields hidden from the public, with the columns of a hidden date."""
    names = set(hero.hidden_fields or ())
    if hero.unit_hidden:
        names.add("military_unit")
    if hero.collection == HeroCollection.VETERAN:
        # A living person: the public sees the year of birth only.
        names.update(("birth_month", "birth_day"))
    for field_name in list(names):
        names.update(_DATE_PARTS.get(field_name, ()))
    return names


class PublicHero:
    """A hero as the public sees it: hidden fields read as empty, hidden photos and stories
    are absent. Everything else is the hero's own (read only)."""

    def __init__(self, hero: Hero, for_preview: bool = False) -> None:
        self._hero = hero
        self._hidden = hidden_field_names(hero)
        self._preview = for_preview

    def __getattr__(self, name: str):
        if name in self._hidden:
            return None
        if name == "photos":
            return public_photos(self._hero, self._preview)
        if name == "stories":
            return public_stories(self._hero, self._preview)
        if name == "birth_date" and self._hero.collection == HeroCollection.VETERAN:
            year = self._hero.birth_year
            return PartialDate(year) if year else None
        if name == "service_periods":
            return service_periods(self._hero, with_unit=not self._hero.unit_hidden)
        return getattr(self._hero, name)

    @property
    def full_name(self) -> str:
        return _full_name(self._hero.surname, self._hero.given_name, self.patronymic)

    @property
    def hero(self) -> Hero:
        """The hero itself."""
        return self._hero


def public_view(hero):
    """``hero`` as the public may see it (a :class:`PublicHero`); one already is kept."""
    if hero is None or isinstance(hero, PublicHero):
        return hero
    return PublicHero(hero)


def public_record(hero: Hero) -> dict:
    """A hero in the archive format as the public may have it: no hidden photo, story or
    field (the record of every public output: API, export, downloads); for a hero in an
    empty frame, only the name and the dates. The revisions keep the whole record."""
    record = hero_record(hero)
    if hero.name_only:
        out = {"external_id": record["external_id"]}
        for name in (*HERO_TEXT_FIELDS[:4], "birth_date", "death_date", *HERO_TEXT_FIELDS[4:]):
            out[name] = record[name] if name in NAME_ONLY_FIELDS else None
        out.update(awards=[], stories=[], photos=[], grave=None, status=record["status"])
        out["collection"] = record["collection"]
        if hero.collection == HeroCollection.VETERAN:
            out["birth_date"] = str(hero.birth_year) if hero.birth_year else None
        return out
    hidden = set(hero.hidden_fields or ())
    if hero.unit_hidden:
        hidden.add("military_unit")
    for name in hidden & set(HERO_FIELDS):
        record[name] = None
    if hero.collection == HeroCollection.VETERAN:
        # A living person: the year of birth only, and the unit only when they allow it.
        record["birth_date"] = str(hero.birth_year) if hero.birth_year else None
        record["service_periods"] = service_periods(hero, with_unit=not hero.unit_hidden)
    record["stories"] = [
        entry
        for entry, story in zip(record["stories"], hero.stories, strict=True)
        if not story.hidden
    ]
    record["photos"] = [
        entry
        for entry, photo in zip(record["photos"], hero.photos, strict=True)
        if not photo.hidden
    ]
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
            # The marks stay as they are now: restoring an older state never undoes a
            # family's request (that is done by unhiding, itself recorded).
            hidden=None,
            sensitive=None,
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
