"""Searching for heroes on behalf of a page or the API: arguments in, heroes and snippets out."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Hero
from ..records import COLLECTIONS
from ..search import SearchPage, SearchRequest, search
from ..search.documents import FACET_FIELDS
from ..search.snippets import best_passage, passages

MAX_PER_PAGE = 100
#: The longest query and filter value a search takes (the API's description says the same).
MAX_QUERY_CHARS = 2000
MAX_FILTER_CHARS = 300
#: What ``facets=`` may say: the counts per filter value wanted, or not.
FACETS_ON = ("1", "true", "yes", "on")
FACETS_OFF = ("0", "false", "no", "off")
SORTS = ("relevance", "name", "death")


class BadSearch(ValueError):
    """Search arguments that cannot be used; the message is for the visitor."""


@dataclass
class Found:
    """A hero found by a search, with the passage that matched."""

    hero: Hero
    snippet: Markup
    score: float


def _int_arg(args, name: str, default: int | None, low: int, high: int) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        number = float(raw)  # "30" and "30.0" are the same whole number
    except (TypeError, ValueError):
        number = float("nan")
    if not number.is_integer():
        raise BadSearch(_("Параметр %(name)s має бути цілим числом.", name=name))
    value = int(number)
    if not low <= value <= high:
        raise BadSearch(
            _("Параметр %(name)s має бути від %(low)d до %(high)d.", name=name, low=low, high=high)
        )
    return value


def _text_arg(args, name: str, limit: int) -> str:
    """A text argument of at most ``limit`` characters; a longer one is refused, not cut."""
    value = args.get(name) or ""
    if len(value) > limit:
        raise BadSearch(
            _("Параметр %(name)s задовгий: не більше %(n)d символів.", name=name, n=limit)
        )
    return value


def parse_search_args(args, per_page_default: int = 20) -> SearchRequest:
    """Turn query-string arguments into a search request, refusing bad values clearly."""
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        raise BadSearch(_("Невідомий порядок сортування."))
    filters = {}
    for name in FACET_FIELDS:
        value = _text_arg(args, name, MAX_FILTER_CHARS).strip()
        if value:
            filters[name] = value
    if filters.get("collection", "fallen") not in COLLECTIONS:
        raise BadSearch(_("Параметр collection має бути fallen або veteran."))
    letter = _text_arg(args, "letter", 1).strip().upper() or None
    facets_arg = (args.get("facets") or "1").strip().lower()
    if facets_arg not in FACETS_ON + FACETS_OFF:
        raise BadSearch(_("Параметр facets має бути 0 або 1."))
    facets = facets_arg in FACETS_ON
    return SearchRequest(
        q=_text_arg(args, "q", MAX_QUERY_CHARS),
        page=_int_arg(args, "page", 1, 1, 10_000),
        per_page=_int_arg(args, "per_page", per_page_default, 1, MAX_PER_PAGE),
        death_year=_int_arg(args, "death_year", None, 1000, 2999),
        birth_year=_int_arg(args, "birth_year", None, 1000, 2999),
        letter=letter,
        filters=filters,
        sort=sort,
        facets=facets,
    )


def facet_labels() -> dict[str, str]:
    """Names of the filters in the interface language, in the order they are shown."""
    return {
        "death_year": _("Рік загибелі"),
        "birth_year": _("Рік народження"),
        "military_unit": _("Військова частина"),
        "home_community": _("Громада"),
        "birth_place": _("Місце народження"),
        "burial_place": _("Місце поховання"),
        "rank": _("Звання"),
        "collection": _("Зібрання"),
    }


def facet_choices(
    page: SearchPage, limit: int = 12
) -> list[tuple[str, str, list[tuple[str, int]]]]:
    """Facets to show: (argument, label, [(value, count)]) with the most frequent values first."""
    out = []
    for key, label in facet_labels().items():
        counts = page.facets.get(key) or {}
        if key.endswith("_year"):
            values = sorted(counts.items(), key=lambda kv: kv[0], reverse=True)[:limit]
        else:
            values = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        if values:
            out.append((key, label, values))
    return out


def value_label(key: str, value: str) -> str:
    """A filter value as the visitor reads it (the collections by their names)."""
    if key == "collection":
        return {"fallen": _("Загиблі"), "veteran": _("Ветерани")}.get(value, value)
    return value


def active_filters(req: SearchRequest) -> list[tuple[str, str, str]]:
    """Filters in force: (argument, label, value), to show and to remove one by one."""
    labels = facet_labels()
    out = []
    for key in ("death_year", "birth_year"):
        if getattr(req, key):
            out.append((key, labels[key], str(getattr(req, key))))
    for key, value in req.filters.items():
        out.append((key, labels.get(key, key), value))
    if req.letter:
        out.append(("letter", _("Літера"), req.letter))
    return out


def find(request: SearchRequest) -> tuple[SearchPage, list[Found]]:
    """Search, then load the page's heroes from the database (published only) with snippets."""
    page = search(request)
    ids = [hit.hero_id for hit in page.hits]
    heroes = {}
    if ids:
        rows = db.session.scalars(
            select(Hero)
            .where(Hero.id.in_(ids), Hero.is_published)
            .options(
                selectinload(Hero.stories), selectinload(Hero.awards), selectinload(Hero.photos)
            )
        ).all()
        heroes = {h.id: h for h in rows}
    found = []
    for hit in page.hits:
        hero = heroes.get(hit.hero_id)
        if hero is None:  # unpublished since the index last heard of it
            continue
        found.append(Found(hero, snippet(hero, page.terms), hit.score))
    return page, found


def snippet(hero: Hero, terms: list[str]) -> Markup:
    """The passage of the hero's text that matched, named by its field unless it is the
    biography ("Нагороди: …", "Спогад «Мій брат»: …")."""
    passage, text = best_passage(passages(hero), terms)
    if passage is None or passage.key == "biography" or not text:
        return text
    names = {
        "death_circumstances": _("Обставини загибелі"),
        "service": _("Служба"),
        "awards": _("Нагороди"),
        "story": _("Спогад"),
        "interview": _("Запис інтерв'ю"),
    }
    name = names.get(passage.key, "")
    if passage.title:
        name = _("%(name)s «%(title)s»", name=name, title=passage.title)
    return Markup('<span class="snippet-field">%s:</span> ') % name + text
