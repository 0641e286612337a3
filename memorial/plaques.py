"""What goes on a grave and what is done to it: QR codes of graves' permanent addresses,
the choice and layout of a sheet of plaque labels, and the city's standard tracked per grave
(the works list staff filter and export, and the steps they record).

Like the rest of the domain, operations flush and never commit; bad input is refused with a
:class:`PlaqueError` whose message names the problem in the interface's language.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass

import segno
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from . import audit, changes, clock, graves
from .columns import csv_cell
from .models import Cemetery, Grave, GraveSector, GraveWork, Hero, MonumentStage, User

#: Outdoor plaques get dirty, scratched and weathered: the highest error correction
#: (about 30 % of the code may be lost) still keeps a short address in a small symbol.
QR_ERROR = "h"
#: The quiet zone around the code, in modules (the standard asks for four).
QR_BORDER = 4

#: Label sizes (mm) that fit an A4 page and leave a QR code large enough to scan.
MIN_WIDTH, MAX_WIDTH = 35, 190
MIN_HEIGHT, MAX_HEIGHT = 45, 277
DEFAULT_WIDTH, DEFAULT_HEIGHT = 50, 70
PAGE_WIDTH, PAGE_HEIGHT = 210, 297
#: The page's margin and the gap left between labels for cutting, in mm.
PAGE_MARGIN = 10
GAP = 4
MAX_NOTE = 2000

STAGE_LABELS = {
    MonumentStage.TEMPORARY_CROSS: _l("Тимчасовий хрест"),
    MonumentStage.MONUMENT: _l("Постійний пам'ятник"),
    MonumentStage.PHOTO_PLAQUE: _l("Фототабличка"),
    MonumentStage.LANDSCAPING: _l("Благоустрій"),
}
STAGES = list(MonumentStage)


class PlaqueError(ValueError):
    """A request about plaques or works that cannot be met; ``str()`` is the message."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: The form field the problem is in, when it is in one.
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


# --- QR codes --------------------------------------------------------------------------------


def qr_code(url: str) -> segno.QRCode:
    """The QR code of an address, made to survive outdoors."""
    return segno.make_qr(url, error=QR_ERROR, boost_error=False)


def qr_svg(url: str, sized: bool = True) -> bytes:
    """The code as SVG; ``sized=False`` leaves out width and height so CSS sizes it."""
    out = io.BytesIO()
    qr_code(url).save(
        out,
        kind="svg",
        scale=10 if sized else 1,
        border=QR_BORDER,
        xmldecl=sized,
        svgns=True,
        omitsize=not sized,
        svgclass=None,
        lineclass=None,
    )
    return out.getvalue()


def qr_png(url: str, scale: int = 12) -> bytes:
    """The code as PNG, ``scale`` pixels a module (big enough for a plaque maker's print)."""
    out = io.BytesIO()
    qr_code(url).save(out, kind="png", scale=scale, border=QR_BORDER)
    return out.getvalue()


# --- Label sheets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelLayout:
    """Labels of ``width`` × ``height`` mm laid out in ``columns`` × ``rows`` a page."""

    width: int
    height: int
    columns: int
    rows: int

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def pages(self, count: int) -> int:
        return math.ceil(count / self.per_page) if count else 0

    def position(self, index: int) -> tuple[float, float]:
        """Where (left, top in mm on its page) the label number ``index`` of a page goes;
        the labels as a block are centred on the page."""
        used_w = self.columns * self.width + (self.columns - 1) * GAP
        used_h = self.rows * self.height + (self.rows - 1) * GAP
        left0 = (PAGE_WIDTH - used_w) / 2
        top0 = (PAGE_HEIGHT - used_h) / 2
        column, row = index % self.columns, index // self.columns
        return left0 + column * (self.width + GAP), top0 + row * (self.height + GAP)


def _millimetres(text, what, low: int, high: int, field: str) -> int:
    value = str(text if text is not None else "").strip().replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (number == number and number.is_integer() and low <= number <= high):
        raise PlaqueError(
            _l(
                "%(what)s етикетки має бути цілим числом міліметрів від %(low)s до %(high)s.",
                what=what,
                low=low,
                high=high,
            ),
            field,
        )
    return int(number)


def label_layout(width=DEFAULT_WIDTH, height=DEFAULT_HEIGHT) -> LabelLayout:
    """The layout of labels of the size asked for (numbers of mm as typed), or a
    :class:`PlaqueError` naming what is wrong with it."""
    w = _millimetres(width, _l("Ширина"), MIN_WIDTH, MAX_WIDTH, "width")
    h = _millimetres(height, _l("Висота"), MIN_HEIGHT, MAX_HEIGHT, "height")
    usable_w, usable_h = PAGE_WIDTH - 2 * PAGE_MARGIN, PAGE_HEIGHT - 2 * PAGE_MARGIN
    columns = max(1, (usable_w + GAP) // (w + GAP))
    rows = max(1, (usable_h + GAP) // (h + GAP))
    return LabelLayout(w, h, columns, rows)


def _has_plaque(grave: Grave) -> bool:
    return any(w.stage == MonumentStage.PHOTO_PLAQUE and w.done_on for w in grave.works)


def label_graves(
    session: Session,
    sector_id: int | None = None,
    grave_ids: list[int] | None = None,
    without_plaque: bool = False,
) -> list[Grave]:
    """The graves a label sheet is for: those holding a hero, of a sector or chosen one by
    one (or every one), optionally only those whose photo plaque is not installed yet; in
    the order of the plan (cemetery, sector, row, place). An empty choice is refused."""
    query = (
        select(Grave)
        .join(GraveSector, Grave.sector_id == GraveSector.id)
        .join(Cemetery, GraveSector.cemetery_id == Cemetery.id)
        .where(Grave.hero_id.is_not(None))
        .options(
            selectinload(Grave.hero),
            selectinload(Grave.works),
            selectinload(Grave.sector).selectinload(GraveSector.cemetery),
        )
        .order_by(Cemetery.name, GraveSector.name, Grave.row, Grave.place)
    )
    if sector_id is not None:
        query = query.where(Grave.sector_id == sector_id)
    if grave_ids is not None:
        query = query.where(Grave.id.in_(grave_ids or [-1]))
    chosen = list(session.scalars(query))
    if without_plaque:
        chosen = [g for g in chosen if not _has_plaque(g)]
    if not chosen:
        raise PlaqueError(
            _l(
                "Для цього вибору немає жодної могили з похованим героєм, тож аркуш був би "
                "порожнім. Виберіть інший сектор або зніміть фільтр."
            )
        )
    return chosen


# --- The city's standard ---------------------------------------------------------------------


@dataclass
class WorkRow:
    """One line of the works list."""

    grave: Grave
    hero: Hero | None
    reached: MonumentStage | None
    done: dict[MonumentStage, GraveWork]


#: Filters of the works list by what a grave still waits for.
WAITING = {
    "monument": (_l("ще чекають на пам'ятник"), MonumentStage.MONUMENT),
    "plaque": (_l("ще чекають на фототабличку"), MonumentStage.PHOTO_PLAQUE),
    "landscaping": (_l("ще чекають на благоустрій"), MonumentStage.LANDSCAPING),
}


def _rank(stage: MonumentStage | None) -> int:
    return -1 if stage is None else STAGES.index(stage)


def works_list(
    session: Session,
    cemetery_id: int | None = None,
    sector_id: int | None = None,
    waiting: str | None = None,
    stage: str | None = None,
) -> list[WorkRow]:
    """Every grave holding a hero or with works recorded, where its works stand, filtered:
    by cemetery or sector, by what it still waits for (``WAITING``: the stage reached is
    before that one), or by the stage reached (``"none"``: nothing done yet)."""
    query = (
        select(Grave)
        .join(GraveSector, Grave.sector_id == GraveSector.id)
        .join(Cemetery, GraveSector.cemetery_id == Cemetery.id)
        .where(Grave.hero_id.is_not(None) | Grave.works.any())
        .options(
            selectinload(Grave.hero),
            selectinload(Grave.works),
            selectinload(Grave.sector).selectinload(GraveSector.cemetery),
        )
        .order_by(Cemetery.name, GraveSector.name, Grave.row, Grave.place)
    )
    if cemetery_id is not None:
        query = query.where(GraveSector.cemetery_id == cemetery_id)
    if sector_id is not None:
        query = query.where(Grave.sector_id == sector_id)
    rows = []
    for grave in session.scalars(query):
        reached = graves.stage_reached(grave)
        if waiting in WAITING and _rank(reached) >= _rank(WAITING[waiting][1]):
            continue
        if stage == "none" and reached is not None:
            continue
        if stage in tuple(MonumentStage) and reached != stage:
            continue
        done = {MonumentStage(w.stage): w for w in grave.works}
        rows.append(WorkRow(grave, grave.hero, reached, done))
    return rows


def stage_label(stage) -> str:
    return str(STAGE_LABELS[MonumentStage(stage)]) if stage else str(_l("нічого не зроблено"))


def _table(rows: list[WorkRow]) -> list[list]:
    header = [
        str(_l("Герой")),
        str(_l("Кладовище")),
        str(_l("Сектор")),
        str(_l("Ряд")),
        str(_l("Місце")),
        str(_l("Код")),
        str(_l("Досягнутий етап")),
        *(str(STAGE_LABELS[s]) for s in STAGES),
        str(_l("Примітки")),
    ]
    table: list[list] = [header]
    for row in rows:
        grave = row.grave
        notes = "; ".join(
            f"{STAGE_LABELS[s]}: {row.done[s].note}"
            for s in STAGES
            if s in row.done and row.done[s].note
        )
        table.append(
            [
                row.hero.full_name if row.hero else "",
                grave.sector.cemetery.name,
                grave.sector.name,
                grave.row,
                grave.place,
                grave.code,
                stage_label(row.reached),
                *(row.done[s].done_on if s in row.done else None for s in STAGES),
                notes,
            ]
        )
    return table


def works_csv(rows: list[WorkRow]) -> bytes:
    """The rows as CSV in UTF-8 with a byte-order mark (so spreadsheets read Cyrillic)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for line in _table(rows):
        writer.writerow(
            [
                "" if v is None else v.isoformat() if hasattr(v, "isoformat") else csv_cell(str(v))
                for v in line
            ]
        )
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def works_xlsx(rows: list[WorkRow]) -> bytes:
    """The rows as an XLSX workbook, dates as dates."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(_l("Роботи"))[:31]
    table = _table(rows)
    for line in table:
        sheet.append(line)
    for column, title in enumerate(table[0], start=1):
        width = max(len(str(line[column - 1] or "")) for line in table) + 2
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width, 8), 60)
        if title in {str(STAGE_LABELS[s]) for s in STAGES}:
            for cell in sheet[get_column_letter(column)][1:]:
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _earliest(partial) -> dt.date | None:
    if not partial:
        return None
    return dt.date(partial.year, partial.month or 1, partial.day or 1)


def record_work(
    session: Session,
    grave: Grave,
    stage: str,
    done_on: str | None,
    note: str | None,
    user: User | None = None,
) -> GraveWork:
    """Record that a step of the standard was done on ``done_on`` (``YYYY-MM-DD``; empty:
    not done yet) with a note. Refused: an unknown step, a date that is not a date, lies in
    the future or before the hero's death, or comes before an earlier step's date."""
    try:
        stage_value = MonumentStage(stage)
    except ValueError:
        raise PlaqueError(_l("Невідомий етап робіт."), "stage") from None
    text = (done_on or "").strip()
    day = None
    if text:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise PlaqueError(
                _l("Дата «%(text)s» не схожа на дату (РРРР-ММ-ДД).", text=text[:40]), "done_on"
            ) from None
        if day > clock.today_in_kyiv():
            raise PlaqueError(_l("Дата виконання не може бути в майбутньому."), "done_on")
        died = _earliest(grave.hero.death_date) if grave.hero is not None else None
        if died is not None and day < died:
            raise PlaqueError(
                _l(
                    "Дата виконання (%(day)s) раніша за дату загибелі героя (%(death)s).",
                    day=day.isoformat(),
                    death=grave.hero.death_date.iso() if grave.hero else "",
                ),
                "done_on",
            )
        rank = STAGES.index(stage_value)
        for work in grave.works:
            if work.done_on is None or work.stage == stage_value:
                continue
            other = MonumentStage(work.stage)
            if STAGES.index(other) < rank and work.done_on > day:
                raise PlaqueError(
                    _l(
                        "«%(stage)s» не може бути раніше, ніж «%(other)s» (%(day)s).",
                        stage=STAGE_LABELS[stage_value],
                        other=STAGE_LABELS[other],
                        day=work.done_on.isoformat(),
                    ),
                    "done_on",
                )
            if STAGES.index(other) > rank and work.done_on < day:
                raise PlaqueError(
                    _l(
                        "«%(stage)s» не може бути пізніше, ніж «%(other)s» (%(day)s).",
                        stage=STAGE_LABELS[stage_value],
                        other=STAGE_LABELS[other],
                        day=work.done_on.isoformat(),
                    ),
                    "done_on",
                )
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise PlaqueError(_l("Примітка задовга: до %(n)s символів.", n=MAX_NOTE), "note")
    work = graves.set_work(session, grave, stage_value, day, note, user)
    audit.record(
        session,
        "grave.work",
        user,
        object_type="grave",
        object_id=grave.id,
        stage=stage_value.value,
        done_on=day.isoformat() if day else None,
    )
    return work


def set_monument_photo(
    session: Session, grave: Grave, file_path: str | None, user: User | None = None
) -> None:
    """Show a stored photo (already cleaned by :mod:`memorial.media`) as the monument's
    photo, or none; audited."""
    grave.monument_photo_path = file_path
    session.flush()
    changes.note_version(session)  # the hero's public profile shows it
    audit.record(
        session,
        "grave.monument_photo",
        user,
        object_type="grave",
        object_id=grave.id,
        removed=None if file_path else True,
    )
