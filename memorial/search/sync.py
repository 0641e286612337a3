"""Keeping the index in step with the database through an outbox table.

At flush, the change tracker (:mod:`memorial.changes`) hands over every changed hero and
:func:`queue` writes it to ``search_outbox`` in the same transaction as the change, so a
rollback leaves nothing behind and a crash loses nothing. After a commit, the
outbox is drained in one batch by whoever can take the index's writer lock without waiting:
the app's background thread, or (in the CLI and tests) the committing thread itself. A row
is deleted only after the index commit that carried it succeeded. The background thread
starts with a worker's first request and drains at once what a crashed process left
queued, then every two seconds whatever is queued; ``/healthz`` reports the queue's age.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, has_request_context
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, selectinload

from .. import changes
from ..extensions import db
from ..models import Hero
from .tables import SearchOutbox

log = logging.getLogger(__name__)


def queue(session: Session, hero_ids: set[int]) -> None:
    """Write an outbox row for every hero a flush changed, in the flush's own transaction."""
    session.connection().execute(
        insert(SearchOutbox.__table__), [{"hero_id": i} for i in sorted(hero_ids)]
    )


class IndexSync:
    """Drains the outbox into the index of one app."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.mode = app.config["SEARCH_SYNC"]
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._stopping = threading.Event()

    def committed(self, changed: changes.Changed) -> None:
        """Called after every commit; acts on one that queued heroes.

        Web requests hand the work to the background thread so no visitor waits on the
        index; commands and scripts (no request) apply it themselves before they exit.
        """
        if not changed.heroes:
            return
        if self.mode == "inline" or not has_request_context():
            try:
                self.drain(blocking=True, timeout=5.0)
            except Exception:  # the change is saved and still queued; never fail the caller
                log.exception("search index update failed; the outbox keeps the change")
        elif self.mode == "thread":
            self._idle.clear()
            self._ensure_thread()
            self._wake.set()

    def start(self) -> None:
        """Start the background thread in this process (before each request: cheap once it
        runs). Its first round drains at once what an earlier process left queued, a
        worker killed between its commit and the index update; every later round (at least
        every two seconds) drains whatever is queued, whoever queued it."""
        if self.mode == "thread" and (self._thread is None or not self._thread.is_alive()):
            self._idle.clear()
            self._ensure_thread()
            self._wake.set()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            # Started in the process that serves (never before a fork: a thread does not
            # survive one, and is started again here in the child).
            self._thread = threading.Thread(target=self._loop, name="memorial-index", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        """Drain on every wake-up; while rows are left (lock taken elsewhere) retry soon."""
        while not self._stopping.is_set():
            self._wake.wait(timeout=2.0)
            self._wake.clear()
            if self._stopping.is_set():
                break
            try:
                with self.app.app_context():
                    left = self.drain(blocking=False)
            except Exception:  # the outbox keeps the work; try again on the next round
                log.exception("search index update failed; will retry")
                left = 1
            if left:
                self._wake.wait(timeout=0.2)
            else:
                self._idle.set()

    def stop(self, timeout: float = 10.0) -> None:
        """End the background thread after its current round (tests, before their database
        goes away); the next request starts it again."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        self._wake.set()
        thread.join(timeout)
        self._thread = None
        self._stopping.clear()
        self._idle.set()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until the background thread has nothing left (used by tests and benchmarks)."""
        return self._idle.wait(timeout)

    def drain(self, blocking: bool = False, batch: int = 500, timeout: float = 60.0) -> int:
        """Apply queued changes to the index; return how many rows remain queued."""
        from . import IndexBusy, backend_for

        backend = backend_for(self.app)
        with self.app.app_context():
            try:
                lock = backend.write_lock(blocking=blocking, timeout=timeout)
                lock.__enter__()
            except IndexBusy:
                return self._pending()
            try:
                self.drain_locked(backend, batch)
            finally:
                lock.__exit__(None, None, None)
            return self._pending()

    def drain_locked(self, backend, batch: int = 500) -> None:
        """Apply every queued change, the caller holding the backend's writer lock."""
        while self._drain_batch(backend, batch):
            pass

    def _pending(self) -> int:
        with Session(db.engine) as session:
            return session.scalar(select(db.func.count(SearchOutbox.id))) or 0

    def _drain_batch(self, backend, batch: int) -> int:
        """Apply one batch of outbox rows; return how many rows it consumed."""
        from .documents import build_document

        with Session(db.engine) as session:
            rows = session.execute(
                select(SearchOutbox.id, SearchOutbox.hero_id).order_by(SearchOutbox.id).limit(batch)
            ).all()
            if not rows:
                return 0
            hero_ids = {r.hero_id for r in rows}
            heroes = session.scalars(
                select(Hero)
                .where(Hero.id.in_(hero_ids))
                .options(selectinload(Hero.awards), selectinload(Hero.stories))
            ).all()
            published = {h.id: h for h in heroes if h.is_published}
            docs = [build_document(h) for h in published.values()]
            removed = sorted(hero_ids - published.keys())
            backend.apply(docs, removed)
            session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([r.id for r in rows])))
            changes.note_version(session)  # search results changed: retire cached pages
            session.commit()
            return len(rows)


def install(app: Flask) -> None:
    """Queue changed heroes at every flush and drain the outbox after the app's commits."""
    sync = IndexSync(app)
    app.extensions["memorial.index_sync"] = sync
    changes.on_flush(queue)
    changes.tracker(app).follow(sync.committed)
    app.before_request(sync.start)
