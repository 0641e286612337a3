"""Several gunicorn workers and concurrent imports: nothing is lost, index and database agree."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from memorial import create_app
from memorial.extensions import db
from memorial.models import Submission

from helpers import (
    BIN,
    ROOT,
    app_config,
    database_url_for,
    deployment_env,
    record,
    run_memorial,
    write_archive,
)

pytestmark = pytest.mark.slow  # every test here starts gunicorn workers

IMPORTERS = 3
HEROES_EACH = 15
SURNAMES = ("Олійник", "Бондаренко", "Ткачук")  # far apart: no typo match joins them


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextmanager
def gunicorn(tmp_path: Path, env: dict, factory: str = "memorial:create_app()"):
    """Four gunicorn workers on a free port of 127.0.0.1; yields the base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(tmp_path / "gunicorn.log", "wb") as log:
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-w",
                "4",
                "-b",
                f"127.0.0.1:{port}",
                "--graceful-timeout",
                "5",
                factory,
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if get(base + "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.2)
            yield base
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


@pytest.mark.slow
def test_four_workers_with_concurrent_imports_lose_nothing(tmp_path):
    database_url_for(tmp_path)  # the test's own database (PostgreSQL run) or SQLite file
    env = deployment_env(tmp_path)
    assert run_memorial(env, "init-db").returncode == 0
    archives = []
    for n in range(IMPORTERS):
        records = [
            record(
                f"w{n}-{i}",
                surname=SURNAMES[n],
                given_name=f"Ім'я{i}",
                biography=f"Служив у загоні {n}. Номер {i}.",
            )
            for i in range(HEROES_EACH)
        ]
        # Every importer also writes the same shared hero: the last write wins, no duplicate.
        records.append(record("shared-1", surname="Спільний", given_name=f"Варіант{n}"))
        archives.append(write_archive(tmp_path / f"archive{n}", records))

    statuses: list[int] = []
    stop = threading.Event()
    with gunicorn(tmp_path, env) as base:

        def visitor() -> None:
            """Reads pages and the API while the imports write, recording every status."""
            paths = [
                "/",
                "/healthz",
                "/api/v1/search?q=" + urllib.parse.quote("Олійник"),
                "/search?q=" + urllib.parse.quote("загін"),
            ]
            while not stop.is_set():
                for path in paths:
                    statuses.append(get(base + path)[0])

        readers = [threading.Thread(target=visitor) for _ in range(2)]
        for thread in readers:
            thread.start()
        try:
            importers = [
                subprocess.Popen(
                    [str(BIN / "memorial"), "import-archive", str(folder)],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for folder in archives
            ]
            outputs = [proc.communicate(timeout=120) for proc in importers]
        finally:
            stop.set()
            for thread in readers:
                thread.join()
        for proc, (_, err) in zip(importers, outputs, strict=True):
            assert proc.returncode == 0, err
        assert statuses and set(statuses) == {200}, sorted(set(statuses))

        # Every hero of every archive, once; the shared one exactly once.
        for n in range(IMPORTERS):
            _, body = get(base + "/api/v1/search?per_page=100&q=" + urllib.parse.quote(SURNAMES[n]))
            found = {r["external_id"] for r in json.loads(body)["results"]}
            assert found == {f"w{n}-{i}" for i in range(HEROES_EACH)}
        _, body = get(base + "/api/v1/search?per_page=100&q=" + urllib.parse.quote("Спільний"))
        shared = [r["external_id"] for r in json.loads(body)["results"]]
        assert shared.count("shared-1") == 1, shared
    check = run_memorial(env, "check")
    assert check.returncode == 0, check.stdout + check.stderr


LIMIT_PROBE = """
import sys
from limits import parse
from memorial import create_app
from memorial.extensions import limiter

storage, key, instance = sys.argv[1:4]
app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://",
                  "INSTANCE_PATH": instance, "RATELIMIT_STORAGE_URI": storage})
with app.app_context():
    print(sum(limiter.limiter.hit(parse("5/minute"), key) for _ in range(3)))
"""


def test_rate_limit_counters_are_shared_through_redis(tmp_path):
    """Two processes configured like two workers count against one limit when Redis keeps it."""
    redis_url = os.environ.get("MEMORIAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
    key = f"memorial-test-{secrets.token_hex(6)}"

    def probe(storage: str) -> int:
        result = subprocess.run(
            [sys.executable, "-c", LIMIT_PROBE, storage, key, str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return int(result.stdout.strip().splitlines()[-1])

    # Each process may make 3 of the 5 allowed hits: shared counters admit only 2 more.
    assert [probe(redis_url), probe(redis_url)] == [3, 2]
    # In process memory every worker counts alone, which is why Redis is needed.
    assert [probe("memory://"), probe("memory://")] == [3, 3]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def submit_hero(base: str, surname: str) -> int:
    """A visitor's submission through the real form: token from the page, then the POST."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(), _NoRedirect())
    page = opener.open(base + "/submit", timeout=20).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    data = urllib.parse.urlencode(
        {
            "csrf_token": token.group(1),
            "surname": surname,
            "given_name": "Іван",
            "submitter_name": "Оксана",
            "submitter_relation": "сестра",
            "submitter_email": "oksana@example.org",
            "consent": "y",
        }
    ).encode()
    try:
        with opener.open(base + "/submit", data=data, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_submissions_across_workers_lose_nothing_and_share_one_limit(tmp_path):
    """Concurrent submissions through four workers: every accepted one is saved, and the
    limit of the whole site (kept in Redis) holds across workers."""
    database_url_for(tmp_path)
    env = deployment_env(tmp_path)
    env["MEMORIAL_RATELIMIT_STORAGE_URI"] = os.environ.get(
        "MEMORIAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/14"
    )
    assert run_memorial(env, "init-db").returncode == 0
    settings = {
        "SUBMIT_RATE_LIMIT": "6 per minute",
        "RATELIMIT_KEY_PREFIX": f"memorial-test-{secrets.token_hex(6)}",
    }
    codes: list[int] = []
    with gunicorn(tmp_path, env, f"memorial:create_app({settings!r})") as base:

        def visitor(n: int) -> None:
            for i in range(3):
                codes.append(submit_hero(base, f"Подавальний{n}{i}"))

        threads = [threading.Thread(target=visitor, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(codes) == [302] * 6 + [429] * 6
    app = create_app(app_config(tmp_path))
    with app.app_context():
        saved = db.session.scalars(select(Submission.reference)).all()
        db.engine.dispose()
    assert len(saved) == len(set(saved)) == 6
    check = run_memorial(env, "check")
    assert check.returncode == 0, check.stdout + check.stderr
