"""The archive format in and out: a folder with ``heroes.json`` and the media it names."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, overload

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from . import media
from .archive import upsert_hero
from .dates import PartialDate
from .graves import MAX_PLACES, MAX_ROWS, GraveError, grave_url, normal_code
from .models import Hero, HeroStatus
from .records import (
    HERO_DATE_FIELDS,
    HERO_TEXT_FIELDS,
    KEEP,
    LIST_FIELDS,
    RECORD_LOADS,
    HeroInput,
    PhotoInput,
    hero_record,
)

HEROES_FILE = "heroes.json"
REQUIRED = ("external_id", "surname", "given_name")
#: Fields that the JSON API adds; accepted on import and ignored.
IGNORED = ("id", "slug", "url")
KNOWN = (
    set(HERO_TEXT_FIELDS)
    | set(HERO_DATE_FIELDS)
    | set(LIST_FIELDS)
    | {"external_id", "status", "grave"}
    | set(IGNORED)
)
MAX_TEXT = {"biography": 100_000, "death_circumstances": 20_000}
DEFAULT_MAX_TEXT = 1_000


class ArchiveError(ValueError):
    """The archive cannot be imported; the message names the file, record and field.

    ``problems`` lists every bad record found (the message names the first and counts the
    rest), so a whole archive can be mended in one go.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


def _lines(text: str) -> str:
    """Text with line ends as ``\n``, whatever system wrote it."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class ValidatedPhoto:
    """A photo of a record, checked to be a readable image inside the archive folder."""

    source: Path
    caption: str | None
    primary: bool


@dataclass
class ValidatedRecord:
    """A record that passed every check, still pointing at the archive's files."""

    external_id: str
    fields: dict
    awards: list[dict]
    stories: list[dict]
    photos: list[ValidatedPhoto]
    status: str
    #: ``KEEP`` when the record names no grave (the hero's grave stays as it is).
    grave: dict | None | object = KEEP


def _where(index: int, external_id: object) -> str:
    ident = f" (external_id {external_id})" if isinstance(external_id, str) and external_id else ""
    return f"{HEROES_FILE}, record {index}{ident}"


@overload
def _text(value: object, name: str, required: Literal[True]) -> str: ...
@overload
def _text(value: object, name: str, required: bool = False) -> str | None: ...
def _text(value: object, name: str, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise ValueError(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    if "\x00" in value:
        raise ValueError(f"{name} contains a NUL character")
    limit = MAX_TEXT.get(name, DEFAULT_MAX_TEXT)
    if len(value) > limit:
        raise ValueError(f"{name} is longer than {limit} characters")
    value = _lines(value).strip()
    if required and not value:
        raise ValueError(f"{name} is required")
    return value or None


def _date(value: object, name: str) -> str | None:
    try:
        parsed = PartialDate.parse(value)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(f"{name} {json.dumps(value, ensure_ascii=False)} is not a date") from None
    return parsed.iso() if parsed else None


def _list(value: object, name: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{name} must be a list")
    return value


def _object(value: object, name: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be an object")
    return value


def _grave(value: object) -> dict | None:
    """The structured grave of a record: cemetery and sector names, row and place numbers
    (as strings or integers); ``code`` and ``url`` as an export writes them."""
    if value is None:
        return None
    value = _object(value, "grave")
    unknown = sorted(set(value) - {"cemetery", "sector", "row", "place", "code", "url"})
    if unknown:
        raise ValueError(f"unknown field grave.{unknown[0]}")
    grave: dict = {}
    for name in ("cemetery", "sector"):
        grave[name] = _text(value.get(name), f"grave.{name}", required=True)
    for name, limit in (("row", MAX_ROWS), ("place", MAX_PLACES)):
        number = value.get(name)
        if isinstance(number, bool) or not isinstance(number, (str, int)):
            raise ValueError(f"grave.{name} must be a number")
        text_ = str(number).strip()
        if not text_.isdigit() or not 1 <= int(text_) <= limit:
            raise ValueError(f"grave.{name} {json.dumps(number)} is not a number from 1 to {limit}")
        grave[name] = text_
    code = value.get("code")
    if code is not None and (not isinstance(code, str) or normal_code(code) is None):
        raise ValueError(f"grave.code {json.dumps(code)} is not a grave code")
    grave["code"] = normal_code(code) if code else None
    return grave


def _later(first: PartialDate, second: PartialDate) -> bool:
    """Whether ``first`` is surely after ``second``, comparing only the parts both know."""
    depth = min(len(first.iso().split("-")), len(second.iso().split("-")))
    return first.sort_key()[:depth] > second.sort_key()[:depth]


def validate_record(raw: object, folder: Path) -> ValidatedRecord:
    """Check one hero object; raise ``ValueError`` naming the first bad field."""
    if not isinstance(raw, dict):
        raise ValueError("is not a JSON object")
    unknown = sorted(set(raw) - KNOWN)
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r}")
    external_id = _text(raw.get("external_id"), "external_id", required=True)
    fields: dict = {}
    for name in HERO_TEXT_FIELDS:
        fields[name] = _text(raw.get(name), name, required=name in REQUIRED)
    for name in HERO_DATE_FIELDS:
        fields[name] = _date(raw.get(name), name)
    birth, death = PartialDate.parse(fields["birth_date"]), PartialDate.parse(fields["death_date"])
    if birth and death and _later(birth, death):
        raise ValueError(f'birth_date "{birth.iso()}" is after death_date "{death.iso()}"')
    status = raw.get("status", HeroStatus.PUBLISHED)
    if status not in tuple(HeroStatus):
        raise ValueError(
            f'status {json.dumps(status, ensure_ascii=False)} is not "published" or "draft"'
        )

    awards = []
    for i, item in enumerate(_list(raw.get("awards"), "awards"), 1):
        item = _object(item, f"awards[{i}]")
        posthumous = item.get("posthumous", False)
        if not isinstance(posthumous, bool):
            raise ValueError(f"awards[{i}].posthumous must be true or false")
        awards.append(
            {
                "name": _text(item.get("name"), f"awards[{i}].name", required=True),
                "date": _date(item.get("date"), f"awards[{i}].date"),
                "posthumous": posthumous,
            }
        )
    stories = []
    for i, item in enumerate(_list(raw.get("stories"), "stories"), 1):
        item = _object(item, f"stories[{i}]")
        body = item.get("body")
        if not isinstance(body, str) or not body.strip():
            raise ValueError(f"stories[{i}].body is required")
        if len(body) > MAX_TEXT["biography"]:
            raise ValueError(f"stories[{i}].body is too long")
        stories.append(
            {
                "title": _text(item.get("title"), f"stories[{i}].title") or "",
                "body": _lines(body).strip(),
                "author_name": _text(item.get("author_name"), f"stories[{i}].author_name") or "",
                "author_relation": _text(
                    item.get("author_relation"), f"stories[{i}].author_relation"
                )
                or "",
                "date": _date(item.get("date"), f"stories[{i}].date"),
            }
        )
    photos = []
    root = folder.resolve()
    for i, item in enumerate(_list(raw.get("photos"), "photos"), 1):
        item = _object(item, f"photos[{i}]")
        rel = _text(item.get("file"), f"photos[{i}].file", required=True)
        source = (root / rel).resolve()
        if root not in source.parents:
            raise ValueError(f'photos[{i}].file "{rel}" is outside the archive folder')
        if not source.is_file():
            raise ValueError(f'photos[{i}].file "{rel}" does not exist')
        try:
            media.open_image(source.read_bytes(), draft_side=media.MAX_SIDE)
        except media.MediaError as exc:
            raise ValueError(f'photos[{i}].file "{rel}": {exc}') from None
        primary = item.get("primary", False)
        if not isinstance(primary, bool):
            raise ValueError(f"photos[{i}].primary must be true or false")
        photos.append(
            ValidatedPhoto(source, _text(item.get("caption"), f"photos[{i}].caption"), primary)
        )
    if sum(p.primary for p in photos) > 1:
        raise ValueError("more than one photo is marked primary")
    grave = _grave(raw["grave"]) if "grave" in raw else KEEP
    return ValidatedRecord(external_id, fields, awards, stories, photos, status, grave)


def load_archive(
    folder: str | os.PathLike, progress: Callable[[int], None] | None = None
) -> list[ValidatedRecord]:
    """Read and check a whole archive folder; raise ``ArchiveError`` naming every bad record."""
    folder = Path(folder)
    path = folder / HEROES_FILE
    if not folder.is_dir():
        raise ArchiveError(f"{folder}: not a folder")
    if not path.is_file():
        raise ArchiveError(f"{folder}: {HEROES_FILE} is missing")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ArchiveError(f"{HEROES_FILE}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ArchiveError(
            f"{HEROES_FILE}: not valid JSON ({exc.msg}, line {exc.lineno})"
        ) from None
    if not isinstance(data, list):
        raise ArchiveError(f"{HEROES_FILE}: must hold a JSON array of hero objects")
    records: list[ValidatedRecord] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data, 1):
        ident = raw.get("external_id") if isinstance(raw, dict) else None
        try:
            record = validate_record(raw, folder)
        except ValueError as exc:
            problems.append(f"{_where(index, ident)}: {exc}")
            continue
        finally:
            if progress:
                progress(1)
        if record.external_id in seen:
            problems.append(
                f"{_where(index, ident)}: external_id repeats record {seen[record.external_id]}"
            )
            continue
        seen[record.external_id] = index
        records.append(record)
    if problems:
        more = f" (and {len(problems) - 1} more bad records)" if len(problems) > 1 else ""
        raise ArchiveError(problems[0] + more, problems)
    return records


@dataclass
class ImportResult:
    """What an import did."""

    created: int = 0
    updated: int = 0
    photos_stored: int = 0
    #: Media files of photos that the re-imported records no longer carry: once the import
    #: is committed and nothing else names them, they can be deleted.
    dropped: list[str] = field(default_factory=list)


def import_records(
    session: Session,
    records: Iterable[ValidatedRecord],
    data_dir: str,
    written: list[Path],
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Write validated records (flush only); new media files are appended to ``written``."""
    result = ImportResult()
    for record in records:
        existing = session.scalar(
            select(Hero)
            .where(Hero.external_id == record.external_id)
            .options(selectinload(Hero.photos))
        )
        known = {p.sha256: p for p in existing.photos} if existing else {}
        before = {p.file_path for p in existing.photos} if existing else set()
        photo_inputs = []
        for photo in record.photos:
            clean, ext, width, height = media.reencode(photo.source.read_bytes())
            digest = hashlib.sha256(clean).hexdigest()
            if digest in known:
                row = known[digest]
                stored = media.StoredImage(
                    row.file_path, digest, row.size_bytes, row.width, row.height
                )
            else:
                stored = media.store_image(data_dir, clean)
                written.append(media.safe_path(data_dir, stored.file_path))
                result.photos_stored += 1
            photo_inputs.append(PhotoInput.stored(stored, photo.caption, photo.primary))
        try:
            _, created = upsert_hero(
                session,
                HeroInput(
                    external_id=record.external_id,
                    fields=record.fields,
                    awards=record.awards,
                    stories=record.stories,
                    photos=photo_inputs,
                    status=record.status,
                    grave=record.grave,
                ),
            )
        except GraveError as exc:
            raise ArchiveError(f"external_id {record.external_id}: grave: {exc}") from None
        result.dropped += sorted(before - {p.file_path for p in photo_inputs})
        if created:
            result.created += 1
        else:
            result.updated += 1
        if progress:
            progress(1)
    return result


def export_archive(
    session: Session,
    folder: str | os.PathLike,
    data_dir: str,
    progress: Callable[[int], None] | None = None,
    base_url: str = "",
) -> int:
    """Write every published hero and its photos to ``folder``; return the number of heroes.

    ``base_url``: the site's address, which the graves' permanent URLs start with."""
    folder = Path(folder)
    (folder / "photos").mkdir(parents=True, exist_ok=True)
    heroes = session.scalars(
        select(Hero).where(Hero.is_published).order_by(Hero.id).options(*RECORD_LOADS)
    ).all()
    records = []
    for hero in heroes:
        record = hero_record(hero)
        if record["grave"]:
            record["grave"]["url"] = grave_url(record["grave"]["code"], base_url)
        for photo, entry in zip(hero.photos, record["photos"], strict=True):
            shutil.copyfile(media.safe_path(data_dir, photo.file_path), folder / entry["file"])
        records.append(record)
        if progress:
            progress(1)
    tmp = folder / (HEROES_FILE + ".tmp")
    tmp.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, folder / HEROES_FILE)
    return len(records)
