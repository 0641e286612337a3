"""Staff pages of burial places: cemeteries and what visitors need to reach them, sectors
(their size, entrance, description and photo), reserved places, and per hero the grave:
linking, unlinking and reburial, with the grave's history.

Every refusal of :mod:`memorial.graves` (a place taken by another hero, a row outside the
sector, a sector shrunk over its graves or deleted with them) is shown on the form and changes
nothing: the transaction is rolled back. Every change is in the audit log.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .. import audit, graves, media
from ..extensions import db
from ..models import Cemetery, EntranceSide, Grave, GraveEvent, GraveSector, Hero, User
from .auth import current_staff, hero_or_404, staff_headers, staff_required
from .forms import ConfirmForm, photo_error
from .labels import choices

bp = Blueprint("staff_graves", __name__, url_prefix="/staff")
bp.after_request(staff_headers)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(label, limit: int, required: bool = False, long: bool = False):
    validators = [DataRequired(_l("Заповніть це поле."))] if required else [Optional()]
    validators.append(Length(max=limit, message=_l("Не більше %(max)d символів.")))
    return (TextAreaField if long else StringField)(label, validators=validators, filters=[_strip])


def _number(label, limit: int, required: bool = True):
    return IntegerField(
        label,
        validators=[
            InputRequired(_l("Вкажіть число.")) if required else Optional(),
            NumberRange(1, limit, _l("Число від %(min)s до %(max)s.")),
        ],
    )


class CemeteryForm(FlaskForm):
    name = _text(_l("Назва"), 300, required=True)
    address = _text(_l("Адреса"), 500)
    opening_hours = _text(_l("Години відвідування"), 500)
    directions = _text(_l("Як дістатися"), 5000, long=True)
    show_coordinates = BooleanField(_l("Показувати координати могил на сайті"))


class SectorForm(FlaskForm):
    name = _text(_l("Назва сектора"), 100, required=True)
    rows = _number(_l("Рядів"), graves.MAX_ROWS)
    places = _number(_l("Місць у найдовшому ряду"), graves.MAX_PLACES)
    entrance = SelectField(
        _l("Вхід"), choices=[SelectChoice(value, name) for value, name in choices(EntranceSide)]
    )
    description = _text(_l("Опис"), 5000, long=True)
    photo = FileField(
        _l("Фото сектора"),
        description=_l("JPEG, PNG або WebP; дані про місце зйомки ми видаляємо."),
    )
    photo_caption = _text(_l("Підпис до фото"), 500)
    remove_photo = BooleanField(_l("Прибрати фото"))


class PlaceForm(FlaskForm):
    """A place of a sector: row and place."""

    row = _number(_l("Ряд"), graves.MAX_ROWS)
    place = _number(_l("Місце"), graves.MAX_PLACES)


class LinkForm(PlaceForm):
    sector = SelectField(_l("Сектор"), coerce=int, validate_choice=False)
    reason = _text(_l("Пояснення (необов'язково)"), 2000)


class ReburyForm(FlaskForm):
    destination = _text(_l("Куди перепоховано"), 500)
    sector = SelectField(_l("Або нове місце: сектор"), coerce=int, validate_choice=False)
    row = _number(_l("Ряд"), graves.MAX_ROWS, required=False)
    place = _number(_l("Місце"), graves.MAX_PLACES, required=False)
    note = _text(_l("Примітка"), 2000)


class PlaceDetailsForm(FlaskForm):
    latitude = FloatField(
        _l("Широта"),
        validators=[Optional(), NumberRange(-90, 90, _l("Число від %(min)s до %(max)s."))],
        description=_l(
            "Наприклад, 48.738912. На сайті не показується, поки це не дозволено для кладовища."
        ),
    )
    longitude = FloatField(
        _l("Довгота"),
        validators=[Optional(), NumberRange(-180, 180, _l("Число від %(min)s до %(max)s."))],
    )
    note = _text(_l("Примітка для модераторів"), 5000, long=True)


def _refused(error: graves.GraveError) -> str:
    db.session.rollback()
    return str(error)


def _sector_choices(blank=None) -> list[SelectChoice]:
    """Every sector, named with its cemetery; ``blank`` first when given (value 0)."""
    rows = db.session.execute(
        select(GraveSector.id, GraveSector.name, Cemetery.name)
        .join(Cemetery)
        .order_by(Cemetery.name, GraveSector.name)
    ).all()
    out = [SelectChoice("0", str(blank))] if blank is not None else []
    return out + [
        SelectChoice(str(sid), f"{cemetery}, " + _("сектор %(name)s", name=name))
        for sid, name, cemetery in rows
    ]


# -- cemeteries --------------------------------------------------------------------------------
@bp.get("/cemeteries")
@staff_required
def cemeteries():
    """Every cemetery with its sectors, and the form for a new one."""
    return _cemeteries_page(CemeteryForm(formdata=None))


def _cemeteries_page(form: CemeteryForm, status: int = 200):
    rows = (
        db.session.scalars(
            select(Cemetery).options(joinedload(Cemetery.sectors)).order_by(Cemetery.name)
        )
        .unique()
        .all()
    )
    return render_template("staff/graves_cemeteries.html", cemeteries=rows, form=form), status


def _name_taken(name: str, cemetery_id: int | None = None) -> bool:
    query = select(Cemetery.id).where(Cemetery.name == " ".join(name.split()))
    if cemetery_id is not None:
        query = query.where(Cemetery.id != cemetery_id)
    return db.session.scalar(query) is not None


def _fill_cemetery(item: Cemetery, form: CemeteryForm) -> None:
    item.name = " ".join(form.name.data.split())
    item.address = form.address.data or None
    item.opening_hours = form.opening_hours.data or None
    item.directions = form.directions.data or None
    item.show_coordinates = bool(form.show_coordinates.data)


@bp.post("/cemeteries")
@staff_required
def create_cemetery():
    form = CemeteryForm()
    valid = form.validate_on_submit()
    if valid and _name_taken(form.name.data):
        form.name.errors.append(_("Кладовище з такою назвою вже є."))
    elif valid:
        item = Cemetery(name=form.name.data)
        _fill_cemetery(item, form)
        db.session.add(item)
        db.session.flush()
        audit.record(
            db.session,
            "cemetery.create",
            current_staff(),
            object_type="cemetery",
            object_id=item.id,
        )
        db.session.commit()
        flash(_("Кладовище додано."), "info")
        return redirect(url_for(".cemetery", cemetery_id=item.id))
    return _cemeteries_page(form, 400)


def _cemetery(cemetery_id: int) -> Cemetery:
    item = db.session.get(Cemetery, cemetery_id)
    if item is None:
        abort(404)
    return item


def _cemetery_page(item: Cemetery, form=None, sector_form=None, status: int = 200):
    form = form or CemeteryForm(formdata=None, obj=item)
    sector_form = sector_form or SectorForm(
        prefix="sector", formdata=None, entrance=EntranceSide.SOUTH
    )
    counts = dict(
        db.session.execute(
            select(Grave.sector_id, func.count(Grave.id))
            .join(GraveSector)
            .where(GraveSector.cemetery_id == item.id, Grave.hero_id.is_not(None))
            .group_by(Grave.sector_id)
        ).all()
    )
    return render_template(
        "staff/graves_cemetery.html",
        cemetery=item,
        form=form,
        sector_form=sector_form,
        counts=counts,
    ), status


@bp.get("/cemeteries/<int:cemetery_id>")
@staff_required
def cemetery(cemetery_id: int):
    """A cemetery's visiting details, its sectors, and the form for a new sector."""
    return _cemetery_page(_cemetery(cemetery_id))


@bp.post("/cemeteries/<int:cemetery_id>")
@staff_required
def edit_cemetery(cemetery_id: int):
    item = _cemetery(cemetery_id)
    form = CemeteryForm()
    valid = form.validate_on_submit()
    if valid and _name_taken(form.name.data, item.id):
        form.name.errors.append(_("Кладовище з такою назвою вже є."))
    elif valid:
        _fill_cemetery(item, form)
        audit.record(
            db.session, "cemetery.edit", current_staff(), object_type="cemetery", object_id=item.id
        )
        db.session.commit()
        flash(_("Зміни збережено."), "info")
        return redirect(url_for(".cemetery", cemetery_id=item.id))
    return _cemetery_page(item, form=form, status=400)


# -- sectors -----------------------------------------------------------------------------------
def _store_photo(form: SectorForm) -> str | None:
    """The sector photo of the form, stored without metadata; ``None`` when none came.
    A refused file is an error on the field (``ValueError``)."""
    upload = form.photo.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    max_bytes = current_app.config["MAX_PHOTO_BYTES"]
    data = upload.read(max_bytes + 1)
    name = (upload.filename or "")[-80:]
    if len(data) > max_bytes:
        raise ValueError(
            _("Файл «%(name)s» завеликий: можна до %(mb)d МБ.", name=name, mb=max_bytes // 2**20)
        )
    try:
        stored = media.store_image(current_app.config["DATA_DIR"], data)
    except media.MediaError as exc:
        raise ValueError(str(photo_error(exc, name))) from None
    return stored.file_path


def _sector_name_taken(cemetery: Cemetery, name: str, sector_id: int | None = None) -> bool:
    found = graves.find_sector(db.session, cemetery, name)
    return found is not None and found.id != sector_id


def _fill_sector(item: GraveSector, form: SectorForm) -> None:
    item.name = " ".join(form.name.data.split())
    item.entrance = form.entrance.data
    item.description = form.description.data or None
    item.photo_caption = form.photo_caption.data or None


@bp.post("/cemeteries/<int:cemetery_id>/sectors")
@staff_required
def create_sector(cemetery_id: int):
    item = _cemetery(cemetery_id)
    form = SectorForm(prefix="sector")
    if form.validate_on_submit():
        if _sector_name_taken(item, form.name.data):
            form.name.errors.append(_("Сектор з такою назвою вже є на цьому кладовищі."))
        else:
            try:
                photo = _store_photo(form)
            except ValueError as error:
                form.photo.errors.append(str(error))
            else:  # the size was checked by the form's validators
                sector = GraveSector(cemetery=item, name=form.name.data, rows=1, places=1)
                _fill_sector(sector, form)
                sector.photo_path = photo
                db.session.add(sector)
                db.session.flush()
                graves.resize_sector(db.session, sector, form.rows.data, form.places.data)
                audit.record(
                    db.session,
                    "sector.create",
                    current_staff(),
                    object_type="sector",
                    object_id=sector.id,
                )
                db.session.commit()
                flash(_("Сектор додано."), "info")
                return redirect(url_for(".sector", sector_id=sector.id))
    return _cemetery_page(item, sector_form=form, status=400)


def _sector(sector_id: int) -> GraveSector:
    item = db.session.get(GraveSector, sector_id)
    if item is None:
        abort(404)
    return item


def _sector_page(item: GraveSector, form=None, place_form=None, problem=None, status=200):
    if form is None:
        form = SectorForm(prefix="sector", formdata=None, obj=item)
    rows = db.session.scalars(
        select(Grave)
        .where(Grave.sector_id == item.id, Grave.hero_id.is_not(None) | Grave.reserved)
        .options(joinedload(Grave.hero))
        .order_by(Grave.row, Grave.place)
    ).all()
    return render_template(
        "staff/graves_sector.html",
        sector=item,
        form=form,
        place_form=place_form or PlaceForm(prefix="spot", formdata=None),
        confirm=ConfirmForm(formdata=None),
        places=rows,
        problem=problem,
    ), status


@bp.get("/sectors/<int:sector_id>")
@staff_required
def sector(sector_id: int):
    """A sector: its size, entrance, description and photo; its taken and reserved places."""
    return _sector_page(_sector(sector_id))


@bp.post("/sectors/<int:sector_id>")
@staff_required
def edit_sector(sector_id: int):
    item = _sector(sector_id)
    form = SectorForm(prefix="sector")
    if not form.validate_on_submit():
        return _sector_page(item, form=form, status=400)
    if _sector_name_taken(item.cemetery, form.name.data, item.id):
        form.name.errors.append(_("Сектор з такою назвою вже є на цьому кладовищі."))
        return _sector_page(item, form=form, status=400)
    try:
        graves.resize_sector(db.session, item, form.rows.data, form.places.data)
    except graves.GraveError as error:
        problem = _refused(error)
        form.rows.errors.append(problem)
        return _sector_page(_sector(sector_id), form=form, status=400)
    try:  # the photo is written last: a refused change leaves no file behind
        photo = _store_photo(form)
    except ValueError as error:
        db.session.rollback()
        form.photo.errors.append(str(error))
        return _sector_page(_sector(sector_id), form=form, status=400)
    _fill_sector(item, form)
    if photo is not None:
        item.photo_path = photo
    elif form.remove_photo.data:
        item.photo_path = None
    audit.record(
        db.session, "sector.edit", current_staff(), object_type="sector", object_id=item.id
    )
    db.session.commit()
    flash(_("Зміни збережено."), "info")
    return redirect(url_for(".sector", sector_id=item.id))


@bp.post("/sectors/<int:sector_id>/delete")
@staff_required
def delete_sector(sector_id: int):
    item = _sector(sector_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    cemetery_id = item.cemetery_id
    try:
        graves.delete_sector(db.session, item)
    except graves.GraveError as error:
        problem = _refused(error)
        return _sector_page(_sector(sector_id), problem=("delete", problem), status=400)
    audit.record(
        db.session, "sector.delete", current_staff(), object_type="sector", object_id=sector_id
    )
    db.session.commit()
    flash(_("Сектор видалено."), "info")
    return redirect(url_for(".cemetery", cemetery_id=cemetery_id))


@bp.post("/sectors/<int:sector_id>/<any(reserve, release):action>")
@staff_required
def reserve(sector_id: int, action: str):
    """Hold a free place for a burial to come, or release it."""
    item = _sector(sector_id)
    form = PlaceForm(prefix="spot")
    if not form.validate_on_submit():
        return _sector_page(item, place_form=form, status=400)
    try:
        grave = graves.grave_at(db.session, item, form.row.data, form.place.data)
        graves.set_reserved(db.session, grave, action == "reserve", current_staff())
    except graves.GraveError as error:
        problem = _refused(error)
        return _sector_page(
            _sector(sector_id), place_form=form, problem=("reserve", problem), status=400
        )
    audit.record(
        db.session, f"grave.{action}", current_staff(), object_type="grave", object_id=grave.id
    )
    db.session.commit()
    flash(_("Місце зарезервовано.") if action == "reserve" else _("Резерв знято."), "info")
    return redirect(url_for(".sector", sector_id=item.id))


# -- a hero's grave ----------------------------------------------------------------------------


def _history(grave: Grave | None) -> list[tuple[GraveEvent, str, Hero | None]]:
    """A grave's history, newest first: each event with who did it and whom it concerns."""
    if grave is None:
        return []
    events = db.session.scalars(
        select(GraveEvent).where(GraveEvent.grave_id == grave.id).order_by(GraveEvent.id.desc())
    ).all()
    return _with_people(events)


def _with_people(events) -> list[tuple[GraveEvent, str, Hero | None]]:
    user_ids = {e.user_id for e in events if e.user_id}
    hero_ids = {e.hero_id for e in events if e.hero_id}
    emails = (
        dict(db.session.execute(select(User.id, User.email).where(User.id.in_(user_ids))).all())
        if user_ids
        else {}
    )
    heroes = (
        {h.id: h for h in db.session.scalars(select(Hero).where(Hero.id.in_(hero_ids)))}
        if hero_ids
        else {}
    )
    return [
        (e, emails.get(e.user_id, "") if e.user_id else "", heroes.get(e.hero_id or 0))
        for e in events
    ]


def _hero_page(hero: Hero, link_form=None, rebury_form=None, problem=None, status=200):
    link_form = link_form or LinkForm(prefix="link", formdata=None)
    rebury_form = rebury_form or ReburyForm(prefix="rebury", formdata=None)
    link_form.sector.choices = _sector_choices()
    rebury_form.sector.choices = _sector_choices(blank=_("— лише текстом, поза архівом —"))
    if hero.grave is not None and link_form.sector.data is None:
        link_form.sector.data = hero.grave.sector_id
    moves = _with_people(
        db.session.scalars(
            select(GraveEvent)
            .where(GraveEvent.hero_id == hero.id)
            .options(joinedload(GraveEvent.grave).joinedload(Grave.sector))
            .order_by(GraveEvent.id.desc())
        ).all()
    )
    return render_template(
        "staff/graves_hero.html",
        hero=hero,
        grave=hero.grave,
        history=_history(hero.grave),
        moves=moves,
        link_form=link_form,
        rebury_form=rebury_form,
        confirm=ConfirmForm(formdata=None),
        problem=problem,
    ), status


@bp.get("/heroes/<int:hero_id>/grave")
@staff_required
def hero_grave(hero_id: int):
    """Where a hero lies: link to a place, unlink, record a reburial; the grave's history."""
    return _hero_page(hero_or_404(hero_id))


@bp.post("/heroes/<int:hero_id>/grave/link")
@staff_required
def link(hero_id: int):
    hero = hero_or_404(hero_id)
    form = LinkForm(prefix="link")
    form.sector.choices = _sector_choices()
    if not form.validate_on_submit():
        return _hero_page(hero, link_form=form, status=400)
    target = db.session.get(GraveSector, form.sector.data or 0)
    if target is None:
        form.sector.errors.append(_("Виберіть сектор."))
        return _hero_page(hero, link_form=form, status=400)
    try:
        graves.link(
            db.session,
            hero,
            target,
            form.row.data,
            form.place.data,
            current_staff(),
            reason=form.reason.data or "",
        )
    except graves.GraveError as error:
        problem = _refused(error)
        return _hero_page(
            hero_or_404(hero_id), link_form=form, problem=("link", problem), status=400
        )
    db.session.commit()
    flash(_("Місце поховання збережено."), "info")
    return redirect(url_for(".hero_grave", hero_id=hero.id))


@bp.post("/heroes/<int:hero_id>/grave/unlink")
@staff_required
def unlink(hero_id: int):
    hero = hero_or_404(hero_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    graves.unlink(db.session, hero, current_staff(), form.text.data or "")
    db.session.commit()
    flash(_("Зв'язок із могилою знято; місце вільне."), "info")
    return redirect(url_for(".hero_grave", hero_id=hero.id))


@bp.post("/heroes/<int:hero_id>/grave/rebury")
@staff_required
def rebury(hero_id: int):
    hero = hero_or_404(hero_id)
    form = ReburyForm(prefix="rebury")
    form.sector.choices = _sector_choices(blank="")
    if not form.validate_on_submit():
        return _hero_page(hero, rebury_form=form, status=400)
    target = db.session.get(GraveSector, form.sector.data) if form.sector.data else None
    if target is not None and (form.row.data is None or form.place.data is None):
        form.row.errors.append(_("Для нового місця вкажіть ряд і місце."))
        return _hero_page(hero, rebury_form=form, status=400)
    try:
        graves.rebury(
            db.session,
            hero,
            form.destination.data or "",
            current_staff(),
            form.note.data or "",
            new_sector=target,
            row=form.row.data if target else None,
            place=form.place.data if target else None,
        )
    except graves.GraveError as error:
        problem = _refused(error)
        return _hero_page(
            hero_or_404(hero_id), rebury_form=form, problem=("rebury", problem), status=400
        )
    db.session.commit()
    flash(_("Перепоховання записано."), "info")
    return redirect(url_for(".hero_grave", hero_id=hero.id))


def _grave(grave_id: int) -> Grave:
    item = db.session.get(Grave, grave_id)
    if item is None:
        abort(404)
    return item


def _grave_page(item: Grave, form=None, status: int = 200):
    form = form or PlaceDetailsForm(formdata=None, obj=item)
    return render_template(
        "staff/graves_grave.html", grave=item, history=_history(item), form=form
    ), status


@bp.get("/cemeteries/graves/<int:grave_id>")
@staff_required
def grave(grave_id: int):
    """One place: who lies there, its coordinates and note, and its whole history (who, when,
    where to)."""
    return _grave_page(_grave(grave_id))


@bp.post("/cemeteries/graves/<int:grave_id>")
@staff_required
def edit_grave(grave_id: int):
    """Where the place is on the ground (kept private unless the cemetery shows coordinates)
    and a note for staff."""
    item = _grave(grave_id)
    form = PlaceDetailsForm()
    if not form.validate_on_submit():
        return _grave_page(item, form, 400)
    if (form.latitude.data is None) != (form.longitude.data is None):
        form.longitude.errors.append(_("Вкажіть і широту, і довготу (або жодної)."))
        return _grave_page(item, form, 400)
    item.latitude, item.longitude = form.latitude.data, form.longitude.data
    item.note = form.note.data or None
    audit.record(db.session, "grave.edit", current_staff(), object_type="grave", object_id=item.id)
    db.session.commit()
    flash(_("Зміни збережено."), "info")
    return redirect(url_for(".grave", grave_id=item.id))
