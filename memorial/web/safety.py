"""Staff's safety steps on a hero: the embargo, the empty frame, and the sources of facts.

Every action is audited (:mod:`memorial.provenance`). Scans of documents are staff-only,
unless a source is marked public: then a visitor sees it beside the verified fact.
"""

from __future__ import annotations

import mimetypes

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
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from .. import media, provenance
from ..extensions import db
from ..models import FactField, FactSource, Hero
from .auth import hero_or_404, staff_headers, staff_required
from .forms import EmbargoForm, NameOnlyForm, SourceForm
from .labels import choices
from .security import send_stored

bp = Blueprint("provenance", __name__)
bp.after_request(staff_headers)

_IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


def provenance_forms(hero: Hero) -> dict:
    """What the staff hero page shows of this part: the forms and the sources."""
    return {
        "embargo_form": EmbargoForm(
            formdata=None, data={"publish_at": provenance.in_kyiv(hero.publish_at)}
        ),
        "embargoed": provenance.embargoed(hero),
        "publish_at_kyiv": provenance.in_kyiv(hero.publish_at).replace("T", " "),
        "needs_notice": provenance.needs_notice(hero),
        "name_only_form": NameOnlyForm(formdata=None, data={"name_only": hero.name_only}),
        "source_form": SourceForm(formdata=None),
        "sources": db.session.scalars(
            select(FactSource)
            .where(FactSource.hero_id == hero.id)
            .order_by(FactSource.field, FactSource.id)
        ).all(),
    }


def _source(source_id: int) -> FactSource:
    source = db.session.get(FactSource, source_id)
    if source is None:
        abort(404)
    return source


def _back(hero_id: int):
    return redirect(url_for("staff.hero", hero_id=hero_id) + "#provenance-title")


@bp.post("/staff/heroes/<int:hero_id>/embargo")
@staff_required
def embargo(hero_id: int):
    """Set or lift the moment the hero appears (Kyiv time in the form, stored in UTC)."""
    hero = hero_or_404(hero_id)
    form = EmbargoForm()
    if not form.validate_on_submit():
        flash(_("Напишіть, чому."), "error")
        return _back(hero.id)
    try:
        moment = provenance.parse_kyiv(form.publish_at.data or "")
    except ValueError:
        flash(_("Не вдалося прочитати час. Приклад: 2027-01-15T09:00."), "error")
        return _back(hero.id)
    provenance.set_embargo(db.session, hero, moment, current_user, form.text.data)
    db.session.commit()
    flash(_("Час публікації збережено.") if moment else _("Час публікації знято."), "info")
    return _back(hero.id)


@bp.post("/staff/heroes/<int:hero_id>/name-only")
@staff_required
def name_only(hero_id: int):
    """Turn the empty frame (name and dates only) on or off."""
    hero = hero_or_404(hero_id)
    form = NameOnlyForm()
    if not form.validate_on_submit():
        flash(_("Напишіть, чому."), "error")
        return _back(hero.id)
    provenance.set_name_only(
        db.session, hero, bool(form.name_only.data), current_user, form.text.data
    )
    db.session.commit()
    flash(_("Зміни збережено."), "info")
    return _back(hero.id)


@bp.post("/staff/heroes/<int:hero_id>/sources")
@staff_required
def add_source(hero_id: int):
    """Record a source of one fact, with an optional scan of the document."""
    hero = hero_or_404(hero_id)
    form = SourceForm()
    if not form.validate_on_submit():
        flash(_("Оберіть факт і джерело."), "error")
        return _back(hero.id)
    path = None
    upload = form.document.data
    if upload and getattr(upload, "filename", ""):
        try:
            stored = media.store_document(current_app.config["DATA_DIR"], upload.read())
        except media.MediaError as exc:
            if exc.reason == "pages":
                message = _(
                    "Скан не прийнято: у PDF більше %(n)d сторінок. Додайте документ частинами.",
                    n=media.DOCUMENT_MAX_PAGES,
                )
            elif exc.reason == "pdf":
                message = _(
                    "Скан не прийнято: PDF не вдалося прочитати (пошкоджений або під паролем)."
                )
            else:
                message = _("Скан не прийнято: потрібне зображення JPEG, PNG, WebP або PDF.")
            flash(message, "error")
            return _back(hero.id)
        path = stored.file_path
    try:
        provenance.add_source(
            db.session,
            hero,
            current_user,
            field=form.field.data,
            kind=form.kind.data,
            link=form.link.data or "",
            note=form.note.data or "",
            document_path=path,
            document_public=bool(form.document_public.data),
        )
    except provenance.SourceError:
        db.session.rollback()
        flash(
            _("Джерело не додано: публікації потрібне посилання, що починається з https://."),
            "error",
        )
        return _back(hero.id)
    db.session.commit()
    flash(_("Джерело додано."), "info")
    return _back(hero.id)


@bp.post("/staff/sources/<int:source_id>/<any(verify, remove):action>")
@staff_required
def change_source(source_id: int, action: str):
    """Verify or remove a source."""
    source = _source(source_id)
    hero_id = source.hero_id
    form = FlaskForm()  # only the CSRF token
    if not form.validate_on_submit():
        abort(400)
    if action == "verify":
        provenance.verify_source(db.session, source, current_user)
    else:
        provenance.remove_source(db.session, source, current_user)
    db.session.commit()
    flash(_("Джерело перевірено.") if action == "verify" else _("Джерело вилучено."), "info")
    return _back(hero_id)


@bp.get("/staff/unverified")
@staff_required
def unverified():
    """Heroes with facts whose sources nobody has verified yet, by fact."""
    field = request.args.get("field") or ""
    if field not in set(FactField):
        field = ""
    rows = provenance.unverified_heroes(db.session, field or None)
    return render_template(
        "staff/unverified.html", rows=rows, field=field, fields=choices(FactField)
    )


def _send_document(source: FactSource):
    if not source.document_path:
        abort(404)
    try:
        path = media.safe_path(current_app.config["DATA_DIR"], source.document_path)
    except media.MediaError:
        abort(404)
    mimetype = mimetypes.guess_type(path.name)[0]
    if not path.is_file() or mimetype not in _IMAGE_TYPES:
        abort(404)
    return send_stored(path, mimetype)


@bp.get("/staff/sources/<int:source_id>/document")
@staff_required
def staff_document(source_id: int):
    """The scan of a source, for staff."""
    return _send_document(_source(source_id))


@bp.get("/documents/<int:source_id>")
def public_document(source_id: int):
    """The scan of a source marked public, of a hero the public may see in full."""
    source = _source(source_id)
    hero = source.hero
    if not (
        source.document_public
        and source.verified_at is not None
        and hero.is_published
        and not hero.name_only
    ):
        abort(404)
    response = _send_document(source)
    response.headers["Cache-Control"] = "no-cache"
    return response
