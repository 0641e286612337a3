"""Public pages: home, the list of heroes, a hero's profile, search and photos."""

from __future__ import annotations

import mimetypes
import re

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from . import media
from .extensions import db
from .finder import BadSearch, active_filters, facet_choices, find, parse_search_args
from .language import UKRAINIAN_ALPHABET
from .models import Hero, Photo
from .pagination import Pager

bp = Blueprint("public", __name__)

_SLUG_ID = re.compile(r"^(?:[a-z0-9-]*-)?(\d+)$")


def published():
    """A select of published heroes."""
    return select(Hero).where(Hero.status == "published")


def demo_archive_shown() -> bool:
    """Whether the archive holds the invented demo heroes (then every page says so)."""
    cached = current_app.extensions.get("memorial.demo_shown")
    if cached is None:
        cached = bool(db.session.scalar(
            select(func.count(Hero.id)).where(Hero.external_id.like("demo-%"))))
        current_app.extensions["memorial.demo_shown"] = cached
    return cached


@bp.app_context_processor
def site_context():
    return {"alphabet": UKRAINIAN_ALPHABET, "demo_archive": demo_archive_shown}


@bp.get("/")
def index():
    """Home: what the archive is, the search box, recently published heroes, the count."""
    total = db.session.scalar(select(func.count(Hero.id)).where(Hero.status == "published"))
    recent = db.session.scalars(
        published().order_by(Hero.published_at.desc(), Hero.id.desc()).limit(8)
        .options(selectinload(Hero.photos))
    ).all()
    return render_template("index.html", total=total, recent=recent)


@bp.get("/heroes/")
def heroes():
    """Every published hero, А–Я, paginated; ``?letter=`` narrows to one letter."""
    letter = (request.args.get("letter") or "").strip().upper()[:1]
    if letter and letter not in UKRAINIAN_ALPHABET:
        letter = ""
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    query = published()
    if letter:
        query = query.where(Hero.index_letter == letter)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pager = Pager(page, current_app.config["HEROES_PER_PAGE"], total or 0)
    if page > pager.pages:
        abort(404)
    rows = db.session.scalars(
        query.order_by(Hero.sort_name, Hero.id).offset(pager.offset).limit(pager.per_page)
        .options(selectinload(Hero.photos))
    ).all()
    letters = set(db.session.scalars(
        select(Hero.index_letter).where(Hero.status == "published").distinct()))
    return render_template("heroes.html", heroes=rows, pager=pager, letter=letter,
                           letters_present=letters)


def load_published_hero(slug: str) -> Hero:
    """The published hero a slug (or bare id) names, or 404."""
    match = _SLUG_ID.match(slug)
    if not match:
        abort(404)
    hero = db.session.scalar(
        published().where(Hero.id == int(match.group(1)))
        .options(selectinload(Hero.awards), selectinload(Hero.stories),
                 selectinload(Hero.photos)))
    if hero is None:
        abort(404)
    return hero


@bp.get("/heroes/<slug>")
def hero(slug: str):
    """A hero's profile; an old or partial slug redirects to the current one."""
    found = load_published_hero(slug)
    if slug != found.slug:
        return redirect(url_for("public.hero", slug=found.slug), code=301)
    return render_template("hero.html", hero=found)


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
    return render_template("search.html", req=req, page=page, found=found, pager=pager,
                           error=error, facet_choices=facet_choices,
                           active_filters=active_filters), status


def _published_photo(file_path: str) -> Photo:
    """A photo that belongs to a published hero, or 404 (pending files are never public)."""
    photo = db.session.scalar(
        select(Photo).join(Hero).where(Photo.file_path == file_path, Hero.status == "published"))
    if photo is None:
        abort(404)
    return photo


def _send(path, mimetype: str):
    response = send_file(path, mimetype=mimetype, max_age=30 * 24 * 3600, conditional=True)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = "inline"
    return response


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
    return _send(path, mimetype)


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
    return _send(path, "image/jpeg")
