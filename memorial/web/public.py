"""Public pages: home, the list of heroes, a hero's profile, search and photos."""

from __future__ import annotations

import datetime as dt
import mimetypes
import re
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import book, browse, candles, interviews, media, provenance
from ..clock import today_in_kyiv
from ..dates import day_key
from ..extensions import csrf, db, limiter
from ..language import UKRAINIAN_ALPHABET
from ..models import (
    Hero,
    HeroCollection,
    Interview,
    InterviewStatus,
    InterviewVisibility,
    Photo,
    field_shown,
    published_heroes,
)
from ..records import public_view
from . import pagecache
from .edge import MAX_ID
from .finder import (
    BadSearch,
    active_filters,
    facet_choices,
    find,
    parse_search_args,
    value_label,
)
from .pagination import Pager, page_number
from .recordings import send_interview
from .security import send_stored

bp = Blueprint("public", __name__)

#: Stored photos never change under their name, so browsers may keep them for a month.
PHOTO_MAX_AGE = 30 * 24 * 3600

_SLUG_ID = re.compile(r"^(?:[a-z0-9-]*-)?(\d{1,10})$")


def _slug_id(slug: str) -> int | None:
    """The hero id a slug (or a bare id) ends with, if it is one the database can hold."""
    match = _SLUG_ID.match(slug)
    if not match or int(match.group(1)) > MAX_ID:
        return None
    return int(match.group(1))


def demo_archive_shown() -> bool:
    """Whether the archive holds the invented demo heroes (then every page says so)."""
    cached = current_app.extensions.get("memorial.demo_shown")
    if cached is None:
        cached = bool(
            db.session.scalar(select(func.count(Hero.id)).where(Hero.external_id.like("demo-%")))
        )
        current_app.extensions["memorial.demo_shown"] = cached
    return cached


@bp.app_context_processor
def site_context():
    return {"alphabet": UKRAINIAN_ALPHABET, "demo_archive": demo_archive_shown}


@bp.get("/")
def index():
    """Home: the search box, who is remembered today, recently published heroes, counters."""
    day = today_in_kyiv()
    remembered = browse.remembered_today(day)
    day_url = url_for("public.by_day", month_day=day_key(day))
    born_url = None
    if remembered.born_total > len(remembered.born):
        # The day's page lists those who died first: send straight to the page where the born
        # begin, counted as that page counts (28 February there leaves out 29 February).
        born_page = browse.died_on_day(day) // current_app.config["HEROES_PER_PAGE"] + 1
        born_url = url_for(
            "public.by_day",
            month_day=day_key(day),
            page=born_page if born_page > 1 else None,
            _anchor="born-title",
        )
    recent = db.session.scalars(
        published_heroes()
        .order_by(Hero.published_at.desc(), Hero.id.desc())
        .limit(8)
        .options(selectinload(Hero.photos))
    ).all()
    return render_template(
        "public/index.html",
        counts=browse.counters(),
        recent=recent,
        today=day,
        died_today=remembered.died,
        born_today=remembered.born,
        died_total=remembered.died_total,
        born_total=remembered.born_total,
        day_url=day_url,
        born_url=born_url,
    )


def _page_number() -> int:
    """The ``?page=`` argument; anything but a positive number is a 404, not a 500."""
    page = page_number(request.args.get("page", "1"))
    if page is None:
        abort(404)
    return page


def _paged(query, order):
    """One page of heroes from ``query`` and its pager; 404 past the last page."""
    page = _page_number()
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pager = Pager(page, current_app.config["HEROES_PER_PAGE"], total)
    if page > pager.pages:
        abort(404)
    rows = db.session.scalars(
        query.order_by(*order)
        .offset(pager.offset)
        .limit(pager.per_page)
        .options(selectinload(Hero.photos))
    ).all()
    return rows, pager


@bp.get("/heroes/")
def heroes():
    """Every published hero, А–Я, paginated; ``?letter=`` narrows to one letter."""
    letter = (request.args.get("letter") or "").strip().upper()[:1]
    if letter and letter not in UKRAINIAN_ALPHABET:
        letter = ""
    query = published_heroes()
    if letter:
        query = query.where(Hero.index_letter == letter)
    rows, pager = _paged(query, (Hero.sort_name, Hero.id))
    letters = set(
        db.session.scalars(select(Hero.index_letter).where(Hero.is_remembered).distinct())
    )
    return render_template(
        "public/heroes.html", heroes=rows, pager=pager, letter=letter, letters_present=letters
    )


@bp.get("/heroes/year/")
def years():
    """The years of death, each with its number of heroes."""
    return render_template("public/browse_years.html", years=browse.death_years())


@bp.get("/heroes/year/<int:year>")
def by_year(year: int):
    """Heroes who died in one year, in order of the date of death."""
    query = published_heroes().where(Hero.death_year == year, field_shown("death_date"))
    rows, pager = _paged(
        query,
        (
            Hero.death_month.is_(None),
            Hero.death_month,
            Hero.death_day.is_(None),
            Hero.death_day,
            Hero.sort_name,
        ),
    )
    if not pager.total:
        abort(404)
    return render_template(
        "public/browse_list.html",
        heroes=rows,
        pager=pager,
        field="year",
        label=str(year),
        index_url=url_for("public.years"),
    )


@bp.get("/heroes/<any(unit, community, burial):field>/")
def group_index(field: str):
    """Every unit, community or burial place, each with its number of heroes."""
    return render_template("public/browse_groups.html", field=field, groups=browse.groups(field))


@bp.get("/heroes/<any(unit, community, burial):field>/<key>")
def by_group(field: str, key: str):
    """Heroes of one unit, community or burial place."""
    values = browse.group_values(field, key)
    if not values:
        abort(404)
    rows, pager = _paged(browse.group_query(field, values), (Hero.sort_name, Hero.id))
    return render_template(
        "public/browse_list.html",
        heroes=rows,
        pager=pager,
        field=field,
        label=values[0],
        index_url=url_for("public.group_index", field=field),
    )


@bp.get("/heroes/day/<month_day>")
def by_day(month_day: str):
    """Everyone remembered on a day of the year (``MM-DD``): who died on it, then who was born
    on it, paginated as one list. The day is that day only: ``02-28`` leaves out 29 February,
    which has its own page (the home page of a common year remembers both on 28 February)."""
    day = browse.parse_day_key(month_day)
    if day is None:
        abort(404)
    page = _page_number()
    died_total, born_total = browse.day_totals(day)
    pager = Pager(page, current_app.config["HEROES_PER_PAGE"], died_total + born_total)
    if page > pager.pages:
        abort(404)
    died, born = browse.day_slice(day, died_total, pager.offset, pager.per_page)
    born_page = died_total // pager.per_page + 1
    return render_template(
        "public/browse_day.html",
        day=day,
        died=died,
        born=born,
        died_total=died_total,
        born_total=born_total,
        pager=pager,
        born_page=born_page,
        previous_day=day - dt.timedelta(days=1),
        next_day=day + dt.timedelta(days=1),
    )


def load_published_hero(slug: str, collection: str | None = HeroCollection.FALLEN) -> Hero:
    """The published hero a slug (or bare id) names, or 404; of the fallen unless
    ``collection`` says otherwise (``None``: either)."""
    hero_id = _slug_id(slug)
    if hero_id is None:
        abort(404)
    hero = db.session.scalar(
        published_heroes(collection)
        .where(Hero.id == hero_id)
        .options(selectinload(Hero.awards), selectinload(Hero.stories), selectinload(Hero.photos))
    )
    if hero is None:
        abort(404)
    return hero


def _visitor() -> tuple[str, str | None]:
    """This visitor's candle key and, when they have no cookie yet, the token to give them."""
    token = request.cookies.get(candles.VISITOR_COOKIE)
    fresh = None
    if not token or len(token) > 64:
        token = fresh = candles.new_visitor_token()
    return candles.visitor_key(current_app.config["SECRET_KEY"], request.remote_addr, token), fresh


def _veteran_slug(slug: str) -> str | None:
    """The current slug of the published veteran a slug names (their page is elsewhere)."""
    hero_id = _slug_id(slug)
    if hero_id is None:
        return None
    return db.session.scalar(
        select(Hero.slug).where(
            Hero.id == hero_id, Hero.is_published, Hero.collection == HeroCollection.VETERAN
        )
    )


@bp.get("/heroes/<slug>")
def hero(slug: str):
    """A hero's profile; an old or partial slug redirects to the current one, and a living
    veteran's address leads to the veterans' page."""
    veteran = _veteran_slug(slug)
    if veteran is not None:
        return redirect(url_for("veterans.profile", slug=veteran), code=301)
    found = load_published_hero(slug)
    if slug != found.slug:
        return redirect(url_for("public.hero", slug=found.slug), code=301)
    at = request.args.get("at")
    grave = found.grave
    if at is not None and (grave is None or at != grave.code):
        # A grave's QR code came here: only the code of this hero's grave shows the notice
        # (any other value would only make copies of the page).
        return redirect(url_for("public.hero", slug=found.slug))
    if found.name_only:  # the family is not ready: the name, the dates, an empty frame
        return render_template(
            "public/hero_frame.html",
            hero=found,
            lit=_lit_today(found.id),
            candle_count=candles.candle_count(db.session, found.id),
        )
    return render_template(
        "public/hero.html",
        hero=public_view(found),
        verified=provenance.verified_facts(db.session, found.id),
        standing_at=grave if at is not None else None,
        lit=_lit_today(found.id),
        candle_count=candles.candle_count(db.session, found.id),
    )


@bp.get("/heroes/<slug>.pdf")
def hero_pdf(slug: str):
    """A hero's printable page (PDF), laid out as in the book of memory."""
    found = load_published_hero(slug)
    etag = book.hero_pdf_etag(found)
    if request.if_none_match.contains(etag):
        response = current_app.response_class(status=304)
    else:
        response = current_app.response_class(
            book.hero_pdf(db.session, found), mimetype="application/pdf"
        )
        response.headers["Content-Disposition"] = f'inline; filename="{found.slug}.pdf"'
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


def _lit_today(hero_id: int) -> bool:
    """Whether this visitor (known by their cookie) lit a candle for the hero today."""
    if not request.cookies.get(candles.VISITOR_COOKIE):  # most visitors: no query at all
        return False
    key, fresh = _visitor()
    return not fresh and candles.lit_today(db.session, hero_id, key, today_in_kyiv())


@pagecache.varies_by("public.hero")
def _candle_variant(slug: str) -> str:
    """A visitor who lit a candle for this hero today sees a thank-you instead of the button."""
    hero_id = _slug_id(slug)
    return "lit" if hero_id is not None and _lit_today(hero_id) else ""


def _sent_from_this_site() -> bool:
    """Whether the browser says this form was sent from one of our own pages.

    The candle form carries no session token, so that profiles can be served to every
    visitor from the page cache; browsers name where a POST comes from instead (Fetch
    metadata, else ``Origin``). A browser old enough to send neither is let through: the
    one-a-day rule and the rate limit still hold.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site:
        return site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc == request.host
    return not origin


@bp.post("/heroes/<slug>/candle")
@csrf.exempt
@limiter.limit("30 per hour")
def light_candle(slug: str):
    """Light a candle for a hero (one per visitor a day), then go back to the profile."""
    if not _sent_from_this_site():
        abort(400)
    found = load_published_hero(slug)
    key, fresh = _visitor()
    if candles.light_candle(db.session, found, key, today_in_kyiv()):
        db.session.commit()
        flash(_("Дякуємо. Ви запалили свічку пам'яті."), "success")
    else:
        db.session.rollback()
        flash(_("Сьогодні ви вже запалили свічку для цієї людини. Завтра можна знову."), "info")
    response = redirect(url_for("public.hero", slug=found.slug, _anchor="candle"), code=303)
    if fresh:
        response.set_cookie(
            candles.VISITOR_COOKIE,
            fresh,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


@bp.get("/search")
def search_page():
    """Search form and results; works without JavaScript."""
    error = None
    page = found = req = None
    try:
        req = parse_search_args(request.args)
        req.facets = True
        if req.q.strip() or req.filters or req.death_year or req.birth_year or req.letter:
            page, found = find(req)
    except BadSearch as exc:
        error = str(exc)
    pager = Pager(req.page, req.per_page, page.total) if page and req else None
    status = 400 if error else 200
    return render_template(
        "public/search.html",
        req=req,
        page=page,
        found=found,
        pager=pager,
        error=error,
        facet_choices=facet_choices,
        active_filters=active_filters,
        value_label=value_label,
    ), status


def _published_photo(file_path: str) -> Photo:
    """A photo that belongs to a published hero, or 404 (pending files are never public)."""
    photo = db.session.scalar(
        select(Photo)
        .join(Hero)
        .where(
            Photo.file_path == file_path,
            Hero.is_published,
            Hero.name_only.is_(False),
            Photo.hidden.is_(False),
        )
    )
    if photo is None:
        abort(404)
    return photo


@bp.get("/media/<path:file_path>")
def photo(file_path: str):
    """A stored photo of a published hero, served with a safe type."""
    row = _published_photo(file_path)
    data_dir = current_app.config["DATA_DIR"]
    try:
        path = media.safe_path(data_dir, row.file_path)
    except media.MediaError:
        abort(404)
    if not path.is_file():
        abort(404)
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if mimetype not in ("image/jpeg", "image/png", "image/webp"):
        abort(404)
    return send_stored(path, mimetype, PHOTO_MAX_AGE)


@bp.app_template_global()
def interviews_shown(hero) -> list[tuple[Interview, list, str]]:
    """The hero's public interviews for a page: each with its transcript lines and the URL
    of its web file (the ``templates/public/_interviews.html`` partial lists them)."""
    shown = []
    for row in interviews.public_interviews(hero):
        try:
            lines = interviews.parse_transcript(row.transcript, row.duration)
        except interviews.InterviewError:  # checked when saved; a stray line stays plain
            lines = [interviews.TranscriptLine(None, row.transcript)]
        url = url_for("public.interview_file", name=row.file_path.split("/", 1)[1])
        shown.append((row, lines, url))
    return shown


@bp.get("/media/interviews/<path:name>")
def interview_file(name: str):
    """A public, converted interview of a published hero; range requests let a phone seek."""
    row = db.session.scalar(
        select(Interview)
        .join(Hero, Interview.hero_id == Hero.id)
        .where(
            Interview.file_path == f"{interviews.INTERVIEWS_DIR}/{name}",
            Interview.status == InterviewStatus.READY,
            Interview.visibility == InterviewVisibility.PUBLIC,
            Hero.is_published,
            Hero.name_only.is_(False),
        )
    )
    if row is None:
        abort(404)
    return send_interview(row, max_age=30 * 24 * 3600)


@bp.get("/media/thumb/<int:side>/<path:file_path>")
def thumbnail(side: int, file_path: str):
    """A JPEG thumbnail of a stored photo of a published hero."""
    if side not in media.THUMB_SIDES:
        abort(404)
    row = _published_photo(file_path)
    try:
        path = media.ensure_thumbnail(current_app.config["DATA_DIR"], row.file_path, side)
    except (media.MediaError, FileNotFoundError, OSError):
        abort(404)
    return send_stored(path, "image/jpeg", PHOTO_MAX_AGE)
