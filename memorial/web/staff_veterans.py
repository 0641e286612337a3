"""Staff's side of the veterans' collection: the withdrawal code and link given on request,
pages shown again at the person's own request, a veteran who has fallen moved to the
memorial with the family's consent, and the deletion a withdrawing person asked for."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from .. import veterans
from ..extensions import db
from ..models import Hero, HeroCollection
from .auth import admin_required, current_staff, staff_headers, staff_required
from .templating import public_url

bp = Blueprint("staff_veterans", __name__, url_prefix="/staff")
bp.after_request(staff_headers)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class MoveForm(FlaskForm):
    """Moving a veteran who has fallen to the memorial."""

    death_date = StringField(
        _l("Дата загибелі"),
        description=_l("РРРР, РРРР-ММ або РРРР-ММ-ДД"),
        validators=[DataRequired(), Length(max=10)],
        filters=[_strip],
    )
    consent = BooleanField(
        _l("Родина дала згоду перенести сторінку до меморіалу загиблих"),
        validators=[DataRequired()],
    )
    reason = TextAreaField(
        _l("Хто з родини дав згоду і як"),
        validators=[DataRequired(), Length(max=5000)],
        filters=[_strip],
    )


class PlainForm(FlaskForm):
    """A button with the session token (and, for deletion, a confirmation)."""

    confirm = BooleanField(_l("Так, видалити назавжди"))
    reason = TextAreaField(_l("Чому"), validators=[Length(max=5000)], filters=[_strip])


def _veteran(hero_id: int) -> Hero:
    hero = db.session.get(Hero, hero_id)
    if hero is None or hero.collection != HeroCollection.VETERAN:
        abort(404)
    return hero


def _page(hero: Hero, move: MoveForm | None = None, secrets=None, status: int = 200):
    return render_template(
        "staff/veteran.html",
        hero=hero,
        move=move or MoveForm(),
        plain=PlainForm(),
        secrets=secrets,
        link=public_url("veterans.withdraw_link", token=secrets.token) if secrets else None,
        delete_asked=veterans.deletion_asked(db.session, hero),
    ), status


@bp.get("/heroes/<int:hero_id>/veteran")
@staff_required
def veteran(hero_id: int):
    """What staff may do for a veteran, and whether they withdrew."""
    return _page(_veteran(hero_id))


@bp.post("/heroes/<int:hero_id>/veteran/secrets")
@staff_required
def issue(hero_id: int):
    """A new withdrawal code and link, shown once (the earlier ones stop working)."""
    hero = _veteran(hero_id)
    if not PlainForm().validate_on_submit():
        abort(400)
    secrets = veterans.issue_secrets(db.session, hero, current_staff())
    db.session.commit()
    return _page(hero, secrets=secrets)


@bp.post("/heroes/<int:hero_id>/veteran/show-again")
@staff_required
def show_again(hero_id: int):
    """Make withdrawn pages public again, at the person's own request."""
    hero = _veteran(hero_id)
    form = PlainForm()
    if not form.validate_on_submit() or not form.reason.data:
        abort(400)
    veterans.show_again(db.session, hero, current_staff(), form.reason.data)
    db.session.commit()
    flash(_("Сторінку знову показано."), "success")
    return redirect(url_for("staff_veterans.veteran", hero_id=hero.id))


@bp.post("/heroes/<int:hero_id>/veteran/unit")
@staff_required
def unit(hero_id: int):
    """Show the unit, or keep it from the public, as the veteran decided."""
    hero = _veteran(hero_id)
    form = PlainForm()
    if not form.validate_on_submit() or not form.reason.data:
        abort(400)
    veterans.set_unit_shown(db.session, hero, hero.unit_hidden, current_staff(), form.reason.data)
    db.session.commit()
    flash(_("Збережено."), "success")
    return redirect(url_for("staff_veterans.veteran", hero_id=hero.id))


@bp.post("/heroes/<int:hero_id>/veteran/move-to-fallen")
@staff_required
def move_to_fallen(hero_id: int):
    """The veteran has fallen: with the family's consent, the person joins the memorial."""
    hero = _veteran(hero_id)
    form = MoveForm()
    if not form.validate_on_submit():
        return _page(hero, move=form, status=400)
    try:
        veterans.move_to_fallen(
            db.session,
            hero,
            current_staff(),
            form.death_date.data,
            bool(form.consent.data),
            form.reason.data,
        )
    except veterans.VeteranError:
        db.session.rollback()
        form.death_date.errors = [_("Перевірте дату загибелі: РРРР, РРРР-ММ або РРРР-ММ-ДД.")]
        return _page(hero, move=form, status=400)
    db.session.commit()
    flash(_("Сторінку перенесено до меморіалу загиблих; стара адреса веде на неї."), "success")
    return redirect(url_for("staff.hero", hero_id=hero.id))


@bp.post("/heroes/<int:hero_id>/veteran/erase")
@admin_required
def erase(hero_id: int):
    """Delete a withdrawn veteran for good, as they asked."""
    hero = _veteran(hero_id)
    form = PlainForm()
    if not form.validate_on_submit() or not form.confirm.data or hero.withdrawn_at is None:
        abort(400)
    external_id = hero.external_id
    files = veterans.erase(db.session, hero, current_staff(), current_app.config["DATA_DIR"])
    db.session.commit()
    veterans.remove_files(files)
    veterans.note_erasure(current_app.config["ERASURE_LEDGER"], external_id)
    flash(_("Усе, що стосувалося цієї людини, видалено."), "success")
    return redirect(url_for("staff.queue"))
