"""The plan of a sector, drawn on the server: rows of places as an SVG grid, and the same
places as a table for screen readers, small phones and print.

An occupied place of a published hero is a link to the profile, named by row, place, name
and dates; the place of a hero the public may not see is only shown as taken. Free places
have a dashed outline, reserved ones are hatched, so no state is told by colour alone. North
is up; the entrance is marked on the side staff chose for the sector.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..dates import PartialDate
from ..language import full_name
from ..models import EntranceSide, Grave, GraveSector, Hero, HeroStatus
from .i18n import current_language

#: Places a plan draws at most; a larger sector is given as its table only.
MAX_DRAWN = 2000
CELL_W, CELL_H, GAP, MARGIN = 30, 40, 4, 60

FREE, RESERVED, TAKEN, HIDDEN = "free", "reserved", "taken", "hidden"


@dataclass
class Place:
    """One place that is not simply free: who lies there (when the public may know) or that
    it is reserved."""

    row: int
    place: int
    state: str
    code: str
    name: str = ""
    dates: str = ""
    url: str = ""
    latitude: float | None = None
    longitude: float | None = None
    here: bool = False

    @property
    def anchor(self) -> str:
        return f"place-{self.row}-{self.place}"


@dataclass
class Plan:
    """What the plan page shows of a sector."""

    sector: GraveSector
    places: list[Place]
    #: Free places per row, as ``(row, "1–13, 15–35")``, for the text equivalent.
    free: list[tuple[int, str]]
    free_count: int
    here: Place | None = None
    svg: Markup = field(default_factory=Markup)


def _ranges(numbers: list[int]) -> str:
    """``1–3, 5, 7–9`` from sorted numbers."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)


def build(session: Session, sector: GraveSector, here_code: str | None = None) -> Plan:
    """The places of ``sector`` as the public may see them, ``here_code`` marked.

    Read as plain rows (no ORM objects) and named with format strings looked up once: a
    sector of 500 places is drawn in a few milliseconds."""
    rows = session.execute(
        select(
            Grave.row,
            Grave.place,
            Grave.code,
            Grave.latitude,
            Grave.longitude,
            Hero.id,
            Hero.status,
            Hero.slug,
            Hero.surname,
            Hero.given_name,
            Hero.patronymic,
            Hero.birth_year,
            Hero.birth_month,
            Hero.birth_day,
            Hero.death_year,
            Hero.death_month,
            Hero.death_day,
        )
        .outerjoin(Hero, Grave.hero_id == Hero.id)
        .where(
            Grave.sector_id == sector.id,
            (Grave.hero_id.is_not(None)) | Grave.reserved,
            Grave.row <= sector.rows,
            Grave.place <= sector.places,
        )
        .order_by(Grave.row, Grave.place)
    ).all()
    language = current_language()
    # ``url_for`` once; each profile's address is the same with its slug.
    marker = "SLUG-MARKER"
    profile = url_for("public.hero", slug=marker)
    places: list[Place] = []
    here = None
    for r in rows:
        if r.id is None:
            item = Place(r.row, r.place, RESERVED, r.code)
        elif r.status == HeroStatus.PUBLISHED:
            birth = _date(r.birth_year, r.birth_month, r.birth_day, language)
            death = _date(r.death_year, r.death_month, r.death_day, language)
            item = Place(
                r.row,
                r.place,
                TAKEN,
                r.code,
                name=full_name(r.surname, r.given_name, r.patronymic),
                dates=f"{birth} — {death}",
                url=profile.replace(marker, quote(r.slug or str(r.id))),
                latitude=r.latitude,
                longitude=r.longitude,
            )
        else:
            item = Place(r.row, r.place, HIDDEN, r.code)
        if here_code is not None and r.code == here_code:
            item.here = True
            here = item
        places.append(item)
    if here_code is not None and here is None:  # a free place (its QR code was scanned)
        spot = session.execute(
            select(Grave.row, Grave.place).where(
                Grave.sector_id == sector.id, Grave.code == here_code
            )
        ).first()
        if spot is not None and spot.row <= sector.rows and spot.place <= sector.places:
            here = Place(spot.row, spot.place, FREE, here_code, here=True)
            places.append(here)
            places.sort(key=lambda p: (p.row, p.place))
    by_row: dict[int, set[int]] = {}
    for item in places:
        if item.state != FREE:
            by_row.setdefault(item.row, set()).add(item.place)
    free = []
    free_count = 0
    for row in range(1, sector.rows + 1):
        taken = by_row.get(row, set())
        numbers = [p for p in range(1, sector.places + 1) if p not in taken]
        free_count += len(numbers)
        if numbers:
            free.append((row, _ranges(numbers)))
    plan = Plan(sector, places, free, free_count, here)
    if sector.rows * sector.places <= MAX_DRAWN:
        plan.svg = draw(plan)
    return plan


def _date(year: int | None, month: int | None, day: int | None, language: str) -> str:
    if year is None:
        return "?"
    try:
        return PartialDate(year, month, day).display(language)
    except ValueError:
        return str(year)


class Names:
    """What places are called, looked up in the interface language once per plan."""

    def __init__(self) -> None:
        self.spot = _("Ряд %(row)s, місце %(place)s")
        self.states = {RESERVED: _("зарезервоване"), HIDDEN: _("зайняте"), FREE: _("вільне")}

    def of(self, item: Place) -> str:
        spot = self.spot % {"row": item.row, "place": item.place}
        if item.state == TAKEN:
            return f"{spot}: {item.name}, {item.dates}"
        return f"{spot}: {self.states[item.state]}"


def draw(plan: Plan) -> Markup:
    """The SVG of the plan (inline, no script): north up, entrance on its side."""
    sector = plan.sector
    rows, cols = sector.rows, sector.places
    grid_w = cols * (CELL_W + GAP) - GAP
    grid_h = rows * (CELL_H + GAP) - GAP
    width, height = grid_w + 2 * MARGIN, grid_h + 2 * MARGIN
    out: list[str] = []
    add = out.append
    title = _("План сектора «%(name)s»", name=sector.name)
    add(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plan-svg" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" aria-labelledby="plan-svg-title"'
        ' preserveAspectRatio="xMidYMin meet" font-family="sans-serif">'
    )
    add(f'<title id="plan-svg-title">{escape(title)}</title>')
    add(
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse"'
        ' patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#51575f" stroke-width="2"/></pattern></defs>'
    )
    add(
        f'<rect x="{MARGIN - 8}" y="{MARGIN - 8}" width="{grid_w + 16}" height="{grid_h + 16}"'
        ' fill="none" stroke="#d8d2c6" stroke-width="2" rx="6"/>'
    )
    known = {(p.row, p.place): p for p in plan.places}
    names = Names()
    for row in range(1, rows + 1):
        y = MARGIN + (row - 1) * (CELL_H + GAP)
        add(
            f'<text x="{MARGIN - 12}" y="{y + CELL_H / 2 + 4}" text-anchor="end" font-size="12"'
            f' fill="#51575f" aria-hidden="true">{row}</text>'
        )
        for place in range(1, cols + 1):
            x = MARGIN + (place - 1) * (CELL_W + GAP)
            item = known.get((row, place))
            _cell(add, x, y, place, item, names)
    _compass(add, width)
    _entrance(add, sector.entrance, width, height, grid_w, grid_h)
    if plan.here is not None:
        x = MARGIN + (plan.here.place - 1) * (CELL_W + GAP)
        y = MARGIN + (plan.here.row - 1) * (CELL_H + GAP)
        # Two rings: unlike the one ring of keyboard focus, and not told by colour alone.
        add(
            f'<g class="plan-here" aria-hidden="true"><rect x="{x - 3}" y="{y - 3}"'
            f' width="{CELL_W + 6}" height="{CELL_H + 6}" fill="none" stroke="#1e2226"'
            f' stroke-width="2" rx="4"/><rect x="{x - 7}" y="{y - 7}" width="{CELL_W + 14}"'
            f' height="{CELL_H + 14}" fill="none" stroke="#a34a00" stroke-width="3" rx="6"/></g>'
        )
    add("</svg>")
    return Markup("".join(out))


def _cell(add, x: int, y: int, place: int, item: Place | None, names: Names) -> None:
    number = (
        f'<text x="{x + CELL_W / 2}" y="{y + CELL_H / 2 + 4}" text-anchor="middle"'
        ' font-size="11" fill="{fill}" aria-hidden="true">' + str(place) + "</text>"
    )
    rect = f'<rect x="{x}" y="{y}" width="{CELL_W}" height="{CELL_H}" rx="3"'
    if item is None or item.state == FREE:
        if item is not None:  # the free place looked for
            add(
                f'<g id="{item.anchor}" class="plan-free" aria-current="location">'
                f"<title>{escape(names.of(item))}</title>{rect}"
                ' fill="#fff" stroke="#7d838c" stroke-dasharray="3 3"/>'
                + number.replace("{fill}", "#51575f")
                + "</g>"
            )
            return
        add(
            f'<g class="plan-free">{rect} fill="#fff" stroke="#7d838c" stroke-dasharray="3 3"/>'
            + number.replace("{fill}", "#51575f")
            + "</g>"
        )
        return
    name = escape(names.of(item))
    here = ' aria-current="location"' if item.here else ""
    if item.state == TAKEN:
        add(
            f'<a href="{escape(item.url)}" id="{item.anchor}" class="plan-taken"'
            f' aria-label="{name}"{here}><title>{name}</title>'
            f'{rect} fill="#2c4560" stroke="#1e2226"/>' + number.replace("{fill}", "#fff") + "</a>"
        )
    elif item.state == HIDDEN:
        add(
            f'<g id="{item.anchor}" class="plan-hidden"><title>{name}</title>'
            f'{rect} fill="#2c4560" stroke="#1e2226"/>' + number.replace("{fill}", "#fff") + "</g>"
        )
    else:
        add(
            f'<g id="{item.anchor}" class="plan-reserved"><title>{name}</title>'
            f'{rect} fill="url(#hatch)" stroke="#1e2226" stroke-width="2"/></g>'
        )


def _compass(add, width: int) -> None:
    """A compass rose in the top right corner: north up."""
    cx, cy = width - 28, 30
    north = escape(_("Пн"))
    add(
        f'<g class="plan-compass" aria-hidden="true"><circle cx="{cx}" cy="{cy}" r="16"'
        ' fill="#fff" stroke="#51575f"/>'
        f'<path d="M{cx} {cy - 14} L{cx + 6} {cy} L{cx} {cy - 3} L{cx - 6} {cy} Z" fill="#1e2226"/>'
        f'<path d="M{cx} {cy + 14} L{cx + 6} {cy} L{cx} {cy + 3} L{cx - 6} {cy} Z" fill="#fff"'
        ' stroke="#1e2226"/>'
        f'<text x="{cx - 22}" y="{cy + 4}" text-anchor="end" font-size="12" font-weight="700"'
        f' fill="#1e2226">{north}</text></g>'
    )


def _entrance(add, side: str, width: int, height: int, grid_w: int, grid_h: int) -> None:
    """The entrance: a gate with an arrow pointing into the sector, on its side."""
    label = escape(_("Вхід"))
    mid_x, mid_y = width / 2, height / 2
    if side == EntranceSide.NORTH:
        gate = f"M{mid_x - 30} 22 H{mid_x + 30}"
        arrow = (
            f"M{mid_x} 26 V{MARGIN - 14} M{mid_x - 5} {MARGIN - 20}"
            f" L{mid_x} {MARGIN - 14} L{mid_x + 5} {MARGIN - 20}"
        )
        text = f'x="{mid_x + 36}" y="26" text-anchor="start"'
    elif side == EntranceSide.SOUTH:
        gate = f"M{mid_x - 30} {height - 22} H{mid_x + 30}"
        arrow = (
            f"M{mid_x} {height - 26} V{height - MARGIN + 14} M{mid_x - 5} {height - MARGIN + 20}"
            f" L{mid_x} {height - MARGIN + 14} L{mid_x + 5} {height - MARGIN + 20}"
        )
        text = f'x="{mid_x + 36}" y="{height - 18}" text-anchor="start"'
    elif side == EntranceSide.WEST:
        gate = f"M14 {mid_y - 30} V{mid_y + 30}"
        arrow = (
            f"M18 {mid_y} H{MARGIN - 30} M{MARGIN - 36} {mid_y - 5}"
            f" L{MARGIN - 30} {mid_y} L{MARGIN - 36} {mid_y + 5}"
        )
        text = f'x="14" y="{mid_y - 36}" text-anchor="start"'
    else:
        gate = f"M{width - 14} {mid_y - 30} V{mid_y + 30}"
        arrow = (
            f"M{width - 18} {mid_y} H{width - MARGIN + 30} M{width - MARGIN + 36} {mid_y - 5}"
            f" L{width - MARGIN + 30} {mid_y} L{width - MARGIN + 36} {mid_y + 5}"
        )
        text = f'x="{width - 14}" y="{mid_y - 36}" text-anchor="end"'
    add(
        f'<g class="plan-entrance"><path d="{gate}" stroke="#8a5a12" stroke-width="6"'
        f' fill="none"/><path d="{arrow}" stroke="#8a5a12" stroke-width="2" fill="none"/>'
        f'<text {text} font-size="13" font-weight="700" fill="#8a5a12">{label}</text></g>'
    )
