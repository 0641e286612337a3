"""The archive as a table: one row per hero, one column per field.

The spreadsheet import reads these columns and the CSV/XLSX export writes them, so a sheet
the archive gave out can be mended and read back. A column is found by the archive field's
name (``surname``) or by its Ukrainian header (``Прізвище``) or one of the other headers
staff write for it (``Дата смерті``, ``В/ч``); case, apostrophes, spaces and a trailing colon
or asterisk do not matter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class ColumnKind(StrEnum):
    TEXT = "text"
    #: A date as the archive keeps it: a year, a month or a day (``1987``, ``1987-03``, …).
    DATE = "date"
    #: Several values in one cell, one per line or separated by ``;``.
    LIST = "list"
    #: An address on the site, written by the export only.
    URL = "url"


#: What a spreadsheet takes for the start of a formula when it opens a CSV file.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A text value as a CSV cell that a spreadsheet shows as text and never runs: a cell
    starting like a formula (``=HYPERLINK(…)``, ``+…``, ``-…``, ``@…``) gets a leading ``'``,
    which the spreadsheet hides and :func:`from_csv_cell` takes off again."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def from_csv_cell(value: str) -> str:
    """The value of a CSV cell written by :func:`csv_cell`."""
    if value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


@dataclass(frozen=True)
class Column:
    key: str
    #: The header a Ukrainian sheet carries (the export writes it in XLSX).
    header: str
    kind: ColumnKind
    #: What the column holds, for the data dictionary (a lazy string: Ukrainian or English).
    description: object
    #: Other headers that mean this column.
    aliases: tuple[str, ...] = ()
    #: Read by the import (``False``: written by the export only).
    imported: bool = True
    #: Written by the export (``False``: read by the import only).
    exported: bool = True


COLUMNS: tuple[Column, ...] = (
    Column(
        "external_id",
        "Ідентифікатор",
        ColumnKind.TEXT,
        _l("Постійний ідентифікатор запису в архіві; за ним повторний імпорт оновлює запис."),
        ("ID", "Код", "Номер запису"),
    ),
    Column("surname", "Прізвище", ColumnKind.TEXT, _l("Прізвище."), ()),
    Column("given_name", "Ім'я", ColumnKind.TEXT, _l("Ім'я."), ()),
    Column("patronymic", "По батькові", ColumnKind.TEXT, _l("По батькові."), ()),
    Column("call_sign", "Позивний", ColumnKind.TEXT, _l("Позивний, якщо родина його назвала."), ()),
    Column(
        "birth_date",
        "Дата народження",
        ColumnKind.DATE,
        _l("Дата народження: рік, рік і місяць або повна дата (РРРР, РРРР-ММ, РРРР-ММ-ДД)."),
        ("Народився", "Народилася", "Дата нар."),
    ),
    Column(
        "death_date",
        "Дата загибелі",
        ColumnKind.DATE,
        _l("Дата загибелі: рік, рік і місяць або повна дата (РРРР, РРРР-ММ, РРРР-ММ-ДД)."),
        ("Дата смерті", "Загинув", "Загинула", "Дата загиб."),
    ),
    Column("birth_place", "Місце народження", ColumnKind.TEXT, _l("Місце народження."), ()),
    Column(
        "home_community",
        "Громада",
        ColumnKind.TEXT,
        _l("Громада, з якою пов'язаний герой."),
        ("Місто", "Населений пункт", "Територіальна громада"),
    ),
    Column("rank", "Звання", ColumnKind.TEXT, _l("Військове звання."), ("Військове звання",)),
    Column("position", "Посада", ColumnKind.TEXT, _l("Посада."), ()),
    Column(
        "military_unit",
        "Військова частина",
        ColumnKind.TEXT,
        _l("Військова частина або підрозділ."),
        ("В/ч", "Військова частина (підрозділ)", "Підрозділ", "Бригада"),
    ),
    Column("death_place", "Місце загибелі", ColumnKind.TEXT, _l("Місце загибелі."), ()),
    Column(
        "death_circumstances",
        "Обставини загибелі",
        ColumnKind.TEXT,
        _l("Обставини загибелі, як їх розповіли родина або побратими."),
        (),
    ),
    Column(
        "burial_place",
        "Місце поховання",
        ColumnKind.TEXT,
        _l("Місце поховання: кладовище і населений пункт."),
        ("Поховання", "Де поховано", "Кладовище"),
    ),
    Column(
        "burial_plot",
        "Ділянка поховання",
        ColumnKind.TEXT,
        _l("Ділянка, ряд і місце могили."),
        ("Ділянка", "Могила", "Ряд і місце"),
    ),
    Column(
        "biography",
        "Життєпис",
        ColumnKind.TEXT,
        _l("Життєпис."),
        ("Біографія", "Історія"),
    ),
    Column(
        "awards",
        "Нагороди",
        ColumnKind.LIST,
        _l("Нагороди, кожна з нового рядка або через крапку з комою."),
        ("Нагорода",),
    ),
    Column(
        "photos",
        "Фотографії",
        ColumnKind.LIST,
        _l("Назви файлів фотографій в архіві ZIP поруч із таблицею; перша стає портретом."),
        ("Фото", "Фотографія"),
        exported=False,
    ),
    Column(
        "status",
        "Стан",
        ColumnKind.TEXT,
        _l(
            "«опубліковано» або «чернетка»; порожньо: новий герой публікується, наявний "
            "лишається як є."
        ),
        ("Статус", "Публікація"),
        exported=False,
    ),
    Column(
        "collection",
        "Зібрання",
        ColumnKind.TEXT,
        _l("«загиблі» (fallen) або «ветерани» (veteran); порожньо: загиблі."),
        ("Колекція", "Загиблий чи ветеран"),
    ),
    Column(
        "life_now",
        "Чим займається зараз",
        ColumnKind.TEXT,
        _l("Для ветерана: чим він або вона займається тепер."),
        ("Зараз", "Життя зараз"),
    ),
    Column(
        "url",
        "Сторінка",
        ColumnKind.URL,
        _l("Адреса сторінки героя на сайті."),
        imported=False,
    ),
    Column(
        "photo_urls",
        "Адреси фотографій",
        ColumnKind.LIST,
        _l("Адреси фотографій героя на сайті, портрет першим."),
        imported=False,
    ),
)

BY_KEY = {column.key: column for column in COLUMNS}
IMPORTED = tuple(column for column in COLUMNS if column.imported)
EXPORTED = tuple(column for column in COLUMNS if column.exported)
#: Columns a row must fill.
REQUIRED = ("external_id", "surname", "given_name")

_APOSTROPHES = re.compile("[\u2019\u02bc\u2018`\u00b4\u02b9\u2032]")
_SPACES = re.compile(r"\s+")


def normalise_header(text: str) -> str:
    """A header reduced to what tells columns apart."""
    text = unicodedata.normalize("NFC", str(text)).strip().rstrip(":*").strip()
    text = _APOSTROPHES.sub("'", text)
    return _SPACES.sub(" ", text).casefold()


_HEADERS: dict[str, str] = {}
for _column in IMPORTED:
    for _name in (_column.key, _column.header, *_column.aliases):
        _HEADERS[normalise_header(_name)] = _column.key


def column_for(header: str) -> str | None:
    """The archive field a sheet's header names, or ``None``."""
    return _HEADERS.get(normalise_header(header))
