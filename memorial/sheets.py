"""Spreadsheets in: a CSV or XLSX of heroes, checked row by row, then written the way the
archive import writes (one transaction, a revision for every change, photos by checksum).

A sheet carries only some of a hero's facts. A column the sheet lacks and an empty cell keep
what the archive has; stories are never touched; photos named in the sheet are added to the
hero's own (the first becomes the portrait). Columns are found by the archive field's name
or its Ukrainian header (:mod:`memorial.columns`); the row number a problem names is the one
staff see in their sheet (the header is row 1).

Formulas: a cell whose formula was computed by the program that saved the file is read as
its saved value; a formula cell without a saved value (a file written by a script and never
opened) is a problem of its row, as nothing can be imported from it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from . import clock, media
from .columns import BY_KEY, column_for, from_csv_cell, normalise_header
from .dates import PartialDate, to_iso_date
from .models import Award, Hero, HeroCollection, HeroStatus
from .porting import MAX_TEXT, ImportResult, ValidatedPhoto, ValidatedRecord, import_records
from .records import HERO_DATE_FIELDS, HERO_TEXT_FIELDS

#: Defaults of the limits (each also a setting of the app, see :func:`limits_from`).
SHEET_MAX_BYTES = 20 * 1024 * 1024
SHEET_MAX_ROWS = 50_000
#: An XLSX is a ZIP of XML: its unpacked parts may be at most this many times the largest
#: sheet allowed (a repetitive sheet packs 40 times; a bomb is refused before it is read).
XLSX_MAX_UNPACKED = 10
PHOTOS_ZIP_MAX_BYTES = 1024 * 1024 * 1024
PHOTOS_ZIP_MAX_FILES = 10_000
#: A photo compresses little; an entry packed more than this is a bomb, not a photo.
PHOTOS_ZIP_MAX_RATIO = 50
DEFAULT_PHOTO_BYTES = 25 * 1024 * 1024

STATUS_WORDS = {
    "published": HeroStatus.PUBLISHED,
    "опубліковано": HeroStatus.PUBLISHED,
    "опублікований": HeroStatus.PUBLISHED,
    "опубліковати": HeroStatus.PUBLISHED,
    "draft": HeroStatus.DRAFT,
    "чернетка": HeroStatus.DRAFT,
}
COLLECTION_WORDS = {
    "fallen": HeroCollection.FALLEN,
    "загиблі": HeroCollection.FALLEN,
    "загиблий": HeroCollection.FALLEN,
    "загибла": HeroCollection.FALLEN,
    "veteran": HeroCollection.VETERAN,
    "ветерани": HeroCollection.VETERAN,
    "ветеран": HeroCollection.VETERAN,
    "ветеранка": HeroCollection.VETERAN,
}
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPLIT = re.compile(r"[\n;]")
_TIME_SUFFIX = re.compile(r"[ T]00:00(?::00(?:\.0+)?)?$")


@dataclass(frozen=True)
class Limits:
    """How large a sheet and its photo archive may be."""

    sheet_bytes: int = SHEET_MAX_BYTES
    rows: int = SHEET_MAX_ROWS
    zip_bytes: int = PHOTOS_ZIP_MAX_BYTES
    zip_files: int = PHOTOS_ZIP_MAX_FILES
    photo_bytes: int = DEFAULT_PHOTO_BYTES


DEFAULT_LIMITS = Limits()


def limits_from(config) -> Limits:
    """The limits an app's configuration sets."""
    return Limits(
        sheet_bytes=int(config.get("SHEET_MAX_BYTES", SHEET_MAX_BYTES)),
        rows=int(config.get("SHEET_MAX_ROWS", SHEET_MAX_ROWS)),
        zip_bytes=int(config.get("PHOTOS_ZIP_MAX_BYTES", PHOTOS_ZIP_MAX_BYTES)),
        photo_bytes=int(config.get("MAX_PHOTO_BYTES", DEFAULT_PHOTO_BYTES)),
    )


@dataclass
class Problem:
    """One thing wrong in a sheet: where (row and header as staff see them), what and why."""

    row: int | None
    column: str
    value: str
    message: object  # a lazy string: Ukrainian, or English on an English page
    #: ``False``: a warning (the sheet can be imported, something in it is ignored).
    fatal: bool = True

    def text(self) -> str:
        """The problem on one line, as the command prints it."""
        where = []
        if self.row is not None:
            where.append(str(_l("рядок %(n)d", n=self.row)))
        if self.column:
            where.append(f"«{self.column}»")
        if self.value:
            where.append(f"«{_short(self.value)}»")
        kind = "" if self.fatal else str(_l("попередження")) + ": "
        return f"{', '.join(where)}: {kind}{self.message}" if where else f"{kind}{self.message}"


def _short(value: str, limit: int = 80) -> str:
    value = _CONTROL.sub("�", value.replace("\n", " "))
    return value if len(value) <= limit else value[: limit - 1] + "…"


class SheetError(ValueError):
    """The file cannot be read as a sheet at all; ``problem`` says why, in plain words."""

    def __init__(self, message: object, column: str = "", value: str = "") -> None:
        super().__init__(str(message))
        self.problem = Problem(None, column, value, message)


# -- reading files ------------------------------------------------------------------------


@dataclass
class Table:
    """The cells of a sheet: the header row and the rows below it (numbered as in the sheet)."""

    headers: list[object]
    rows: list[tuple[int, list[object]]]
    problems: list[Problem] = field(default_factory=list)


def read_table(path: str | os.PathLike, limits: Limits = DEFAULT_LIMITS) -> Table:
    """Read a CSV or XLSX file; raise ``SheetError`` when it is neither or is too large."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError:
        raise SheetError(_l("Файл не вдалося відкрити.")) from None
    if size > limits.sheet_bytes:
        raise SheetError(
            _l(
                "Файл завеликий: %(size)s МБ, можна не більше %(limit)s МБ. "
                "Розділіть таблицю на кілька файлів.",
                size=_mb(size),
                limit=_mb(limits.sheet_bytes),
            )
        )
    if size == 0:
        raise SheetError(_l("Таблиця порожня."))
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, limits)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetError(
            _l(
                "Це файл старого формату Excel (.xls). Збережіть таблицю як «Книга Excel "
                "(.xlsx)» або як CSV і завантажте знову."
            )
        )
    if head.startswith(b"%PDF"):
        raise SheetError(_l("Це документ PDF, а не таблиця. Потрібен файл CSV або XLSX."))
    return _read_csv(path.read_bytes(), limits)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".0", "")


def _not_a_sheet() -> SheetError:
    return SheetError(
        _l("Це не таблиця CSV чи XLSX. Збережіть її в Excel або LibreOffice як XLSX чи CSV.")
    )


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise _not_a_sheet() from None
    # A binary file has NULs in its first line or many of them; a stray NUL further on is
    # a bad cell, reported with its row.
    if b"\x00" in data[:1024].split(b"\n", 1)[0] or data.count(b"\x00") > len(data) // 100:
        raise _not_a_sheet()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise SheetError(
            _l("Не вдалося прочитати текст: збережіть CSV у кодуванні UTF-8.")
        ) from None


def _delimiter(text: str) -> str:
    """The separator of a CSV: the one that splits the header line into the most cells."""
    first = next(iter(text.splitlines()), "")
    best, cells = ",", 0
    for candidate in (";", ",", "\t"):
        try:
            found = len(next(csv.reader([first], delimiter=candidate), []))
        except csv.Error:
            continue
        if found > cells:
            best, cells = candidate, found
    return best


def _read_csv(data: bytes, limits: Limits) -> Table:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[tuple[int, list[object]]] = []
    headers: list[object] | None = None
    try:
        for number, cells in enumerate(reader, 1):
            if headers is None:
                headers = list(cells)
                continue
            if len(rows) >= limits.rows:
                raise SheetError(_too_many_rows(limits))
            rows.append((number, [from_csv_cell(cell) for cell in cells]))
    except csv.Error as exc:
        raise SheetError(
            _l("Не вдалося прочитати CSV біля рядка %(n)d: %(why)s", n=reader.line_num, why=exc)
        ) from None
    return Table(headers or [], rows)


def _too_many_rows(limits: Limits):
    return _l(
        "Забагато рядків: можна не більше %(n)d за один раз. Розділіть таблицю.", n=limits.rows
    )


_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')


_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_RELATION = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, str, int]:
    """The first worksheet of an XLSX: its title, the path of its XML part, and how many
    sheets the book has (read with plain patterns: no XML entity is ever expanded)."""
    sheets = [dict(_ATTR.findall(m)) for m in _SHEET.findall(archive.read("xl/workbook.xml"))]
    if not sheets:
        raise SheetError(_l("Таблиця порожня."))
    first = sheets[0]
    rid = next((v for k, v in first.items() if k == b"id" or k.endswith(b":id")), b"")
    targets = {}
    for attrs in _RELATION.findall(archive.read("xl/_rels/workbook.xml.rels")):
        found = dict(_ATTR.findall(attrs))
        targets[found.get(b"Id", b"")] = found.get(b"Target", b"").decode()
    target = targets.get(rid, "worksheets/sheet1.xml")
    part = target.lstrip("/") if target.startswith("/") else "xl/" + target
    title = first.get(b"name", b"").decode("utf-8", "replace")
    return title, part, len(sheets)


def _read_xlsx(path: Path, limits: Limits) -> Table:
    """The first sheet of an XLSX: values by calamine (a formula as its saved value), merged
    cells and formulas without a saved value from the sheet's own XML."""
    from openpyxl.utils import column_index_from_string, range_boundaries
    from python_calamine import CalamineWorkbook

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
            if "xl/workbook.xml" not in names:
                if "mimetype" in names and b"opendocument" in archive.read("mimetype")[:100]:
                    raise SheetError(
                        _l(
                            "Це таблиця OpenDocument (.ods). Збережіть її як XLSX або CSV "
                            "і завантажте знову."
                        )
                    )
                raise _not_a_sheet()
            if unpacked > XLSX_MAX_UNPACKED * limits.sheet_bytes:
                raise SheetError(
                    _l("Файл XLSX пошкоджений або підозріло стиснутий; його не прочитано.")
                )
            title, part, count = _first_sheet(archive)
            xml = archive.read(part)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error):
        raise _not_a_sheet() from None
    problems: list[Problem] = []
    if count > 1:
        problems.append(
            Problem(
                None,
                "",
                "",
                _l(
                    "У файлі %(n)d аркушів; прочитано лише перший, «%(title)s».",
                    n=count,
                    title=title,
                ),
                fatal=False,
            )
        )
    unfilled: dict[int, list[int]] = {}
    if _FORMULA.search(xml):
        for match in _CELL.finditer(xml):
            body = match.group(2) or b""
            if _FORMULA.search(body) and not _VALUE.search(body):
                ref = _REF.search(match.group(1))
                if ref:
                    unfilled.setdefault(int(ref.group(2)), []).append(
                        column_index_from_string(ref.group(1).decode()) - 1
                    )
    merged = []
    for ref in _MERGE.findall(xml):
        min_col, min_row, max_col, max_row = range_boundaries(ref.decode())
        merged.append((ref.decode(), min_col, min_row, max_col, max_row))
    del xml
    try:
        grid = (
            CalamineWorkbook.from_path(str(path))
            .get_sheet_by_index(0)
            .to_python(skip_empty_area=False)
        )
    except Exception:
        raise SheetError(_l("Файл XLSX пошкоджений: його не вдалося прочитати.")) from None
    headers: list[object] | None = None
    rows: list[tuple[int, list[object]]] = []
    for number, values in enumerate(grid, 1):
        cells: list[object] = [None if v == "" else v for v in values]
        for column in unfilled.get(number, ()):
            while len(cells) <= column:
                cells.append(None)
            cells[column] = Unfilled()
        if headers is None:
            headers = cells
            continue
        if len(rows) >= limits.rows and any(_filled(c) for c in cells):
            raise SheetError(_too_many_rows(limits))
        rows.append((number, cells))
    for ref, _min_col, min_row, _max_col, max_row in merged:
        if min_row == 1:
            raise SheetError(
                _l(
                    "Заголовок має об'єднані клітинки (%(ref)s). Роз'єднайте їх, щоб кожен "
                    "стовпець мав свій заголовок в одному першому рядку.",
                    ref=ref,
                ),
            )
        problems.append(
            Problem(
                min_row,
                "",
                ref,
                _l(
                    "Об'єднані клітинки: значення є лише в першій з них, решта вважаються "
                    "порожніми (до рядка %(last)d).",
                    last=max_row,
                ),
                fatal=False,
            )
        )
    return Table(headers or [], rows, problems)


class Unfilled:
    """A formula cell without a saved value."""

    def __str__(self) -> str:
        return ""


def _filled(cell: object) -> bool:
    return cell is not None and (not isinstance(cell, str) or bool(cell.strip()))


# -- the photo archive beside a sheet ----------------------------------------------------


class PhotoArchive:
    """A ZIP of photos, checked whole before anything is read from it."""

    def __init__(self, path: str | os.PathLike, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = Path(path)
        try:
            self.zip = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile:
            raise SheetError(_l("Архів фотографій не є файлом ZIP.")) from None
        except OSError:
            raise SheetError(_l("Архів фотографій не вдалося відкрити.")) from None
        try:
            self._check(limits)
        except BaseException:
            self.zip.close()
            raise
        self.limits = limits

    def _check(self, limits: Limits) -> None:
        infos = [i for i in self.zip.infolist() if not i.is_dir()]
        if len(infos) > limits.zip_files:
            raise SheetError(
                _l("В архіві ZIP забагато файлів: не більше %(n)d.", n=limits.zip_files)
            )
        total = 0
        self.members: dict[str, zipfile.ZipInfo] = {}
        by_base: dict[str, list[zipfile.ZipInfo]] = {}
        for info in infos:
            name = info.filename
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                raise SheetError(
                    _l(
                        "Архів ZIP містить шлях за межі архіву: його не розпаковано. "
                        "Запакуйте фотографії знову, без шляхів з «..» чи «/» на початку."
                    ),
                    value=name,
                )
            total += info.file_size
            if info.file_size > limits.photo_bytes:
                raise SheetError(_l("Файл в архіві ZIP завеликий для фотографії."), value=name)
            if info.file_size > 1024 * 1024 and info.file_size > PHOTOS_ZIP_MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise SheetError(
                    _l(
                        "Архів ZIP підозріло стиснутий (так званий ZIP-бомба): його не розпаковано."
                    ),
                    value=name,
                )
            key = "/".join(parts).casefold()
            self.members[key] = info
            by_base.setdefault(parts[-1].casefold(), []).append(info)
        if total > limits.zip_bytes:
            raise SheetError(
                _l(
                    "Розпакований архів ZIP завеликий: %(size)s МБ, можна не більше %(limit)s МБ.",
                    size=_mb(total),
                    limit=_mb(limits.zip_bytes),
                )
            )
        self.by_base = by_base

    def find(self, name: str) -> zipfile.ZipInfo | None | list[str]:
        """The entry a sheet names (by path in the archive, or by file name alone).

        A list of paths: the file name alone fits several entries.
        """
        key = name.strip().replace("\\", "/").lstrip("./").casefold()
        if key in self.members:
            return self.members[key]
        found = self.by_base.get(key.rsplit("/", 1)[-1], [])
        if len(found) > 1:
            return [i.filename for i in found]
        return found[0] if found else None

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """The bytes of an entry, never more than its declared (and checked) size."""
        with self.zip.open(info) as handle:
            data = handle.read(self.limits.photo_bytes + 1)
        if len(data) > self.limits.photo_bytes:
            raise media.MediaError("too large", "size")
        return data

    def close(self) -> None:
        self.zip.close()


# -- checking rows --------------------------------------------------------------------------


@dataclass
class RowPlan:
    """A valid row and what importing it will do."""

    row: int
    external_id: str
    fields: dict
    awards: list[dict] | None
    #: Photos as (file extracted for the import, name in the sheet).
    photos: list[tuple[Path, str]]
    status: str | None
    #: ``new``, ``update`` or ``same``.
    action: str


@dataclass
class Report:
    """What a sheet holds, what is wrong with it and what importing it would do."""

    problems: list[Problem] = field(default_factory=list)
    plans: list[RowPlan] = field(default_factory=list)
    rows: int = 0
    #: Sheet row numbers of rows with a problem (skipped by ``--skip-invalid``).
    invalid_rows: list[int] = field(default_factory=list)
    #: The sheet cannot be imported at all (no identifier column, unreadable file…).
    sheet_invalid: bool = False
    #: Archive field of each header used.
    columns: list[tuple[str, str]] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.fatal]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.fatal]

    def count(self, action: str) -> int:
        return sum(1 for p in self.plans if p.action == action)

    @property
    def photos(self) -> int:
        return sum(len(p.photos) for p in self.plans)

    def can_import(self, skip_invalid: bool = False) -> bool:
        """Whether the import may write: every row valid, or (skipping) the sheet readable."""
        if self.sheet_invalid or not self.plans:
            return False
        return skip_invalid or not self.invalid_rows

    def summary(self) -> list[str]:
        """What importing would do, in plain words (one line each)."""
        lines = [
            str(
                _l(
                    "Рядків з даними: %(rows)d; без помилок: %(ok)d; з помилками: %(bad)d.",
                    rows=self.rows,
                    ok=len(self.plans),
                    bad=len(self.invalid_rows),
                )
            ),
            str(
                _l(
                    "Нових героїв: %(new)d; оновлених: %(upd)d; без змін: %(same)d; "
                    "фотографій: %(photos)d.",
                    new=self.count("new"),
                    upd=self.count("update"),
                    same=self.count("same"),
                    photos=self.photos,
                )
            ),
        ]
        if self.invalid_rows:
            lines.append(
                str(
                    _l(
                        "Рядки з помилками: %(rows)s.",
                        rows=", ".join(str(n) for n in _ranges(self.invalid_rows)),
                    )
                )
            )
        return lines


def _ranges(numbers: list[int]) -> list[str]:
    """``[2, 3, 4, 7]`` as ``["2–4", "7"]``."""
    out: list[str] = []
    start = prev = None
    for n in sorted(set(numbers)):
        if start is None:
            start = prev = n
        elif prev is not None and n == prev + 1:
            prev = n
        else:
            out.append(f"{start}–{prev}" if start != prev else str(start))
            start = prev = n
    if start is not None:
        out.append(f"{start}–{prev}" if start != prev else str(start))
    return out


def _cell_text(cell: object) -> str:
    if cell is None or isinstance(cell, Unfilled):
        return ""
    if isinstance(cell, bool):
        return "1" if cell else "0"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(" ")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell).replace("\r\n", "\n").replace("\r", "\n").strip()


def parse_date(cell: object) -> PartialDate | None:
    """A date from a cell: a spreadsheet date, a year, or text as ``14.03.1987``, ``03.1987``,
    ``1987`` or ISO; raise ``ValueError``."""
    if cell is None:
        return None
    if isinstance(cell, dt.datetime):
        cell = cell.date()
    if isinstance(cell, dt.date):
        return PartialDate(cell.year, cell.month, cell.day)
    if isinstance(cell, bool):
        raise ValueError(cell)
    if isinstance(cell, int | float):
        if float(cell).is_integer() and 1000 <= cell <= 2999:
            return PartialDate(int(cell))
        raise ValueError(cell)
    text = _TIME_SUFFIX.sub("", str(cell).strip())
    iso = to_iso_date(text)
    return PartialDate.parse(iso)


def _text_limit(name: str) -> int:
    column = Hero.__table__.c.get(name)
    length = getattr(column.type, "length", None) if column is not None else None
    return length or MAX_TEXT.get(name, 100_000)


AWARD_LIMIT: int = getattr(Award.__table__.c.name.type, "length", None) or 500


def _later(first: PartialDate, second: PartialDate) -> bool:
    depth = min(len(first.iso().split("-")), len(second.iso().split("-")))
    return first.sort_key()[:depth] > second.sort_key()[:depth]


class SheetImport:
    """A sheet (and its photos) being checked and then imported; use as a context manager.

    The photos a valid row names are unpacked into a private temporary folder, which is
    removed on leaving the block.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        photos: str | os.PathLike | None = None,
        *,
        key: str | None = None,
        draft: bool = False,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.path = Path(path)
        self.photos_path = Path(photos) if photos else None
        self.key = key.strip() if key else None
        self.draft = draft
        self.limits = limits
        self.tmp: Path | None = None
        self.archive: PhotoArchive | None = None
        self.report: Report | None = None

    def __enter__(self) -> SheetImport:
        self.tmp = Path(tempfile.mkdtemp(prefix="memorial-sheet-"))
        return self

    def __exit__(self, *exc) -> None:
        if self.archive is not None:
            self.archive.close()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- reading -----------------------------------------------------------------------
    def read(self) -> Table | None:
        """Read the files; a problem with either is put in the report (``None`` returned)."""
        self.report = Report()
        try:
            table = read_table(self.path, self.limits)
            if self.photos_path is not None:
                self.archive = PhotoArchive(self.photos_path, self.limits)
        except SheetError as exc:
            self.report.problems.append(exc.problem)
            self.report.sheet_invalid = True
            return None
        self.report.problems += table.problems
        return table

    def validate(
        self, session: Session, progress: Callable[[int], None] | None = None, table=None
    ) -> Report:
        """Check every row; find which heroes exist; return the report."""
        if table is None:
            table = self.read()
        report = self.report
        assert report is not None
        if table is None:
            return report
        columns = self._columns(table, report)
        rows = [(n, cells) for n, cells in table.rows if any(_filled(c) for c in cells)]
        report.rows = len(rows)
        if not table.headers or not any(_filled(h) for h in table.headers):
            report.problems.append(
                Problem(1, "", "", _l("Перший рядок порожній: у ньому мають бути заголовки."))
            )
            report.sheet_invalid = True
        elif not rows:
            report.problems.append(
                Problem(None, "", "", _l("У таблиці немає жодного рядка з даними."))
            )
            report.sheet_invalid = True
        if report.sheet_invalid or columns is None:
            report.sheet_invalid = True
            return report
        existing = self._existing(session, columns, rows)
        if progress and len(table.rows) > len(rows):
            progress(len(table.rows) - len(rows))  # empty rows: nothing to check
        seen: dict[str, int] = {}
        for number, cells in rows:
            plan = self._row(number, cells, columns, existing, seen, report)
            if plan is not None:
                report.plans.append(plan)
            else:
                report.invalid_rows.append(number)
            if progress:
                progress(1)
        return report

    def _columns(self, table: Table, report: Report) -> dict[str, tuple[int, str]] | None:
        """Archive field -> (cell index, header as written); ``None`` when unusable."""
        found: dict[str, tuple[int, str]] = {}
        ok = True
        key = normalise_header(self.key) if self.key else None
        key_found = False
        for index, raw in enumerate(table.headers):
            header = _cell_text(raw)
            if not header:
                if any(index < len(c) and _filled(c[index]) for _n, c in table.rows[:1000]):
                    report.problems.append(
                        Problem(
                            1,
                            _column_letter(index),
                            "",
                            _l("Стовпець без заголовка: його дані пропущено."),
                            fatal=False,
                        )
                    )
                continue
            if key is not None and normalise_header(header) == key:
                name: str | None = "external_id"
                key_found = True
            else:
                name = column_for(header)
            if name is None:
                report.problems.append(
                    Problem(
                        1,
                        header,
                        "",
                        _l("Невідомий стовпець: його пропущено. Перевірте назву заголовка."),
                        fatal=False,
                    )
                )
                continue
            if name in found:
                report.problems.append(
                    Problem(
                        1,
                        header,
                        "",
                        _l(
                            "Стовпці «%(first)s» і «%(second)s» означають одне й те саме "
                            "поле; залиште один.",
                            first=found[name][1],
                            second=header,
                        ),
                    )
                )
                ok = False
                continue
            found[name] = (index, header)
        if self.key and not key_found:
            report.problems.append(
                Problem(
                    1,
                    self.key,
                    "",
                    _l("Ключового стовпця з таким заголовком у таблиці немає."),
                )
            )
            ok = False
        elif "external_id" not in found and table.headers:
            report.problems.append(
                Problem(
                    1,
                    BY_KEY["external_id"].header,
                    "",
                    _l(
                        "Немає стовпця «%(header)s» (ідентифікатор запису): за ним імпорт "
                        "знаходить героя, щоб оновити його, а не створити вдруге.",
                        header=BY_KEY["external_id"].header,
                    ),
                )
            )
            ok = False
        report.columns = [(header, name) for name, (_i, header) in found.items()]
        return found if ok else None

    def _existing(self, session: Session, columns, rows) -> dict[str, Hero]:
        index = columns["external_id"][0]
        ids = sorted(
            {
                _cell_text(cells[index])
                for _n, cells in rows
                if index < len(cells) and _cell_text(cells[index])
            }
        )
        found: dict[str, Hero] = {}
        for start in range(0, len(ids), 500):
            for hero in session.scalars(
                select(Hero)
                .where(Hero.external_id.in_(ids[start : start + 500]))
                .options(selectinload(Hero.awards), selectinload(Hero.photos))
            ):
                found[hero.external_id] = hero
        return found

    def _row(self, number, cells, columns, existing, seen, report) -> RowPlan | None:
        problems: list[Problem] = []

        def problem(header: str, value: str, message) -> None:
            problems.append(Problem(number, header, value, message))

        values: dict[str, tuple[object, str, str]] = {}
        for name, (index, header) in columns.items():
            cell = cells[index] if index < len(cells) else None
            if isinstance(cell, Unfilled):
                problem(
                    header,
                    "",
                    _l(
                        "Формула замість значення: у файлі немає обчисленого результату. "
                        "Відкрийте файл у Excel чи LibreOffice і збережіть знову або "
                        "вставте значення замість формули."
                    ),
                )
                continue
            text = _cell_text(cell)
            if _CONTROL.search(text):
                problem(
                    header,
                    text,
                    _l("Недозволений керівний символ у тексті: видаліть його."),
                )
                continue
            values[name] = (cell, text, header)

        ident_header = columns["external_id"][1]
        external_id = values.get("external_id", (None, "", ident_header))[1]
        if not external_id:
            problem(ident_header, "", _l("Ідентифікатор не заповнено."))
        elif len(external_id) > _text_limit("external_id"):
            problem(
                ident_header,
                external_id,
                _l("Задовгий текст: не більше %(n)d символів.", n=_text_limit("external_id")),
            )
        elif external_id in seen:
            problem(
                ident_header,
                external_id,
                _l("Такий ідентифікатор уже є в рядку %(n)d.", n=seen[external_id]),
            )
        else:
            seen[external_id] = number
        hero = existing.get(external_id)

        fields: dict = {}
        for name in HERO_TEXT_FIELDS:
            if name not in values or not values[name][1]:
                continue
            _cell, text, header = values[name]
            limit = _text_limit(name)
            if len(text) > limit:
                problem(header, text, _l("Задовгий текст: не більше %(n)d символів.", n=limit))
                continue
            fields[name] = text
        if hero is None:
            for name in ("surname", "given_name"):
                if name not in fields and not any(
                    p.column == _header(columns, name) for p in problems
                ):
                    problem(
                        _header(columns, name),
                        "",
                        _l("Для нового героя це поле обов'язкове."),
                    )
        dates: dict[str, PartialDate] = {}
        today = clock.today_in_kyiv()
        for name in HERO_DATE_FIELDS:
            if name not in values or not values[name][1]:
                continue
            cell, text, header = values[name]
            try:
                parsed = parse_date(cell)
            except ValueError:
                problem(
                    header,
                    text,
                    _l(
                        "Не вдалося прочитати дату. Пишіть 14.03.1987, 03.1987 або 1987 "
                        "(або клітинку з датою)."
                    ),
                )
                continue
            if parsed is None:
                continue
            if _later(parsed, PartialDate(today.year, today.month, today.day)):
                problem(header, text, _l("Дата ще не настала."))
                continue
            dates[name] = parsed
            fields[name] = parsed.iso()
        birth = dates.get("birth_date") or (hero.birth_date if hero is not None else None)
        death = dates.get("death_date") or (hero.death_date if hero is not None else None)
        if birth and death and _later(birth, death) and dates:
            name = "death_date" if "death_date" in dates else "birth_date"
            problem(
                values[name][2],
                values[name][1],
                _l(
                    "Дата загибелі (%(death)s) раніша за дату народження (%(birth)s).",
                    death=death.iso(),
                    birth=birth.iso(),
                ),
            )

        awards: list[dict] | None = None
        if "awards" in values and values["awards"][1]:
            _cell, text, header = values["awards"]
            names = _items(text)
            long = [n for n in names if len(n) > AWARD_LIMIT]
            if long:
                problem(
                    header,
                    long[0],
                    _l("Задовга назва нагороди: не більше %(n)d символів.", n=AWARD_LIMIT),
                )
            awards = [{"name": n, "date": None, "posthumous": False} for n in names]

        status: str | None = None
        if "status" in values and values["status"][1]:
            _cell, text, header = values["status"]
            status = STATUS_WORDS.get(text.casefold())
            if status is None:
                problem(header, text, _l("Стан має бути «опубліковано» або «чернетка»."))
        if status is None and hero is None and self.draft:
            status = HeroStatus.DRAFT
        if "collection" in values and values["collection"][1]:
            _cell, text, header = values["collection"]
            collection = COLLECTION_WORDS.get(text.strip().casefold())
            if collection is None:
                problem(header, text, _l("Зібрання має бути «загиблі» або «ветерани»."))
            else:
                fields["collection"] = collection
        if "life_now" in values and values["life_now"][1]:
            _cell, text, header = values["life_now"]
            if len(text) > 20_000:
                problem(header, text, _l("Задовгий текст: не більше %(n)d символів.", n=20_000))
            else:
                fields["life_now"] = text

        photos: list[tuple[Path, str]] = []
        digests: list[str] = []
        if "photos" in values and values["photos"][1]:
            _cell, text, header = values["photos"]
            for name in _items(text):
                checked = self._photo(name, header, problem, want_digest=hero is not None)
                if checked is not None:
                    photos.append((checked[0], name))
                    digests.append(checked[1])

        report.problems += problems
        if problems:
            return None
        if hero is None:
            action = "new"
        else:
            action = "same" if _same(hero, fields, awards, status, digests) else "update"
        return RowPlan(number, external_id, fields, awards, photos, status, action)

    def _photo(self, name: str, header: str, problem, want_digest: bool):
        """Check one photo a row names; return (unpacked file, checksum) or ``None``."""
        if self.archive is None:
            problem(
                header,
                name,
                _l("Фотографію названо, але архів ZIP з фотографіями не додано."),
            )
            return None
        found = self.archive.find(name)
        if found is None:
            problem(header, name, _l("Такого файлу немає в архіві ZIP."))
            return None
        if isinstance(found, list):
            problem(
                header,
                name,
                _l(
                    "В архіві ZIP кілька файлів з такою назвою; напишіть шлях: %(paths)s.",
                    paths=", ".join(found[:5]),
                ),
            )
            return None
        cache = self._photo_cache
        if found.filename not in cache:
            try:
                data = self.archive.read(found)
                media.open_image(data, draft_side=media.MAX_SIDE)
                digest = ""
                if want_digest:
                    digest = hashlib.sha256(media.reencode(data)[0]).hexdigest()
            except (media.MediaError, zipfile.BadZipFile, OSError, EOFError) as exc:
                reason = exc.reason if isinstance(exc, media.MediaError) else "broken"
                cache[found.filename] = _photo_message(reason)
            else:
                assert self.tmp is not None
                target = self.tmp / f"{len(cache)}.img"
                target.write_bytes(data)
                cache[found.filename] = (target, digest)
        checked = cache[found.filename]
        if not isinstance(checked, tuple):
            problem(header, name, checked)
            return None
        if want_digest and not checked[1]:
            digest = hashlib.sha256(media.reencode(checked[0].read_bytes())[0]).hexdigest()
            checked = cache[found.filename] = (checked[0], digest)
        return checked

    @property
    def _photo_cache(self) -> dict:
        if not hasattr(self, "_photos_checked"):
            self._photos_checked: dict = {}
        return self._photos_checked

    # -- writing -----------------------------------------------------------------------
    def records(self) -> list[ValidatedRecord]:
        """The valid rows that change something, as partial records for
        :func:`memorial.porting.import_records` (a row found to change nothing is left out)."""
        assert self.report is not None
        return [
            ValidatedRecord(
                external_id=plan.external_id,
                fields=plan.fields,
                awards=plan.awards,
                stories=None,
                photos=[
                    ValidatedPhoto(path, None, i == 0)
                    for i, (path, _name) in enumerate(plan.photos)
                ],
                status=plan.status,
                partial=True,
            )
            for plan in self.report.plans
            if plan.action != "same"
        ]

    def write(
        self,
        session: Session,
        data_dir: str,
        written: list[Path],
        progress: Callable[[int], None] | None = None,
    ) -> ImportResult:
        """Write the valid rows (flush only); new media files are appended to ``written``."""
        assert self.report is not None
        same = self.report.count("same")
        if progress and same:
            progress(same)
        result = import_records(session, self.records(), data_dir, written, progress)
        result.updated += same
        result.unchanged += same
        return result


def _header(columns, name: str) -> str:
    return columns[name][1] if name in columns else BY_KEY[name].header


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _items(text: str) -> list[str]:
    """The values of a cell holding several, one per line or separated by ``;``."""
    out: list[str] = []
    for item in _SPLIT.split(text):
        item = item.strip()
        if item and item not in out:
            out.append(item)
    return out


def _photo_message(reason: str):
    return {
        "pixels": _l("Зображення завелике (забагато пікселів)."),
        "frames": _l("Зображення має забагато кадрів."),
        "heic": _l("Фото у форматі HEIC тут не читається: збережіть його як JPEG."),
        "empty": _l("Файл фотографії порожній."),
        "size": _l("Файл фотографії завеликий."),
    }.get(reason, _l("Не вдалося прочитати зображення: потрібен JPEG, PNG або WebP."))


def _same(hero: Hero, fields: dict, awards, status, digests: list[str]) -> bool:
    """Whether writing the row would leave the hero exactly as it is."""
    for name, value in fields.items():
        current = getattr(hero, name)
        if isinstance(current, PartialDate):
            current = current.iso()
        if current != value:
            return False
    if awards is not None and [a["name"] for a in awards] != [a.name for a in hero.awards]:
        return False
    if status is not None and status != hero.status:
        return False
    if digests:
        known = {p.sha256: p for p in hero.photos}
        if any(d not in known for d in digests) or not known[digests[0]].is_primary:
            return False
    return True


# -- uploads waiting for their import (the staff page) -----------------------------------

UPLOADS_DIR = "sheet-uploads"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
SHEET_SUFFIXES = (".csv", ".xlsx", ".txt", ".tsv")


@dataclass
class Upload:
    """A sheet (and its photos) uploaded by staff, kept until imported or expired."""

    token: str
    folder: Path
    name: str
    key: str | None
    draft: bool
    photos_name: str | None

    @property
    def sheet(self) -> Path:
        return self.folder / "sheet"

    @property
    def photos(self) -> Path | None:
        return self.folder / "photos.zip" if self.photos_name else None

    def opened(self, limits: Limits = DEFAULT_LIMITS) -> SheetImport:
        """The upload as a :class:`SheetImport` (use it as a context manager)."""
        return SheetImport(self.sheet, self.photos, key=self.key, draft=self.draft, limits=limits)


class TooLarge(ValueError):
    """An uploaded file over its limit (nothing of it was kept)."""


def _copy_limited(source, target: Path, limit: int) -> None:
    """Copy a stream to ``target``, refusing (and removing) it past ``limit`` bytes."""
    size = 0
    with open(target, "wb") as out:
        while chunk := source.read(1 << 20):
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise TooLarge(target.name)
            out.write(chunk)


def keep_upload(
    data_dir: str | os.PathLike,
    sheet,
    name: str,
    photos=None,
    photos_name: str | None = None,
    *,
    key: str | None = None,
    draft: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> Upload:
    """Keep an uploaded sheet (a binary stream) and its photo ZIP under an unguessable token.

    Raise ``TooLarge`` (keeping nothing) when the sheet is larger than its limit or the ZIP
    larger than its unpacked limit.
    """
    token = secrets.token_urlsafe(32)
    folder = Path(data_dir) / UPLOADS_DIR / token
    folder.mkdir(parents=True, mode=0o700)
    try:
        _copy_limited(sheet, folder / "sheet", limits.sheet_bytes)
        if photos is not None:
            _copy_limited(photos, folder / "photos.zip", limits.zip_bytes)
        kept = Upload(
            token,
            folder,
            name[:200],
            (key or "").strip()[:200] or None,
            bool(draft),
            (photos_name or "photos.zip")[:200] if photos is not None else None,
        )
        meta = {
            "name": kept.name,
            "key": kept.key,
            "draft": kept.draft,
            "photos_name": kept.photos_name,
        }
        (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return kept


def find_upload(
    data_dir: str | os.PathLike, token: str, max_age_minutes: float = 60
) -> Upload | None:
    """The upload kept under ``token``, or ``None`` (unknown, malformed or expired)."""
    if not _TOKEN.match(token or ""):
        return None
    folder = Path(data_dir) / UPLOADS_DIR / token
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        age = time.time() - (folder / "meta.json").stat().st_mtime
    except (OSError, ValueError):
        return None
    if age > max_age_minutes * 60:
        forget_upload(data_dir, token)
        return None
    return Upload(
        token,
        folder,
        meta["name"],
        meta.get("key"),
        bool(meta.get("draft")),
        meta.get("photos_name"),
    )


def forget_upload(data_dir: str | os.PathLike, token: str) -> None:
    """Remove an upload (after its import, or when it expired)."""
    if _TOKEN.match(token or ""):
        shutil.rmtree(Path(data_dir) / UPLOADS_DIR / token, ignore_errors=True)


def purge_uploads(data_dir: str | os.PathLike, max_age_minutes: float = 60) -> int:
    """Remove every upload older than ``max_age_minutes``; return how many."""
    root = Path(data_dir) / UPLOADS_DIR
    removed = 0
    if not root.is_dir():
        return 0
    for folder in root.iterdir():
        try:
            age = time.time() - folder.stat().st_mtime
        except OSError:
            continue
        if age > max_age_minutes * 60:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
