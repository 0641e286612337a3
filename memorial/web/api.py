"""The JSON API (version 1) and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from ..extensions import csrf, db
from ..models import Hero
from ..porting import hero_record
from ..search import backend_for
from .finder import MAX_PER_PAGE, BadSearch, find, parse_search_args

bp = Blueprint("api", __name__)
csrf.exempt(bp)


def error(message: str, status: int):
    """A JSON error with a message for people."""
    response = jsonify({"error": message, "status": status})
    response.status_code = status
    return response


def hero_json(hero: Hero) -> dict:
    """A published hero in the archive format, plus ``id``, ``slug`` and ``url``."""
    record = hero_record(hero)
    record["photos"] = [
        {
            "file": url_for("public.photo", file_path=p.file_path, _external=True),
            "caption": p.caption,
            "primary": p.is_primary,
        }
        for p in hero.photos
    ]
    return {
        "id": hero.id,
        "slug": hero.slug,
        "url": url_for("public.hero", slug=hero.slug, _external=True),
        **record,
    }


@bp.get("/api/v1/search")
def api_search():
    """Published heroes matching ``q`` (and filters), best match first."""
    try:
        req = parse_search_args(request.args)
    except BadSearch as exc:
        return error(str(exc), 400)
    page, found = find(req)
    return jsonify(
        {
            "query": req.q,
            "total": page.total,
            "page": req.page,
            "per_page": req.per_page,
            "results": [
                {
                    "id": f.hero.id,
                    "external_id": f.hero.external_id,
                    "slug": f.hero.slug,
                    "full_name": f.hero.full_name,
                    "url": url_for("public.hero", slug=f.hero.slug, _external=True),
                    "birth_date": f.hero.birth_date.iso() if f.hero.birth_date else None,
                    "death_date": f.hero.death_date.iso() if f.hero.death_date else None,
                    "snippet": str(f.snippet),
                }
                for f in found
            ],
            "partial": page.partial,
            "suggestion": page.suggestion,
            "facets": page.facets,
        }
    )


@bp.get("/api/v1/heroes/<int:hero_id>")
def api_hero(hero_id: int):
    """One published hero; 404 for a missing or unpublished one."""
    hero = db.session.scalar(
        select(Hero)
        .where(Hero.id == hero_id, Hero.is_published)
        .options(selectinload(Hero.awards), selectinload(Hero.stories), selectinload(Hero.photos))
    )
    if hero is None:
        return error("hero not found", 404)
    return jsonify(hero_json(hero))


@bp.get("/api/v1/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    from .openapi import spec

    return jsonify(spec(MAX_PER_PAGE))


@bp.get("/healthz")
def healthz():
    """State of the database and the index; 503 when either is unusable."""
    state = {"database": "ok", "index": "ok"}
    status = 200
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # report, never raise: this is what monitoring reads
        state["database"] = f"error: {type(exc).__name__}"
        status = 503
    try:
        state["indexed"] = backend_for(current_app).doc_count()
    except Exception as exc:
        state["index"] = f"error: {type(exc).__name__}"
        status = 503
    state["status"] = "ok" if status == 200 else "error"
    return jsonify(state), status
