"""Public pages of burial places: a grave's permanent address (what its QR code carries),
the cemeteries with what a visitor needs, and the plan of each sector."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import func, select

from .. import graves, media
from ..extensions import db
from ..models import Cemetery, Grave, GraveEvent, GraveEventKind, GraveSector, Hero
from . import sector_plan as sector_plan_module
from .security import send_stored

bp = Blueprint("graves", __name__)


@bp.get("/g/<code>")
def grave_code(code: str):
    """A grave's permanent address: the profile of the hero who lies there, told where the
    visitor stands; a place left free says so and where the hero was moved."""
    normal = graves.normal_code(code)
    grave = db.session.scalar(select(Grave).where(Grave.code == normal)) if normal else None
    if grave is None:
        abort(404)
    hero = grave.hero
    if hero is not None and hero.is_published:
        return redirect(url_for("public.hero", slug=hero.slug, at=grave.code))
    moved = db.session.scalar(
        select(GraveEvent)
        .where(GraveEvent.grave_id == grave.id, GraveEvent.kind == GraveEventKind.REBURIED)
        .order_by(GraveEvent.id.desc())
    )
    moved_hero = db.session.get(Hero, moved.hero_id) if moved and moved.hero_id else None
    if moved_hero is not None and not moved_hero.is_published:
        moved_hero = None
    return render_template(
        "public/grave_place.html",
        grave=grave,
        moved=moved if moved_hero else None,
        moved_hero=moved_hero,
    )


# --- Cemeteries, their sectors and the plan of each ------------------------------------------


def _cemetery(cemetery_id: int) -> Cemetery:
    cemetery = db.session.get(Cemetery, cemetery_id)
    if cemetery is None:
        abort(404)
    return cemetery


@bp.get("/cemeteries")
def cemeteries():
    """The cemeteries whose sectors the archive knows: where they are and when they open."""
    rows = db.session.scalars(
        select(Cemetery).where(Cemetery.sectors.any()).order_by(Cemetery.name)
    ).all()
    return render_template("public/cemeteries.html", cemeteries=rows)


@bp.get("/cemeteries/<int:cemetery_id>")
def cemetery(cemetery_id: int):
    """One cemetery: how to visit it, and its sectors with their photos."""
    item = _cemetery(cemetery_id)
    counts = dict(
        db.session.execute(
            select(Grave.sector_id, func.count(Grave.id))
            .join(Hero, Grave.hero_id == Hero.id)
            .join(GraveSector, Grave.sector_id == GraveSector.id)
            .where(GraveSector.cemetery_id == item.id, Hero.is_published)
            .group_by(Grave.sector_id)
        ).all()
    )
    return render_template("public/cemetery.html", cemetery=item, counts=counts)


def _sector(cemetery_id: int, sector_id: int) -> GraveSector:
    sector = db.session.get(GraveSector, sector_id)
    if sector is None or sector.cemetery_id != cemetery_id:
        abort(404)
    return sector


@bp.get("/cemeteries/<int:cemetery_id>/sectors/<int:sector_id>")
def sector_plan(cemetery_id: int, sector_id: int):
    """The plan of a sector, and the same places as a table; ``?grave=CODE`` marks a grave
    (the "where is the grave" link of a profile). Any other value goes to the plain plan."""
    sector = _sector(cemetery_id, sector_id)
    wanted = request.args.get("grave")
    here_code = None
    if wanted is not None:
        here_code = graves.normal_code(wanted)
        known = here_code is not None and db.session.scalar(
            select(Grave.id).where(Grave.code == here_code, Grave.sector_id == sector.id)
        )
        if not known or here_code != wanted:
            if known:
                return redirect(
                    url_for(
                        ".sector_plan",
                        cemetery_id=cemetery_id,
                        sector_id=sector.id,
                        grave=here_code,
                    )
                )
            return redirect(url_for(".sector_plan", cemetery_id=cemetery_id, sector_id=sector.id))
    plan = sector_plan_module.build(db.session, sector, here_code)
    return render_template(
        "public/sector_plan.html",
        plan=plan,
        sector=sector,
        cemetery=sector.cemetery,
        max_drawn=sector_plan_module.MAX_DRAWN,
    )


@bp.get("/cemeteries/<int:cemetery_id>/sectors/<int:sector_id>/photo")
def sector_photo(cemetery_id: int, sector_id: int):
    """The photo of a sector (stored without its metadata), as a JPEG of 800 px at most."""
    sector = _sector(cemetery_id, sector_id)
    if not sector.photo_path:
        abort(404)
    try:
        path = media.ensure_thumbnail(current_app.config["DATA_DIR"], sector.photo_path, 800)
    except (media.MediaError, OSError):
        abort(404)
    return send_stored(path, "image/jpeg", 24 * 3600)
