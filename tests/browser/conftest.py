"""A real server on the demo archive and one headless Chromium (Debian's) for the session."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from conftest import DEMO_ARCHIVE, ROOT, app_config
from playwright.sync_api import sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from memorial import create_app
from memorial.extensions import db
from memorial.language import slugify
from memorial.models import Hero
from memorial.schema import create_schema

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]
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
    ("units", "/heroes/unit/", False),
    ("unit", "/heroes/unit/{unit}", False),
    ("communities", "/heroes/community/", False),
    ("community", "/heroes/community/{community}", False),
    ("burials", "/heroes/burial/", False),
    ("burial", "/heroes/burial/{burial}", False),
    ("profile", "/heroes/{profile}", False),
    ("profile-english-story", "/heroes/{volunteer}", False),
    ("search", "/search", False),
    ("search-results", "/search?q=Сокіл", False),
    ("search-nothing", "/search?q=щщщщщщ", False),
    ("not-found", "/heroes/no-such-hero", False),
]
LANGUAGES = ("uk", "en")
STAFF_EMAIL = "moderator@example.org"
STAFF_PASSWORD = "a long test password for the browser"


class LiveSite:
    """A running server: its base URL, the app behind it and the demo's sample paths."""

    def __init__(self, app, base_url: str, sample: dict[str, str]):
        self.app = app
        self.base_url = base_url
        self.sample = sample

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
        """Go to a page; for a staff page, first sign in as a moderator on the form it sends
        a visitor to. Returns the response of the page itself."""
        url = self.url(template, lang)
        if needs_login:
            result = self.app.test_cli_runner().invoke(
                args=["create-user", STAFF_EMAIL, "--password-stdin"],
                input=STAFF_PASSWORD + "\n")
            assert result.exit_code == 0, result.output
            page.goto(url)
            password = page.locator("input[type=password]")
            if password.count():
                page.locator("input[type=email], input[name=email]").first.fill(STAFF_EMAIL)
                password.fill(STAFF_PASSWORD)
                password.press("Enter")
                page.wait_for_load_state()
        return page.goto(url)


def _sample_paths(app) -> dict[str, str]:
    with app.app_context():
        demo = db.session.scalar(select(Hero).where(Hero.external_id == "demo-001"))
        volunteer = db.session.scalar(select(Hero).where(Hero.external_id == "demo-011"))
        return {"profile": demo.slug, "volunteer": volunteer.slug,
                "unit": slugify(demo.military_unit), "community": slugify(demo.home_community),
                "burial": slugify(demo.burial_place)}


@pytest.fixture(scope="session")
def live_site(tmp_path_factory):
    """The demo archive served by a real HTTP server in a thread."""
    tmp: Path = tmp_path_factory.mktemp("live")
    app = create_app(app_config(tmp, TESTING=False))
    with app.app_context():
        create_schema()
    result = app.test_cli_runner().invoke(args=["import-archive", str(DEMO_ARCHIVE)])
    assert result.exit_code == 0, result.output
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveSite(app, f"http://127.0.0.1:{server.server_port}", _sample_paths(app))
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (no downloaded browser)."""
    assert Path(CHROMIUM).is_file(), "Chromium is missing: `make test` installs it"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_FLAGS)
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
