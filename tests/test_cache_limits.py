"""Bounds on the page cache, rate limits without Redis, and an outbox left by a crash.

Every test here uses a real Redis (database 13) or a Redis port where nothing listens, and a
real database; nothing of the project is replaced.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import time

import pytest
from sqlalchemy import insert, select, text

from memorial import create_app
from memorial.extensions import db
from memorial.models import Hero
from memorial.schema import create_tables
from memorial.search.tables import SearchOutbox

from helpers import app_config, csrf_token, record, search_api, write_archive

REDIS = "redis://127.0.0.1:6379/13"
DEAD_REDIS = "redis://127.0.0.1:6390/0"  # nothing listens here


@contextlib.contextmanager
def archive_app(tmp_path, records, **config):
    """An app with ``config`` and ``records`` imported; yields the app."""
    app = create_app(app_config(tmp_path, **config))
    try:
        with app.app_context():
            create_tables()
        folder = write_archive(tmp_path / "archive", records)
        result = app.test_cli_runner().invoke(args=["import-archive", str(folder)])
        assert result.exit_code == 0, result.output
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def redis_cache():
    """Redis database 13 for pages and a key prefix of its own: (uri, prefix, server)."""
    redis = pytest.importorskip("redis")
    prefix = f"memorial-test-{secrets.token_hex(4)}:"
    server = redis.Redis.from_url(REDIS)
    yield REDIS, prefix, server
    for key in server.scan_iter(f"{prefix}*"):
        server.delete(key)
    server.close()


def page_keys(server, prefix: str) -> list[bytes]:
    """The rendered pages kept in Redis under ``prefix`` (not the counters beside them)."""
    return [k for k in server.scan_iter(f"{prefix}*") if b":count:" not in k]


# --- 1. The page cache cannot be flooded ----------------------------------------------------


def test_unknown_query_arguments_do_not_make_new_cache_entries(tmp_path, redis_cache):
    uri, prefix, server = redis_cache
    with archive_app(tmp_path, [record("c-1")], CACHE_URI=uri, PAGE_CACHE_PREFIX=prefix) as app:
        client = app.test_client()
        plain = client.get("/heroes/").get_data()
        for n in range(60):
            answer = client.get(f"/heroes/?utm={n}&fbclid=x{n}")
            assert answer.status_code == 200
            assert answer.get_data() == plain  # links on the page never carry ?utm=
        # The arguments a page reads still make their own pages, whatever their order.
        client.get("/search?q=Коваленко&sort=name")
        client.get("/search?sort=name&q=Коваленко&utm=1")
        assert len(page_keys(server, prefix)) == 2


def test_a_page_kind_keeps_at_most_its_cap_of_pages(tmp_path, redis_cache):
    uri, prefix, server = redis_cache
    with archive_app(
        tmp_path, [record("c-1")], CACHE_URI=uri, PAGE_CACHE_PREFIX=prefix, PAGE_CACHE_MAX_PAGES=5
    ) as app:
        client = app.test_client()
        for n in range(30):
            assert client.get(f"/search?q=слово{n}").status_code == 200
        assert len(page_keys(server, prefix)) == 5
        # Pages past the cap are rendered as usual, just not kept.
        page = client.get("/search?q=Коваленко").get_data(as_text=True)
        assert "Коваленко" in page


def test_the_memory_cache_also_keeps_a_page_kind_within_its_cap(tmp_path):
    with archive_app(tmp_path, [record("c-1")], PAGE_CACHE_MAX_PAGES=4) as app:
        client = app.test_client()
        for n in range(20):
            assert client.get(f"/search?q=слово{n}").status_code == 200
        from memorial.web.pagecache import cache

        kept = [k for k in cache.cache._cache if ":count:" not in k]  # the SimpleCache's store
        assert len(kept) == 4


def test_requests_for_other_hosts_are_refused_and_never_cached(tmp_path, redis_cache):
    uri, prefix, server = redis_cache
    with archive_app(
        tmp_path,
        [record("c-1")],
        CACHE_URI=uri,
        PAGE_CACHE_PREFIX=prefix,
        SERVER_NAMES="memorial.example.org, www.memorial.example.org",
    ) as app:
        client = app.test_client()
        for n in range(20):
            answer = client.get("/sitemap-pages.xml", headers={"Host": f"evil{n}.example"})
            assert answer.status_code == 400
        assert page_keys(server, prefix) == []
        good = client.get("/sitemap-pages.xml", headers={"Host": "memorial.example.org"})
        assert good.status_code == 200 and b"//memorial.example.org/" in good.get_data()
        assert client.get("/", headers={"Host": "www.memorial.example.org"}).status_code == 200
        assert len(page_keys(server, prefix)) == 2


def test_the_server_names_setting_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMORIAL_SERVER_NAMES", "memorial.example.org")
    with archive_app(tmp_path, [record("c-1")]) as app:
        assert app.config["SERVER_NAMES"] == ["memorial.example.org"]
        client = app.test_client()
        assert client.get("/healthz", headers={"Host": "127.0.0.1"}).status_code == 400
        assert client.get("/healthz", headers={"Host": "memorial.example.org"}).status_code == 200


# --- 2. Rate limits and the cache without Redis ---------------------------------------------


def test_rate_limited_forms_work_and_health_tells_when_redis_is_down(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    with archive_app(
        tmp_path,
        [record("c-1")],
        RATELIMIT_STORAGE_URI=DEAD_REDIS,
        CACHE_URI="redis://127.0.0.1:6390/1",
        LOGIN_RATE_LIMIT="3 per minute",
    ) as app:
        client = app.test_client()
        token = csrf_token(client, "/staff/login")
        form = {"email": "nobody@example.org", "password": "wrong", "csrf_token": token}
        answers = [client.post("/staff/login", data=form).status_code for _ in range(4)]
        # Refused as a wrong password, then limited in this worker's memory: never a 500.
        assert answers == [400, 400, 400, 429]
        assert "falling back to in-memory storage" in caplog.text
        slug = app.test_client().get("/api/v1/heroes/1").get_json()["slug"]
        assert client.post(f"/heroes/{slug}/candle").status_code in (200, 302, 303)

        health = client.get("/healthz")
        state = health.get_json()
        assert health.status_code == 200, state
        assert state["status"] == "ok" and state["database"] == "ok" and state["index"] == "ok"
        assert state["cache"] == "unreachable"
        assert state["limiter"] == "fallback: memory"


def test_health_reports_a_working_cache_and_limiter(tmp_path, redis_cache):
    uri, prefix, _server = redis_cache
    with archive_app(
        tmp_path,
        [record("c-1")],
        CACHE_URI=uri,
        PAGE_CACHE_PREFIX=prefix,
        RATELIMIT_STORAGE_URI=REDIS,
        RATELIMIT_KEY_PREFIX=prefix + "limits",
    ) as app:
        state = app.test_client().get("/healthz").get_json()
        assert (state["cache"], state["limiter"]) == ("ok", "ok")
    with archive_app(tmp_path / "off", [record("c-1")], CACHE_URI="none") as app:
        state = app.test_client().get("/healthz").get_json()
        assert (state["cache"], state["limiter"]) == ("off", "ok")


# --- 6. Index changes left behind by a crash ------------------------------------------------


def leave_outbox_rows(app, hero_id: int, surname: str, age: dt.timedelta) -> None:
    """What a process killed between its commit and the index update leaves behind: the hero
    changed in the database and its outbox row queued, the index still old."""
    with app.app_context():
        db.session.execute(
            text("UPDATE hero SET surname = :s WHERE id = :i"), {"s": surname, "i": hero_id}
        )
        queued_at = dt.datetime.now(dt.UTC) - age
        db.session.execute(
            insert(SearchOutbox.__table__), [{"hero_id": hero_id, "queued_at": queued_at}]
        )
        db.session.commit()


def wait_for_empty_outbox(app, limit: float = 60.0) -> int:
    """Poll until the outbox is empty (or ``limit`` seconds pass); return what is left."""
    deadline = time.monotonic() + limit
    while True:
        with app.app_context():
            left = db.session.scalar(select(db.func.count(SearchOutbox.id))) or 0
            db.session.remove()
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def test_health_reports_an_outbox_left_behind(tmp_path):
    with archive_app(tmp_path, [record("c-1")]) as app:
        with app.app_context():
            hero_id = db.session.scalar(select(Hero.id))
        client = app.test_client()
        assert client.get("/healthz").get_json()["outbox"] == {"queued": 0, "oldest_seconds": 0}
        leave_outbox_rows(app, hero_id, "Свіжий", dt.timedelta(seconds=5))
        state = client.get("/healthz").get_json()
        assert state["outbox"]["queued"] == 1 and state["index"] == "ok"
        leave_outbox_rows(app, hero_id, "Застарілий", dt.timedelta(minutes=5))
        health = client.get("/healthz")
        state = health.get_json()
        assert health.status_code == 503 and state["status"] == "error"
        assert state["outbox"]["queued"] == 2 and state["outbox"]["oldest_seconds"] >= 299
        assert state["index"].startswith("behind")


def test_the_app_drains_an_outbox_left_by_a_crash_without_a_new_change(tmp_path):
    with archive_app(tmp_path, [record("c-1")]) as setup:
        with setup.app_context():
            hero_id = db.session.scalar(select(Hero.id))
        leave_outbox_rows(setup, hero_id, "Забутенко", dt.timedelta(minutes=5))
        assert not any(
            "Забутенко" in n for n in search_api(setup.test_client(), "Забутенко")
        )  # the index is behind
    # The site starts again (as gunicorn starts its workers): only reading, nothing changed.
    app = create_app(app_config(tmp_path, SEARCH_SYNC="thread", CACHE_URI="none"))
    try:
        client = app.test_client()
        assert client.get("/").status_code == 200
        assert wait_for_empty_outbox(app) == 0
        assert any("Забутенко" in n for n in search_api(client, "Забутенко"))
        state = client.get("/healthz").get_json()
        assert state["outbox"]["queued"] == 0 and state["status"] == "ok"
    finally:
        app.extensions["memorial.index_sync"].stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
