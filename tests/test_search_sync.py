"""The index follows commits: commit -> found, rollback -> not found, unpublish -> gone."""

from __future__ import annotations

from sqlalchemy import select

from memorial.archive import set_status
from memorial.extensions import db
from memorial.models import Hero, Story
from memorial.search import SearchRequest, backend_for, search
from memorial.search.tables import SearchOutbox


def ids_for(app, q):
    with app.app_context():
        return [hit.hero_id for hit in search(SearchRequest(q=q)).hits]


def add_hero(app, surname="Остапчук", status="published", **fields):
    with app.app_context():
        hero = Hero(external_id=f"s-{surname}", surname=surname, given_name="Роман", **fields)
        set_status(hero, status)
        db.session.add(hero)
        db.session.commit()
        return hero.id


def test_commit_makes_hero_findable(app):
    hero_id = add_hero(app)
    assert ids_for(app, "Остапчук") == [hero_id]
    assert ids_for(app, "Остапчука") == [hero_id]


def test_rollback_leaves_nothing(app):
    with app.app_context():
        hero = Hero(external_id="rb", surname="Відкатенко", given_name="Іван", status="published")
        db.session.add(hero)
        db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(SearchOutbox.id)) is None
    assert ids_for(app, "Відкатенко") == []


def test_draft_never_found(app):
    add_hero(app, surname="Чернетка", status="draft")
    assert ids_for(app, "Чернетка") == []


def test_unpublish_removes_and_republish_restores(app):
    hero_id = add_hero(app)
    with app.app_context():
        hero = db.session.get(Hero, hero_id)
        set_status(hero, "draft")
        db.session.commit()
    assert ids_for(app, "Остапчук") == []
    with app.app_context():
        set_status(db.session.get(Hero, hero_id), "published")
        db.session.commit()
    assert ids_for(app, "Остапчук") == [hero_id]


def test_new_story_is_searchable_text_of_its_hero(app):
    hero_id = add_hero(app)
    with app.app_context():
        hero = db.session.get(Hero, hero_id)
        hero.stories.append(Story(body="Він любив соняшники біля хати.", author_name="Мати"))
        db.session.commit()
    assert ids_for(app, "соняшник") == [hero_id]


def test_deleted_hero_leaves_index(app):
    hero_id = add_hero(app)
    with app.app_context():
        db.session.delete(db.session.get(Hero, hero_id))
        db.session.commit()
    assert ids_for(app, "Остапчук") == []


def test_locked_index_never_fails_a_commit(app):
    """While another process holds the writer lock, commits succeed and wait in the outbox."""
    backend = backend_for(app)
    backend.open()
    app.extensions["memorial.index_sync"].mode = "thread"
    held = backend.write_lock(blocking=True)  # a separate holder, as another process would be
    held.__enter__()
    try:
        hero_id = add_hero(app, surname="Заблоковий")  # no request: drains inline, must not raise
        with app.app_context():
            assert db.session.scalar(select(SearchOutbox.hero_id)) == hero_id
        assert ids_for(app, "Заблоковий") == []
    finally:
        held.__exit__(None, None, None)
    with app.app_context():
        left = app.extensions["memorial.index_sync"].drain(blocking=True)
    assert left == 0
    assert ids_for(app, "Заблоковий") == [hero_id]


def test_web_request_commit_reaches_index_through_background_thread(app):
    app.extensions["memorial.index_sync"].mode = "thread"

    @app.post("/test-add")
    def add():
        hero = Hero(external_id="web", surname="Фоновий", given_name="Олег")
        set_status(hero, "published")
        db.session.add(hero)
        db.session.commit()
        return str(hero.id)

    app.config["WTF_CSRF_ENABLED"] = False
    hero_id = int(app.test_client().post("/test-add").get_data(as_text=True))
    assert app.extensions["memorial.index_sync"].wait_idle(10)
    assert ids_for(app, "Фоновий") == [hero_id]


def test_edited_hero_is_found_once_by_a_searcher_opened_before(app):
    """A searcher kept open between searches must see the replaced entry, not both."""
    hero_id = add_hero(app, surname="Повторенко")
    assert ids_for(app, "Повторенко") == [hero_id]
    for rank in ("солдат", "сержант", "старший сержант"):
        with app.app_context():
            db.session.get(Hero, hero_id).rank = rank
            db.session.commit()
        assert ids_for(app, "Повторенко") == [hero_id]
