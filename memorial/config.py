"""Configuration: defaults, then ``instance/config.py``, then ``MEMORIAL_*`` environment
variables."""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

#: Every key here may also be set as ``MEMORIAL_<KEY>`` in the environment
#: or as ``<KEY> = ...`` in ``instance/config.py``.
ENV_KEYS = (
    "DATABASE_URL",
    "DATA_DIR",
    "SECRET_KEY",
    "SEARCH_BACKEND",
    "RATELIMIT_STORAGE_URI",
    "SEARCH_SYNC",
    "CACHE_URI",
    "PROXIES",
    "SERVER_NAMES",
    "PUBLIC_URL",
    "ORPHAN_GRACE_MINUTES",
    "REJECTED_PHOTO_RETENTION_DAYS",
    "SHEET_MAX_BYTES",
    "PHOTOS_ZIP_MAX_BYTES",
    "INTERVIEW_MAX_BYTES",
    "INTERVIEW_MAX_SECONDS",
    "MAIL_URL",
    "MAIL_FROM",
    "REMINDER_DAYS_BEFORE",
    "OPEN_DATA_LICENCE_NAME",
    "OPEN_DATA_LICENCE_URL",
    "OAI_ADMIN_EMAIL",
    "REDIS_URL",
    "JOB_STALE_SECONDS",
    "ERASURE_LEDGER",
    "WITHDRAW_RATE_LIMIT",
)

SECRET_FILE = "secret_key"


def load_config(app: Flask, test_config: dict | None = None) -> None:
    """Fill ``app.config`` from defaults, the instance file, the environment and ``test_config``."""
    instance = Path(app.instance_path)
    app.config.from_mapping(
        DATABASE_URL=None,
        DATA_DIR=str(instance),
        SECRET_KEY=None,
        SEARCH_BACKEND="whoosh",
        RATELIMIT_STORAGE_URI="memory://",
        # "thread": a background thread of the app applies index changes after each commit;
        # "inline": the committing thread applies them itself (CLI and tests).
        SEARCH_SYNC="thread",
        # Rendered public pages: "memory://" (each worker), "redis://…" (shared) or "none".
        CACHE_URI="memory://",
        PAGE_CACHE_RECHECK=1.0,  # seconds between reads of the content version
        EMBARGO_RECHECK=1.0,  # seconds between looks for embargoes that have passed
        PAGE_CACHE_TIMEOUT=600,  # seconds a page is kept at most
        PAGE_CACHE_SIZE=1000,  # pages per worker with memory://
        PAGE_CACHE_PREFIX="memorial-page:",  # key prefix with redis:// (one per site)
        PAGE_CACHE_NEAR=200,  # with redis://, pages each worker also keeps in its memory
        # Pages of one kind (profiles, search, the hero list…) kept per content version at
        # most; past it pages are rendered without being kept (a bound on what a flood of
        # distinct addresses can fill the cache with).
        PAGE_CACHE_MAX_PAGES=2000,
        # The host names the site answers to (comma-separated, e.g. "memorial.example.org,
        # www.memorial.example.org"); requests for any other Host get 400. Empty: any host.
        SERVER_NAMES="",
        # The address the public reaches the site at (e.g. "https://memorial.example.org"):
        # QR codes on graves and exports made by the command line carry it. Empty: the
        # address of the request (and paths alone in command-line exports).
        PUBLIC_URL="",
        # Rate limits live in RATELIMIT_STORAGE_URI; when that Redis stops answering, each
        # worker counts in its own memory (a warning is logged) until it answers again.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
        # /healthz reports the index as behind (503) when the oldest queued index change is
        # older than this many seconds: nothing is applying the outbox.
        OUTBOX_MAX_AGE=60,
        # How many reverse proxies (nginx) stand in front and set X-Forwarded-*; 0: none.
        PROXIES=0,
        HEROES_PER_PAGE=30,
        # Tries of a veteran's private withdrawal code or link from one address.
        WITHDRAW_RATE_LIMIT="10 per hour",
        # Staff sign-in: attempts per address; failures from one address for one account
        # before that address must wait, the first wait (doubled at each further failure),
        # the longest wait, and the hours after which failures are forgotten; how long an
        # idle staff session lasts.
        LOGIN_RATE_LIMIT="10 per minute; 60 per hour",
        LOGIN_MAX_FAILURES=5,
        LOGIN_DELAY_MINUTES=1,
        LOGIN_LOCK_MINUTES=15,
        LOGIN_FORGET_HOURS=24,
        STAFF_IDLE_MINUTES=120,
        # Public forms: submissions and status checks per address, and the photos they carry.
        SUBMIT_RATE_LIMIT="10 per minute; 40 per hour",
        STATUS_RATE_LIMIT="30 per minute; 200 per hour",
        MAX_PHOTO_BYTES=25 * 1024 * 1024,
        MAX_PHOTOS=12,
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        # Media files that no photo names and are older than this are orphans for
        # `memorial check` (younger ones may belong to an upload or import still running).
        ORPHAN_GRACE_MINUTES=60,
        # Photos of a rejected submission are deleted this many days after the decision by
        # `memorial purge-rejected`.
        REJECTED_PHOTO_RETENTION_DAYS=30,
        # Spreadsheet import: the largest sheet (CSV or XLSX) read, in bytes, and the most
        # its ZIP of photos may hold unpacked; an upload waiting for its import is kept
        # this many minutes.
        SHEET_MAX_BYTES=20 * 1024 * 1024,
        PHOTOS_ZIP_MAX_BYTES=1024 * 1024 * 1024,
        SHEET_UPLOAD_MINUTES=60,
        # Recorded interviews: the largest upload in bytes and the longest playing time in
        # seconds (the forms that take an interview accept a request this much larger).
        INTERVIEW_MAX_BYTES=500 * 1024 * 1024,
        INTERVIEW_MAX_SECONDS=3 * 3600,
        # E-mail reminders of anniversaries. MAIL_URL: the SMTP server (smtp://host:port,
        # smtp+starttls://user:password@host:587, smtps://user:password@host:465); empty:
        # reminders are off. MAIL_FROM: the sender (default noreply@ the site's host).
        # Links in mails start with PUBLIC_URL (default: the address the visitor subscribed on).
        MAIL_URL="",
        # Background jobs (the book's volumes): with a Redis address (redis://host:port/db)
        # they are queued in RQ and done by `memorial worker`; empty: a thread of the app.
        REDIS_URL="",
        # A running job whose worker has not reported for this many seconds is done again.
        JOB_STALE_SECONDS=120,
        MAIL_FROM="",
        # A reminder goes out this many days before the anniversary (0: on the day itself).
        REMINDER_DAYS_BEFORE=3,
        # Unconfirmed subscriptions are deleted after this many days (the link stops working).
        REMINDER_CONFIRM_DAYS=7,
        # A confirmation letter for one address and hero goes out again only after this long.
        REMINDER_RESEND_MINUTES=10,
        # Unconfirmed subscriptions one address may have at once.
        REMINDER_MAX_PENDING=5,
        # Refusals of an address in a row (5xx from the mail server) before it is unsubscribed.
        REMINDER_MAX_BOUNCES=2,
        REMIND_RATE_LIMIT="5 per minute; 30 per hour",
        REMINDER_LINK_RATE_LIMIT="30 per minute; 300 per hour",
        # The licence the city gives the open data under (the "Відкриті дані" page, the
        # downloads and every OAI-PMH record name it): its name and the address of its text.
        OPEN_DATA_LICENCE_NAME="CC BY 4.0",
        OPEN_DATA_LICENCE_URL="https://creativecommons.org/licenses/by/4.0/",
        # Seconds a download waits for its file to be built after the archive changed before
        # it answers "come back shortly" (503); keep it below the server's request timeout
        # (gunicorn: 30 s). The build goes on in the background either way.
        OPEN_DATA_BUILD_WAIT=20,
        # The address OAI-PMH harvesters are told to write to (Identify); empty:
        # webmaster@<the site's host name>.
        OAI_ADMIN_EMAIL="",
        # A file outside the data folder and the backups where every deletion a veteran asked
        # for is noted (the record's external_id only); `memorial restore` deletes them again
        # from the restored backup. Empty: not kept.
        ERASURE_LEDGER="",
        BABEL_DEFAULT_LOCALE="uk",
        BABEL_DEFAULT_TIMEZONE="Europe/Kyiv",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=24 * 3600,
        # Static URLs carry a content hash (``static_url``), so a year of caching is safe.
        SEND_FILE_MAX_AGE_DEFAULT=timedelta(days=365),
    )
    app.config.from_pyfile("config.py", silent=True)
    for key in ENV_KEYS:
        value = os.environ.get(f"MEMORIAL_{key}")
        if value:
            app.config[key] = value
    if test_config:
        app.config.update(test_config)

    data_dir = Path(app.config["DATA_DIR"]).resolve()
    app.config["DATA_DIR"] = str(data_dir)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = "sqlite:///" + str(instance / "memorial.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    try:
        app.config["PROXIES"] = int(app.config["PROXIES"])
        if not 0 <= app.config["PROXIES"] <= 5:
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError(
            "MEMORIAL_PROXIES must be a number of proxies from 0 to 5, "
            f"not {app.config['PROXIES']!r}"
        ) from None
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        # A Redis that stops answering must not hold a form up: fail fast, then fall back.
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
        )
    names = app.config["SERVER_NAMES"] or ()
    if isinstance(names, str):
        names = names.replace(",", " ").split()
    app.config["SERVER_NAMES"] = [n.strip().lower() for n in names if n.strip()]
    public_url = (app.config["PUBLIC_URL"] or "").strip().rstrip("/")
    if public_url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", public_url):
        raise ValueError(
            f"MEMORIAL_PUBLIC_URL must be an http(s) address such as https://memorial.example.org, "
            f"not {public_url!r}"
        )
    app.config["PUBLIC_URL"] = public_url
    for key in ("ORPHAN_GRACE_MINUTES", "REJECTED_PHOTO_RETENTION_DAYS"):
        try:
            app.config[key] = float(app.config[key])
            if app.config[key] < 0:
                raise ValueError
        except (TypeError, ValueError):
            raise ValueError(
                f"MEMORIAL_{key} must be a number of zero or more, not {app.config[key]!r}"
            ) from None
    for key in (
        "SHEET_MAX_BYTES",
        "PHOTOS_ZIP_MAX_BYTES",
        "INTERVIEW_MAX_BYTES",
        "INTERVIEW_MAX_SECONDS",
    ):
        try:
            app.config[key] = int(app.config[key])
            if app.config[key] <= 0:
                raise ValueError
        except (TypeError, ValueError):
            raise ValueError(
                f"MEMORIAL_{key} must be a whole number above zero, not {app.config[key]!r}"
            ) from None
    try:
        app.config["REMINDER_DAYS_BEFORE"] = int(app.config["REMINDER_DAYS_BEFORE"])
        if not 0 <= app.config["REMINDER_DAYS_BEFORE"] <= 60:
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError(
            "MEMORIAL_REMINDER_DAYS_BEFORE must be a number of days from 0 to 60, "
            f"not {app.config['REMINDER_DAYS_BEFORE']!r}"
        ) from None
    try:
        app.config["JOB_STALE_SECONDS"] = float(app.config["JOB_STALE_SECONDS"])
        if app.config["JOB_STALE_SECONDS"] <= 0:
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError(
            "MEMORIAL_JOB_STALE_SECONDS must be a number of seconds above zero, "
            f"not {app.config['JOB_STALE_SECONDS']!r}"
        ) from None
    if app.config["MAIL_URL"]:
        from .mail import MailServer

        MailServer.from_url(app.config["MAIL_URL"])  # a bad URL stops the start, said plainly
    if app.config["SEARCH_BACKEND"] not in ("whoosh", "postgres"):
        raise ValueError(
            "MEMORIAL_SEARCH_BACKEND must be 'whoosh' or 'postgres', "
            f"not {app.config['SEARCH_BACKEND']!r}"
        )
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(instance)


def _instance_secret(instance: Path) -> str:
    """Read the secret key kept in the instance folder, creating it (mode 0600) on first run."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / SECRET_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race; use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
