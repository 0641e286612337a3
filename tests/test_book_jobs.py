"""Background jobs of the book on a real RQ queue (Redis DB 9) done by `memorial worker`."""

from __future__ import annotations

import datetime as dt

import pytest
from redis import Redis
from sqlalchemy import select

from memorial import book, jobs
from memorial.extensions import db
from memorial.models import BookEdition, Job, JobStatus

from helpers import deployment_env, record, run_memorial, write_archive

REDIS_URL = "redis://127.0.0.1:6379/9"


@pytest.fixture
def redis_app(app, runner, tmp_path):
    """An app whose jobs go to RQ on Redis DB 9 (emptied first), with three heroes."""
    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except Exception as exc:  # the machine's Redis is part of the test environment
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
    connection.flushdb()
    app.config["REDIS_URL"] = REDIS_URL
    folder = write_archive(
        tmp_path / "archive",
        [record(f"j-{n}", surname=f"Прізвище{n}", death_date=f"202{n}-05-0{n}") for n in (2, 3, 4)],
    )
    assert runner.invoke(args=["import-archive", str(folder)]).exit_code == 0
    yield app
    connection.flushdb()
    connection.close()


def _queue_edition(year: str, **job_state) -> tuple[int, int]:
    edition = book.new_edition(db.session, book.parse_params(year=year))
    job = jobs.create(db.session, "book.build", {"edition": edition.id})
    edition.job_id = job.id
    for name, value in job_state.items():
        setattr(job, name, value)
    db.session.commit()
    return edition.id, job.id


@pytest.mark.slow  # starts `memorial worker`
def test_worker_does_queued_jobs_and_redoes_one_its_dead_predecessor_left(redis_app, tmp_path):
    with redis_app.app_context():
        queued_edition, queued_job = _queue_edition("2023")
        jobs.start(queued_job)  # into RQ
        # A job a worker was doing when it was killed: "running", its heartbeat an hour old,
        # and no longer in the queue.
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        dead_edition, dead_job = _queue_edition(
            "2024", status=JobStatus.RUNNING, attempts=1, heartbeat_at=long_ago, created_at=long_ago
        )
    env = deployment_env(tmp_path, MEMORIAL_REDIS_URL=REDIS_URL, MEMORIAL_JOB_STALE_SECONDS="60")
    done = run_memorial(env, "worker", "--burst")
    assert done.returncode == 0, done.stderr
    assert f"job {dead_job}: its worker is gone" in done.stderr
    with redis_app.app_context():
        for edition_id, job_id, attempts in (
            (queued_edition, queued_job, 1),
            (dead_edition, dead_job, 2),
        ):
            job = db.session.get(Job, job_id)
            assert (job.status, job.progress, job.attempts) == (JobStatus.DONE, 100, attempts), (
                job.error
            )
            edition = db.session.get(BookEdition, edition_id)
            assert edition.status == "done" and book.edition_file(edition) is not None
            assert len(edition.heroes) == 1
        assert db.session.scalar(select(Job).where(Job.status != JobStatus.DONE)) is None


@pytest.mark.slow  # starts `memorial worker`
def test_worker_without_redis_says_so(tmp_path, app):
    result = run_memorial(deployment_env(tmp_path), "worker", "--burst")
    assert result.returncode != 0 and "MEMORIAL_REDIS_URL" in result.stderr


def test_a_failed_job_keeps_its_message(redis_app):
    """A job whose volume would be empty fails with the reason, and the edition says so."""
    with redis_app.app_context():
        redis_app.config["REDIS_URL"] = ""
        edition_id, job_id = _queue_edition("1999")
        assert jobs.run(job_id)
        job = db.session.get(Job, job_id)
        assert job.status == JobStatus.FAILED and "немає жодного" in job.error
        assert db.session.get(BookEdition, edition_id).status == "failed"
        assert not jobs.run(job_id)  # a finished job is not done twice
