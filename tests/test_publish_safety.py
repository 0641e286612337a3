"""Publishing only when it is safe: the family-notified check and the embargo."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from sqlalchemy import func, select

from memorial import clock, create_app, provenance
from memorial.extensions import db
from memorial.models import AuditEvent, Hero, Revision, Submission, User
from memorial.schema import create_tables

from helpers import (
    SUBMITTER,
    app_config,
    csrf_token,
    login,
    post_form,
    record,
    reference_of,
    search_api,
    submission,
    write_archive,
)

BEFORE = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
#: The embargo typed in the form: 15 January 2027, 09:00 in Kyiv (07:00 UTC, winter time).
EMBARGO_KYIV = "2027-01-15T09:00"
EMBARGO_UTC = dt.datetime(2027, 1, 15, 7, 0, tzinfo=dt.UTC)


def import_records(app, tmp_path, records, name="a"):
    result = app.test_cli_runner().invoke(
        args=["import-archive", str(write_archive(tmp_path / name, records))]
    )
    assert result.exit_code == 0, result.output


def hero_of(app, external_id: str) -> Hero:
    with app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.external_id == external_id))
        db.session.expunge(hero)
        return hero


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_new_hero_submission_is_published_only_after_the_notified_check(app, client, staff):
    reference = reference_of(
        client,
        post_form(client, "/submit", {**SUBMITTER, "surname": "Мельник", "given_name": "Роман"}),
    )
    item = submission(app, reference)
    login(client, staff["moderator"])
    url = f"/staff/submissions/{item.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Родину офіційно сповіщено про загибель" in page

    refused = client.post(
        f"{url}/approve", data={"csrf_token": csrf_token(client, url)}, follow_redirects=True
    )
    assert refused.status_code == 200
    assert "спершу підтвердьте, що родину офіційно сповіщено" in refused.get_data(as_text=True)
    assert submission(app, reference).status == "received"
    with app.app_context():
        assert db.session.scalar(select(func.count(Hero.id))) == 0
        assert db.session.scalar(select(func.count(Revision.id))) == 0
    assert search_api(client, "Мельник") == []

    client.post(f"{url}/approve", data={"csrf_token": csrf_token(client, url), "notified": "y"})
    assert submission(app, reference).status == "published"
    assert search_api(client, "Мельник") == ["Мельник Роман"]
    with app.app_context():
        hero = db.session.scalar(select(Hero))
        moderator = db.session.scalar(select(User).where(User.email == staff["moderator"]))
        assert hero.notified_confirmed_at is not None
        assert hero.notified_confirmed_by_id == moderator.id
    assert "hero.notified" in audit_actions(app)


def test_a_draft_is_published_only_with_the_check_and_an_import_counts_as_one(
    app, client, staff, tmp_path
):
    import_records(
        app,
        tmp_path,
        [record("d-1", status="draft"), record("p-1", surname="Шевчук", given_name="Іван")],
    )
    draft, imported = hero_of(app, "d-1"), hero_of(app, "p-1")
    assert draft.notified_confirmed_at is None
    # An import of a published hero is the staff's confirmation, recorded on the hero.
    assert imported.notified_confirmed_at is not None
    assert imported.notified_confirmed_by_id is None  # the CLI: no account

    login(client, staff["moderator"])
    url = f"/staff/heroes/{draft.id}"
    assert "Сповіщення родини ще не підтверджено" in client.get(url).get_data(as_text=True)
    refused = client.post(
        f"{url}/publish",
        data={"csrf_token": csrf_token(client, url), "text": "готово"},
        follow_redirects=True,
    )
    assert "спершу підтвердьте" in refused.get_data(as_text=True)
    after = hero_of(app, "d-1")
    assert after.status == "draft" and after.notified_confirmed_at is None
    assert "hero.publish" not in audit_actions(app)

    client.post(
        f"{url}/publish",
        data={"csrf_token": csrf_token(client, url), "text": "готово", "notified": "y"},
    )
    published = hero_of(app, "d-1")
    assert published.status == "published" and published.notified_confirmed_at is not None
    assert audit_actions(app)[-2:] == ["hero.notified", "hero.publish"]
    # Unpublished and published again: the confirmation stands, no second check is asked.
    client.post(f"{url}/unpublish", data={"csrf_token": csrf_token(client, url), "text": "x"})
    client.post(f"{url}/publish", data={"csrf_token": csrf_token(client, url), "text": "y"})
    assert hero_of(app, "d-1").status == "published"


def test_the_kyiv_time_of_the_form_is_stored_in_utc():
    assert provenance.parse_kyiv(EMBARGO_KYIV) == EMBARGO_UTC
    assert provenance.parse_kyiv("2027-07-15T09:00") == dt.datetime(2027, 7, 15, 6, tzinfo=dt.UTC)
    assert provenance.parse_kyiv("") is None
    assert provenance.in_kyiv(EMBARGO_UTC) == EMBARGO_KYIV
    with pytest.raises(ValueError):
        provenance.parse_kyiv("завтра")


def test_a_bad_embargo_time_changes_nothing(app, client, staff, tmp_path):
    import_records(app, tmp_path, [record("e-1")])
    hero = hero_of(app, "e-1")
    login(client, staff["moderator"])
    url = f"/staff/heroes/{hero.id}"
    answer = client.post(
        f"{url}/embargo",
        data={"csrf_token": csrf_token(client, url), "publish_at": "завтра", "text": "x"},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert "Не вдалося прочитати час" in answer.get_data(as_text=True)
    assert hero_of(app, "e-1").publish_at is None
    assert "hero.embargo" not in audit_actions(app)


@pytest.fixture(params=["memory", "redis"])
def cache_uri(request):
    """The page cache of each worker, or one shared through Redis (database 13)."""
    if request.param == "memory":
        yield {"CACHE_URI": "memory://"}
        return
    redis = pytest.importorskip("redis")
    uri = "redis://127.0.0.1:6379/13"
    prefix = f"memorial-test-{secrets.token_hex(4)}:"
    yield {"CACHE_URI": uri, "PAGE_CACHE_PREFIX": prefix}
    server = redis.Redis.from_url(uri)
    for key in server.scan_iter(f"{prefix}*"):
        server.delete(key)
    server.close()


def public_views(client, hero: Hero) -> dict[str, bool]:
    """Where the public sees the hero (by the surname, which only this hero has)."""
    name = hero.surname
    month_day = "08-19"
    oai = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc").get_data(as_text=True)
    sitemap = client.get("/sitemap-heroes-1.xml").get_data(as_text=True)
    opendata = client.get("/opendata/heroes.csv")
    opendata_text = opendata.get_data().decode("utf-8-sig")
    opendata.close()
    return {
        "page": client.get(f"/heroes/{hero.slug}").status_code == 200,
        "api": client.get(f"/api/v1/heroes/{hero.id}").status_code == 200,
        "search": any(name in n for n in search_api(client, name)),
        "search page": hero.slug in client.get(f"/search?q={name}").get_data(as_text=True),
        "list": name in client.get("/heroes/").get_data(as_text=True),
        "home": name in client.get("/").get_data(as_text=True),
        "day": name in client.get(f"/heroes/day/{month_day}").get_data(as_text=True),
        "year": name in client.get("/heroes/year/2022").get_data(as_text=True),
        "sitemap": hero.slug in sitemap,
        "feed": name in client.get("/feed.atom").get_data(as_text=True),
        "calendar": name in client.get("/calendar.ics").get_data(as_text=True),
        "oai": name in oai,
        "opendata": name in opendata_text,
    }


def test_an_embargoed_hero_is_invisible_everywhere_until_its_moment(tmp_path, cache_uri):
    """Before the moment nothing shows the hero; after it everything does, with nobody
    acting and no reindex; the cached pages (memory or Redis) notice by themselves."""
    app = create_app(app_config(tmp_path, EMBARGO_RECHECK=0, PAGE_CACHE_RECHECK=0, **cache_uri))
    try:
        with app.app_context():
            create_tables()
            db.session.add(User(email="m@example.org", role="moderator", password_hash=_password()))
            db.session.commit()
        with clock.frozen(BEFORE):
            import_records(
                app,
                tmp_path,
                [
                    record("w-1", surname="Вишиваний", given_name="Марко"),
                    record("o-1", surname="Інший", given_name="Петро", death_date="2022-03-01"),
                ],
            )
            hero = hero_of(app, "w-1")
            staff = app.test_client()
            login(staff, "m@example.org")
            url = f"/staff/heroes/{hero.id}"
            visitor = app.test_client()
            seen = public_views(visitor, hero)
            assert all(seen.values()), seen  # visible (and cached) before the embargo
            staff.post(
                f"{url}/embargo",
                data={
                    "csrf_token": csrf_token(staff, url),
                    "publish_at": EMBARGO_KYIV,
                    "text": "родина просила до похорону",
                },
            )
            with app.app_context():
                stored = db.session.get(Hero, hero.id)
                assert provenance.in_kyiv(stored.publish_at) == EMBARGO_KYIV
                assert stored.status == "published" and not stored.is_published
                assert db.session.scalar(select(func.count(Hero.id)).where(Hero.is_published)) == 1
            page = staff.get(url).get_data(as_text=True)
            assert "15 01 2027" not in page and "2027-01-15 09:00" in page
            seen = public_views(visitor, hero)
            assert not any(seen.values()), seen
        with clock.frozen(EMBARGO_UTC - dt.timedelta(minutes=1)):
            seen = public_views(visitor, hero)
            assert not any(seen.values()), seen
        with clock.frozen(EMBARGO_UTC + dt.timedelta(minutes=1)):
            seen = public_views(visitor, hero)  # nobody acted; the next visitor sees it
            assert all(seen.values()), seen
            with app.app_context():
                released = db.session.get(Hero, hero.id)
                assert released.publish_released_at is not None
                # Dated, in the feeds and "recently published", from the moment it appeared.
                assert provenance.in_kyiv(released.published_at) == EMBARGO_KYIV
        assert audit_actions(app).count("hero.embargo") == 1
    finally:
        app.extensions["memorial.index_sync"].stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_release_touches_each_passed_embargo_once(app, tmp_path):
    import_records(app, tmp_path, [record("x-1"), record("x-2", surname="Другий")])
    with app.app_context():
        for hero in db.session.scalars(select(Hero)):
            hero.publish_at = EMBARGO_UTC
        db.session.commit()
        with clock.frozen(BEFORE):
            assert provenance.release_due(db.session) == []
        with clock.frozen(EMBARGO_UTC):
            assert sorted(provenance.release_due(db.session)) == sorted(
                db.session.scalars(select(Hero.id))
            )
            assert provenance.release_due(db.session) == []  # once
            # A new embargo is noticed again when it passes.
            hero = db.session.scalar(select(Hero).where(Hero.external_id == "x-1"))
            hero.publish_at = EMBARGO_UTC + dt.timedelta(days=1)
            db.session.commit()
            assert hero.publish_released_at is None
        with clock.frozen(EMBARGO_UTC + dt.timedelta(days=2)):
            assert provenance.release_due(db.session) == [hero.id]


def _password() -> str:
    from helpers import staff_password_hash

    return staff_password_hash()


def test_an_approved_story_does_not_need_the_check(app, client, staff, tmp_path):
    import_records(app, tmp_path, [record("s-1")])
    hero = hero_of(app, "s-1")
    reference = reference_of(
        client,
        post_form(
            client,
            f"/submit/story/{hero.id}",
            {**SUBMITTER, "body": "Він співав щовечора.", "author_name": "Оксана"},
        ),
    )
    item = submission(app, reference)
    login(client, staff["moderator"])
    url = f"/staff/submissions/{item.id}"
    assert "Родину офіційно сповіщено" not in client.get(url).get_data(as_text=True)
    client.post(f"{url}/approve", data={"csrf_token": csrf_token(client, url)})
    with app.app_context():
        assert db.session.get(Submission, item.id).status == "published"


def test_an_embargo_is_a_revision_that_a_restore_takes_back(app, client, staff, tmp_path):
    import_records(app, tmp_path, [record("r-1")])
    hero = hero_of(app, "r-1")
    login(client, staff["moderator"])
    url = f"/staff/heroes/{hero.id}"
    client.post(
        f"{url}/embargo",
        data={"csrf_token": csrf_token(client, url), "publish_at": EMBARGO_KYIV, "text": "x"},
    )
    with app.app_context():
        first, embargo = db.session.scalars(
            select(Revision).where(Revision.hero_id == hero.id).order_by(Revision.id)
        ).all()
        assert embargo.after["publish_at"] == EMBARGO_UTC.isoformat()
        first_id = first.id
    with clock.frozen(BEFORE):
        assert app.test_client().get(f"/heroes/{hero.slug}").status_code == 404
        back = f"/staff/revisions/{first_id}"
        client.post(f"{back}/restore", data={"csrf_token": csrf_token(client, back), "text": "y"})
        assert hero_of(app, "r-1").publish_at is None
        assert app.test_client().get(f"/heroes/{hero.slug}").status_code == 200
