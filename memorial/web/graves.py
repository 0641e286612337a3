"""Public pages of burial places: a grave's permanent address (what its QR code carries)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from sqlalchemy import select

from .. import graves
from ..extensions import db
from ..models import Grave, GraveEvent, GraveEventKind, Hero

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
