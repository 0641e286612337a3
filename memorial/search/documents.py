"""What the search index knows about a hero, built from the database (the one truth)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from ..interviews import public_interviews, transcript_text
from ..language import first_letter, full_name, normalize, translit_uk
from ..records import public_view
from .understanding import award_aliases, date_keys, unit_aliases


@dataclass
class HeroDocument:
    """The searchable view of one published hero."""

    id: int
    name: str
    call_sign: str
    name_latin: str
    places: str
    unit: str
    text: str
    letter: str
    sort_name: str
    birth_year: int | None
    death_year: int | None
    death_sort: int
    facets: dict[str, str] = field(default_factory=dict)
    #: Keys of the dates of birth and death (``understanding.date_keys``), space-separated.
    dates: str = ""

    @property
    def digest(self) -> str:
        """A fingerprint of the content, to tell a stale index entry from a fresh one."""
        payload = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


FACET_FIELDS = (
    "military_unit",
    "home_community",
    "birth_place",
    "burial_place",
    "rank",
    "collection",
)


def facet_value(value: str | None) -> str:
    """The form a filter value is stored and compared in: normalised, trimmed, one space."""
    return " ".join(normalize(value or "").split())


def _join(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


def hero_text(hero) -> str:
    """All running text of a hero: biography, stories, awards, circumstances and places."""
    stories = [_join(s.title, s.body, s.author_name) for s in hero.stories]
    # Degrees written in Roman figures are found by Arabic ones too (``II`` and ``2``).
    awards = [_join(a.name, award_aliases(a.name)) for a in hero.awards]
    # Public interviews are found by their title and transcript, as stories are.
    interviews = [_join(i.title, transcript_text(i)) for i in public_interviews(hero)]
    return _join(
        hero.biography,
        hero.death_circumstances,
        hero.position,
        hero.rank,
        getattr(hero, "life_now", None),
        *awards,
        *stories,
        *interviews,
    )


def build_document(hero) -> HeroDocument:
    """Turn a loaded hero (with awards and stories) into its index document.

    A hero in an empty frame (``name_only``) is found by the name alone."""
    hero = public_view(hero)
    name = full_name(hero.surname, hero.given_name, hero.patronymic)
    if getattr(hero, "name_only", False):
        return _name_only_document(hero, name)
    places = _join(hero.birth_place, hero.home_community, hero.death_place, hero.burial_place)
    # Places and units are found in Latin too (official transliteration), as names are:
    # relatives abroad type "Kramatorsk", "Izium", "Kholodnyi Yar".
    places = _join(places, translit_uk(places))
    # A unit is found by its abbreviation, its full name and a brigade's honorary name alike.
    unit = _join(
        hero.military_unit,
        unit_aliases(hero.military_unit or ""),
        translit_uk(hero.military_unit or ""),
    )
    latin = _join(translit_uk(name), translit_uk(hero.call_sign or ""))
    death = hero.death_date
    death_sort = death.year * 10000 + (death.month or 0) * 100 + (death.day or 0) if death else 0
    return HeroDocument(
        id=hero.id,
        name=normalize(name),
        call_sign=normalize(hero.call_sign or ""),
        name_latin=latin,
        places=normalize(places),
        unit=normalize(unit),
        text=normalize(hero_text(hero)),
        letter=first_letter(hero.surname),
        sort_name=normalize(name).casefold(),
        birth_year=hero.birth_year,
        death_year=hero.death_year,
        death_sort=death_sort,
        facets={f: facet_value(getattr(hero, f)) for f in FACET_FIELDS},
        dates=_date_keys(hero),
    )


def _name_only_document(hero, name: str) -> HeroDocument:
    """The document of a hero shown in an empty frame: the name and the dates, no text."""
    death = hero.death_date
    death_sort = death.year * 10000 + (death.month or 0) * 100 + (death.day or 0) if death else 0
    return HeroDocument(
        id=hero.id,
        name=normalize(name),
        call_sign="",
        name_latin=translit_uk(name),
        places="",
        unit="",
        text="",
        letter=first_letter(hero.surname),
        sort_name=normalize(name).casefold(),
        birth_year=hero.birth_year,
        death_year=hero.death_year,
        death_sort=death_sort,
        facets={f: "" for f in FACET_FIELDS} | {"collection": hero.collection or "fallen"},
        dates=_date_keys(hero),
    )


def _date_keys(hero) -> str:
    """Index keys of the (public) dates of birth and death, to find a day a visitor types."""
    keys = []
    for prefix, date in (("b", getattr(hero, "birth_date", None)), ("d", hero.death_date)):
        if date:
            keys += date_keys(prefix, date.year, date.month, date.day)
    return " ".join(keys)
