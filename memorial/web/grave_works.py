"""Staff pages for what is made and done on graves: QR codes of the graves' permanent
addresses, sheets of plaque labels as PDF for the plaque maker, the works list of the city's
standard (filtered, exported) with a form per grave, and the monument's photo. The public
sees the monument's photo only (``monuments.photo``), never the works."""

from __future__ import annotations

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
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import clock, graves, media, plaques
from ..extensions import db
from ..models import Cemetery, Grave, GraveSector, MonumentStage
from .auth import current_staff, staff_headers, staff_required
from .forms import photo_error
from .security import download, send_stored
from .templating import public_url

bp = Blueprint("grave_works", __name__, url_prefix="/staff/graves")
bp.after_request(staff_headers)

#: The monument's photo, for the public: only of a grave where a published hero lies.
public_bp = Blueprint("monuments", __name__)

PHOTO_SIDE = 800


def _grave(grave_id: int) -> Grave:
    grave = db.session.get(Grave, grave_id)
    if grave is None:
        abort(404)
    return grave


def grave_address(grave: Grave) -> str:
    """The absolute permanent address the grave's QR code carries."""
    return public_url("graves.grave_code", code=grave.code)


# -- QR codes ---------------------------------------------------------------------------------


@bp.get("/<int:grave_id>/qr.svg")
@staff_required
def qr_svg(grave_id: int):
    """The grave's QR code as SVG, to download."""
    grave = _grave(grave_id)
    return download(plaques.qr_svg(grave_address(grave)), "image/svg+xml", f"qr-{grave.code}.svg")


@bp.get("/<int:grave_id>/qr.png")
@staff_required
def qr_png(grave_id: int):
    """The grave's QR code as PNG, to download."""
    grave = _grave(grave_id)
    return download(plaques.qr_png(grave_address(grave)), "image/png", f"qr-{grave.code}.png")


# -- Label sheets -----------------------------------------------------------------------------


def _sectors():
    return db.session.scalars(
        select(GraveSector)
        .join(Cemetery)
        .options(selectinload(GraveSector.cemetery))
        .order_by(Cemetery.name, GraveSector.name)
    ).all()


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _labels_page(error: plaques.PlaqueError | None = None, status: int = 200):
    return (
        render_template(
            "staff/grave_works_labels.html",
            sectors=_sectors(),
            error=str(error) if error else None,
            error_field=error.field if error else None,
            args=request.args,
            defaults=(plaques.DEFAULT_WIDTH, plaques.DEFAULT_HEIGHT),
            limits=(plaques.MIN_WIDTH, plaques.MAX_WIDTH, plaques.MIN_HEIGHT, plaques.MAX_HEIGHT),
        ),
        status,
    )


@bp.get("/labels")
@staff_required
def labels():
    """Choose the graves and the size of a sheet of plaque labels."""
    return _labels_page()


def _chosen_ids() -> list[int] | None:
    """Graves chosen one by one: ``grave=ID`` arguments, or codes typed in ``codes``."""
    ids = [int(v) for v in request.args.getlist("grave") if v.isdigit()]
    typed = request.args.get("codes", "").replace(",", " ").split()
    if typed:
        codes = []
        for text in typed:
            code = graves.normal_code(text)
            if code is None:
                raise plaques.PlaqueError(
                    _("«%(text)s» не схоже на код могили.", text=text[:20]), "codes"
                )
            codes.append(code)
        found = {
            code: gid
            for code, gid in db.session.execute(
                select(Grave.code, Grave.id).where(Grave.code.in_(codes))
            )
        }
        missing = [c for c in codes if c not in found]
        if missing:
            raise plaques.PlaqueError(
                _("Могил з кодами %(codes)s немає.", codes=", ".join(missing)), "codes"
            )
        ids += list(found.values())
    if ids or request.args.getlist("grave") or typed:
        return ids
    return None


def label_sheet_pdf(chosen: list[Grave], layout: plaques.LabelLayout) -> bytes:
    """The PDF of labels for ``chosen`` graves (Ukrainian, as the plaques are)."""
    from weasyprint import HTML  # loaded on first use: it is heavy and needs pango

    with force_locale("uk"):
        labels = [
            {
                "grave": grave,
                "hero": grave.hero,
                "qr": Markup(plaques.qr_svg(grave_address(grave), sized=False).decode()),
            }
            for grave in chosen
        ]
        pages = [
            [
                (label, layout.position(i))
                for i, label in enumerate(labels[start : start + layout.per_page])
            ]
            for start in range(0, len(labels), layout.per_page)
        ]
        html = render_template("print/plaque_labels.html", pages=pages, layout=layout)
    return HTML(string=html, base_url=request.url_root).write_pdf()


@bp.get("/labels.pdf")
@staff_required
def labels_pdf():
    """The sheet of plaque labels as PDF, or the choice again with what was wrong."""
    try:
        layout = plaques.label_layout(
            request.args.get("width", plaques.DEFAULT_WIDTH),
            request.args.get("height", plaques.DEFAULT_HEIGHT),
        )
        chosen = plaques.label_graves(
            db.session,
            sector_id=_int_arg("sector"),
            grave_ids=_chosen_ids(),
            without_plaque=request.args.get("without_plaque") == "1",
        )
    except plaques.PlaqueError as exc:
        return _labels_page(exc, 400)
    stamp = clock.today_in_kyiv().isoformat()
    name = f"plaque-labels-{layout.width}x{layout.height}mm-{stamp}.pdf"
    return download(label_sheet_pdf(chosen, layout), "application/pdf", name)


# -- The works list ---------------------------------------------------------------------------


def _filters() -> dict:
    stage = request.args.get("stage") or None
    waiting = request.args.get("waiting") or None
    return {
        "cemetery_id": _int_arg("cemetery"),
        "sector_id": _int_arg("sector"),
        "waiting": waiting if waiting in plaques.WAITING else None,
        "stage": stage if stage in (*MonumentStage, "none") else None,
    }


@bp.get("/works")
@staff_required
def works():
    """Every grave with its hero and where its works stand, filtered."""
    filters = _filters()
    rows = plaques.works_list(db.session, **filters)
    cemeteries = db.session.scalars(select(Cemetery).order_by(Cemetery.name)).all()
    return render_template(
        "staff/grave_works.html",
        rows=rows,
        cemeteries=cemeteries,
        sectors=_sectors(),
        filters=filters,
        stages=plaques.STAGES,
        stage_labels=plaques.STAGE_LABELS,
        waiting=plaques.WAITING,
        stage_label=plaques.stage_label,
        export_args={k: v for k, v in request.args.items() if k != "page"},
    )


@bp.get("/works.csv")
@staff_required
def works_csv():
    """The filtered works list as CSV (UTF-8 with BOM)."""
    rows = plaques.works_list(db.session, **_filters())
    return download(plaques.works_csv(rows), "text/csv; charset=utf-8", "grave-works.csv")


@bp.get("/works.xlsx")
@staff_required
def works_xlsx():
    """The filtered works list as an XLSX workbook."""
    rows = plaques.works_list(db.session, **_filters())
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return download(plaques.works_xlsx(rows), mimetype, "grave-works.xlsx")


# -- One grave: its works and its monument's photo --------------------------------------------


def _grave_page(grave: Grave, error: str | None = None, status: int = 200, form=None, field=None):
    reached = graves.stage_reached(grave)
    following = plaques.STAGES.index(reached) + 1 if reached else 0
    next_stage = plaques.STAGES[min(following, len(plaques.STAGES) - 1)]
    return (
        render_template(
            "staff/grave_works_grave.html",
            grave=grave,
            done={MonumentStage(w.stage): w for w in grave.works},
            stages=plaques.STAGES,
            stage_labels=plaques.STAGE_LABELS,
            reached=reached,
            stage_label=plaques.stage_label,
            address=grave_address(grave),
            where=graves.describe(grave),
            error=error,
            error_field=field,
            form=form or {"stage": next_stage.value},
            today=clock.today_in_kyiv().isoformat(),
        ),
        status,
    )


@bp.get("/<int:grave_id>/works")
@staff_required
def grave(grave_id: int):
    """One grave: the steps of the standard done, a form to record one, QR codes, the photo."""
    return _grave_page(_grave(grave_id))


@bp.post("/<int:grave_id>/works")
@staff_required
def record_work(grave_id: int):
    """Record that a step was done (date, note); refused with a message when it cannot be."""
    grave = _grave(grave_id)
    form = request.form
    try:
        plaques.record_work(
            db.session,
            grave,
            form.get("stage", ""),
            form.get("done_on", ""),
            form.get("note", ""),
            current_staff(),
        )
    except plaques.PlaqueError as exc:
        db.session.rollback()
        return _grave_page(_grave(grave_id), str(exc), 400, form, exc.field)
    db.session.commit()
    flash(_("Записано."), "success")
    return redirect(url_for(".grave", grave_id=grave_id))


@bp.post("/<int:grave_id>/monument-photo")
@staff_required
def monument_photo(grave_id: int):
    """Upload (or remove) the monument's photo; it is cleaned of EXIF and GPS like every
    photo."""
    grave = _grave(grave_id)
    user = current_staff()
    if request.form.get("remove") == "1":
        plaques.set_monument_photo(db.session, grave, None, user)
        db.session.commit()
        flash(_("Фото пам'ятника прибрано."), "success")
        return redirect(url_for(".grave", grave_id=grave_id))
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return _grave_page(grave, _("Виберіть файл із фото пам'ятника."), 400, field="photo")
    max_bytes = current_app.config["MAX_PHOTO_BYTES"]
    data = upload.read(max_bytes + 1)
    name = (upload.filename or "")[-80:]
    if len(data) > max_bytes:
        message = _("Файл «%(name)s» завеликий: можна до %(mb)d МБ.", name=name, mb=max_bytes >> 20)
        return _grave_page(grave, message, 400, field="photo")
    try:
        stored = media.store_image(current_app.config["DATA_DIR"], data)
    except media.MediaError as exc:
        return _grave_page(grave, str(photo_error(exc, name)), 400, field="photo")
    plaques.set_monument_photo(db.session, grave, stored.file_path, user)
    db.session.commit()
    flash(_("Фото пам'ятника збережено."), "success")
    return redirect(url_for(".grave", grave_id=grave_id))


def _send_photo(grave: Grave, max_age: int):
    if not grave.monument_photo_path:
        abort(404)
    try:
        path = media.ensure_thumbnail(
            current_app.config["DATA_DIR"], grave.monument_photo_path, PHOTO_SIDE
        )
    except (media.MediaError, FileNotFoundError, OSError):
        abort(404)
    return send_stored(path, "image/jpeg", max_age)


@bp.get("/<int:grave_id>/monument.jpg")
@staff_required
def staff_photo(grave_id: int):
    """The monument's photo for staff (whoever lies there)."""
    return _send_photo(_grave(grave_id), 0)


@public_bp.get("/monuments/<code>.jpg")
def photo(code: str):
    """The photo of the monument on a grave where a published hero lies."""
    normal = graves.normal_code(code)
    grave = db.session.scalar(select(Grave).where(Grave.code == normal)) if normal else None
    if grave is None or grave.hero is None or not grave.hero.is_published:
        abort(404)
    return _send_photo(grave, 24 * 3600)
