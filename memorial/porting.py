"""The archive format in and out: a folder with ``heroes.json`` and the media it names."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, overload

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from . import media
from .archive import upsert_hero
from .dates import PartialDate
from .graves import MAX_PLACES, MAX_ROWS, GraveError, grave_url, normal_code
from .models import Hero, HeroCollection, HeroStatus, StoryChapter
from .records import (
    COLLECTIONS,
    HERO_DATE_FIELDS,
    HERO_TEXT_FIELDS,
    KEEP,
    LIST_FIELDS,
    RECORD_LOADS,
    VETERAN_FIELDS,
    HeroInput,
    PhotoInput,
    photo_inputs,
    public_photos,
    public_record,
    snapshot,
)
from .records import hero_record as hero_record  # the archive format's record, re-exported

HEROES_FILE = "heroes.json"
REQUIRED = ("external_id", "surname", "given_name")
#: Fields that the JSON API adds; accepted on import and ignored.
IGNORED = ("id", "slug", "url")
KNOWN = (
    set(HERO_TEXT_FIELDS)
    | set(HERO_DATE_FIELDS)
    | set(LIST_FIELDS)
    | {"external_id", "status", "grave", "collection"}
    | set(VETERAN_FIELDS)
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
    """A record that passed every check, still pointing at the archive's files.

    A *partial* record (from a spreadsheet) carries only some of a hero's facts: fields it
    does not name, awards and stories given as ``None`` and a status of ``None`` keep what
    the hero has; its photos are added to the hero's own instead of replacing them.
    """

    external_id: str
    fields: dict
    awards: list[dict] | None
    stories: list[dict] | None
    photos: list[ValidatedPhoto]
    status: str | None
    partial: bool = False
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


#: The chapters of a veteran's story, as the archive format names them.
CHAPTERS = tuple(c.value for c in StoryChapter)


def veteran_fields(raw: dict) -> dict:
    """The collection and a veteran's own fields of a record, checked (``ValueError`` names
    the first bad one). A record without ``collection`` is one of the fallen."""
    collection = raw.get("collection", HeroCollection.FALLEN)
    if collection is None:
        collection = HeroCollection.FALLEN
    if collection not in COLLECTIONS:
        raise ValueError(
            f'collection {json.dumps(collection, ensure_ascii=False)} is not "fallen" or "veteran"'
        )
    fields: dict = {"collection": collection}
    periods = []
    for i, item in enumerate(_list(raw.get("service_periods"), "service_periods"), 1):
        item = _object(item, f"service_periods[{i}]")
        unknown = sorted(set(item) - {"from", "to", "unit", "role"})
        if unknown:
            raise ValueError(f"unknown field service_periods[{i}].{unknown[0]}")
        start = _date(item.get("from"), f"service_periods[{i}].from")
        if start is None:
            raise ValueError(f"service_periods[{i}].from is required")
        end = _date(item.get("to"), f"service_periods[{i}].to")
        first, last = PartialDate.parse(start), PartialDate.parse(end)
        if first and last and _later(first, last):
            raise ValueError(f'service_periods[{i}].from "{start}" is after "to" "{end}"')
        periods.append(
            {
                "from": start,
                "to": end,
                "unit": _text(item.get("unit"), f"service_periods[{i}].unit"),
                "role": _text(item.get("role"), f"service_periods[{i}].role"),
            }
        )
    fields["service_periods"] = periods
    hidden = raw.get("unit_hidden", collection == HeroCollection.VETERAN)
    if not isinstance(hidden, bool):
        raise ValueError("unit_hidden must be true or false")
    fields["unit_hidden"] = hidden
    life_now = raw.get("life_now")
    if life_now is not None and (not isinstance(life_now, str) or len(life_now) > 20_000):
        raise ValueError("life_now must be text of at most 20000 characters")
    fields["life_now"] = life_now
    if collection == HeroCollection.FALLEN and (periods or life_now):
        raise ValueError('service_periods and life_now belong to collection "veteran"')
    return fields


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
    fields.update(veteran_fields(raw))
    if fields["collection"] == HeroCollection.VETERAN and fields["death_date"]:
        raise ValueError('a veteran (collection "veteran") has no death_date')

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
        chapter = item.get("chapter")
        if chapter is not None and chapter not in CHAPTERS:
            raise ValueError(
                f"stories[{i}].chapter {json.dumps(chapter, ensure_ascii=False)} is not "
                '"before", "during" or "after"'
            )
        stories.append(
            {
                "chapter": chapter,
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
    return ValidatedRecord(external_id, fields, awards, stories, photos, status, grave=grave)


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
    #: Heroes that existed already (``unchanged`` of them were left exactly as they were).
    updated: int = 0
    unchanged: int = 0
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
            .options(selectinload(Hero.photos), selectinload(Hero.awards))
        )
        before = snapshot(existing) if existing is not None else None
        known = {p.sha256: p for p in existing.photos} if existing else {}
        files_before = {p.file_path for p in existing.photos} if existing else set()
        inputs = []
        stored_now: dict[str, media.StoredImage] = {}
        for photo in record.photos:
            clean, ext, width, height = media.reencode(photo.source.read_bytes())
            digest = hashlib.sha256(clean).hexdigest()
            if digest in known:
                row = known[digest]
                stored = media.StoredImage(
                    row.file_path, digest, row.size_bytes, row.width, row.height
                )
                caption = photo.caption
                if record.partial and caption is None:
                    caption = row.caption
            elif record.partial and digest in stored_now:  # one picture named twice
                stored, caption = stored_now[digest], photo.caption
            else:
                stored = media.write_clean(data_dir, clean, ext, width, height, written)
                result.photos_stored += 1
                stored_now[digest] = stored
                caption = photo.caption
            inputs.append(PhotoInput.stored(stored, caption, photo.primary))
        awards = record.awards
        status = record.status
        if record.partial:
            inputs = _merged_photos(existing, inputs)
            awards = _merged_awards(existing, awards)
            if status is None:
                status = existing.status if existing is not None else HeroStatus.PUBLISHED
        try:
            hero, created = upsert_hero(
                session,
                HeroInput(
                    external_id=record.external_id,
                    fields=record.fields,
                    awards=awards,
                    stories=record.stories,
                    photos=inputs,
                    status=status or HeroStatus.PUBLISHED,
                    grave=record.grave,
                ),
            )
        except GraveError as exc:
            raise ArchiveError(f"external_id {record.external_id}: grave: {exc}") from None
        result.dropped += sorted(files_before - {p.file_path for p in inputs})
        if created:
            result.created += 1
        else:
            result.updated += 1
            if snapshot(hero) == before:
                result.unchanged += 1
        if progress:
            progress(1)
    return result


def _merged_photos(existing: Hero | None, added: list[PhotoInput]) -> list[PhotoInput]:
    """The hero's photos with ``added`` after them (one already there is not repeated).

    A portrait among ``added`` becomes the portrait; otherwise the hero's stays.
    """
    unique: dict[str, PhotoInput] = {}
    for photo in added:  # the same picture named twice is attached once
        unique.setdefault(photo.sha256, photo)
    added = list(unique.values())
    if existing is None:
        return added
    fresh = {p.sha256: p for p in added}
    portrait_given = any(p.primary for p in added)
    merged = []
    for photo in photo_inputs(existing.photos):
        again = fresh.pop(photo.sha256, None)
        if again is not None:
            photo.caption = again.caption
        if portrait_given:
            photo.primary = again is not None and again.primary
        merged.append(photo)
    return merged + [p for p in added if p.sha256 in fresh]


def _merged_awards(existing: Hero | None, awards: list[dict] | None) -> list[dict] | None:
    """Awards named by a sheet, keeping the date and mark of an award the hero already has."""
    if awards is None or existing is None:
        return awards
    known = {a.name: a for a in existing.awards}
    merged = []
    for award in awards:
        old = known.get(award["name"])
        if old is not None and award.get("date") is None:
            award = {
                **award,
                "date": old.date.iso() if old.date else None,
                "posthumous": old.posthumous or award.get("posthumous", False),
            }
        merged.append(award)
    return merged


#: How many times an import is tried when another writer adds the same heroes meanwhile.
IMPORT_ATTEMPTS = 3
#: Key of the PostgreSQL transaction lock that lets one import write at a time.
IMPORT_LOCK_KEY = 0x696D706F  # "impo"


class ImportFailed(RuntimeError):
    """An import that did not commit; nothing of it was kept."""


class ImportInterrupted(ImportFailed):
    """An import stopped by the operator (Ctrl-C) before its commit; nothing was kept."""


def serialise_imports(session: Session) -> None:
    """On PostgreSQL, wait for other imports to commit first, so that ours sees their heroes.

    SQLite already admits one writer at a time; a race left there is retried by the caller.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": IMPORT_LOCK_KEY})


def roll_back(session: Session, written: list[Path]) -> None:
    """Undo an import that did not commit: the transaction and the media files it wrote."""
    try:
        session.rollback()
    finally:
        for file in written:
            with contextlib.suppress(OSError):
                file.unlink(missing_ok=True)


def committed_import(
    session: Session,
    data_dir: str,
    write: Callable[[list[Path]], ImportResult],
    on_retry: Callable[[], None] | None = None,
    commit: Callable[[], None] | None = None,
) -> ImportResult:
    """Run ``write`` (which appends each media file it stores) in one transaction and commit.

    On any failure the transaction is rolled back and the files removed, so nothing is half
    written; when another writer added the same heroes meanwhile, the import is tried again
    and then finds and updates them. Raise ``ImportFailed`` (``ImportInterrupted`` on Ctrl-C).
    """
    for attempt in range(1, IMPORT_ATTEMPTS + 1):
        written: list[Path] = []
        try:
            serialise_imports(session)
            result = write(written)
            (commit or session.commit)()
        except BaseException as exc:
            roll_back(session, written)
            if isinstance(exc, KeyboardInterrupt):
                raise ImportInterrupted("import interrupted") from None
            if not isinstance(exc, Exception):
                raise
            if isinstance(exc, IntegrityError) and attempt < IMPORT_ATTEMPTS:
                if on_retry:
                    on_retry()
                continue
            raise ImportFailed(_one_line(exc)) from exc
        remove_dropped(session, data_dir, result.dropped)
        return result
    raise AssertionError("unreachable")


def _one_line(exc: BaseException) -> str:
    """The first line of an error's message (SQLAlchemy appends the SQL and a link)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def remove_dropped(session: Session, data_dir: str, dropped: list[str]) -> None:
    """Delete the files of photos that a committed re-import removed, if nothing names them."""
    if not dropped:
        return
    from .indexing import named_media

    named = named_media(session)
    for rel in dropped:
        if rel in named:
            continue
        try:
            media.safe_path(data_dir, rel).unlink(missing_ok=True)
            for side in media.THUMB_SIDES:
                media.thumbnail_path(data_dir, rel, side).unlink(missing_ok=True)
        except (media.MediaError, OSError):
            pass  # `memorial check` finds what is left


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
        record = public_record(hero)
        if record["grave"]:
            record["grave"]["url"] = grave_url(record["grave"]["code"], base_url)
        for photo, entry in zip(
            [] if hero.name_only else public_photos(hero), record["photos"], strict=True
        ):
            shutil.copyfile(media.safe_path(data_dir, photo.file_path), folder / entry["file"])
        records.append(record)
        if progress:
            progress(1)
    tmp = folder / (HEROES_FILE + ".tmp")
    tmp.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, folder / HEROES_FILE)
    return len(records)
