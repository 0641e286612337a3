"""What visitors do, done as a person with only a keyboard would do it, in a real Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from memorial import consent
from memorial.extensions import db
from memorial.models import Submission

MAX_TABS = 80


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the focused element matches ``selector`` (fails if it never does)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_skip_link_is_first_and_moves_to_the_content(page, live_site):
    page.goto(live_site.url("/"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    expect(page.locator(".skip-link")).to_be_visible()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # The next stop after the skip target is inside the main content, not the header.
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_search_and_open_a_profile(page, live_site):
    page.goto(live_site.url("/"))
    tab_to(page, "input[name=q]")
    page.keyboard.type("Журавського")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    expect(page.locator(".result-count")).to_contain_text("1")
    tab_to(page, ".results a.hero-card-link")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/heroes/zhuravskyi-yevhen-\d+$"))
    expect(page.locator("h1")).to_have_text("Журавський Євген Олександрович")


def test_light_a_candle_once_a_day(page, live_site):
    page.goto(live_site.url("/heroes/{profile}"))
    count = page.locator(".candle-count")
    before = int(re.search(r"\d+", count.inner_text()).group())
    tab_to(page, ".candle-button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/heroes/zhuravskyi-yevhen-\d+#candle$"))
    expect(page.locator(".flash")).to_contain_text("запалили свічку")
    assert int(re.search(r"\d+", count.inner_text()).group()) == before + 1
    # The same visitor sees that the candle is lit and gets no second button today.
    expect(page.locator(".candle-lit")).to_be_visible()
    expect(page.locator(".candle-button")).to_have_count(0)
    page.reload()
    assert int(re.search(r"\d+", count.inner_text()).group()) == before + 1


def test_switch_language_keeps_the_page_and_marks_hero_data(page, live_site):
    page.goto(live_site.url("/heroes/{profile}"))
    assert page.locator("html").get_attribute("lang") == "uk"
    tab_to(page, "a[hreflang=en]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/heroes/zhuravskyi-yevhen-\d+\?lang=en$"))
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("h2#timeline-title")).to_have_text("Life")
    # The name stays as entered, and says it is Ukrainian.
    expect(page.locator("h1")).to_have_text("Журавський Євген Олександрович")
    assert page.locator("h1").get_attribute("lang") == "uk"
    # The choice is remembered on the next page without ?lang=.
    page.goto(live_site.url("/heroes/"))
    assert page.locator("html").get_attribute("lang") == "en"
    tab_to(page, "a[hreflang=uk]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/heroes/\?lang=uk$"))
    assert page.locator("html").get_attribute("lang") == "uk"


def test_submit_a_story_with_the_keyboard(page, live_site):
    page.goto(live_site.url("/heroes/{profile}"))
    tab_to(page, "a[href*='/submit/story/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/submit/story/\d+$"))
    for selector, text in (
        ("#title", "Останній дзвінок"),
        ("#body", "Він подзвонив увечері й сказав, що все добре."),
        ("#author_name", "Марія"),
        ("#author_relation", "сестра"),
        ("#submitter_name", "Марія Журавська"),
        ("#submitter_relation", "сестра"),
        ("#submitter_email", "maria@example.org"),
    ):
        tab_to(page, selector)
        page.keyboard.type(text)
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    assert page.locator("#consent").is_checked()
    # The scope by keyboard: Tab reaches the chosen radio (the site), an arrow moves on.
    tab_to(page, "#consent_scope-0")
    page.keyboard.press("ArrowDown")
    assert page.locator("#consent_scope-1").is_checked()
    tab_to(page, "form.submit-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/submit/done$"))
    reference = page.locator("#reference").inner_text().strip()
    assert re.fullmatch(r"MEM-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    with live_site.app.app_context():
        stored = db.session.scalar(select(Submission).where(Submission.reference == reference))
        assert stored.kind == "story" and stored.status == "received"
        assert stored.payload["body"] == "Він подзвонив увечері й сказав, що все добре."
        recorded_consent = consent.of_submission(db.session, stored)
        assert (recorded_consent.scope, recorded_consent.text.version) == ("book", 1)
    # Nothing is public before a moderator approves it.
    page.goto(live_site.url("/heroes/{profile}"))
    expect(page.locator("body")).not_to_contain_text("Він подзвонив увечері")


def test_upload_a_sheet_read_the_report_and_import_it_by_keyboard(page, live_site, tmp_path):
    # One row that changes nothing and one with a bad date: the shared demo stays as it is.
    sheet = tmp_path / "список.csv"
    sheet.write_bytes(
        (
            "Ідентифікатор;Прізвище;Звання;Дата загибелі\r\n"
            "demo-001;Журавський;старший сержант;\r\n"
            "no-such-1;Новенький;солдат;30.02.2023\r\n"
        ).encode("cp1251")
    )
    live_site.open(page, "/staff/import/", "uk", needs_login=True)
    page.set_input_files("#sheet", str(sheet))
    tab_to(page, "form.submit-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Перевірка таблиці")
    table = page.locator("table.staff-table")
    expect(table.locator("caption")).to_contain_text("помилк")
    expect(table).to_contain_text("30.02.2023")
    expect(page.locator(".sheet-summary")).to_contain_text("без змін: 1")
    tab_to(page, "#skip_invalid")
    page.keyboard.press("Space")
    tab_to(page, "form.submit-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".flash").first).to_contain_text("без змін 1")
    expect(page.locator(".flash").first).to_contain_text("пропущено рядків з помилками 1")


def test_ask_for_reminders_and_confirm_with_the_keyboard(page, live_site):
    page.goto(live_site.url("/heroes/{profile}"))
    tab_to(page, "a[href$='/remind']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/remind$"))
    tab_to(page, "input[name=email]")
    page.keyboard.type("keyboard.family@example.org")
    tab_to(page, "input[value=birth]")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/remind/sent$"))
    expect(page.locator("h1")).to_have_text("Перевірте пошту")
    [letter] = live_site.mailbox.to("keyboard.family@example.org")
    link = re.search(r"http://\S+/reminders/confirm/\S+", letter.get_body(("plain",)).get_content())
    page.goto(link.group(0))
    expect(page.locator("h1")).to_have_text("Підтвердити нагадування")
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Нагадування підтверджено")
    expect(page.locator("main li")).to_have_count(2)  # the day of memory and the birthday
    tab_to(page, "a[href*='/reminders/manage/']")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Мої нагадування")
    tab_to(page, ".reminder-list button.unsubscribe")
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("Скасовано 1 підписку")
