"""Staff's side of a family's requests: accepting one after the identity checks, freezing a
profile while relatives disagree, and the marks on photos, stories and facts (hidden,
sensitive). Every step is a revision or an audit entry, and every one can be undone here."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .. import family, submissions
from ..extensions import db
from ..models import Photo, Story, Submission, SubmissionKind
from ..records import HIDEABLE_FIELDS
from .auth import current_staff, hero_or_404, staff_headers, staff_required
from .forms import ReasonForm
from .labels import choices

bp = Blueprint("staff_family", __name__, url_prefix="/staff")
bp.after_request(staff_headers)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class AcceptForm(FlaskForm):
    """How the relation was confirmed (at least one), before a family's request is done."""

    checks = SelectMultipleField(
        _l("Як підтверджено, що це родич"),
        choices=[SelectChoice(value, name) for value, name in choices(family.IdentityCheck)],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    note = TextAreaField(
        _l("Як саме (обов'язково для «інше»)"),
        validators=[Optional(), Length(max=2000)],
        filters=[_strip],
    )
    text = TextAreaField(
        _l("Примітка до ревізії (необов'язково)"),
        validators=[Optional(), Length(max=5000)],
        filters=[_strip],
    )


class MarkForm(FlaskForm):
    """Why a mark is set or taken off (optional; the revision says what changed)."""

    text = TextAreaField(validators=[Optional(), Length(max=5000)], filters=[_strip])


@bp.post("/submissions/<int:submission_id>/family-accept")
@staff_required
def accept(submission_id: int):
    """Do what the family asked, recording how the relation was confirmed."""
    item = db.session.get(Submission, submission_id)
    if item is None or item.kind != SubmissionKind.FAMILY_REQUEST:
        abort(404)
    form = AcceptForm()
    back = redirect(url_for("staff.submission", submission_id=submission_id))
    if not form.validate_on_submit():
        abort(400)
    if not form.checks.data:
        flash(_("Позначте, як підтверджено, що це родич."), "error")
        return back
    if "other" in form.checks.data and not form.note.data:
        flash(_("Напишіть, як саме підтверджено, що це родич."), "error")
        return back
    try:
        hero = family.accept(
            db.session,
            item,
            current_staff(),
            form.checks.data,
            form.note.data or "",
            form.text.data or "",
        )
    except submissions.ModerationError as error:
        db.session.rollback()
        if error.decided_by:
            flash(_("Це звернення вже розглянув(-ла) %(email)s.", email=error.decided_by), "error")
        else:
            flash(_("Виконати прохання не вдалося: фото чи спогаду вже немає."), "error")
        return back
    except ValueError:
        db.session.rollback()
        flash(_("Виконати прохання не вдалося: перевірте значення."), "error")
        return back
    db.session.commit()
    flash(_("Прохання виконано."), "info")
    return redirect(url_for("staff.hero", hero_id=hero.id))


@bp.post("/heroes/<int:hero_id>/<any(freeze, unfreeze):action>")
@staff_required
def freeze(hero_id: int, action: str):
    """Freeze the profile while relatives disagree, or let it change again."""
    hero = hero_or_404(hero_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Напишіть, чому."), "error")
        return redirect(request.referrer or url_for("staff.hero", hero_id=hero.id))
    if action == "freeze":
        family.freeze(db.session, hero, current_staff(), form.text.data)
    else:
        family.unfreeze(db.session, hero, current_staff(), form.text.data)
    db.session.commit()
    flash(_("Сторінку заморожено.") if action == "freeze" else _("Сторінку розморожено."), "info")
    return redirect(url_for("staff.hero", hero_id=hero.id))


_MARK_URL = (
    "/heroes/<int:hero_id>/<any(photo, story):kind>/<int:item_id>"
    "/<any(hidden, sensitive):mark>/<any(on, off):state>"
)


@bp.post(_MARK_URL)
@staff_required
def mark(hero_id: int, kind: str, item_id: int, mark: str, state: str):
    """Hide or show, mark or unmark as sensitive, one photo or story."""
    hero = hero_or_404(hero_id)
    item = db.session.get(Photo if kind == "photo" else Story, item_id)
    if item is None or item.hero_id != hero.id:
        abort(404)
    form = MarkForm()
    if not form.validate_on_submit():
        abort(400)
    family.set_mark(
        db.session, hero, item, mark, state == "on", current_staff(), form.text.data or ""
    )
    db.session.commit()
    flash(_("Зміни збережено."), "info")
    return redirect(url_for("staff.hero", hero_id=hero.id) + "#marks")


@bp.post("/heroes/<int:hero_id>/field/<name>/<any(on, off):state>")
@staff_required
def hide_field(hero_id: int, name: str, state: str):
    """Hide one fact of the hero from the public, or show it again."""
    hero = hero_or_404(hero_id)
    if name not in HIDEABLE_FIELDS:
        abort(404)
    form = MarkForm()
    if not form.validate_on_submit():
        abort(400)
    family.set_field_hidden(
        db.session, hero, name, state == "on", current_staff(), form.text.data or ""
    )
    db.session.commit()
    flash(_("Зміни збережено."), "info")
    return redirect(url_for("staff.hero", hero_id=hero.id) + "#marks")
