"""Staff pages of consent: the versions of the consent wording (administrators publish a new
one; every old one is shown exactly as it was), and per hero the consents behind what is
published: who agreed, to which wording, where, from which submission; recording a consent
given on paper and withdrawing one (the row stays).

Bad input (an unknown version, a scope that is not one, an empty name) is shown on the form
and changes nothing. Every change is in the audit log.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .. import consent
from ..dates import to_iso_date
from ..extensions import db
from ..models import Consent, ConsentScope, Hero
from .auth import admin_required, current_staff, hero_or_404, staff_headers, staff_required
from .labels import choices

bp = Blueprint("staff_consent", __name__, url_prefix="/staff")
bp.after_request(staff_headers)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(label, limit: int, required: bool = False, long: bool = False, hint=""):
    validators = [DataRequired(_l("Заповніть це поле."))] if required else [Optional()]
    validators.append(Length(max=limit, message=_l("Не більше %(max)d символів.")))
    return (TextAreaField if long else StringField)(
        label, validators=validators, filters=[_strip], description=hint
    )


class TextForm(FlaskForm):
    """A new version of the consent wording."""

    text_uk = _text(_l("Текст згоди (українською)"), 5000, required=True, long=True)
    text_en = _text(_l("Текст згоди (англійською)"), 5000, required=True, long=True)
    site_uk = _text(_l("«На сайті» (українською)"), 500, required=True)
    site_en = _text(_l("«На сайті» (англійською)"), 500, required=True)
    book_uk = _text(_l("«У книзі» (українською)"), 500, required=True)
    book_en = _text(_l("«У книзі» (англійською)"), 500, required=True)
    both_uk = _text(_l("«І там, і там» (українською)"), 500, required=True)
    both_en = _text(_l("«І там, і там» (англійською)"), 500, required=True)


class RecordForm(FlaskForm):
    """A consent given outside the site, recorded by staff."""

    person_name = _text(_l("Хто дав згоду"), 300, required=True)
    person_relation = _text(
        _l("Ким доводиться герою"), 200, hint=_l("Наприклад: мати, дружина, брат.")
    )
    scope = RadioField(_l("Де можна публікувати"), choices=[], validate_choice=False)
    version = StringField(
        _l("Версія тексту згоди"),
        validators=[DataRequired(_l("Заповніть це поле.")), Length(max=10)],
        filters=[_strip],
    )
    given_on = StringField(
        _l("Дата згоди"),
        validators=[DataRequired(_l("Заповніть це поле.")), Length(max=20)],
        description=_l("Повна дата, наприклад 14.03.2025."),
        filters=[_strip],
    )
    note = _text(
        _l("Примітка"), 5000, long=True, hint=_l("Наприклад: згода на папері, у справі №…")
    )

    def validate_scope(self, field) -> None:
        try:
            consent.parse_scope(field.data or "-")
        except consent.ConsentError:
            raise ValidationError(_l("Оберіть, де можна публікувати.")) from None

    def validate_version(self, field) -> None:
        if consent.text_version(db.session, field.data) is None:
            raise ValidationError(_l("Такої версії тексту згоди немає."))

    def validate_given_on(self, field) -> None:
        try:
            iso = to_iso_date(field.data)
        except ValueError:
            iso = None
        if not iso or len(iso) != 10:
            raise ValidationError(_l("Вкажіть повну дату, наприклад 14.03.2025."))
        self.given_date = dt.date.fromisoformat(iso)


class WithdrawForm(FlaskForm):
    reason = _text(_l("Чому згоду відкликано"), 5000, required=True, long=True)


def _texts_page(form: TextForm, status: int = 200):
    return render_template(
        "staff/consent_texts.html", texts=consent.all_texts(db.session), form=form
    ), status


def _text_form() -> TextForm:
    current = consent.current_text(db.session)
    return TextForm(
        formdata=None, data={name: getattr(current, name) for name in consent.TEXT_FIELDS}
    )


@bp.get("/consent-texts")
@staff_required
def texts():
    """Every version of the consent wording, newest first; administrators publish a new one."""
    return _texts_page(_text_form())


@bp.post("/consent-texts")
@admin_required
def publish_text():
    form = TextForm()
    if not form.validate_on_submit():
        return _texts_page(form, 400)
    text = consent.publish_text(db.session, current_staff(), form.data)
    db.session.commit()
    flash(_("Опубліковано версію %(n)d тексту згоди.", n=text.version), "success")
    return redirect(url_for("staff_consent.text", version=text.version))


@bp.get("/consent-texts/<int:version>")
@staff_required
def text(version: int):
    """One version exactly as it was, with how many consents name it."""
    found = consent.text_version(db.session, version)
    if found is None:
        abort(404)
    given = db.session.query(Consent).filter(Consent.text_id == found.id).count()
    return render_template("staff/consent_text.html", text=found, given=given)


def _record_form(posted: bool = False) -> RecordForm:
    form = RecordForm() if posted else RecordForm(formdata=None)
    form.scope.choices = [SelectChoice(value, name) for value, name in choices(ConsentScope)]
    if not posted:
        form.version.data = str(consent.current_text(db.session).version)
    return form


def _hero_page(hero: Hero, record_form: RecordForm | None = None, status: int = 200):
    stories, photos = consent.item_sources(db.session, hero)
    consents = consent.of_hero(db.session, hero)
    by_submission = consent.consents_by_submission(
        db.session, [s.id for s in (*stories.values(), *photos.values())]
    )
    return render_template(
        "staff/consents_hero.html",
        hero=hero,
        consents=consents,
        story_sources=stories,
        photo_sources=photos,
        by_submission=by_submission,
        book_items=consent.book_items(db.session, hero),
        site_allowed=consent.site_allowed(hero, db.session),
        book_allowed=consent.book_allowed(hero, db.session),
        record_form=record_form or _record_form(),
    ), status


@bp.get("/heroes/<int:hero_id>/consents")
@staff_required
def hero_consents(hero_id: int):
    """The consents behind a hero and behind each of its stories and photos."""
    return _hero_page(hero_or_404(hero_id))


@bp.post("/heroes/<int:hero_id>/consents")
@staff_required
def record(hero_id: int):
    """Record a consent given on paper or in person."""
    hero = hero_or_404(hero_id)
    form = _record_form(posted=True)
    if not form.validate_on_submit():
        return _hero_page(hero, form, 400)
    try:
        consent.record_by_hand(
            db.session,
            hero,
            current_staff(),
            person_name=form.person_name.data,
            person_relation=form.person_relation.data or "",
            scope=form.scope.data,
            version=form.version.data,
            given_on=form.given_date,
            note=form.note.data or "",
        )
    except consent.ConsentError:
        db.session.rollback()
        form.version.errors.append(_("Згоду не записано: перевірте поля."))
        return _hero_page(hero_or_404(hero_id), form, 400)
    db.session.commit()
    flash(_("Згоду записано."), "success")
    return redirect(url_for("staff_consent.hero_consents", hero_id=hero_id))


@bp.post("/consents/<int:consent_id>/withdraw")
@staff_required
def withdraw(consent_id: int):
    """Withdraw a consent; the row stays with when, by whom and why."""
    found = db.session.get(Consent, consent_id)
    if found is None:
        abort(404)
    form = WithdrawForm()
    back = (
        url_for("staff_consent.hero_consents", hero_id=found.hero_id)
        if found.hero_id
        else url_for("staff.submission", submission_id=found.submission_id)
    )
    if not form.validate_on_submit():
        flash(_("Вкажіть, чому згоду відкликано. Нічого не змінено."), "error")
        return redirect(back)
    try:
        taken = consent.withdraw(db.session, found, current_staff(), form.reason.data)
    except consent.ConsentError:
        db.session.rollback()
        flash(_("Цю згоду вже відкликано."), "error")
        return redirect(back)
    db.session.commit()
    flash(_("Згоду відкликано."), "success")
    if taken.page:
        flash(_("Сторінку героя знято з сайту (її можна опублікувати знову)."), "info")
    elif taken:
        flash(
            _(
                "З сайту прибрано: історій — %(stories)d, фото — %(photos)d "
                "(їх можна показати знову на сторінці героя).",
                stories=len(taken.stories),
                photos=len(taken.photos),
            ),
            "info",
        )
    return redirect(back)
