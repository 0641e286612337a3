"""The veterans' pages on a phone and a desktop: nothing wider than the screen, no candle,
the year of birth only, the chapters in order; the withdrawal by keyboard; screenshots."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

SHOTS = os.environ.get("MEMORIAL_SHOTS")


def test_a_veteran_page_on_a_phone(page, live_site):
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(live_site.url("/veterans/{veteran}"))
    expect(page.locator("h1")).to_have_text("Савченко Ірина Олегівна")
    expect(page.locator(".life-dates")).to_have_text("Рік народження: 1990")
    assert page.locator(".candle").count() == 0
    headings = page.locator("section.chapter h2").all_inner_texts()
    assert headings == ["До війни", "На війні", "Після"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_list_leads_to_the_profile_by_keyboard(page, live_site):
    page.goto(live_site.url("/veterans/"))
    card = page.locator(".hero-card-link").first
    expect(card).to_contain_text("Ветеран · рік народження 1990")
    card.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(live_site.path("/veterans/{veteran}"))


def test_a_wrong_code_is_announced_and_the_code_is_kept(page, live_site):
    page.goto(live_site.url("/veterans/withdraw"))
    page.get_by_label("Код відкликання").fill("AAAA-BBBB-CCCC")
    page.get_by_role("button", name="Приховати сторінку").click()
    expect(page.get_by_role("alert")).to_contain_text("Цей код не підійшов")
    expect(page.get_by_label("Код відкликання")).to_have_value("AAAA-BBBB-CCCC")


def test_screenshots_of_the_veterans_pages(page, live_site):
    """Screenshots at 360 and 1280 pixels, when MEMORIAL_SHOTS names a folder."""
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    pages = [
        ("veterans", "/veterans/", False),
        ("veteran-profile", "/veterans/{veteran}", False),
        ("veteran-withdraw", "/veterans/withdraw", False),
        ("submit-veteran", "/submit/veteran", False),
        ("staff-veteran", "/staff/heroes/{veteran_id}/veteran", True),
        ("staff-veteran-submission", "/staff/submissions/{veteran_submission_id}", True),
    ]
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for name, path, login in pages:
            live_site.open(page, path, None, login)
            page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
