"""Both languages are complete: every interface string has its English form, and an English
page shows Ukrainian only where it quotes hero data marked ``lang="uk"``."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from helpers import ROOT

TRANSLATIONS = ROOT / "memorial" / "translations"
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def catalog(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def _key(message_id, context=None):
    return context, (message_id if isinstance(message_id, str) else tuple(message_id))


def test_every_message_has_an_english_translation():
    missing = []
    for message in catalog("en"):
        if not message.id:
            continue
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        if not all(forms) or message.fuzzy or any(CYRILLIC.search(f) for f in forms):
            missing.append(message.id)
    assert missing == []


def test_ukrainian_plurals_have_all_three_forms():
    incomplete = [
        m.id
        for m in catalog("uk")
        if m.id and m.pluralizable and (len(m.string) != 3 or not all(m.string))
    ]
    assert incomplete == []


def test_catalog_holds_every_string_of_the_code_and_templates():
    """A string added without ``make translations`` would show in Ukrainian on English pages."""
    method_map = [("memorial/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {
        "_": None,
        "gettext": None,
        "_l": None,
        "ngettext": (1, 2),
        "pgettext": ((1, "c"), 2),
        "npgettext": ((1, "c"), 2, 3),
    }
    found = {
        _key(message_id, context)
        for _f, _l, message_id, _c, context, *_rest in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=keywords
        )
    }
    known = {_key(m.id, m.context) for m in catalog("en") if m.id}
    assert found - known == set()


class _UntaggedText(HTMLParser):
    """Collects visible text that is not inside an element marked with another language."""

    VOID = frozenset({"meta", "link", "img", "input", "br", "hr", "source"})

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        marked = dict(attrs).get("lang") == "uk" or tag in ("script", "style", "title")
        self.stack.append((tag, marked))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not any(marked for _tag, marked in self.stack) and data.strip():
            self.texts.append(data.strip())


def test_english_pages_show_ukrainian_only_where_marked(demo_app, client):
    from sqlalchemy import select

    from memorial.extensions import db
    from memorial.models import Hero

    with demo_app.app_context():
        slugs = db.session.scalars(select(Hero.slug).where(Hero.status == "published")).all()
    paths = [
        "/",
        "/heroes/",
        "/heroes/year/",
        "/heroes/year/2022",
        "/heroes/unit/",
        "/heroes/community/",
        "/heroes/burial/",
        "/search?q=Сокіл",
        "/heroes/none-0",
        "/heroes/day/05-24",
        "/heroes/day/03-14",
        "/heroes/day/01-01",
        *(f"/heroes/{slug}" for slug in slugs),
    ]
    for path in paths:
        page = client.get(path + ("&" if "?" in path else "?") + "lang=en").get_data(as_text=True)
        parser = _UntaggedText()
        parser.feed(page)
        unmarked = [t for t in parser.texts if CYRILLIC.search(t)]
        assert unmarked == [], path


def test_numbers_and_dates_follow_the_interface_language(app):
    import datetime as dt

    from memorial.web.templating import day_of_year, full_date, number

    with app.test_request_context("/?lang=en"):
        assert number(12345) == "12,345"
        assert full_date(dt.date(2026, 5, 24)) == "24 May 2026"
        assert day_of_year(dt.date(2000, 3, 14)) == "14 March"
    with app.test_request_context("/?lang=uk"):
        assert number(12345) == "12\xa0345"
        assert full_date(dt.date(2026, 5, 24)) == "24 травня 2026"
        assert day_of_year(dt.date(2000, 3, 14)) == "14 березня"


def test_language_chosen_on_a_redirect_is_remembered(app, client):
    response = client.get("/heroes/year?lang=en")  # answers with a redirect, renders nothing
    assert response.status_code == 308
    assert "lang=en" in response.headers.get("Set-Cookie", "")
    assert '<html lang="en">' in client.get("/heroes/year/").get_data(as_text=True)
