"""A rebuild killed with ``kill -9`` leaves nothing that keeps the index locked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from memorial import create_app
from memorial.archive import set_status
from memorial.extensions import db
from memorial.models import Hero
from memorial.schema import create_tables
from memorial.search import SearchRequest, index_sync, search
from memorial.search.whoosh_backend import PARALLEL_FROM

from helpers import app_config, record, write_archive

ROOT = Path(__file__).resolve().parent.parent
REINDEX = "import sys\nfrom memorial.cli import main\nsys.argv = ['memorial', 'reindex']\nmain()\n"


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid``."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


@pytest.fixture
def big_whoosh_app(tmp_path):
    """A Whoosh app holding enough heroes for a rebuild to fork indexing processes."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("a rebuild runs in one process on one core")
    app = create_app(app_config(tmp_path, SEARCH_BACKEND="whoosh"))
    with app.app_context():
        create_tables()
    records = [
        record(f"big-{i}", surname=f"Масовий{i}", biography=f"Номер {i}. " * 30)
        for i in range(PARALLEL_FROM + 100)
    ]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-archive", str(write_archive(tmp_path / "a", records))])
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.slow
def test_killed_reindex_does_not_freeze_the_index(big_whoosh_app):
    """``kill -9`` on ``memorial reindex`` while its indexing processes run: the processes
    go with it, the writer lock comes free, and a hero approved afterwards is found."""
    app = big_whoosh_app
    procs = min(os.cpu_count() or 1, 4)  # as the rebuild counts them
    env = {
        **os.environ,
        "MEMORIAL_DATA_DIR": app.config["DATA_DIR"],
        "MEMORIAL_DATABASE_URL": app.config["DATABASE_URL"],
        "MEMORIAL_SECRET_KEY": "test-secret-not-for-production",
        "MEMORIAL_SEARCH_BACKEND": "whoosh",
    }
    proc = subprocess.Popen([sys.executable, "-c", REINDEX], cwd=ROOT, env=env)
    seen: set[int] = set()
    try:
        for _ in range(6000):  # until the rebuild has forked all its indexing processes
            seen.update(children_of(proc.pid))
            if len(seen) >= procs or proc.poll() is not None:
                break
            time.sleep(0.02)
        assert seen, "the rebuild never forked indexing processes"
        proc.send_signal(signal.SIGKILL)
        proc.wait()

        with app.app_context():
            hero = Hero(external_id="after", surname="Пізньоприйнятий", given_name="Олег")
            set_status(hero, "published")
            db.session.add(hero)
            db.session.commit()
            hero_id = hero.id
        found = []
        for _ in range(120):  # the outbox drains again (as the app's thread would retry)
            with app.app_context():
                index_sync(app).drain(blocking=False)
                found = [h.hero_id for h in search(SearchRequest(q="Пізньоприйнятий")).hits]
            if found:
                break
            time.sleep(0.5)
        assert found == [hero_id]
        for _ in range(200):
            if not any(alive(pid) for pid in seen):
                break
            time.sleep(0.1)
        assert not [pid for pid in seen if alive(pid)], "indexing processes outlived the rebuild"
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in seen:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["reindex"]).exit_code == 0
    assert runner.invoke(args=["check"]).exit_code == 0


HOLDER = """
import os, subprocess, sys, time
from memorial.search.whoosh_backend import WhooshBackend

backend = WhooshBackend(sys.argv[1])
with backend.write_lock():
    lock = os.path.join(sys.argv[1], "writer.lock")
    fd = next(int(f) for f in os.listdir("/proc/self/fd")
              if os.path.realpath(f"/proc/self/fd/{f}") == os.path.realpath(lock))
    # A program started while the lock is held, handed the lock file (as by an old fork).
    heir = subprocess.Popen(["sleep", "600"], pass_fds=[fd], start_new_session=True)
    print(heir.pid, flush=True)
    time.sleep(600)
"""


@pytest.mark.slow
def test_lock_left_to_an_heir_of_a_killed_holder_is_taken_over(tmp_path):
    """The lock's holder dies by ``kill -9`` while a process it started still has the lock
    file open: the lock is busy, but its recorded holder is gone, so it is taken over; a
    live holder's lock never is."""
    app = create_app(app_config(tmp_path, SEARCH_BACKEND="whoosh"))
    with app.app_context():
        create_tables()
    root = Path(app.config["DATA_DIR"]) / "search"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    heir = 0
    try:
        heir = int(proc.stdout.readline())
        with app.app_context():  # a live holder: busy, and the change waits in the outbox
            hero = Hero(external_id="late", surname="Пізньоприйнятий", given_name="Олег")
            set_status(hero, "published")
            db.session.add(hero)
            db.session.commit()
            hero_id = hero.id
            assert index_sync(app).drain(blocking=False) == 1
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert alive(heir)  # still holding the lock file of the dead holder
        with app.app_context():
            assert index_sync(app).drain(blocking=False) == 0
            found = [h.hero_id for h in search(SearchRequest(q="Пізньоприйнятий")).hits]
            assert found == [hero_id]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        if heir and alive(heir):
            os.kill(heir, signal.SIGKILL)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
