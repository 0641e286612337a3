"""Background jobs: slow work (a book volume, later a conversion) done outside web requests.

A job is a row of the ``job`` table: its kind, its payload, and where it is (status, per
cent done, message, error). The row is the truth, so a page reload shows the state and a
job whose worker died is found by its old heartbeat and done again (:func:`recover`).

Who does the work: with ``MEMORIAL_REDIS_URL`` set, the job id is queued in RQ on that Redis
and ``memorial worker`` does it; without it, a thread of the app that queued it. A kind is a
function registered with :func:`register`; it gets the session, the job and a ``report``
function, and returns the job's result (a dict) or raises :class:`JobError` with a message
for the person who asked.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import threading
from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from .extensions import db
from .models import Job, JobStatus, User, as_utc, utcnow

log = logging.getLogger(__name__)

#: Modules whose import registers job kinds (a worker imports them before its first job).
KIND_MODULES = ("memorial.book", "memorial.interviews")
QUEUE_NAME = "memorial"
#: Seconds between heartbeats of a running job.
HEARTBEAT_SECONDS = 5.0
#: The longest an RQ job may run.
RQ_TIMEOUT = 3 * 3600

Report = Callable[[int, str], None]
Handler = Callable[[Session, Job, Report], dict | None]
_KINDS: dict[str, Handler] = {}


class JobError(RuntimeError):
    """A job that cannot be done as asked; ``str()`` is the message shown for it."""


def register(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that does jobs of ``kind``."""

    def decorate(func: Handler) -> Handler:
        _KINDS[kind] = func
        return func

    return decorate


def _handler(kind: str) -> Handler:
    if kind not in _KINDS:
        for name in KIND_MODULES:
            importlib.import_module(name)
    if kind not in _KINDS:
        raise JobError(f"unknown job kind {kind!r}")
    return _KINDS[kind]


def create(session: Session, kind: str, payload: dict, user: User | None = None) -> Job:
    """Record a job to be done (flush only; :func:`start` it after the commit)."""
    _handler(kind)
    job = Job(
        kind=kind,
        payload=payload,
        status=JobStatus.QUEUED,
        progress=0,
        message="",
        created_by_id=user.id if user else None,
    )
    session.add(job)
    session.flush()
    return job


def uses_redis(app: Flask | None = None) -> bool:
    """Whether jobs go to RQ (``MEMORIAL_REDIS_URL`` is set) rather than a thread."""
    return bool((app or current_app).config.get("REDIS_URL"))


def _queue():
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(current_app.config["REDIS_URL"])
    return Queue(QUEUE_NAME, connection=connection)


def start(job_id: int) -> None:
    """Hand a committed job to whoever does jobs here (RQ, or a thread of this app)."""
    if uses_redis():
        _queue().enqueue(rq_task, job_id, job_timeout=RQ_TIMEOUT, result_ttl=3600)
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    thread = threading.Thread(target=_in_thread, args=(app, job_id), daemon=True)
    thread.name = f"memorial-job-{job_id}"
    threads = app.extensions.setdefault("memorial.job_threads", {})
    for done in [key for key, running in threads.items() if not running.is_alive()]:
        del threads[done]
    threads[job_id] = thread  # whoever must wait for the job (a test) can join it
    thread.start()


def enqueue(session: Session, kind: str, payload: dict, user: User | None = None) -> Job:
    """Record a job, commit, and start it (views and commands: the one commit is here)."""
    job = create(session, kind, payload, user)
    session.commit()
    start(job.id)
    return job


def _in_thread(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            run(job_id)
        finally:
            db.session.remove()


def rq_task(job_id: int) -> None:
    """What RQ calls, inside ``memorial worker`` (its app's context: the database, the
    configuration); a plain ``rq worker`` has none and must not be used."""
    run(job_id)


def _set(job_id: int, **values) -> None:
    """Write a job's state in a transaction of its own (the job's session stays as it is)."""
    with db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job_id).values(**values))


def _claim(job_id: int) -> bool:
    now = utcnow()
    with db.engine.begin() as conn:
        claimed = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
            .values(
                status=JobStatus.RUNNING,
                attempts=Job.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                error=None,
            )
        ).rowcount
    return bool(claimed)


class _Heartbeat(threading.Thread):
    """Renews a running job's heartbeat, so a long step (laying out a volume) is not taken
    for a dead worker."""

    def __init__(self, app: Flask, job_id: int) -> None:
        super().__init__(daemon=True, name=f"memorial-job-{job_id}-heartbeat")
        self.app = app
        self.job_id = job_id
        self.stopped = threading.Event()

    def run(self) -> None:
        with self.app.app_context():
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                try:
                    _set(self.job_id, heartbeat_at=utcnow())
                except Exception:  # a missed beat is not fatal: the next one may pass
                    log.warning("job %s: heartbeat not written", self.job_id, exc_info=True)


def run(job_id: int) -> bool:
    """Do a queued job (in an app context); ``False`` when it was not waiting to be done
    (another worker has it, or it is finished)."""
    if not _claim(job_id):
        return False
    session = db.session()
    job = session.get(Job, job_id)
    assert job is not None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    beat = _Heartbeat(app, job_id)
    beat.start()

    def report(percent: int, message: str) -> None:
        _set(
            job_id,
            progress=max(0, min(99, int(percent))),
            message=str(message)[:500],
            heartbeat_at=utcnow(),
        )

    try:
        result = _handler(job.kind)(session, job, report)
        session.commit()
    except JobError as exc:
        session.rollback()
        _finish(job_id, JobStatus.FAILED, error=str(exc))
        return True
    except Exception as exc:
        session.rollback()
        log.exception("job %s (%s) failed", job_id, job.kind)
        _finish(job_id, JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:1000])
        return True
    finally:
        beat.stopped.set()
    _finish(job_id, JobStatus.DONE, result=result)
    return True


def _finish(job_id: int, status: str, error: str | None = None, result: dict | None = None):
    values: dict = {"status": status, "finished_at": utcnow(), "error": error}
    if status == JobStatus.DONE:
        values.update(progress=100, result=result)
    _set(job_id, **values)


def recover(session: Session) -> list[int]:
    """Start again the jobs whose worker is gone: running ones with an old heartbeat, and
    queued ones nobody took for as long (their thread died with its process, or Redis lost
    them). A job started twice is done once: only one start can claim it."""
    stale = dt.timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])
    limit = utcnow() - stale
    found = list(
        session.scalars(
            select(Job).where(
                or_(
                    (Job.status == JobStatus.RUNNING) & (Job.heartbeat_at < limit),
                    (Job.status == JobStatus.QUEUED) & (Job.created_at < limit),
                )
            )
        )
    )
    ids = []
    for job in found:
        moment = job.heartbeat_at or job.created_at
        if moment is not None and as_utc(moment) >= limit:
            continue
        with db.engine.begin() as conn:
            conn.execute(
                update(Job)
                .where(Job.id == job.id, Job.status == job.status)
                .values(status=JobStatus.QUEUED, created_at=utcnow(), heartbeat_at=None)
            )
        ids.append(job.id)
    session.expire_all()
    for job_id in ids:
        log.warning("job %s: its worker is gone; started again", job_id)
        start(job_id)
    return ids


def run_worker(burst: bool = False) -> None:
    """Do jobs from RQ in this process (``memorial worker``), after starting again those a
    dead worker left."""
    from rq import SimpleWorker

    for name in KIND_MODULES:
        importlib.import_module(name)
    recover(db.session())
    db.session.remove()
    queue = _queue()
    # SimpleWorker does each job in this process, inside this app's context (no fork: the
    # database connections are not shared with a child).
    SimpleWorker([queue], connection=queue.connection).work(burst=burst, with_scheduler=False)
