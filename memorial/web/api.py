"""The JSON API (version 1) and the health check."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, jsonify, request, url_for
from sqlalchemy import func, select, text

from ..extensions import csrf, db, limiter
from ..models import Hero
from ..records import RECORD_LOADS, public_photos, public_record, public_view
from ..search import backend_for
from ..search.tables import SearchOutbox
from . import pagecache
from .finder import MAX_PER_PAGE, BadSearch, find, parse_search_args
from .templating import public_url
from .veterans import profile_url

bp = Blueprint("api", __name__)
csrf.exempt(bp)


def error(message: str, status: int):
    """A JSON error with a message for people."""
    response = jsonify({"error": message, "status": status})
    response.status_code = status
    return response


def hero_json(hero: Hero) -> dict:
    """A published hero in the archive format, plus ``id``, ``slug`` and ``url``."""
    record = public_record(hero)
    record["photos"] = (
        []
        if hero.name_only
        else [
            {
                "file": url_for("public.photo", file_path=p.file_path, _external=True),
                "caption": p.caption,
                "primary": p.is_primary,
            }
            for p in public_photos(hero)
        ]
    )
    if record["grave"]:
        record["grave"]["url"] = public_url("graves.grave_code", code=record["grave"]["code"])
    return {
        "id": hero.id,
        "slug": hero.slug,
        "url": profile_url(hero, _external=True),
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
            "results": [_result(public_view(f.hero), f.snippet) for f in found],
            "partial": page.partial,
            "suggestion": page.suggestion,
            "facets": page.facets,
        }
    )


def _result(hero, snippet) -> dict:
    """One search result, as the public may see the hero."""
    return {
        "id": hero.id,
        "external_id": hero.external_id,
        "slug": hero.slug,
        "full_name": hero.full_name,
        "url": profile_url(hero, _external=True),
        "birth_date": hero.birth_date.iso() if hero.birth_date else None,
        "death_date": hero.death_date.iso() if hero.death_date else None,
        "snippet": str(snippet),
        "collection": hero.collection,
    }


@bp.get("/api/v1/heroes/<int:hero_id>")
def api_hero(hero_id: int):
    """One published hero; 404 for a missing or unpublished one."""
    hero = db.session.scalar(
        select(Hero).where(Hero.id == hero_id, Hero.is_published).options(*RECORD_LOADS)
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
    """State of the database, the index, its queue of changes, the page cache and the rate
    limiter; 503 when the database or the index is unusable or the index is behind. A cache
    or limiter without Redis only degrades the site, so it is reported but stays 200."""
    state: dict = {"database": "ok", "index": "ok"}
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
    try:
        queued, oldest = db.session.execute(
            select(func.count(SearchOutbox.id), func.min(SearchOutbox.queued_at))
        ).one()
        age = 0
        if oldest is not None:
            if oldest.tzinfo is None:  # SQLite keeps UTC without the zone
                oldest = oldest.replace(tzinfo=dt.UTC)
            age = max(0, int((dt.datetime.now(dt.UTC) - oldest).total_seconds()))
        state["outbox"] = {"queued": queued, "oldest_seconds": age}
        if queued and age > current_app.config["OUTBOX_MAX_AGE"]:
            state["index"] = f"behind: {queued} changes queued for {age} s"
            status = 503
    except Exception as exc:
        db.session.rollback()
        state["outbox"] = f"error: {type(exc).__name__}"
        status = 503
    state["cache"] = pagecache.health()
    state["limiter"] = _limiter_state()
    state["status"] = "ok" if status == 200 else "error"
    return jsonify(state), status


def _limiter_state() -> str:
    """``ok``, or ``fallback: memory`` while the limits' Redis does not answer."""
    try:
        reachable = limiter.storage.check()
    except Exception:
        reachable = False
    if reachable:
        return "ok"
    return (
        "fallback: memory"
        if current_app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"]
        else ("unreachable")
    )
