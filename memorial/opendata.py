"""Open data: the published archive as a CSV or XLSX table anyone may download.

One row per *published* hero, one column per field of :data:`memorial.columns.EXPORTED`; never
a draft or a hidden hero, never what a family sent with a submission (names, addresses,
phones), staff notes, moderation or where a photo file lies on the server.

The CSV speaks to programs: its headers are the archive's field names (``surname``), UTF-8
with a byte-order mark (so Excel reads Cyrillic), ``,`` between cells, quoting as RFC 4180
asks, line breaks kept inside a cell. The XLSX speaks to people: Ukrainian headers
(``Прізвище``) and a second sheet, the data dictionary. Both are read back by the spreadsheet
import (:func:`memorial.columns.column_for` knows either header). Dates are written as the
archive keeps them (``1987``, ``1987-03``, ``1987-03-14``), lists one value per line.

A file is built once per state of the archive (its content version, see
:mod:`memorial.changes`, and a digest of a few counts) into ``DATA_DIR/opendata/`` and served
from there until the content changes: at 100,000 heroes a build takes a minute, not something
to do per request. A build writes a temporary file and renames it into place, under a file
lock, so two processes never build one file at once and nobody ever reads half a file.
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .changes import CONTENT, read_versions
from .columns import EXPORTED, Column, ColumnKind, csv_cell
from .models import Award, Hero, Photo
from .records import public_photos, public_view

#: Heroes read from the database at a time while a file is built.
BATCH = 500
#: The most characters an XLSX cell holds (Excel's limit); longer texts are cut there (the CSV
#: carries them whole).
XLSX_CELL_LIMIT = 32_767
#: The folder under ``DATA_DIR`` that holds the built files.
FOLDER = "opendata"
#: The name of the data dictionary sheet of the XLSX.
DICTIONARY_SHEET = "Словник даних"
HEROES_SHEET = "Герої"


@dataclass(frozen=True)
class Format:
    """A file format the archive is given out in."""

    name: str
    mimetype: str
    #: Headers by archive field name (``True``) or by Ukrainian header (``False``).
    field_names: bool


FORMATS: dict[str, Format] = {
    "csv": Format("csv", "text/csv", field_names=True),
    "xlsx": Format(
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        field_names=False,
    ),
}

HeroUrl = Callable[[Hero], str]
#: What a hero in an empty frame (the family is not ready) shows: the name and the dates.
NAME_ONLY_FIELDS = ("surname", "given_name", "patronymic", "birth_date", "death_date")
PhotoUrl = Callable[[Photo], str]


def headers(fmt: Format) -> list[str]:
    """The header row of a file in ``fmt``."""
    return [column.key if fmt.field_names else column.header for column in EXPORTED]


def _cell(hero: Hero, column: Column, hero_url: HeroUrl, photo_url: PhotoUrl) -> str:
    """One cell of a hero's row, as text (empty when the field is)."""
    key = column.key
    if key == "url":
        return hero_url(hero)
    if hero.name_only and key not in NAME_ONLY_FIELDS:  # the empty frame
        return ""
    if key == "photo_urls":
        ordered = sorted(public_photos(hero), key=lambda p: (not p.is_primary, p.position, p.id))
        return "\n".join(photo_url(p) for p in ordered)
    if key == "awards":
        return "\n".join(award.name for award in hero.awards)
    if column.kind == ColumnKind.DATE:
        value = getattr(hero, key)
        return value.iso() if value else ""
    value = getattr(hero, key)
    return "" if value is None else str(value)


def published_rows(
    session: Session, hero_url: HeroUrl, photo_url: PhotoUrl, batch: int = BATCH
) -> Iterator[list[str]]:
    """The rows of every published hero, by id, read ``batch`` heroes at a time."""
    after = 0
    while True:
        heroes = session.scalars(
            select(Hero)
            .where(Hero.is_published, Hero.id > after)
            .order_by(Hero.id)
            .limit(batch)
            .options(selectinload(Hero.awards), selectinload(Hero.photos))
        ).all()
        if not heroes:
            return
        for hero in heroes:
            shown = public_view(hero)
            yield [_cell(shown, column, hero_url, photo_url) for column in EXPORTED]
        after = heroes[-1].id
        session.expunge_all()  # a build of 100,000 heroes keeps only one batch in memory


def kind_label(kind: ColumnKind) -> str:
    """What a column's values are, in words (in the current language)."""
    from flask_babel import gettext as _

    return {
        ColumnKind.TEXT: _("текст"),
        ColumnKind.DATE: _("дата: РРРР, РРРР-ММ або РРРР-ММ-ДД"),
        ColumnKind.LIST: _("список: одне значення в рядку"),
        ColumnKind.URL: _("адреса (URL)"),
    }[kind]


@dataclass(frozen=True)
class Entry:
    """One line of the data dictionary."""

    key: str
    header: str
    kind: str
    description: str


def dictionary() -> list[Entry]:
    """The data dictionary: every exported column, its headers, type and meaning."""
    return [
        Entry(column.key, column.header, kind_label(column.kind), str(column.description))
        for column in EXPORTED
    ]


def write_csv(handle: BinaryIO, rows: Iterable[list[str]]) -> int:
    """Write the CSV (header row first) to a binary ``handle``; return the number of rows."""
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text, delimiter=",", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(headers(FORMATS["csv"]))
    count = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        count += 1
    text.flush()
    text.detach()
    return count


def _xlsx_text(value: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value[:XLSX_CELL_LIMIT]


def write_xlsx(handle: BinaryIO, rows: Iterable[list[str]]) -> int:
    """Write the XLSX (heroes, then the data dictionary) to ``handle``; return the rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(HEROES_SHEET)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def text_cell(target, value: str, font: Font | None = None):
        cell = WriteOnlyCell(target, value=_xlsx_text(value))
        # A text that starts with "=" is a name or a note, never a formula to run.
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        if "\n" in value:
            cell.alignment = wrap
        return cell

    def value_cell(value: str):
        # A plain text goes in as it is (the fast path: most cells); only a text that would
        # read as a formula, spans lines or carries what XLSX cannot hold needs a cell object.
        if not value:
            return None
        if value[0] == "=" or "\n" in value or len(value) > XLSX_CELL_LIMIT:
            return text_cell(sheet, value)
        return _xlsx_text(value)

    sheet.freeze_panes = "A2"
    sheet.append([text_cell(sheet, header, bold) for header in headers(FORMATS["xlsx"])])
    count = 0
    for row in rows:
        sheet.append([value_cell(value) for value in row])
        count += 1

    words = book.create_sheet(DICTIONARY_SHEET)
    from flask_babel import gettext as _

    words.append(
        [
            text_cell(words, title, bold)
            for title in (_("Поле"), _("Заголовок"), _("Тип"), _("Опис"))
        ]
    )
    for entry in dictionary():
        words.append(
            [
                text_cell(words, value)
                for value in (entry.key, entry.header, entry.kind, entry.description)
            ]
        )
    book.save(handle)
    return count


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}


def write(
    fmt: str, handle: BinaryIO, session: Session, hero_url: HeroUrl, photo_url: PhotoUrl
) -> int:
    """Write the published archive in format ``fmt`` to ``handle``; return the heroes written."""
    return WRITERS[fmt](handle, published_rows(session, hero_url, photo_url))


# -- files built once per content version ---------------------------------------------------


def folder(data_dir: str | Path) -> Path:
    """Where the built files live."""
    return Path(data_dir) / FOLDER


def file_for(data_dir: str | Path, fmt: str, key: str) -> Path:
    """The file of ``fmt`` built for the archive's state ``key`` (see :func:`content_key`)."""
    return folder(data_dir) / f"heroes-{key}.{fmt}"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (processes and threads alike wait for it)."""
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def content_key(session: Session) -> str:
    """What names the archive's state a file was built from: the content version, and a
    digest of what a hidden hero or a removed photo always changes.

    The version alone is enough when every change goes through the app; the digest also
    catches a hero hidden, or a photo or award removed, whose new version could not be
    written or that was changed by hand in SQL. Only indexed counts: milliseconds at
    100,000 heroes (see ``bench/opendata_bench.py``).
    """
    version = read_versions(session)[CONTENT]
    state = session.execute(
        select(
            select(func.count(Hero.id)).where(Hero.is_published).scalar_subquery(),
            select(func.count(Photo.id)).scalar_subquery(),
            select(func.max(Photo.id)).scalar_subquery(),
            select(func.count(Award.id)).scalar_subquery(),
            select(func.max(Award.id)).scalar_subquery(),
        )
    ).one()
    digest = hashlib.sha256(repr(tuple(state)).encode()).hexdigest()[:12]
    return f"{version}-{digest}"


def built_file(session: Session, data_dir: str | Path, fmt: str) -> Path | None:
    """The file of ``fmt`` for the archive as it is now, if it was built."""
    path = file_for(data_dir, fmt, content_key(session))
    return path if path.is_file() else None


def ensure_file(
    session: Session, data_dir: str | Path, fmt: str, hero_url: HeroUrl, photo_url: PhotoUrl
) -> Path:
    """The file of ``fmt`` for the archive as it is now, built first when missing.

    The key is read before the heroes, so a file holds at least what its key says (a change
    committed meanwhile gets a key, and a file, of its own).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    path = file_for(data_dir, fmt, content_key(session))
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path.parent / f".{fmt}.lock"):
        if path.is_file():  # built by whoever held the lock before us
            return path
        # A build killed half-way (kill -9, a full disk) left its temporary file behind; no
        # other build of this format runs while we hold the lock.
        for stale in path.parent.glob(f".heroes-{fmt}-*.part"):
            stale.unlink(missing_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".heroes-{fmt}-", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                write(fmt, handle, session, hero_url, photo_url)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, 0o644)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        # Files of older states are no longer served (a reader that opened one keeps it).
        for old in path.parent.glob(f"heroes-*.{fmt}"):
            if old != path:
                old.unlink(missing_ok=True)
    return path


def built_at(path: Path) -> dt.datetime:
    """When a built file was written (UTC)."""
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
