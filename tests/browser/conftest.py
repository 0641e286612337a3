"""A real server on the demo archive and one headless Chromium (Debian's) for the session."""

from __future__ import annotations

import datetime as dt
import io
import logging
import subprocess
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import func, select
from werkzeug.serving import make_server

from memorial import (
    archive,
    consent,
    create_app,
    family,
    graves,
    interviews,
    media,
    reminders,
    sheets,
    submissions,
    veterans,
)
from memorial.dates import day_key
from memorial.extensions import db
from memorial.language import slugify
from memorial.models import BookEdition, Consent, FactSource, Hero, Job, Revision
from memorial.records import HeroInput, PhotoInput
from memorial.revisions import recorded
from memorial.schema import create_schema

from helpers import DEMO_ARCHIVE, app_config, image_bytes, smtp_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STAFF_EMAIL = "moderator@example.org"
STAFF_PASSWORD = "a long test password for the browser"


class LiveSite:
    """A running server: its base URL, the app behind it and the demo's sample paths."""

    def __init__(self, app, base_url: str, sample: dict[str, str], mailbox=None):
        self.app = app
        self.mailbox = mailbox  # the SMTP server receiving the site's letters
        self.base_url = base_url
        self.sample = sample
        self._staff_cookies: list | None = None

    def path(self, template: str) -> str:
        """A page path with its ``{...}`` parts filled from the demo archive."""
        return template.format(**self.sample)

    def url(self, template: str, lang: str | None = None) -> str:
        """The absolute URL of a page, optionally in a chosen language."""
        path = self.path(template)
        if lang:
            path += ("&" if "?" in path else "?") + f"lang={lang}"
        return self.base_url + path

    def open(self, page, template: str, lang: str | None = None, needs_login: bool = False):
        """Go to a page; for a staff page, sign in as an administrator first (once: later tabs
        get the same session cookie). Returns the response of the page itself."""
        url = self.url(template, lang)
        if needs_login:
            if self._staff_cookies is None:
                result = self.app.test_cli_runner().invoke(
                    args=["create-user", STAFF_EMAIL, "--role", "admin", "--password-stdin"],
                    input=STAFF_PASSWORD + "\n",
                )
                assert result.exit_code == 0, result.output
                page.goto(url)  # a visitor who is not signed in is sent to the sign-in form
                page.locator("input[type=email], input[name=email]").first.fill(STAFF_EMAIL)
                password = page.locator("input[type=password]")
                password.fill(STAFF_PASSWORD)
                password.press("Enter")
                page.wait_for_load_state()
                self._staff_cookies = page.context.cookies()
            else:
                page.context.add_cookies(self._staff_cookies)
        return page.goto(url)


def _sample_paths(app) -> dict[str, str]:
    """Paths of the demo's pages, and a submission and a revision for the staff pages."""
    with app.app_context():
        demo = db.session.scalar(select(Hero).where(Hero.external_id == "demo-001"))
        volunteer = db.session.scalar(select(Hero).where(Hero.external_id == "demo-011"))
        other = db.session.scalar(select(Hero).where(Hero.external_id == "demo-002"))
        submission = submissions.submit(
            db.session,
            "story",
            {
                "title": "Вечір на терасі",
                "body": "Він грав на гітарі для всіх сусідів.",
                "author_name": "Ірина",
                "author_relation": "сусідка",
                "date": "2024",
            },
            {
                "submitter_name": "Ірина Петренко",
                "submitter_relation": "сусідка",
                "submitter_email": "iryna@example.org",
                "consent": True,
                "consent_scope": "both",
            },
            [],
            volunteer,
        )
        # A consent the family gave on paper, for the staff's consent page of the demo hero.
        db.session.add(
            Consent(
                text_id=consent.current_text(db.session).id,
                scope="book",
                person_name="Галина Коваленко",
                person_relation="мати",
                hero_id=demo.id,
                note="згода на папері",
            )
        )
        with recorded(db.session, other, "edit", reason="Уточнено ділянку"):
            other.burial_plot = "ряд 3, місце 7"
        secret = app.config["SECRET_KEY"]
        for hero in (demo, other):
            reminders.ask(
                db.session,
                hero,
                "family@example.org",
                ["death"],
                "uk",
                "http://127.0.0.1",
                secret,
                dt.timedelta(minutes=10),
                5,
            )
        # A family's request, and a profile frozen with a story and a photo marked sensitive.
        asked = submissions.submit(
            db.session,
            "family_request",
            family.request_payload(
                "field",
                "correct",
                item_id=None,
                field="rank",
                value="старший сержант",
                how="Наказ про присвоєння звання",
            ),
            {
                "submitter_name": "Марія Коваль",
                "submitter_relation": "мати",
                "submitter_phone": "+380 67 111 22 33",
                "consent": True,
            },
            [],
            demo,
        )
        frozen = db.session.scalar(select(Hero).where(Hero.external_id == "demo-004"))
        frozen.frozen_at, frozen.frozen_by = dt.datetime.now(dt.UTC), "admin@example.org"
        frozen.frozen_reason = "Мати і дружина кажуть різне про місце поховання"
        frozen.stories[0].sensitive = True
        frozen.photos[1].sensitive = True
        grave = demo.grave  # the demo's Алея Героїв: a plan with its heroes
        free = graves.grave_at(db.session, grave.sector, 1, 1)  # a place nobody lies in
        graves.set_reserved(db.session, graves.grave_at(db.session, grave.sector, 1, 2), True)
        graves.set_work(db.session, grave, "temporary_cross", dt.date(2022, 9, 1), "хрест")
        # The empty frame (the family is not ready) and a verified fact with a public scan.
        framed = db.session.scalar(select(Hero).where(Hero.external_id == "demo-046"))
        framed.name_only = True
        stored = media.store_image(app.config["DATA_DIR"], image_bytes("JPEG"))
        db.session.add(
            FactSource(
                hero_id=demo.id,
                field="rank",
                kind="document",
                document_path=stored.file_path,
                document_public=True,
                verified_at=dt.datetime(2026, 11, 30, tzinfo=dt.UTC),
            )
        )
        db.session.add(FactSource(hero_id=other.id, field="military_unit", kind="unit"))
        # An edition of the book made when only the demo hero was in it (its file is gone),
        # and one whose build failed: the staff book page and "what changed since".
        edition = BookEdition(
            params={"title": "Книга пам'яті", "order": "death", "size": "A5"},
            heroes=[{"id": demo.id, "revision": None, "line": False, "items": []}],
            problems=["Коваленко Іван (#1): photos/1.jpg: cannot identify image file"],
            status="done",
            file_path="book/edition-gone.pdf",
            sha256="0" * 64,
            size_bytes=1234567,
            pages=3,
        )
        failed_job = Job(kind="book.build", payload={}, status="failed", error="Нема героїв")
        db.session.add_all([edition, failed_job])
        db.session.flush()
        db.session.add(
            BookEdition(
                params={"title": "Том 2025", "died_from": "2025-01-01", "died_to": "2025-12-31",
                        "order": "name", "size": "A4", "bleed_mm": 3, "marks": True},
                heroes=[],
                problems=[],
                status="failed",
                job_id=failed_job.id,
            )
        )  # fmt: skip
        veteran, withdraw_token, veteran_submission = _veteran_sample(app)
        db.session.commit()
        interview_id = _sample_interview(app, demo)
        sheet = (
            "Ідентифікатор;Прізвище;Ім'я;Дата загибелі;Примітка\n"
            "demo-001;Оновлене;Ім'я;24.02.2022;\n"
            "sheet-2;Новий;Герой;31.02.2022;дуже довге значення клітинки, що не вміщається\n"
        ).encode("cp1251")
        upload = sheets.keep_upload(app.config["DATA_DIR"], io.BytesIO(sheet), "список.csv")
        subscription = reminders.subscriptions_of(
            db.session, reminders.address_key(secret, "family@example.org")
        )[0]
        return {
            "sheet_token": upload.token,
            "profile": demo.slug,
            "volunteer": volunteer.slug,
            "framed": framed.slug,
            "hero_id": str(demo.id),
            "unit": slugify(demo.military_unit),
            "community": slugify(demo.home_community),
            "burial": slugify(demo.burial_place),
            "submission_id": str(submission.id),
            "family_submission_id": str(asked.id),
            "frozen": frozen.slug,
            "frozen_id": str(frozen.id),
            "day": day_key(dt.date(2000, demo.death_month, demo.death_day)),
            "revision_id": str(db.session.scalar(select(func.max(Revision.id)))),
            "confirm_token": reminders.sign(secret, reminders.CONFIRM, subscription),
            "unsubscribe_token": reminders.sign(secret, reminders.UNSUBSCRIBE, subscription),
            "manage_token": reminders.sign_address(secret, subscription.address_key),
            "cemetery_id": str(grave.sector.cemetery_id),
            "sector_id": str(grave.sector_id),
            "grave_code": grave.code,
            "grave_id": str(grave.id),
            "free_grave_code": free.code,
            "edition_id": str(edition.id),
            "veteran": veteran.slug,
            "veteran_id": str(veteran.id),
            "withdraw_token": withdraw_token,
            "veteran_submission_id": str(veteran_submission.id),
            "interview_id": str(interview_id),
        }


def _veteran_sample(app):
    """A published veteran with chapters, service periods and a portrait, the withdrawal
    link given to them, and a veteran's submission waiting for the moderator."""
    portrait = media.store_image(app.config["DATA_DIR"], image_bytes("JPEG", size=(300, 400)))
    hero, _created = archive.upsert_hero(
        db.session,
        HeroInput(
            external_id="demo-veteran-1",
            fields={
                "surname": "Савченко",
                "given_name": "Ірина",
                "patronymic": "Олегівна",
                "call_sign": "Сова",
                "birth_date": "1990-04-12",
                "home_community": "Краматорська міська територіальна громада",
                "rank": "старший сержант",
                "military_unit": "56-та окрема мотопіхотна бригада",
                "biography": "Народилася в Краматорську, вчилася на фельдшерку.",
                "collection": "veteran",
                "unit_hidden": False,
                "service_periods": [
                    {"from": "2015-03", "to": "2017", "unit": "56-та ОМПБр", "role": "медикиня"},
                    {"from": "2022-02-24", "to": None, "unit": None, "role": "бойова медикиня"},
                ],
                "life_now": "Вчить волонтерів домедичної допомоги.",
            },
            awards=[],
            stories=[
                {"chapter": "before", "body": "Працювала на швидкій.", "author_name": "Ірина"},
                {
                    "chapter": "during",
                    "title": "Під Мар'їнкою",
                    "body": "Ми витягали поранених щоночі.",
                    "author_name": "Ірина",
                },
                {"chapter": "after", "body": "Відкрила курси.", "author_name": "Ірина"},
            ],
            photos=[PhotoInput.stored(portrait, "Ірина в Краматорську, 2024", True)],
        ),
    )
    token = veterans.issue_secrets(db.session, hero).token
    pending = submissions.submit(
        db.session,
        "hero",
        {
            "surname": "Бондар",
            "given_name": "Тарас",
            "birth_date": "1988",
            "collection": "veteran",
            "about": "self",
            "unit_hidden": True,
            "service_periods": [{"from": "2014", "to": "2016", "unit": None, "role": "розвідник"}],
            "life_now": "Веде гурток історії.",
            "stories": [{"chapter": "before", "body": "Вчителював.", "author_name": "Тарас"}],
            "awards": [],
        },
        {
            "submitter_name": "Тарас Бондар",
            "submitter_email": "taras@example.org",
            "consent": True,
        },
        [],
    )
    return hero, token, pending


def _sample_interview(app, hero: Hero) -> int:
    """A short converted audio interview of ``hero`` with a transcript (public)."""
    source = Path(app.config["DATA_DIR"]).parent / "interview.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=330:duration=4",
         str(source)],
        check=True,
    )  # fmt: skip
    written: list[Path] = []
    max_bytes, max_seconds = interviews.limits(app)
    with open(source, "rb") as stream:
        rel, path = interviews.store_upload(app.config["DATA_DIR"], stream, max_bytes, written)
    row = interviews.add_interview(
        db.session,
        data_dir=app.config["DATA_DIR"],
        original_path=rel,
        found=interviews.probe(path, max_bytes, max_seconds),
        hero=hero,
        title="Розмова з матір'ю",
        transcript="[00:00:01] Він змалку любив техніку.\n00:03 Ми чекали його щодня.",
    )
    db.session.commit()
    assert interviews.convert(row.id)
    return row.id


def buffered(app):
    """Wrap a WSGI app so every response body is read and closed before it is sent.

    Werkzeug's development server skips ``close()`` when a browser drops a connection
    while the server drains the request, which leaves files of ``send_file`` open.
    """

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@pytest.fixture(scope="session")
def live_site(tmp_path_factory):
    """The demo archive served by a real HTTP server in a thread."""
    tmp: Path = tmp_path_factory.mktemp("live")
    mail = smtp_server()
    mailbox, mail_url = mail.__enter__()
    app = create_app(app_config(tmp, TESTING=False, MAIL_URL=mail_url))
    with app.app_context():
        create_schema()
    result = app.test_cli_runner().invoke(args=["import-archive", str(DEMO_ARCHIVE)])
    assert result.exit_code == 0, result.output
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, buffered(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveSite(app, f"http://127.0.0.1:{server.server_port}", _sample_paths(app), mailbox)
    finally:
        server.shutdown()
        mail.__exit__(None, None, None)
        thread.join(timeout=5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (no downloaded browser)."""
    assert Path(CHROMIUM).is_file(), "Chromium is missing: `make test` installs it"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh phone-sized tab of a Ukrainian visitor with no cookies; console errors kept."""
    context = browser.new_context(viewport={"width": 320, "height": 800}, locale="uk-UA")
    tab = context.new_page()
    tab.console_errors = []
    tab.on("console", lambda msg: msg.type == "error" and tab.console_errors.append(msg.text))
    yield tab
    context.close()
