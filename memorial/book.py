"""The book of memory: print-ready volumes of the published fallen, and one hero's page.

A volume is chosen by the date of death (a range or a year), ordered by death or by name,
laid out by the Jinja templates in ``templates/book/`` and printed by WeasyPrint as an
archival, tagged PDF (PDF/A-3a) with the Literata font embedded. Every build is recorded as a
:class:`~memorial.models.BookEdition`: its parameters, each hero with the revision that went in,
the foreword's saved text and the file's SHA-256, so a volume can be built again from its
record and proofread against what changed since.

What a hero's page may show is decided by the rules that already exist: the consents
(:func:`consent.book_allowed`, :func:`consent.book_items`), the empty frame
(:func:`provenance.memorial_line_only`) and what the family hid (:mod:`memorial.records`).
A hero the book may not print in full gets one memorial line: the name and the dates.

Like the rest of the domain, functions flush and never commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from . import consent, jobs, media, provenance
from .dates import PartialDate, age_at_death
from .language import full_name
from .models import (
    BookEdition,
    BookForeword,
    Hero,
    JobStatus,
    Revision,
    Submission,
    SubmissionPhoto,
    User,
    published_heroes,
)
from .records import RECORD_LOADS, snapshot

#: Page sizes (mm) a printing house takes; the portrait's printed width on each.
SIZES = {"A4": (210, 297), "A5": (148, 210), "B5": (176, 250)}
PORTRAIT_WIDTH_MM = {"A4": 60, "A5": 42, "B5": 50}
ORDERS = ("death", "name")
#: Photos are placed at up to this resolution for their printed size, never more.
PRINT_DPI = 300
#: The longest title a title page holds (in characters); longer ones are refused.
MAX_TITLE = 200
MAX_BLEED_MM = 10
#: The foreword's longest text (characters).
MAX_FOREWORD = 20000
#: The PDF flavour: archival (PDF/A-3) and accessible (level A: tagged, with structure).
PDF_VARIANT = "pdf/a-3a"

Progress = Callable[[int, int, str], None]


class BookError(ValueError):
    """Parameters a volume cannot be built with; ``str()`` is the message for the person."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class BookParams:
    """What a volume covers and how it looks."""

    title: str
    died_from: dt.date | None = None
    died_to: dt.date | None = None
    order: str = "death"
    size: str = "A5"
    bleed_mm: float = 0.0
    marks: bool = False

    def to_json(self) -> dict:
        """The parameters as an edition records them."""
        out = dataclasses.asdict(self)
        out["died_from"] = self.died_from.isoformat() if self.died_from else None
        out["died_to"] = self.died_to.isoformat() if self.died_to else None
        return out

    @classmethod
    def from_json(cls, data: dict) -> BookParams:
        """The parameters an edition recorded."""
        values = dict(data)
        for name in ("died_from", "died_to"):
            values[name] = dt.date.fromisoformat(values[name]) if values.get(name) else None
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


def default_title(died_from: dt.date | None, died_to: dt.date | None) -> str:
    """The title a volume gets when none is given."""
    if died_from and died_to and died_from.year == died_to.year:
        return str(_l("Книга пам'яті: %(year)s", year=died_from.year))
    if died_from or died_to:
        span = f"{died_from.year if died_from else '…'}–{died_to.year if died_to else '…'}"
        return str(_l("Книга пам'яті: %(years)s", years=span))
    return str(_l("Книга пам'яті"))


def _date(text, what, field_name: str) -> dt.date | None:
    text = str(text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BookError(
            _l("%(what)s: дата має бути у вигляді РРРР-ММ-ДД, наприклад 2024-12-31.", what=what),
            field_name,
        ) from None


def parse_params(
    *,
    title: str | None = None,
    died_from=None,
    died_to=None,
    year=None,
    order: str | None = None,
    size: str | None = None,
    bleed=None,
    marks: bool = False,
) -> BookParams:
    """Check a volume's parameters as typed (form or command line); a :class:`BookError`
    names the first problem."""
    start = _date(died_from, _l("Загинули від"), "died_from")
    end = _date(died_to, _l("Загинули до"), "died_to")
    year_text = str(year or "").strip()
    if year_text:
        if not re.fullmatch(r"\d{4}", year_text) or not 1900 <= int(year_text) <= 2999:
            raise BookError(_l("Рік має бути чотирма цифрами, наприклад 2025."), "year")
        if start or end:
            raise BookError(_l("Вкажіть або рік, або проміжок дат, не обидва."), "year")
        start, end = dt.date(int(year_text), 1, 1), dt.date(int(year_text), 12, 31)
    if start and end and start > end:
        raise BookError(
            _l("Початок проміжку (%(start)s) пізніший за кінець (%(end)s).", start=start, end=end),
            "died_from",
        )
    order = (order or "death").strip().lower()
    if order not in ORDERS:
        raise BookError(_l("Порядок може бути лише death (за датою) або name (за ім'ям)."), "order")
    size = (size or "A5").strip().upper()
    if size not in SIZES:
        raise BookError(
            _l("Невідомий формат «%(size)s»: можна A4, A5 або B5.", size=size[:20]), "size"
        )
    bleed_mm = _bleed(bleed)
    title = " ".join(str(title or "").split())
    if len(title) > MAX_TITLE:
        raise BookError(
            _l(
                "Назва задовга (%(length)s знаків): на титульній сторінці вміщується до "
                "%(max)s. Скоротіть її.",
                length=len(title),
                max=MAX_TITLE,
            ),
            "title",
        )
    return BookParams(
        title=title or default_title(start, end),
        died_from=start,
        died_to=end,
        order=order,
        size=size,
        bleed_mm=bleed_mm,
        marks=bool(marks),
    )


def _bleed(value) -> float:
    text = str(value or "").strip().lower().removesuffix("mm").strip().replace(",", ".")
    if not text:
        return 0.0
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not 0 <= number <= MAX_BLEED_MM:
        raise BookError(
            _l("Виліт має бути від 0 до %(max)s мм, наприклад 3mm.", max=MAX_BLEED_MM), "bleed"
        )
    return number


# --- Which heroes ----------------------------------------------------------------------------


def _death_bounds():
    """SQL: the first and the last day a hero's (perhaps partial) date of death may be, as
    ``YYYYMMDD`` numbers: a year alone covers the whole year."""
    y, m, d = Hero.death_year, Hero.death_month, Hero.death_day
    low = y * 10000 + func.coalesce(m, 1) * 100 + func.coalesce(d, 1)
    high = y * 10000 + func.coalesce(m, 12) * 100 + func.coalesce(d, 31)
    return low, high


def _key(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _selection(params: BookParams):
    """SQL: the published fallen whose death falls in the volume's range."""
    query = published_heroes()  # the fallen only: veterans are not in the book of memory
    if params.died_from or params.died_to:
        low, high = _death_bounds()
        conditions = [Hero.death_year.is_not(None)]
        if params.died_from:
            conditions.append(high >= _key(params.died_from))
        if params.died_to:
            conditions.append(low <= _key(params.died_to))
        query = query.where(and_(*conditions))
    return query


def count_heroes(session: Session, params: BookParams) -> int:
    """How many heroes a volume with these parameters holds."""
    return session.scalar(select(func.count()).select_from(_selection(params).subquery())) or 0


def select_heroes(session: Session, params: BookParams) -> list[Hero]:
    """The published fallen whose death falls in the volume's range, in book order."""
    query = _selection(params).options(*RECORD_LOADS)
    if params.order == "name":
        query = query.order_by(Hero.sort_name, Hero.id)
    else:
        query = query.order_by(
            Hero.death_year.is_(None),
            Hero.death_year,
            func.coalesce(Hero.death_month, 0),
            func.coalesce(Hero.death_day, 0),
            Hero.sort_name,
            Hero.id,
        )
    return list(session.scalars(query))


def latest_revisions(session: Session, hero_ids: Iterable[int]) -> dict[int, int]:
    """The newest revision id of each hero (heroes never revised are absent)."""
    ids = list(hero_ids)
    out: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(
            select(Revision.hero_id, func.max(Revision.id))
            .where(Revision.hero_id.in_(chunk))
            .group_by(Revision.hero_id)
        )
        out.update({hero_id: rev_id for hero_id, rev_id in rows})
    return out


# --- A hero's page, from its record ----------------------------------------------------------


@dataclass
class PageProblem:
    """Something a build could not print as it should (the page was still made)."""

    hero_id: int
    name: str
    what: str

    def __str__(self) -> str:
        return f"{self.name} (#{self.hero_id}): {self.what}"


@dataclass
class Placed:
    """What went into a volume, and what went wrong on the way."""

    entries: list = field(default_factory=list)
    problems: list[PageProblem] = field(default_factory=list)
    heroes: list[dict] = field(default_factory=list)


def _dates(record: dict) -> tuple[PartialDate | None, PartialDate | None]:
    return PartialDate.parse(record.get("birth_date")), PartialDate.parse(record.get("death_date"))


def memorial_line(hero_id: int, record: dict) -> SimpleNamespace:
    """The one line a hero gets whose full page the book may not print: name and dates."""
    birth, death = _dates(record)
    shown = SimpleNamespace(
        full_name=full_name(record["surname"], record["given_name"], record.get("patronymic")),
        birth_date=birth,
        death_date=death,
    )
    return SimpleNamespace(
        id=hero_id,
        anchor=f"hero-{hero_id}",
        line_only=True,
        full_name=shown.full_name,
        sort_name=shown.full_name,
        line=provenance.memorial_line_only(shown),  # type: ignore[arg-type]
        birth_date=birth,
        death_date=death,
        military_unit=None,
    )


def hero_entry(
    hero_id: int,
    record: dict,
    extra_stories: list[dict],
    extra_photos: list[dict],
    portrait_file: Callable[[dict], str | None],
) -> SimpleNamespace:
    """A hero's full page, from a record in the revisions' format: what the family hid is
    left out, as on the site (a sensitive photo is never the printed portrait)."""
    hidden = set(record.get("hidden_fields") or ())
    value = {name: (None if name in hidden else record.get(name)) for name in record}
    birth, death = _dates(value)
    stories = [s for s in record.get("stories") or [] if not s.get("hidden")] + extra_stories
    photos = [p for p in record.get("photos") or [] if not p.get("hidden")]
    candidates = [p for p in photos if not p.get("sensitive")] + extra_photos
    chosen = next((p for p in candidates if p.get("primary")), None) or (
        candidates[0] if candidates else None
    )
    name = full_name(record["surname"], record["given_name"], value.get("patronymic"))
    portrait = None
    if chosen is not None:
        src = portrait_file(chosen)
        if src:
            portrait = SimpleNamespace(
                src=src,
                alt=chosen.get("caption") or str(_l("Портрет: %(name)s", name=name)),
                caption=chosen.get("caption"),
            )
    grave = record.get("grave")
    return SimpleNamespace(
        id=hero_id,
        anchor=f"hero-{hero_id}",
        line_only=False,
        full_name=name,
        call_sign=value.get("call_sign"),
        birth_date=birth,
        death_date=death,
        age=age_at_death(birth, death),
        birth_place=value.get("birth_place"),
        death_place=value.get("death_place"),
        rank=value.get("rank"),
        position=value.get("position"),
        military_unit=value.get("military_unit"),
        home_community=value.get("home_community"),
        death_circumstances=value.get("death_circumstances"),
        awards=[
            SimpleNamespace(
                name=a["name"],
                posthumous=a.get("posthumous"),
                date=PartialDate.parse(a.get("date")),
            )
            for a in record.get("awards") or []
        ],
        biography=value.get("biography"),
        stories=[
            SimpleNamespace(
                title=s.get("title") or "",
                body=s.get("body") or "",
                author_name=s.get("author_name") or "",
                author_relation=s.get("author_relation") or "",
                date=PartialDate.parse(s.get("date")),
            )
            for s in stories
        ],
        grave=grave if "burial_place" not in hidden else None,
        burial_place=value.get("burial_place"),
        burial_plot=value.get("burial_plot"),
        portrait=portrait,
    )


def _book_only_items(session: Session, submissions: list[Submission]):
    """Stories and photos of submissions consented for the book only, as record entries."""
    stories, photos = [], []
    for sub in submissions:
        payload = sub.payload or {}
        if payload.get("body"):
            stories.append(
                {
                    "title": payload.get("title") or "",
                    "body": payload["body"],
                    "author_name": sub.submitter_name,
                    "author_relation": sub.submitter_relation,
                    "date": None,
                }
            )
        for photo in session.scalars(
            select(SubmissionPhoto)
            .where(SubmissionPhoto.submission_id == sub.id)
            .order_by(SubmissionPhoto.position, SubmissionPhoto.id)
        ):
            photos.append({"file": photo.file_path, "caption": photo.caption, "primary": False})
    return stories, photos


class PhotoPlacer:
    """Stored originals scaled down to their printed size at 300 dpi, in a folder of its own
    (never upscaled; an unreadable photo is reported and left out)."""

    def __init__(self, data_dir: str, folder: Path, size: str) -> None:
        self.data_dir = data_dir
        self.folder = folder
        width_mm = PORTRAIT_WIDTH_MM[size]
        self.max_width = round(width_mm / 25.4 * PRINT_DPI)
        self.max_height = round(width_mm * 1.4 / 25.4 * PRINT_DPI)
        self.count = 0

    def place(self, relative: str) -> Path:
        """A print-ready copy of a stored photo; raises ``OSError``/``ValueError`` when the
        original cannot be read."""
        from PIL import Image, ImageOps

        source = media.safe_path(self.data_dir, relative)
        with Image.open(source) as opened:
            # Grey, so the printed page is what the proof shows on a black-and-white press.
            image = ImageOps.exif_transpose(opened).convert("L")
            image.thumbnail((self.max_width, self.max_height), Image.Resampling.LANCZOS)
            self.count += 1
            target = self.folder / f"photo-{self.count}.jpg"
            image.save(target, "JPEG", quality=88, dpi=(PRINT_DPI, PRINT_DPI))
        return target


def place_heroes(
    session: Session,
    heroes: list[Hero],
    placer: PhotoPlacer,
    progress: Progress | None = None,
    recorded: list[dict] | None = None,
    site: bool = False,
) -> Placed:
    """Every hero's page (or memorial line) of a volume.

    With ``site`` (the printable page of the public profile), the page shows what the site
    shows: no item consented for the book only, a memorial line only for an empty frame.

    With ``recorded`` (an edition's hero list), each hero is printed from the revision the
    edition recorded, with the same choice of page or line and the same book-only items, so
    the rebuilt volume says what the first said."""
    placed = Placed()
    by_id = {h.id: h for h in heroes}
    plan: list[dict[str, Any]]
    if recorded is None:
        revisions = latest_revisions(session, by_id)
        plan = [
            {"id": h.id, "revision": revisions.get(h.id), "line": None, "items": None}
            for h in heroes
        ]
    else:
        plan = [dict(r) for r in recorded]
    revision_after = _revision_records(session, [p["revision"] for p in plan if recorded])
    total = len(plan)
    for number, item in enumerate(plan, start=1):
        hero = by_id.get(item["id"]) or session.get(Hero, item["id"])
        if hero is None:
            continue
        record = revision_after.get(item["revision"]) if recorded else None
        if record is None:
            record = snapshot(hero)
        if item["line"] is None:
            item["line"] = bool(record.get("name_only")) or (
                not site and not consent.book_allowed(hero, session)
            )
        if item["items"] is None:
            item["items"] = (
                [] if item["line"] or site else [s.id for s in consent.book_items(session, hero)]
            )
        if item["line"]:
            placed.entries.append(memorial_line(hero.id, record))
        else:
            subs = [s for s in (session.get(Submission, i) for i in item["items"]) if s]
            extra_stories, extra_photos = _book_only_items(session, subs)
            name = full_name(record["surname"], record["given_name"], record.get("patronymic"))

            def portrait_file(photo: dict, hero_id=hero.id, name=name) -> str | None:
                try:
                    return placer.place(photo["file"]).as_uri()
                except (OSError, ValueError, media.MediaError) as exc:
                    placed.problems.append(
                        PageProblem(hero_id, name, f"{photo['file']}: {_short(exc)}")
                    )
                    return None

            placed.entries.append(
                hero_entry(hero.id, record, extra_stories, extra_photos, portrait_file)
            )
        placed.heroes.append(item)
        if progress:
            progress(number, total, placed.entries[-1].full_name)
    return placed


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


def _revision_records(session: Session, ids: list[int | None]) -> dict[int, dict]:
    wanted = [i for i in ids if i is not None]
    out: dict[int, dict] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for rev in session.scalars(select(Revision).where(Revision.id.in_(chunk))):
            out[rev.id] = rev.after
    return out


# --- Layout and printing ---------------------------------------------------------------------


def _index_of_names(entries) -> list:
    from .language import name_sort_key

    return sorted(entries, key=lambda e: (name_sort_key(e.full_name, "", None), e.id))


def _index_of_units(entries) -> list[tuple[str, list]]:
    from .language import name_sort_key

    units: dict[str, list] = {}
    for entry in entries:
        if entry.military_unit:
            units.setdefault(entry.military_unit.strip(), []).append(entry)
    return sorted(units.items(), key=lambda item: name_sort_key(item[0], "", None))


def render_html(params: BookParams, entries: list, foreword: str = "", single: bool = False) -> str:
    """The volume (or, with ``single``, one hero's page) as HTML for the printer."""
    static = Path(current_app.static_folder or "static").resolve()
    width, height = SIZES[params.size]
    with force_locale("uk"):
        return render_template(
            "book/single.html" if single else "book/volume.html",
            params=params,
            entries=entries,
            heroes=[e for e in entries if not e.line_only],
            foreword=foreword,
            names=_index_of_names(entries),
            units=_index_of_units(entries),
            page_width=width,
            page_height=height,
            portrait_width=PORTRAIT_WIDTH_MM[params.size],
            css=(static / "css" / "book.css").as_uri(),
            fonts=(static / "fonts").as_uri(),
            made_on=dt.date.today(),
        )


def write_pdf(html: str, target) -> int:
    """Print the HTML as an archival, tagged PDF with the fonts embedded; the page count."""
    from weasyprint import HTML

    # The files go to printers and archives: nothing of this machine in the metadata.
    options = {"pdf_variant": PDF_VARIANT, "pdf_tags": True, "custom_metadata": False}
    html_document = HTML(string=html, base_url=str(Path(current_app.root_path).parent))
    document = html_document.render(**options)
    document.write_pdf(target, **options)
    return len(document.pages)


@dataclass
class Built:
    """A volume written to a file."""

    path: Path
    sha256: str
    size_bytes: int
    pages: int
    heroes: list[dict]
    problems: list[PageProblem]


def _file_facts(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest(), path.stat().st_size


def current_foreword(session: Session) -> BookForeword | None:
    """The foreword's newest saved text."""
    return session.scalar(select(BookForeword).order_by(BookForeword.id.desc()).limit(1))


def save_foreword(session: Session, text: str, user: User | None) -> BookForeword:
    """Save a new text of the foreword (older ones stay: editions name theirs)."""
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_FOREWORD:
        raise BookError(_l("Передмова задовга: до %(max)s знаків.", max=MAX_FOREWORD), "foreword")
    row = BookForeword(text=text, created_by_id=user.id if user else None)
    session.add(row)
    session.flush()
    return row


def build(
    session: Session,
    params: BookParams,
    out: Path,
    progress: Progress | None = None,
    edition: BookEdition | None = None,
) -> Built:
    """Build a volume into ``out``; with ``edition`` (one recorded earlier), from its record.

    Raises :class:`BookError` and writes nothing when no hero falls in the range."""
    recorded = edition.heroes if edition is not None else None
    if recorded is not None:
        heroes = list(
            session.scalars(
                select(Hero).where(Hero.id.in_([r["id"] for r in recorded])).options(*RECORD_LOADS)
            )
        )
        foreword_row = edition.foreword if edition is not None else None
    else:
        heroes = select_heroes(session, params)
        foreword_row = current_foreword(session)
    if not heroes:
        raise BookError(_l("У цьому проміжку немає жодного опублікованого героя."), "died_from")
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="memorial-book-") as folder:
        placer = PhotoPlacer(current_app.config["DATA_DIR"], Path(folder), params.size)
        placed = place_heroes(session, heroes, placer, progress, recorded)
        if progress:
            progress(len(heroes), len(heroes), str(_l("Верстка сторінок")))
        html = render_html(params, placed.entries, foreword_row.text if foreword_row else "")
        partial = out.with_name(f".{out.name}.part")
        try:
            pages = write_pdf(html, partial)
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
    sha, size = _file_facts(out)
    return Built(out, sha, size, pages, placed.heroes, placed.problems)


#: Changed whenever the layout changes, so the printable pages' ETags change with it.
LAYOUT_VERSION = "1"


def hero_pdf_etag(hero: Hero) -> str:
    """The version of a hero's printable page: it changes when the record or layout does."""
    digest = hashlib.sha256(LAYOUT_VERSION.encode())
    digest.update(json.dumps(snapshot(hero), sort_keys=True, default=str).encode())
    return digest.hexdigest()[:32]


def hero_pdf(session: Session, hero: Hero, size: str = "A4") -> bytes:
    """One published hero's printable page, laid out as in the book."""
    params = BookParams(title=hero.full_name, size=size)
    with tempfile.TemporaryDirectory(prefix="memorial-page-") as folder:
        placer = PhotoPlacer(current_app.config["DATA_DIR"], Path(folder), size)
        placed = place_heroes(session, [hero], placer, site=True)
        html = render_html(params, placed.entries, single=True)
        from weasyprint import HTML

        return HTML(string=html, base_url=str(Path(current_app.root_path).parent)).write_pdf(
            pdf_variant=PDF_VARIANT, pdf_tags=True, custom_metadata=False
        )


# --- Editions --------------------------------------------------------------------------------


def editions_folder() -> Path:
    """Where built volumes are kept: ``book/`` in the data folder (the instance folder
    unless ``MEMORIAL_DATA_DIR`` says otherwise)."""
    folder = Path(current_app.config["DATA_DIR"]) / "book"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_edition(
    session: Session,
    params: BookParams,
    user: User | None = None,
    rebuilt_from: BookEdition | None = None,
) -> BookEdition:
    """Record a volume about to be built (status queued)."""
    edition = BookEdition(
        params=params.to_json(),
        heroes=[],
        problems=[],
        status=JobStatus.QUEUED,
        created_by_id=user.id if user else None,
        rebuilt_from_id=rebuilt_from.id if rebuilt_from else None,
    )
    session.add(edition)
    session.flush()
    return edition


def build_edition(
    session: Session, edition: BookEdition, progress: Progress | None = None
) -> Built:
    """Build a recorded edition's file under the instance folder and fill in its record."""
    params = BookParams.from_json(edition.params)
    source = session.get(BookEdition, edition.rebuilt_from_id) if edition.rebuilt_from_id else None
    target = editions_folder() / f"edition-{edition.id}.pdf"
    if edition.status != JobStatus.RUNNING:
        edition.status = JobStatus.RUNNING
    try:
        built = build(session, params, target, progress, edition=source)
    except BookError:
        edition.status = JobStatus.FAILED
        session.flush()
        raise
    if source is None:
        foreword = current_foreword(session)
        edition.foreword_id = foreword.id if foreword else None
    else:
        edition.foreword_id = source.foreword_id
    edition.heroes = built.heroes
    edition.problems = [str(p) for p in built.problems]
    edition.file_path = str(target.relative_to(Path(current_app.config["DATA_DIR"])))
    edition.sha256 = built.sha256
    edition.size_bytes = built.size_bytes
    edition.pages = built.pages
    edition.status = JobStatus.DONE
    session.flush()
    return built


def edition_file(edition: BookEdition) -> Path | None:
    """The edition's file, when it was built and is still there."""
    if not edition.file_path:
        return None
    path = Path(current_app.config["DATA_DIR"]) / edition.file_path
    return path if path.is_file() else None


def editions(session: Session, limit: int = 100) -> list[BookEdition]:
    """The newest editions first."""
    return list(session.scalars(select(BookEdition).order_by(BookEdition.id.desc()).limit(limit)))


@dataclass
class Changes:
    """What changed in the archive for a volume since an edition was built."""

    added: list[Hero]
    removed: list[tuple[int, str]]
    edited: list[Hero]

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.edited)


def changes_since(session: Session, edition: BookEdition) -> Changes:
    """Heroes a volume with the edition's parameters would now add, drop or print changed
    (a newer revision, or a changed choice between page and memorial line)."""
    params = BookParams.from_json(edition.params)
    now = select_heroes(session, params)
    then = {r["id"]: r for r in edition.heroes}
    revisions = latest_revisions(session, [h.id for h in now])
    added = [h for h in now if h.id not in then]
    current_ids = {h.id for h in now}
    gone_ids = [i for i in then if i not in current_ids]
    names = {h.id: h.full_name for h in session.scalars(select(Hero).where(Hero.id.in_(gone_ids)))}
    removed = [(i, names.get(i, f"#{i}")) for i in gone_ids]
    edited = []
    for hero in now:
        old = then.get(hero.id)
        if old is None:
            continue
        line = hero.name_only or not consent.book_allowed(hero, session)
        if revisions.get(hero.id) != old.get("revision") or line != old.get("line"):
            edited.append(hero)
    return Changes(added, removed, edited)


def edition_summary(edition: BookEdition) -> str:
    """One line about an edition for the command line."""
    return json.dumps(
        {
            "edition": edition.id,
            "heroes": len(edition.heroes or []),
            "pages": edition.pages,
            "sha256": edition.sha256,
            "file": edition.file_path,
        },
        ensure_ascii=False,
    )


@jobs.register("book.build")
def _build_job(session: Session, job, report: jobs.Report) -> dict:
    """The job that builds an edition recorded by the staff page."""
    edition = session.get(BookEdition, int(job.payload["edition"]))
    if edition is None:
        raise jobs.JobError("the edition is gone")
    edition.job_id = job.id
    edition.status = JobStatus.RUNNING
    # Committed now: the progress is written by another connection while the volume is
    # built, and SQLite lets only one of them write at a time.
    session.commit()

    def progress(done: int, total: int, what: str) -> None:
        report(done * 90 // max(total, 1), what)

    try:
        built = build_edition(session, edition, progress)
    except BookError as exc:
        edition.status = JobStatus.FAILED
        session.commit()
        raise jobs.JobError(str(exc)) from None
    return {"edition": edition.id, "pages": built.pages, "problems": len(built.problems)}
