"""The page cache: pages are rendered once, and never outlive a change visitors should see."""

from __future__ import annotations

import contextlib
import re
import secrets

import pytest
from sqlalchemy import select, text

from memorial import create_app
from memorial.extensions import db
from memorial.models import Hero, Story
from memorial.schema import create_tables

from helpers import (
    app_config,
    close,
    counted_queries,
    csrf_token,
    hero_queries,
    login,
    record,
    two_workers,
    write_archive,
)


def import_records(runner, tmp_path, records, name="a"):
    result = runner.invoke(args=["import-archive", str(write_archive(tmp_path / name, records))])
    assert result.exit_code == 0, result.output


def slug_of(app, external_id: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Hero.slug).where(Hero.external_id == external_id))


def test_a_page_is_rendered_once_then_served_from_the_cache(app, runner, tmp_path, client):
    import_records(runner, tmp_path, [record("c-1")])
    url = f"/heroes/{slug_of(app, 'c-1')}"
    with counted_queries(app) as first:
        page = client.get(url)
    assert page.status_code == 200 and hero_queries(first)
    with counted_queries(app) as second:
        again = client.get(url)
    assert again.get_data() == page.get_data()
    assert hero_queries(second) == [] and len(second) <= 1  # at most the content version
    assert again.headers["ETag"] == page.headers["ETag"]
    assert "Cookie" in again.headers["Vary"] and again.headers["Cache-Control"] == "no-cache"
    assert again.headers["Content-Security-Policy"] == page.headers["Content-Security-Policy"]


def test_a_phone_that_holds_the_page_gets_an_empty_304(app, runner, tmp_path, client):
    import_records(runner, tmp_path, [record("c-1")])
    url = f"/heroes/{slug_of(app, 'c-1')}"
    etag = client.get(url).headers["ETag"]
    for _ in range(2):  # rendered afresh, then from the cache
        answer = client.get(url, headers={"If-None-Match": etag})
        assert answer.status_code == 304 and answer.get_data() == b""
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_a_change_made_outside_the_app_is_not_seen_until_the_version_changes(
    app, runner, tmp_path, client
):
    """Proof that pages really are kept: a raw SQL edit (which no hook sees) stays unseen
    until any change through the app gives the content a new version."""
    import_records(runner, tmp_path, [record("c-1"), record("c-2", surname="Другенко")])
    url = f"/heroes/{slug_of(app, 'c-1')}"
    assert "Народився в Краматорську" in client.get(url).get_data(as_text=True)
    with app.app_context():
        db.session.execute(
            text("UPDATE hero SET biography = 'Тихо змінений текст' WHERE external_id = 'c-1'")
        )
        db.session.commit()
    assert "Тихо змінений текст" not in client.get(url).get_data(as_text=True)
    with app.app_context():
        other = db.session.scalar(select(Hero).where(Hero.external_id == "c-2"))
        other.call_sign = "Новий"
        db.session.commit()
    assert "Тихо змінений текст" in client.get(url).get_data(as_text=True)


def test_every_kind_of_public_change_shows_at_once(app, runner, tmp_path, client, staff):
    import_records(runner, tmp_path, [record("c-1", surname="Першенко")])
    slug = slug_of(app, "c-1")
    url = f"/heroes/{slug}"
    pages = ["/", "/heroes/", url, "/search?q=Першенко", "/api/v1/search?q=Першенко"]
    for page in pages:
        assert client.get(page).status_code == 200
    # A story added through the ORM.
    with app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.external_id == "c-1"))
        db.session.add(
            Story(
                hero=hero,
                title="Лист із фронту",
                body="Тримаємося.",
                author_name="Іра",
                author_relation="сестра",
            )
        )
        db.session.commit()
    assert "Лист із фронту" in client.get(url).get_data(as_text=True)
    # A second hero imported through the CLI: lists, home and search all show it.
    import_records(runner, tmp_path, [record("c-2", surname="Другенко")], name="b")
    assert "Другенко" in client.get("/heroes/").get_data(as_text=True)
    assert "Другенко" in client.get("/").get_data(as_text=True)
    found = client.get("/api/v1/search?q=Другенко").get_json()
    assert [r["slug"] for r in found["results"]] == [slug_of(app, "c-2")]
    # Unpublished by a moderator: gone from the profile URL, lists and search.
    login(client, staff["moderator"])
    with app.app_context():
        hid = db.session.scalar(select(Hero.id).where(Hero.external_id == "c-1"))
    staff_url = f"/staff/heroes/{hid}"
    client.post(
        f"{staff_url}/unpublish",
        data={"csrf_token": csrf_token(client, staff_url), "text": "перевірка"},
    )
    visitor = app.test_client()
    assert visitor.get(url).status_code == 404
    assert "Першенко" not in visitor.get("/heroes/").get_data(as_text=True)
    assert visitor.get("/api/v1/search?q=Першенко").get_json()["total"] == 0


def test_one_time_messages_are_never_cached_or_shown_to_others(app, runner, tmp_path, client):
    import_records(runner, tmp_path, [record("c-1")])
    url = f"/heroes/{slug_of(app, 'c-1')}"
    thanks = "Дякуємо. Ви запалили свічку"
    assert thanks not in client.get(url).get_data(as_text=True)
    lit = client.post(url + "/candle", follow_redirects=True).get_data(as_text=True)
    assert thanks in lit
    assert thanks not in client.get(url).get_data(as_text=True)  # shown once
    for _ in range(2):
        other = app.test_client().get(url).get_data(as_text=True)
        assert thanks not in other and "Запалено 1 свічку" in other
        assert "candle-button" in other  # others have not lit one yet


def test_languages_are_kept_apart(app, runner, tmp_path, client):
    import_records(runner, tmp_path, [record("c-1")])
    url = f"/heroes/{slug_of(app, 'c-1')}"
    for _ in range(2):
        ukrainian = client.get(url).get_data(as_text=True)
        english = (
            app.test_client().get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
        )
        assert 'lang="uk"' in ukrainian and 'lang="en"' in english
    chosen = app.test_client()
    assert 'lang="en"' in chosen.get(url + "?lang=en").get_data(as_text=True)
    assert 'lang="en"' in chosen.get(url).get_data(as_text=True)  # the cookie keeps it


def test_errors_and_bad_input_are_not_kept(app, runner, tmp_path, client):
    import_records(runner, tmp_path, [record("c-1")])
    for url, status in (
        ("/heroes/nobody-999", 404),
        ("/api/v1/heroes/999", 404),
        ("/search?q=x&death_year=рік", 400),
        ("/api/v1/search?per_page=0", 400),
    ):
        assert client.get(url).status_code == status, url
        with counted_queries(app) as seen:
            assert client.get(url).status_code == status, url
        assert hero_queries(seen) or "search" in url, url  # rendered again, not kept
        assert "ETag" not in client.get(url).headers


def test_a_change_through_one_worker_reaches_the_others(tmp_path):
    first, second = two_workers(tmp_path, PAGE_CACHE_RECHECK=0)
    try:
        runner = first.test_cli_runner()
        import_records(runner, tmp_path, [record("c-1")])
        url = f"/heroes/{slug_of(first, 'c-1')}"
        reader = second.test_client()
        assert "Запалено 0 свічок" in reader.get(url).get_data(as_text=True)
        first.test_client().post(url + "/candle")
        assert "Запалено 1 свічку" in reader.get(url).get_data(as_text=True)
    finally:
        close(first, second)


@pytest.fixture
def redis_uri():
    """A Redis database on the machine's server, emptied of this test's keys afterwards."""
    redis = pytest.importorskip("redis")
    uri = "redis://127.0.0.1:6379/3"
    prefix = f"memorial-test-{secrets.token_hex(4)}:"
    yield uri, prefix
    server = redis.Redis.from_url(uri)
    for key in server.scan_iter(f"{prefix}*"):
        server.delete(key)
    server.close()


def test_workers_share_pages_through_redis(tmp_path, redis_uri):
    uri, prefix = redis_uri
    first, second = two_workers(
        tmp_path, CACHE_URI=uri, PAGE_CACHE_PREFIX=prefix, PAGE_CACHE_RECHECK=0
    )
    try:
        import_records(first.test_cli_runner(), tmp_path, [record("c-1")])
        url = f"/heroes/{slug_of(first, 'c-1')}"
        page = first.test_client().get(url).get_data()
        with counted_queries(second) as seen:
            shared = second.test_client().get(url).get_data()
        assert shared == page and hero_queries(seen) == []
        # Each worker also holds the page in its own memory; a change through the other
        # worker still reaches it, because the copy is kept under the old version.
        second.test_client().post(url + "/candle")
        assert "Запалено 1 свічку" in first.test_client().get(url).get_data(as_text=True)
    finally:
        close(first, second)


@contextlib.contextmanager
def one_hero(tmp_path, **config):
    """An app with ``config`` and one imported hero; yields the app and the profile's URL."""
    app = create_app(app_config(tmp_path, **config))
    try:
        with app.app_context():
            create_tables()
        import_records(app.test_cli_runner(), tmp_path, [record("c-1")])
        yield app, f"/heroes/{slug_of(app, 'c-1')}"
    finally:
        close(app)


def test_the_site_stays_up_when_the_cache_server_is_down(tmp_path, caplog):
    with one_hero(tmp_path, CACHE_URI="redis://127.0.0.1:1/0") as (app, url):
        client = app.test_client()
        for _ in range(3):
            assert client.get(url).status_code == 200
        # Tried once, then left alone for a while instead of on every request.
        assert caplog.text.count("page cache unreachable") == 1


def test_a_database_without_the_content_version_still_serves_pages(tmp_path, caplog):
    with one_hero(tmp_path) as (app, url):
        with app.app_context():
            db.session.execute(text("DROP TABLE content_version"))
            db.session.commit()
        client = app.test_client()
        for _ in range(2):
            page = client.get(url)
            assert page.status_code == 200 and "Коваленко" in page.get_data(as_text=True)
        assert "page cache version unreadable" in caplog.text


def test_the_cache_can_be_turned_off(tmp_path):
    with one_hero(tmp_path, CACHE_URI="none") as (app, url):
        client = app.test_client()
        client.get(url)
        with counted_queries(app) as seen:
            assert client.get(url).status_code == 200
        assert hero_queries(seen)


def test_a_wrong_cache_setting_is_named(tmp_path):
    with pytest.raises(ValueError, match="MEMORIAL_CACHE_URI"):
        create_app(app_config(tmp_path, CACHE_URI="memcached://127.0.0.1"))


def test_every_cached_endpoint_exists_and_no_staff_page_is_cached(app):
    from memorial.web.pagecache import CACHED_ENDPOINTS

    assert set(app.view_functions) >= CACHED_ENDPOINTS
    assert not [e for e in CACHED_ENDPOINTS if e.startswith(("staff.", "auth.", "submit."))]


def test_a_candle_retires_only_the_pages_that_count_candles(app, runner, tmp_path, client):
    import_records(runner, tmp_path, [record("c-1"), record("c-2", surname="Другенко")])
    first, second = f"/heroes/{slug_of(app, 'c-1')}", f"/heroes/{slug_of(app, 'c-2')}"
    for url in ("/", first, second, "/heroes/", "/search?q=Коваленко"):
        client.get(url)
    app.test_client().post(first + "/candle")
    assert "Запалено 1 свічку" in client.get(first).get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'class="count">1</span>\s*запалена свічка', home)
    with counted_queries(app) as seen:
        for url in ("/heroes/", "/search?q=Коваленко"):
            assert client.get(url).status_code == 200
    assert hero_queries(seen) == []  # lists and search stay in the cache
    with counted_queries(app) as seen:
        assert "Запалено 0 свічок" in client.get(second).get_data(as_text=True)
    assert hero_queries(seen)  # another profile is rendered again: it shows a count
