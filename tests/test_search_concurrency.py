"""The index under real concurrency: separate processes writing, rebuilding and searching."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from memorial import create_app
from memorial.extensions import db
from memorial.models import Hero
from memorial.schema import create_tables
from memorial.search import SearchRequest, backend_for, search
from memorial.search.tables import SearchOutbox

from helpers import app_config

ROOT = Path(__file__).resolve().parent.parent
LETTERS = "бвгджзклмнпрстфхцчшщ"

WRITER = """
import json, sys
from sqlalchemy import select
from memorial import create_app
from memorial.archive import set_status
from memorial.extensions import db
from memorial.models import Hero

config, tag, count = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
letters = "бвгджзклмнпрстфхцчшщ"
app = create_app(config)
with app.app_context():
    for i in range(count):
        hero = Hero(external_id=f"{tag}-{i}", surname=f"{tag}{letters[i]}енко",
                    given_name="Іван")
        set_status(hero, "published")
        db.session.add(hero)
        db.session.commit()
        if i:  # edit the previous hero too: an update must not be lost either
            previous = db.session.scalar(select(Hero).where(Hero.external_id == f"{tag}-{i-1}"))
            previous.call_sign = f"Змінений{tag}"
            db.session.commit()
print("done", flush=True)
"""


def start(script: str, *args: str, env: dict | None = None) -> subprocess.Popen:
    """A Python process running ``script`` from the project root."""
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen, timeout: float = 120) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return out


def found(app, q: str) -> list[str]:
    """External ids found for ``q``, best first."""
    with app.app_context():
        ids = [h.hero_id for h in search(SearchRequest(q=q, per_page=100)).hits]
        names = dict(
            db.session.execute(select(Hero.id, Hero.external_id).where(Hero.id.in_(ids))).all()
        )
        return [names[i] for i in ids]


@pytest.fixture
def whoosh_app(tmp_path):
    """An app searching a Whoosh index whatever database the run uses: for the tests of
    Whoosh's own index swap (``root/current``)."""
    app = create_app(app_config(tmp_path, SEARCH_BACKEND="whoosh"))
    with app.app_context():
        create_tables()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.slow
def test_two_writer_processes_lose_no_update(app, runner, tmp_path):
    """Two processes commit heroes and edits at once, while a third holds the index lock for
    a while: afterwards every change is in the index without anyone draining by hand."""
    config = json.dumps(
        {
            k: v
            for k, v in app.config.items()
            if k
            in (
                "TESTING",
                "SECRET_KEY",
                "DATA_DIR",
                "DATABASE_URL",
                "SEARCH_SYNC",
                "SEARCH_BACKEND",
            )
        }
    )
    backend = backend_for(app)
    backend.open()
    count = 12
    with backend.write_lock():  # both writers start against a taken lock
        writers = [start(WRITER, config, tag, str(count)) for tag in ("Альфа", "Омега")]
        time.sleep(1.0)
    for proc in writers:
        assert "done" in finish(proc)
    with app.app_context():
        assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0
    for tag in ("Альфа", "Омега"):
        for i in range(count):
            assert found(app, f"{tag}{LETTERS[i]}енко")[0] == f"{tag}-{i}"
        assert set(found(app, f"Змінений{tag}")) == {f"{tag}-{i}" for i in range(count - 1)}
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_search_keeps_answering_during_reindex_in_another_process(whoosh_app, tmp_path):
    """While another process rebuilds the index again and again, every search finds."""
    app, runner = whoosh_app, whoosh_app.test_cli_runner()
    with app.app_context():
        for i in range(60):
            hero = Hero(
                external_id=f"r-{i}",
                surname=f"Перебудов{LETTERS[i % 20]}енко",
                given_name="Іван",
                status="published",
                biography="Спільне слово маяк для всіх. " * 20,
            )
            db.session.add(hero)
        db.session.commit()
    env = {
        **os.environ,
        "MEMORIAL_DATA_DIR": app.config["DATA_DIR"],
        "MEMORIAL_DATABASE_URL": app.config["DATABASE_URL"],
        "MEMORIAL_SECRET_KEY": "test-secret-not-for-production",
        "MEMORIAL_SEARCH_BACKEND": "whoosh",
    }
    script = (
        "import sys\nfrom memorial.cli import main\nfor _ in range(3):\n"
        "    sys.argv = ['memorial', 'reindex']\n"
        "    try:\n        main()\n    except SystemExit as exit:\n"
        "        assert not exit.code, exit.code\n"
    )
    proc = start(script, env=env)
    searches = 0
    swaps = set()
    root = backend_for(app).root
    try:
        while proc.poll() is None:
            with app.app_context():
                page = search(SearchRequest(q="маяк", per_page=100))
            assert page.total == 60
            searches += 1
            if (root / "current").exists():
                swaps.add(os.readlink(root / "current"))
    finally:
        if proc.poll() is None:  # a failed search: stop the rebuilds, let go of the pipes
            proc.kill()
            proc.communicate()
    finish(proc)
    assert searches > 3 and len(swaps) >= 2  # searches ran across at least one swap
    with app.app_context():
        assert search(SearchRequest(q="маяк", per_page=100)).total == 60
    assert runner.invoke(args=["check"]).exit_code == 0


def test_check_lists_every_disagreement_and_reindex_removes_them(app, runner):
    """A missing hero, a stale one and an unpublished one in the index are each named."""
    with app.app_context():
        heroes = [
            Hero(
                external_id=f"c-{i}",
                surname=f"Перевірко{LETTERS[i]}",
                given_name="Іван",
                status="published",
            )
            for i in range(3)
        ]
        db.session.add_all(heroes)
        db.session.commit()
        ids = [h.id for h in heroes]
        backend = backend_for(app)
        from memorial.search import build_document

        with backend.write_lock():
            stale = build_document(heroes[1])
            stale.name = "Інше Ім'я"
            backend.apply([stale], [ids[0]])
        heroes[2].status = "draft"
        db.session.commit()
        # the draft left the index through the outbox; put it back behind the outbox's back
        with backend.write_lock():
            backend.apply([build_document(heroes[2])], [])
    result = runner.invoke(args=["check"])
    assert result.exit_code != 0
    assert f"published hero {ids[0]} is missing" in result.output
    assert f"hero {ids[1]} is out of date" in result.output
    assert f"hero {ids[2]} is in the index but is draft" in result.output
    assert runner.invoke(args=["reindex"]).exit_code == 0
    assert runner.invoke(args=["check"]).exit_code == 0


def test_parallel_rebuild_gives_the_same_answers(app):
    """A rebuild told to expect a large archive (so it uses every core) indexes everyone."""
    from memorial.search import build_document

    with app.app_context():
        heroes = [
            Hero(
                external_id=f"p-{i}",
                surname=f"Паралель{LETTERS[i % 20]}{LETTERS[i // 20]}",
                given_name="Іван",
                status="published",
                biography=f"Спільний маяк і номер {i}.",
            )
            for i in range(45)
        ]
        db.session.add_all(heroes)
        db.session.commit()
        docs = [build_document(h) for h in heroes]
        backend = backend_for(app)
        with backend.write_lock():
            backend.rebuild(iter(docs), size_hint=10**6)
        assert backend.doc_count() == 45
        assert search(SearchRequest(q="маяк", per_page=100)).total == 45
        assert search(SearchRequest(q='"номер 17"')).total == 1
        assert backend.digests() == {d.id: d.digest for d in docs}
