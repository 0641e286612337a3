"""The living veterans' collection, a way into the archive of its own: the list, a veteran's
page, and the private withdrawal by code or link (no account needed)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from .. import veterans
from ..extensions import db, limiter
from ..language import UKRAINIAN_ALPHABET
from ..models import Hero, HeroCollection, StoryChapter, published_heroes
from ..records import public_view
from .pagination import Pager, page_number

bp = Blueprint("veterans", __name__, url_prefix="/veterans")


def _withdraw_limit() -> str:
    return current_app.config["WITHDRAW_RATE_LIMIT"]


def profile_url(hero, **kwargs) -> str:
    """The public page of a person: the memorial's for the fallen, ``/veterans/`` for a
    veteran."""
    if hero.collection == HeroCollection.VETERAN:
        return url_for("veterans.profile", slug=hero.slug, **kwargs)
    return url_for("public.hero", slug=hero.slug, **kwargs)


def chapter_labels() -> dict[str, str]:
    """The chapters of a veteran's story, in the interface language, in the order of a life."""
    return {
        StoryChapter.BEFORE: _("До війни"),
        StoryChapter.DURING: _("На війні"),
        StoryChapter.AFTER: _("Після"),
    }


def _slug_id(slug: str) -> int | None:
    from .public import _slug_id as slug_id

    return slug_id(slug)


@bp.get("/")
def index():
    """Every published veteran, А–Я, paginated; ``?letter=`` narrows to one letter."""
    letter = (request.args.get("letter") or "").strip().upper()[:1]
    if letter and letter not in UKRAINIAN_ALPHABET:
        letter = ""
    query = published_heroes(HeroCollection.VETERAN)
    if letter:
        query = query.where(Hero.index_letter == letter)
    page = page_number(request.args.get("page", "1"))
    if page is None:
        abort(404)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pager = Pager(page, current_app.config["HEROES_PER_PAGE"], total)
    if page > pager.pages:
        abort(404)
    rows = db.session.scalars(
        query.order_by(Hero.sort_name, Hero.id)
        .offset(pager.offset)
        .limit(pager.per_page)
        .options(selectinload(Hero.photos))
    ).all()
    letters = set(
        db.session.scalars(
            select(Hero.index_letter)
            .where(Hero.is_published, Hero.collection == HeroCollection.VETERAN)
            .distinct()
        )
    )
    return render_template(
        "veterans/index.html", heroes=rows, pager=pager, letter=letter, letters_present=letters
    )


@bp.get("/<slug>")
def profile(slug: str):
    """A veteran's page; one of the fallen (a veteran who has fallen) is at the memorial's
    address, and an old or partial slug leads to the current one."""
    hero_id = _slug_id(slug)
    if hero_id is None:
        abort(404)
    found = db.session.scalar(
        published_heroes(None)
        .where(Hero.id == hero_id)
        .options(selectinload(Hero.awards), selectinload(Hero.stories), selectinload(Hero.photos))
    )
    if found is None:
        abort(404)
    if found.collection != HeroCollection.VETERAN:
        return redirect(url_for("public.hero", slug=found.slug), code=301)
    if slug != found.slug:
        return redirect(url_for("veterans.profile", slug=found.slug), code=301)
    shown = public_view(found)
    labels = chapter_labels()
    chapters = [
        (key, label, [s for s in shown.stories if s.chapter == key])
        for key, label in labels.items()
    ]
    other_stories = [s for s in shown.stories if s.chapter not in labels]
    return render_template(
        "veterans/profile.html",
        hero=shown,
        chapters=[c for c in chapters if c[2]],
        other_stories=other_stories,
    )


class CodeForm(FlaskForm):
    """The private withdrawal code, as given at submission."""

    code = StringField(
        _l("Код відкликання"),
        validators=[DataRequired(message=_l("Введіть код.")), Length(max=40)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    delete = BooleanField(_l("Також прошу видалити все, що я надіслав або надіслала"))


class ConfirmForm(FlaskForm):
    """The confirmation of a withdrawal link (a POST: a link opened by a mail scanner or a
    preview does nothing)."""

    delete = BooleanField(_l("Також прошу видалити все, що я надіслав або надіслала"))


def _done(delete: bool):
    return render_template("veterans/withdrawn.html", delete=delete)


@bp.route("/withdraw", methods=["GET", "POST"])
@limiter.limit(_withdraw_limit, methods=["POST"])
def withdraw():
    """Hide one's own pages by the private code; a wrong code tells nothing about anyone."""
    form = CodeForm()
    error = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            hero = veterans.by_code(db.session, form.code.data)
            if hero is not None and hero.collection == HeroCollection.VETERAN:
                veterans.withdraw(db.session, hero, "code", bool(form.delete.data))
                db.session.commit()
                return _done(bool(form.delete.data))
            pending = veterans.pending_by_code(db.session, form.code.data)
            if pending is not None:
                veterans.withdraw_pending(db.session, pending, "code")
                db.session.commit()
                return _done(bool(form.delete.data))
            error = _("Цей код не підійшов. Перевірте його й спробуйте ще раз.")
        status = 400
    return render_template("veterans/withdraw.html", form=form, error=error), status


@bp.route("/withdraw/<token>", methods=["GET", "POST"])
@limiter.limit(_withdraw_limit)
def withdraw_link(token: str):
    """The private link: opening it asks for a confirmation; only the POST hides the pages."""
    hero = veterans.by_token(db.session, token)
    pending = None
    if hero is None or hero.collection != HeroCollection.VETERAN:
        hero = None
        pending = veterans.pending_by_token(db.session, token)
        if pending is None:
            return render_template("veterans/link_unknown.html"), 404
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if hero is not None:
            veterans.withdraw(db.session, hero, "link", bool(form.delete.data))
        elif pending is not None:
            veterans.withdraw_pending(db.session, pending, "link")
        db.session.commit()
        return _done(bool(form.delete.data))
    return render_template(
        "veterans/withdraw_confirm.html",
        form=form,
        already=hero is not None and hero.withdrawn_at is not None,
    )


def init_app(app) -> None:
    """Template helpers: a person's public address, the chapter names."""
    app.add_template_global(profile_url, "profile_url")
    app.add_template_global(chapter_labels, "chapter_labels")
