"""Helpers shared by the tests: app configuration, per-test PostgreSQL databases, staff
sign-in and forms, builders for small archives and records, and the pages the browser checks.

Tests import these from here (never from a conftest or another test module)."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import functools
import gc
import io
import itertools
import json
import os
import queue
import re
import secrets
import socket
import subprocess
import sys
import threading
import warnings
from pathlib import Path

from PIL import Image
from sqlalchemy import event, select

from memorial import clock
from memorial.extensions import db
from memorial.models import Submission

ROOT = Path(__file__).resolve().parent.parent
DEMO_ARCHIVE = ROOT / "archive_data"


def app_config(tmp_path: Path, **extra) -> dict:
    """Configuration of a test app whose files all live under ``tmp_path``."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-not-for-production",
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url_for(tmp_path),
        "SEARCH_BACKEND": os.environ.get("MEMORIAL_TEST_SEARCH_BACKEND") or "whoosh",
        "SEARCH_SYNC": "inline",
        "SERVER_NAME": None,
    }
    config.update(extra)
    if not config["DATABASE_URL"].startswith("postgresql"):
        config["SEARCH_BACKEND"] = "whoosh"  # the postgres backend needs a PostgreSQL database
    return config


# --- Staff accounts and forms with CSRF tokens ---------------------------------------------

STAFF_PASSWORD = "correct horse battery"


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on the page at ``url`` (as a browser would read it)."""
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    assert match, f"no CSRF token on {url}: {page[:3000]}"
    return match.group(1)


@functools.cache
def staff_password_hash() -> str:
    """One real argon2 hash of the staff password, computed once (hashing is slow on purpose)."""
    from memorial.accounts import hash_password

    return hash_password(STAFF_PASSWORD)


def login(client, email: str, password: str = STAFF_PASSWORD):
    """Sign in through the real form; return the response."""
    token = csrf_token(client, "/staff/login")
    return client.post(
        "/staff/login", data={"email": email, "password": password, "csrf_token": token}
    )


# -- PostgreSQL runs -----------------------------------------------------------------------
# With MEMORIAL_TEST_DATABASE_URL=postgresql+psycopg://user@host/db every test gets its own
# database, copied from a template made once per run, and dropped after the test; the
# template is dropped when the run ends (the fixture and hooks doing so are in conftest.py).
# A run asked for PostgreSQL that cannot reach it stops with an error instead of skipping.

PG_SERVER_URL = os.environ.get("MEMORIAL_TEST_DATABASE_URL", "")
_RUN_TOKEN = f"{os.getpid()}_{secrets.token_hex(3)}"
_NAMES = itertools.count()
#: The database of each test, by its ``tmp_path``, and this run's template database.
pg_databases: dict[Path, str] = {}
pg_template: list[str] = []


def pg_admin():
    """An autocommit connection to the server's maintenance database given in the URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(PG_SERVER_URL)
    return psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
        connect_timeout=5,
    )


def _pg_url(name: str) -> str:
    """The SQLAlchemy URL of database ``name`` on the test server."""
    from sqlalchemy.engine import make_url

    return make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)


def _pg_build_template() -> str:
    """Create this run's template database: the schema and the pg_trgm extension."""
    name = f"memorial_tpl_{_RUN_TOKEN}"
    with pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    pg_template.append(name)
    from sqlalchemy import create_engine

    from memorial import schema  # noqa: F401  (every table)

    engine = create_engine(_pg_url(name))
    try:
        db.metadata.create_all(engine)
    finally:
        engine.dispose()
    return name


class _PgJanitor(threading.Thread):
    """Creating and dropping a database takes the server a few tenths of a second; this
    thread does it beside the tests: it drops the databases of finished tests and keeps the
    next test's copy of the template ready."""

    def __init__(self) -> None:
        super().__init__(daemon=True, name="pg-janitor")
        self.to_drop: queue.Queue[str] = queue.Queue()
        self.spares: queue.Queue[str] = queue.Queue(maxsize=1)
        self.stopping = threading.Event()
        self.failures: list[BaseException] = []

    def run(self) -> None:
        try:
            with pg_admin() as conn:
                while not self.stopping.is_set():
                    try:
                        name = self.to_drop.get(timeout=0.05)
                    except queue.Empty:
                        if pg_template and not self.spares.full():
                            name = f"memorial_t_{_RUN_TOKEN}_{next(_NAMES)}"
                            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template[0]}"')
                            self.spares.put(name)
                        continue
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except BaseException as exc:  # the tests go on without it, creating their own
            self.failures.append(exc)

    def take_spare(self) -> str | None:
        """A ready copy of the template, or none yet."""
        try:
            return self.spares.get_nowait()
        except queue.Empty:
            return None

    def finish(self) -> list[str]:
        """Stop; the databases it was still to drop and the spare copies, to drop now."""
        self.stopping.set()
        self.join(60)
        left = []
        for waiting in (self.to_drop, self.spares):
            while True:
                try:
                    left.append(waiting.get_nowait())
                except queue.Empty:
                    break
        return left


_janitor: list[_PgJanitor] = []


def _the_janitor() -> _PgJanitor | None:
    if not _janitor:
        _janitor.append(_PgJanitor())
        _janitor[0].start()
    janitor = _janitor[0]
    return janitor if janitor.is_alive() else None


def database_url_for(tmp_path: Path, empty: bool = False) -> str:
    """The database of the test owning ``tmp_path``: an SQLite file, or a fresh PostgreSQL one.

    ``empty``: a database without any table (for migration tests) instead of a copy of the
    run's template that already holds the schema.
    """
    if not PG_SERVER_URL:
        return f"sqlite:///{tmp_path / 'memorial.db'}"
    if tmp_path not in pg_databases:
        if not empty and not pg_template:
            _pg_build_template()
        janitor = _the_janitor()
        name = None if empty or janitor is None else janitor.take_spare()
        if name is None:
            name = f"memorial_t_{_RUN_TOKEN}_{next(_NAMES)}"
            template = "template0" if empty else pg_template[0]
            with pg_admin() as conn:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        pg_databases[tmp_path] = name
    return _pg_url(pg_databases[tmp_path])


def _let_connections_go() -> None:
    """Apps a test made without disposing of their engines still hold pooled connections;
    let them go now, quietly, rather than warn during some later test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def drop_test_databases(names) -> None:
    """Drop PostgreSQL databases made for tests (beside the tests when the janitor runs),
    closing any connection still open."""
    _let_connections_go()
    janitor = _janitor[0] if _janitor and _janitor[0].is_alive() else None
    if janitor is not None:
        for name in names:
            janitor.to_drop.put(name)
        return
    with pg_admin() as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_everything_left() -> None:
    """At the end of the run: stop the janitor and drop every database this run made."""
    names = [*pg_databases.values()]
    if _janitor:
        names += _janitor[0].finish()
    names += pg_template
    _let_connections_go()
    with pg_admin() as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Archives and records ------------------------------------------------------------------


def record(external_id: str = "t-1", **fields) -> dict:
    """A valid hero record in the archive format, with ``fields`` overriding the defaults."""
    base = {
        "external_id": external_id,
        "surname": "Коваленко",
        "given_name": "Андрій",
        "patronymic": "Петрович",
        "call_sign": "Кобзар",
        "birth_date": "1985-06-02",
        "death_date": "2022-08-19",
        "birth_place": "Краматорськ",
        "home_community": "Краматорська міська територіальна громада",
        "rank": "сержант",
        "position": "командир відділення",
        "military_unit": "93-тя окрема механізована бригада «Холодний Яр»",
        "death_place": "Бахмут",
        "death_circumstances": "Загинув під час артилерійського обстрілу.",
        "burial_place": "Краматорськ, Алея Героїв",
        "burial_plot": "ряд 1, місце 3",
        "awards": [
            {"name": "орден «За мужність» III ступеня", "date": "2022-10", "posthumous": True}
        ],
        "biography": "Народився в Краматорську.\n\nПрацював електриком на заводі.",
        "stories": [
            {
                "title": "Мій брат",
                "body": "Він завжди допомагав сусідам.",
                "author_name": "Олена",
                "author_relation": "сестра",
                "date": "2023",
            }
        ],
        "photos": [],
        "status": "published",
    }
    base.update(fields)
    return base


def image_bytes(
    fmt: str = "PNG", size=(60, 80), color=(120, 140, 160), exif: bytes | None = None
) -> bytes:
    """A small real image in ``fmt``."""
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def write_archive(folder: Path, records: list, files: dict[str, bytes] | None = None) -> Path:
    """Write ``heroes.json`` and media files into ``folder``; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "heroes.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    for name, data in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def gps_jpeg(size=(64, 48), orientation: int | None = None) -> bytes:
    """A JPEG carrying a GPS position, a camera name, a comment and an ICC profile."""
    from PIL import ImageCms

    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 43.0, 25.0)
    gps[3], gps[4] = "E", (37.0, 33.0, 51.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), icc_profile=icc, comment=b"secret-comment")
    return out.getvalue()


def home(client, day: str, lang: str | None = None):
    """The home page as it shows on ``day`` (ISO), the archive's clock stopped at noon in Kyiv."""
    with clock.frozen(dt.date.fromisoformat(day)):
        return client.get("/" + (f"?lang={lang}" if lang else ""))


# --- Public submission forms ---------------------------------------------------------------

SUBMITTER = {
    "submitter_name": "Оксана Мельник",
    "submitter_relation": "дружина",
    "submitter_email": "oksana.private@example.org",
    "submitter_phone": "+380 67 000 11 22",
    "consent": "y",
}
REF_RE = re.compile(r"MEM-[23456789A-HJKMNP-Z]{4}-[23456789A-HJKMNP-Z]{4}")


def post_form(client, url: str, data: dict, files: list | None = None):
    """Post a form the way a browser does: token from the page, files as multipart."""
    payload = {"csrf_token": csrf_token(client, url), **data}
    if files is not None:
        payload["photos"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(url, data=payload, content_type="multipart/form-data")


def reference_of(client, response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert response.headers["Location"].endswith("/submit/done")
    page = client.get("/submit/done").get_data(as_text=True)
    found = REF_RE.findall(page)
    assert found, page
    return found[0]


def submission(app, reference: str) -> Submission:
    with app.app_context():
        item = db.session.scalar(select(Submission).where(Submission.reference == reference))
        db.session.expunge(item)
        return item


def search_api(client, q: str) -> list[str]:
    data = client.get("/api/v1/search", query_string={"q": q}).get_json()
    return [r["full_name"] for r in data["results"]]


# --- Pages checked in a real browser (tests/browser) ---------------------------------------

TOOLS = ROOT / ".tools" / "node_modules"
AXE_JS = TOOLS / "axe-core" / "axe.min.js"
VNU_JAR = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"

#: Every page checked in both languages: (name, path, needs_login). ``{...}`` parts are filled
#: from the demo archive. Staff pages join this list with ``needs_login=True``: the checks then
#: open them as a moderator (``LiveSite.open``). Every HTML route of the app must be listed
#: (``test_every_html_route_is_checked``).
PAGES: list[tuple[str, str, bool]] = [
    ("home", "/", False),
    ("heroes", "/heroes/", False),
    ("heroes-letter", "/heroes/?letter=Ж", False),
    ("heroes-page-2", "/heroes/?page=2", False),
    ("years", "/heroes/year/", False),
    ("year", "/heroes/year/2022", False),
    ("day", "/heroes/day/{day}", False),
    ("units", "/heroes/unit/", False),
    ("unit", "/heroes/unit/{unit}", False),
    ("communities", "/heroes/community/", False),
    ("community", "/heroes/community/{community}", False),
    ("burials", "/heroes/burial/", False),
    ("burial", "/heroes/burial/{burial}", False),
    ("profile", "/heroes/{profile}", False),
    ("profile-english-story", "/heroes/{volunteer}", False),
    ("profile-empty-frame", "/heroes/{framed}", False),
    ("search", "/search", False),
    ("search-results", "/search?q=Сокіл", False),
    ("search-nothing", "/search?q=щщщщщщ", False),
    ("not-found", "/heroes/no-such-hero", False),
    ("cemeteries", "/cemeteries", False),
    ("cemetery", "/cemeteries/{cemetery_id}", False),
    ("sector-plan", "/cemeteries/{cemetery_id}/sectors/{sector_id}", False),
    ("sector-plan-here", "/cemeteries/{cemetery_id}/sectors/{sector_id}?grave={grave_code}", False),
    ("grave-free-place", "/g/{free_grave_code}", False),
    ("submit-hero", "/submit", False),
    ("submit-story", "/submit/story/{hero_id}", False),
    ("submit-photos", "/submit/photos/{hero_id}", False),
    ("submit-correction", "/submit/correction/{hero_id}", False),
    ("submit-family", "/submit/family/{hero_id}", False),
    ("profile-frozen-sensitive", "/heroes/{frozen}", False),
    ("submit-done", "/submit/done", False),
    ("submit-status", "/submit/status", False),
    ("remind", "/heroes/{profile}/remind", False),
    ("remind-sent", "/heroes/{profile}/remind/sent", False),
    ("remind-confirm", "/reminders/confirm/{confirm_token}", False),
    ("remind-unsubscribe", "/reminders/unsubscribe/{unsubscribe_token}", False),
    ("remind-manage", "/reminders/manage/{manage_token}", False),
    ("opendata", "/opendata", False),
    ("staff-login", "/staff/login", False),
    ("staff-queue", "/staff/", True),
    ("staff-submission", "/staff/submissions/{submission_id}", True),
    ("staff-family-request", "/staff/submissions/{family_submission_id}", True),
    ("staff-heroes", "/staff/heroes", True),
    ("staff-unverified", "/staff/unverified", True),
    ("staff-hero", "/staff/heroes/{hero_id}", True),
    ("staff-hero-edit", "/staff/heroes/{hero_id}/edit", True),
    ("staff-revision", "/staff/revisions/{revision_id}", True),
    ("staff-audit", "/staff/audit", True),
    ("staff-accounts", "/staff/accounts", True),
    ("staff-import", "/staff/import/", True),
    ("staff-import-report", "/staff/import/{sheet_token}", True),
    ("staff-cemeteries", "/staff/cemeteries", True),
    ("staff-cemetery", "/staff/cemeteries/{cemetery_id}", True),
    ("staff-sector", "/staff/sectors/{sector_id}", True),
    ("staff-hero-grave", "/staff/heroes/{hero_id}/grave", True),
    ("staff-grave", "/staff/cemeteries/graves/{grave_id}", True),
    ("staff-grave-works", "/staff/graves/works", True),
    ("staff-grave-works-waiting", "/staff/graves/works?waiting=monument", True),
    ("staff-grave-works-one", "/staff/graves/{grave_id}/works", True),
    ("staff-grave-labels", "/staff/graves/labels", True),
    ("staff-consent-texts", "/staff/consent-texts", True),
    ("staff-consent-text", "/staff/consent-texts/1", True),
    ("staff-book", "/staff/book/", True),
    ("staff-book-changes", "/staff/book/editions/{edition_id}/changes", True),
    ("staff-hero-consents", "/staff/heroes/{hero_id}/consents", True),
    ("veterans", "/veterans/", False),
    ("veterans-letter", "/veterans/?letter=С", False),
    ("veteran-profile", "/veterans/{veteran}", False),
    ("veteran-withdraw", "/veterans/withdraw", False),
    ("veteran-withdraw-link", "/veterans/withdraw/{withdraw_token}", False),
    ("submit-veteran", "/submit/veteran", False),
    ("search-veterans", "/search?collection=veteran", False),
    ("staff-veteran", "/staff/heroes/{veteran_id}/veteran", True),
    ("staff-submission-veteran", "/staff/submissions/{veteran_submission_id}", True),
    ("staff-hero-interviews", "/staff/heroes/{hero_id}/interviews", True),
    ("staff-interview", "/staff/interviews/{interview_id}", True),
]
LANGUAGES = ("uk", "en")


# -- the `memorial` command in a process of its own -----------------------------------------
BIN = Path(sys.executable).parent


def deployment_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a deployment whose database and data folder belong to this test."""
    config = app_config(tmp_path)
    env = dict(os.environ)
    env.update(
        MEMORIAL_DATABASE_URL=config["DATABASE_URL"],
        MEMORIAL_DATA_DIR=config["DATA_DIR"],
        MEMORIAL_SECRET_KEY="deployment-test-secret",
        MEMORIAL_SEARCH_BACKEND=config["SEARCH_BACKEND"],
        **extra,
    )
    return env


def run_memorial(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``memorial ARGS`` as an operator would, output captured."""
    return subprocess.run(
        [str(BIN / "memorial"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )


# -- a real SMTP server (aiosmtpd) receiving the site's mail ---------------------------------


class MailBox:
    """An aiosmtpd handler that keeps every message it accepts and refuses chosen recipients:
    ``reject`` with 550 (a bounce), ``defer`` with 451 (try later)."""

    def __init__(self) -> None:
        self.messages: list = []
        self.reject: set[str] = set()
        self.defer: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return f"550 5.1.1 <{address}>: Recipient address rejected: no such user"
        if address in self.defer:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        """The messages received for one address, oldest first."""
        return [m for m in self.messages if m["To"] and address in str(m["To"])]


def free_port() -> int:
    """A TCP port nothing listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def smtp_server():
    """A real SMTP server on a free port of 127.0.0.1: ``(box, "smtp://127.0.0.1:PORT")``."""
    from aiosmtpd.controller import Controller

    box = MailBox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield box, f"smtp://127.0.0.1:{controller.port}"
    finally:
        controller.stop()


def letter_parts(message) -> tuple[str, str]:
    """The plain text and HTML of a multipart/alternative letter."""
    assert message.get_content_type() == "multipart/alternative", message.get_content_type()
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def link_in(text: str, path: str) -> str:
    """The first absolute link in ``text`` whose path starts with ``path``."""
    match = re.search(r"https?://[^\s\"<>]+" + re.escape(path) + r"[^\s\"<>]*", text)
    assert match, f"no link to {path} in:\n{text}"
    return match.group(0)


# -- graves -----------------------------------------------------------------------------------
ALLEY = "Краматорськ, Алея Героїв"
SURNAMES = (
    "Коваленко",
    "Шевченко",
    "Бондаренко",
    "Ткаченко",
    "Кравченко",
    "Олійник",
    "Мельник",
    "Поліщук",
    "Савченко",
    "Руденко",
    "Лисенко",
    "Марченко",
)


def buried_records(count: int, sector: str = "А", per_row: int = 10, prefix: str = "b") -> list:
    """``count`` published heroes, each in a grave of ``sector`` of the alley, row by row;
    every name differs (``Коваленко-1``…)."""
    return [
        record(
            f"{prefix}-{i}",
            surname=f"{SURNAMES[i % len(SURNAMES)]}-{i}",
            burial_plot=None,
            grave={
                "cemetery": ALLEY,
                "sector": sector,
                "row": str(i // per_row + 1),
                "place": str(i % per_row + 1),
            },
        )
        for i in range(count)
    ]


# --- Several workers, and the queries a page costs -----------------------------------------


@contextlib.contextmanager
def counted_queries(app):
    """Count the SQL statements the app's engine runs inside the block."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def hero_queries(statements: list[str]) -> list[str]:
    """Queries that read heroes to build a page; the worker's look for passed embargoes (one
    indexed query at most once a second, see bench/RESULTS.md) is not one of them."""
    return [s for s in statements if "FROM hero" in s and "publish_released_at IS NULL" not in s]


def two_workers(tmp_path, **extra):
    """Two apps on one database, as two gunicorn workers are."""
    from memorial import create_app
    from memorial.schema import create_tables

    config = app_config(tmp_path, **extra)
    first, second = create_app(config), create_app(config)
    with first.app_context():
        create_tables()
    return first, second


def close(*apps):
    for one in apps:
        with one.app_context():
            db.session.remove()
            db.engine.dispose()


@contextlib.contextmanager
def demo_archive_app(folder: Path):
    """An app in ``folder`` with the demo archive imported through the CLI (for a module's
    tests to share); its engine let go afterwards."""
    from memorial import create_app
    from memorial.schema import create_schema

    app = create_app(app_config(folder))
    with app.app_context():
        create_schema()
    result = app.test_cli_runner().invoke(args=["import-archive", str(DEMO_ARCHIVE)])
    assert result.exit_code == 0, result.output
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
