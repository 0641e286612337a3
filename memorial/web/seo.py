"""What search engines read: ``robots.txt`` and the sitemaps of every public page."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, url_for
from sqlalchemy import func, select

from .. import browse
from ..extensions import db
from ..models import GraveSector, Hero, HeroCollection

bp = Blueprint("seo", __name__)

#: Profiles per sitemap file (the protocol allows 50,000; smaller files are kinder to crawlers).
HEROES_PER_SITEMAP = 10_000

#: Path prefixes crawlers are asked to keep out of: staff pages, the JSON API, forms.
DISALLOWED = ("/staff", "/api/", "/login", "/logout")


def _xml(template: str, **context) -> Response:
    return Response(render_template(template, **context), mimetype="application/xml")


@bp.get("/robots.txt")
def robots() -> Response:
    """Allow the public archive, keep crawlers out of staff pages, point at the sitemap."""
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in DISALLOWED),
        "",
        f"Sitemap: {url_for('seo.sitemap_index', _external=True)}",
        "",
    ]
    return Response("\n".join(lines), mimetype="text/plain")


def _hero_sitemap_count() -> int:
    total = db.session.scalar(select(func.count(Hero.id)).where(Hero.is_published)) or 0
    return max(1, -(-total // HEROES_PER_SITEMAP))


@bp.get("/sitemap.xml")
def sitemap_index() -> Response:
    """The sitemap index: one file of browsing pages, and the profiles in numbered files."""
    return _xml("public/sitemap_index.xml", hero_files=range(1, _hero_sitemap_count() + 1))


@bp.get("/sitemap-pages.xml")
def sitemap_pages() -> Response:
    """Home, the lists and every browsing page."""
    urls = [
        url_for("public.index", _external=True),
        url_for("public.heroes", _external=True),
        url_for("public.years", _external=True),
        url_for("veterans.index", _external=True),
        url_for("opendata.page", _external=True),
    ]
    urls += [
        url_for("public.by_year", year=year, _external=True)
        for year, _count in browse.death_years()
    ]
    for field in browse.GROUP_FIELDS:
        urls.append(url_for("public.group_index", field=field, _external=True))
        urls += [
            url_for("public.by_group", field=field, key=group.key, _external=True)
            for group in browse.groups(field)
        ]
    sectors = db.session.execute(
        select(GraveSector.cemetery_id, GraveSector.id).order_by(
            GraveSector.cemetery_id, GraveSector.id
        )
    ).all()
    if sectors:
        urls.append(url_for("graves.cemeteries", _external=True))
    for cemetery_id in dict.fromkeys(c for c, _s in sectors):
        urls.append(url_for("graves.cemetery", cemetery_id=cemetery_id, _external=True))
    urls += [
        url_for("graves.sector_plan", cemetery_id=c, sector_id=s, _external=True)
        for c, s in sectors
    ]
    return _xml("public/sitemap_urls.xml", urls=[(u, None) for u in urls])


@bp.get("/sitemap-heroes-<int:number>.xml")
def sitemap_heroes(number: int) -> Response:
    """One file of published profiles, with the day each last changed."""
    if not 1 <= number <= _hero_sitemap_count():
        abort(404)
    rows = db.session.execute(
        select(Hero.slug, Hero.updated_at, Hero.collection)
        .where(Hero.is_published)
        .order_by(Hero.id)
        .offset((number - 1) * HEROES_PER_SITEMAP)
        .limit(HEROES_PER_SITEMAP)
    ).all()
    urls = [
        (
            url_for(
                "veterans.profile" if collection == HeroCollection.VETERAN else "public.hero",
                slug=slug,
                _external=True,
            ),
            updated.date().isoformat() if updated else None,
        )
        for slug, updated, collection in rows
    ]
    return _xml("public/sitemap_urls.xml", urls=urls)


def person_jsonld(hero: Hero) -> dict:
    """A schema.org ``Person`` describing a published hero, for search engines."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": hero.full_name,
        "givenName": hero.given_name,
        "familyName": hero.surname,
        "url": url_for("public.hero", slug=hero.slug, _external=True),
    }
    if hero.patronymic:
        data["additionalName"] = hero.patronymic
    if hero.call_sign:
        data["alternateName"] = hero.call_sign
    if hero.birth_date:
        data["birthDate"] = hero.birth_date.iso()
    if hero.death_date:
        data["deathDate"] = hero.death_date.iso()
    if hero.name_only:  # the empty frame: nothing beyond the name and the dates
        data.pop("alternateName", None)
        return data
    if hero.birth_place:
        data["birthPlace"] = {"@type": "Place", "name": hero.birth_place}
    if hero.death_place:
        data["deathPlace"] = {"@type": "Place", "name": hero.death_place}
    if hero.rank:
        data["jobTitle"] = hero.rank
    if hero.military_unit:
        data["memberOf"] = {"@type": "Organization", "name": hero.military_unit}
    if hero.awards:
        data["award"] = [award.name for award in hero.awards]
    portrait = hero.primary_photo
    if portrait:
        data["image"] = url_for(
            "public.thumbnail", side=800, file_path=portrait.file_path, _external=True
        )
    return data
