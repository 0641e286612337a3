"""Burial places as data: cemeteries, their sectors laid out in rows of places, and graves.

A grave is one place of a sector. It carries a short code that never changes (a QR code on
the grave points to it), whatever happens to the slug or the name of the hero who lies there.
A hero lies in at most one grave at a time; moving a hero (a reburial) frees the place and is
kept in the grave's history and as a revision of the hero.

Operations flush and never commit, like the rest of the domain; each refuses bad input with
a :class:`GraveError` whose message names the problem in the interface's language.
"""

from __future__ import annotations

import re
import secrets
from contextlib import nullcontext
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .language import full_name
from .models import (
    Cemetery,
    Grave,
    GraveEvent,
    GraveEventKind,
    GraveSector,
    GraveWork,
    Hero,
    MonumentStage,
    RevisionSource,
    User,
)
from .revisions import recorded

#: Letters of a grave's code: no 0/O, 1/I/L, so it can be read off a plaque and typed.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
MAX_ROWS = 200
MAX_PLACES = 500
#: The sector a plot names when it names none.
DEFAULT_SECTOR = "1"


class GraveError(ValueError):
    """A change to graves that cannot be made; ``str()`` is the message for people."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text: str) -> str | None:
    """A code as typed (any case, spaces, O for 0…) in its stored form, or ``None``."""
    code = re.sub(r"[\s-]", "", text or "").upper().replace("O", "0").replace("I", "1")
    code = code.replace("L", "1")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


# --- Reading free-text plots -----------------------------------------------------------------


@dataclass(frozen=True)
class Plot:
    """A burial plot read from text: the sector (if named), the row and the place."""

    sector: str | None
    row: int
    place: int


_WORD = r"[.:№#\s]*"
_SECTOR = re.compile(
    r"(?:сектор|ділянка|діл|дільниця|квартал|кв|с)"
    + _WORD
    + r"([0-9]{1,3}[а-яіїєґa-z]?|[а-яіїєґa-z])\b",
    re.IGNORECASE,
)
_ROW = re.compile(r"(?:ряд|р)" + _WORD + r"([0-9]{1,3})\b", re.IGNORECASE)
_PLACE = re.compile(r"(?:місце|могила|м)" + _WORD + r"([0-9]{1,3})\b", re.IGNORECASE)
_BARE = re.compile(r"^\s*([0-9]{1,3})\s*[/-]\s*([0-9]{1,3})\s*$")


def parse_plot(text: str | None) -> Plot | None:
    """Read ``"ряд 2, місце 14"``, ``"р. 2 м. 14"``, ``"сектор А, ряд 3, місце 1"`` or ``"2/14"``.

    ``None`` when the text does not name both a row and a place unambiguously.
    """
    if not text or not text.strip():
        return None
    text = text.strip()
    bare = _BARE.match(text)
    if bare:
        return Plot(None, int(bare.group(1)), int(bare.group(2)))
    sectors = _SECTOR.findall(text)
    rows = _ROW.findall(_SECTOR.sub(" ", text))
    places = _PLACE.findall(_ROW.sub(" ", _SECTOR.sub(" ", text)))
    if len(rows) != 1 or len(places) != 1 or len(sectors) > 1:
        return None
    row, place = int(rows[0]), int(places[0])
    if not (1 <= row <= MAX_ROWS and 1 <= place <= MAX_PLACES):
        return None
    return Plot(sectors[0].upper() if sectors else None, row, place)


# --- Cemeteries and sectors ------------------------------------------------------------------


def _name(value: str | None, what) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise GraveError(what)
    return value


def find_cemetery(session: Session, name: str) -> Cemetery | None:
    return session.scalar(select(Cemetery).where(Cemetery.name == " ".join(name.split())))


def find_sector(session: Session, cemetery: Cemetery, name: str) -> GraveSector | None:
    return session.scalar(
        select(GraveSector).where(
            GraveSector.cemetery_id == cemetery.id, GraveSector.name == " ".join(name.split())
        )
    )


def ensure_sector(
    session: Session, cemetery_name: str, sector_name: str, rows: int = 1, places: int = 1
) -> GraveSector:
    """The named sector, made (with its cemetery) when missing, and grown to hold
    ``rows`` rows of ``places`` places: the import names graves before staff draw plans."""
    cemetery_name = _name(cemetery_name, _l("Назва кладовища не може бути порожньою."))
    sector_name = _name(sector_name, _l("Назва сектора не може бути порожньою."))
    cemetery = find_cemetery(session, cemetery_name)
    if cemetery is None:
        cemetery = Cemetery(name=cemetery_name)
        session.add(cemetery)
        session.flush()
    sector = find_sector(session, cemetery, sector_name)
    if sector is None:
        sector = GraveSector(cemetery=cemetery, name=sector_name, rows=rows, places=places)
        session.add(sector)
    sector.rows = max(sector.rows or 0, rows)
    sector.places = max(sector.places or 0, places)
    _check_size(sector.rows, sector.places)
    session.flush()
    return sector


def _check_size(rows: int, places: int) -> None:
    if not 1 <= rows <= MAX_ROWS:
        raise GraveError(_l("У секторі може бути від 1 до %(n)s рядів.", n=MAX_ROWS))
    if not 1 <= places <= MAX_PLACES:
        raise GraveError(_l("У ряду може бути від 1 до %(n)s місць.", n=MAX_PLACES))


def resize_sector(session: Session, sector: GraveSector, rows: int, places: int) -> None:
    """Change a sector's size; a grave that would fall outside it is refused by name."""
    _check_size(rows, places)
    outside = session.scalars(
        select(Grave).where(
            Grave.sector_id == sector.id,
            (Grave.row > rows) | (Grave.place > places),
            (Grave.hero_id.is_not(None)) | Grave.reserved,
        )
    ).first()
    if outside is not None:
        raise GraveError(
            _l(
                "Ряд %(row)s, місце %(place)s зайняте або зарезервоване й лишилося б поза "
                "сектором.",
                row=outside.row,
                place=outside.place,
            )
        )
    sector.rows, sector.places = rows, places
    session.flush()


def delete_sector(session: Session, sector: GraveSector) -> None:
    """Delete a sector that holds nobody: its free places (and their history) go with it."""
    taken = session.scalar(
        select(Grave).where(
            Grave.sector_id == sector.id, Grave.hero_id.is_not(None) | Grave.reserved
        )
    )
    if taken is not None:
        raise GraveError(
            _l(
                "У секторі є поховані або зарезервовані місця (ряд %(row)s, місце %(place)s): "
                "спершу перенесіть або звільніть їх.",
                row=taken.row,
                place=taken.place,
            )
        )
    for grave in session.scalars(select(Grave).where(Grave.sector_id == sector.id)):
        session.delete(grave)
    session.flush()
    session.delete(sector)
    session.flush()


# --- Graves ----------------------------------------------------------------------------------


def grave_at(
    session: Session, sector: GraveSector, row: int, place: int, code: str | None = None
) -> Grave:
    """The grave at ``row``, ``place`` of ``sector``, given a permanent code on first use
    (``code`` when it is well-formed and free)."""
    if not (1 <= row <= sector.rows):
        raise GraveError(
            _l("У секторі «%(sector)s» немає ряду %(row)s.", sector=sector.name, row=row)
        )
    if not (1 <= place <= sector.places):
        raise GraveError(
            _l(
                "У ряду %(row)s сектора «%(sector)s» немає місця %(place)s.",
                sector=sector.name,
                row=row,
                place=place,
            )
        )
    grave = session.scalar(
        select(Grave).where(Grave.sector_id == sector.id, Grave.row == row, Grave.place == place)
    )
    if grave is None:
        code = normal_code(code or "")
        while code is None or session.scalar(select(Grave.id).where(Grave.code == code)):
            code = new_code()
        grave = Grave(sector=sector, row=row, place=place, code=code, reserved=False)
        session.add(grave)
        session.flush()
    return grave


def _event(session: Session, grave: Grave, kind: str, hero: Hero | None, user, **extra) -> None:
    session.add(
        GraveEvent(
            grave=grave,
            hero_id=hero.id if hero is not None else None,
            kind=kind,
            user_id=user.id if user is not None else None,
            **extra,
        )
    )


def link(
    session: Session,
    hero: Hero,
    sector: GraveSector,
    row: int,
    place: int,
    user: User | None = None,
    source: str = RevisionSource.EDIT,
    reason: str = "",
    code: str | None = None,
    revision: bool = True,
) -> Grave:
    """Say that ``hero`` lies at ``row``, ``place`` of ``sector``; a place held by another
    hero is refused. A hero linked elsewhere before is moved (a correction, not a reburial).

    ``code``: the code a new grave takes when it is free (an archive moved between sites
    keeps the codes its plaques carry)."""
    grave = grave_at(session, sector, row, place, code)
    if grave.hero_id == hero.id:
        return grave
    if grave.hero_id is not None:
        other = session.get(Hero, grave.hero_id)
        raise GraveError(
            _l(
                "Ряд %(row)s, місце %(place)s сектора «%(sector)s» уже зайняте: там "
                "похований %(name)s.",
                row=row,
                place=place,
                sector=sector.name,
                name=other.full_name if other else "?",
            )
        )
    with recorded(session, hero, source, user, reason) if revision else nullcontext():
        previous = hero.grave
        if previous is not None:
            previous.hero = None
            _event(session, previous, GraveEventKind.UNLINKED, hero, user, note=reason or None)
            session.flush()
        grave.reserved = False
        grave.hero = hero
        _event(session, grave, GraveEventKind.LINKED, hero, user, note=reason or None)
        session.flush()
    if user is not None:
        audit.record(session, "grave.link", user, object_type="grave", object_id=grave.id)
    return grave


def unlink(session: Session, hero: Hero, user: User | None = None, reason: str = "") -> None:
    """Forget where ``hero`` lies (a wrong link); the place becomes free."""
    grave = hero.grave
    if grave is None:
        return
    with recorded(session, hero, RevisionSource.EDIT, user, reason):
        grave.hero = None
        _event(session, grave, GraveEventKind.UNLINKED, hero, user, note=reason or None)
        session.flush()
    if user is not None:
        audit.record(session, "grave.unlink", user, object_type="grave", object_id=grave.id)


def rebury(
    session: Session,
    hero: Hero,
    destination: str,
    user: User | None = None,
    note: str = "",
    new_sector: GraveSector | None = None,
    row: int | None = None,
    place: int | None = None,
) -> None:
    """A family moved the grave: the place becomes free, the move is kept in the grave's
    history and in the hero's revisions, and the profile names the new burial place."""
    destination = " ".join((destination or "").split())
    if not destination and new_sector is None:
        raise GraveError(_l("Вкажіть, куди перепоховано."))
    old = hero.grave
    if old is None:
        raise GraveError(_l("Для цього героя не вказано могилу, тож переносити нічого."))
    with recorded(session, hero, RevisionSource.EDIT, user, note):
        old.hero = None
        session.flush()
        target = None
        if new_sector is not None and row is not None and place is not None:
            target = grave_at(session, new_sector, row, place)
            if target.hero_id is not None:
                raise GraveError(_l("Нове місце вже зайняте."))
            target.reserved = False
            target.hero = hero
            _event(session, target, GraveEventKind.LINKED, hero, user, note=note or None)
            destination = destination or describe(target)
        _event(
            session,
            old,
            GraveEventKind.REBURIED,
            hero,
            user,
            destination=destination[:500],
            note=note or None,
        )
        hero.burial_place = destination[:300]
        hero.burial_plot = (
            f"сектор {target.sector.name}, ряд {target.row}, місце {target.place}"
            if target is not None
            else None
        )
        session.flush()
    if user is not None:
        audit.record(session, "grave.rebury", user, object_type="grave", object_id=old.id)


def set_reserved(session: Session, grave: Grave, reserved: bool, user: User | None = None) -> None:
    """Hold a free place for a burial to come, or release it."""
    if reserved and grave.hero_id is not None:
        raise GraveError(_l("Зайняте місце не можна зарезервувати."))
    if grave.reserved == reserved:
        return
    grave.reserved = reserved
    kind = GraveEventKind.RESERVED if reserved else GraveEventKind.RELEASED
    _event(session, grave, kind, None, user)
    session.flush()


def set_work(
    session: Session,
    grave: Grave,
    stage: str,
    done_on=None,
    note: str = "",
    user: User | None = None,
) -> GraveWork:
    """Record a step of the city's standard on a grave (or change its date and note)."""
    stage = MonumentStage(stage)
    work = next((w for w in grave.works if w.stage == stage), None)
    if work is None:
        work = GraveWork(stage=stage)
        grave.works.append(work)
    work.done_on = done_on
    work.note = note or None
    _event(session, grave, GraveEventKind.WORK, None, user, note=f"{stage.value} {done_on or ''}")
    session.flush()
    return work


def stage_reached(grave: Grave) -> MonumentStage | None:
    """The furthest step of the standard done on the grave (with a date)."""
    done = {w.stage for w in grave.works if w.done_on is not None}
    reached = None
    for stage in MonumentStage:
        if stage in done:
            reached = stage
    return reached


def grave_path(code: str) -> str:
    """The permanent address of a grave on the site (what its QR code carries)."""
    return f"/g/{code}"


def grave_url(code: str, base_url: str = "") -> str:
    """The permanent address of a grave, absolute when the site's address is known."""
    return base_url.rstrip("/") + grave_path(code)


def describe(grave: Grave) -> str:
    """Where a grave is, in words: cemetery, sector, row and place."""
    sector = grave.sector
    return f"{sector.cemetery.name}, сектор {sector.name}, ряд {grave.row}, місце {grave.place}"


def place_from_record(session: Session, hero: Hero, grave: dict | None) -> None:
    """Link ``hero`` to the grave an archive record names (sectors are made as needed);
    ``None`` unlinks. Called inside the revision the import records."""
    if grave is None:
        current = hero.grave
        if current is not None:
            current.hero = None
            _event(session, current, GraveEventKind.UNLINKED, hero, None)
            session.flush()
        return
    row, place = int(grave["row"]), int(grave["place"])
    sector = ensure_sector(session, grave["cemetery"], grave["sector"], row, place)
    link(session, hero, sector, row, place, code=grave.get("code"), revision=False)


# --- Linking the free-text plots of the archive ----------------------------------------------


@dataclass
class LinkOutcome:
    """What linking did (or, in a dry run, would do) with one hero's plot."""

    hero_id: int
    external_id: str
    name: str
    plot: str
    #: Where the hero was linked ("cemetery, sector, row, place"), else ``None``.
    linked: str | None = None
    #: Why the plot could not be linked, else ``None``.
    problem: object = None


def link_plots(
    session: Session, default_sector: str = DEFAULT_SECTOR, progress=None
) -> list[LinkOutcome]:
    """Link every hero who has a free-text plot and no grave yet to the grave it names.

    The cemetery is the hero's burial place; a plot that names no sector lies in
    ``default_sector``. A plot that cannot be read, or names a place another hero holds
    (in the archive or earlier in this run), is reported and changes nothing; the others
    are linked (flush only: the caller commits, or rolls back for a dry run).
    """
    heroes = session.scalars(
        select(Hero).where(Hero.burial_plot.is_not(None), ~Hero.grave.has()).order_by(Hero.id)
    ).all()
    taken = {
        (g.sector.cemetery.name, g.sector.name, g.row, g.place): g.hero_id
        for g in session.scalars(select(Grave).where(Grave.hero_id.is_not(None)))
    }
    names = {
        row.id: full_name(row.surname, row.given_name, row.patronymic)
        for row in _names(session, {h for h in taken.values() if h})
    }
    outcomes = []
    for hero in heroes:
        outcome = LinkOutcome(hero.id, hero.external_id, hero.full_name, hero.burial_plot or "")
        outcomes.append(outcome)
        if progress:
            progress(1)
        plot = parse_plot(hero.burial_plot)
        cemetery = " ".join((hero.burial_place or "").split())
        if plot is None:
            outcome.problem = _l("не вдалося прочитати ряд і місце")
            continue
        if not cemetery:
            outcome.problem = _l("не вказано місце поховання (кладовище)")
            continue
        sector_name = " ".join((plot.sector or default_sector).split())
        key = (cemetery, sector_name, plot.row, plot.place)
        holder = taken.get(key)
        if holder is not None:
            outcome.problem = _l(
                "ряд %(row)s, місце %(place)s уже зайняте: там похований %(name)s",
                row=plot.row,
                place=plot.place,
                name=names.get(holder, "?"),
            )
            continue
        sector = ensure_sector(session, cemetery, sector_name, plot.row, plot.place)
        grave = link(session, hero, sector, plot.row, plot.place, reason="graves link")
        taken[key] = hero.id
        names[hero.id] = hero.full_name
        outcome.linked = describe(grave)
    return outcomes


def _names(session: Session, hero_ids: set[int]):
    if not hero_ids:
        return []
    return session.execute(
        select(Hero.id, Hero.surname, Hero.given_name, Hero.patronymic).where(Hero.id.in_(hero_ids))
    ).all()
