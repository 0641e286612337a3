"""An unpublished hero leaves every way of being found at once: results, near spellings and
the "did you mean" suggestion (Whoosh keeps a deleted hero's terms until segments merge)."""

from __future__ import annotations

import pytest

from memorial.archive import set_status
from memorial.extensions import db
from memorial.models import Hero
from memorial.search import SearchRequest, search

RARE = "Зозулинський"
#: Misspellings of RARE within its typo budget: a letter left out, a swap, a wrong letter.
TYPOS = ("Зозулинский", "Зозулнийський", "Зозулинськйи", "Зозуленський")


def _add(app, surname: str, external_id: str) -> int:
    with app.app_context():
        hero = Hero(external_id=external_id, surname=surname, given_name="Тарас")
        set_status(hero, "published")
        db.session.add(hero)
        db.session.commit()
        return hero.id


def _hidden(app, hero_id: int) -> None:
    with app.app_context():
        set_status(db.session.get(Hero, hero_id), "draft")
        db.session.commit()


def _ask(app, q: str):
    with app.app_context():
        return search(SearchRequest(q=q))


@pytest.mark.parametrize("after_reindex", [False, True], ids=["new", "reindexed"])
def test_unpublished_name_is_neither_suggested_nor_found_by_a_typo(app, runner, after_reindex):
    """A family asked to hide a profile: no hit and no suggestion of the name, at once."""
    for i in range(11):  # other heroes, so the hero's segment is not simply dropped
        _add(app, f"Інший{'бвгджзклмнп'[i]}енко", f"o-{i}")
    hero_id = _add(app, RARE, "rare")
    if after_reindex:  # one large segment, as on a real archive: never merged on a delete
        assert runner.invoke(args=["reindex"]).exit_code == 0
    for typo in TYPOS:  # published: a typo finds the hero and the name is suggested
        page = _ask(app, typo)
        assert [h.hero_id for h in page.hits] == [hero_id], typo
    assert _ask(app, "Зозулинскийй").suggestion == RARE

    _hidden(app, hero_id)
    for q in (RARE, *TYPOS, "Зозулинскийй", f"Тарас {TYPOS[0]}"):
        page = _ask(app, q)
        assert hero_id not in [h.hero_id for h in page.hits], q
        assert page.total == 0 or q.startswith("Тарас"), q  # the others are Тарас too
        assert not page.suggestion or "озулин" not in page.suggestion, (q, page.suggestion)
        near = page.terms[len(q.split()) :]  # near spellings found in the index
        assert not any("озулин" in t for t in near), (q, page.terms)
    # The other heroes are still found through their own typos.
    with app.app_context():
        first = db.session.scalar(db.select(Hero.id).where(Hero.external_id == "o-0"))
    assert _ask(app, "Іншийбенкко").hits[0].hero_id == first
