"""The plan of a sector as a visitor meets it in a real Chromium: reached from a profile with
the keyboard, the table first on a phone, and one A4 page on paper."""

from __future__ import annotations

import re


def _pages(pdf: bytes) -> int:
    """How many pages a PDF that Chromium printed has."""
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def test_where_is_the_grave_leads_from_the_profile_to_the_marked_place(page, live_site):
    page.goto(live_site.url("/heroes/{profile}", "uk"))
    link = page.get_by_role("link", name="Де могила?")
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "grave=" in page.url and page.url.endswith("#here")
    assert page.locator("#here").inner_text().startswith("Тут: ряд 2, місце 14")
    marked = page.locator("svg a[aria-current=location]")
    assert marked.count() == 1
    assert marked.get_attribute("aria-label").startswith("Ряд 2, місце 14: ")
    assert page.locator("tr.is-here").count() == 1
    # The marked place is a link the keyboard reaches and that shows its focus.
    marked.focus()
    stroke = marked.locator("rect").evaluate("e => getComputedStyle(e).strokeWidth")
    assert stroke == "4px"


def test_on_a_phone_the_table_comes_before_the_drawing(browser, live_site):
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="uk-UA")
    page = context.new_page()
    page.goto(live_site.url("/cemeteries/{cemetery_id}/sectors/{sector_id}?grave={grave_code}"))
    table = page.locator(".places-table").bounding_box()
    drawing = page.locator("svg.plan-svg").bounding_box()
    assert table is not None and drawing is not None
    assert table["y"] < drawing["y"]
    assert drawing["width"] <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def test_the_printed_plan_is_one_a4_page(page, live_site):
    page.goto(live_site.url("/cemeteries/{cemetery_id}/sectors/{sector_id}?grave={grave_code}"))
    page.emulate_media(media="print")
    assert page.locator("svg.plan-svg").is_visible()
    assert not page.locator(".places-table").is_visible()
    assert page.locator("#here").is_visible()
    assert _pages(page.pdf(format="A4")) == 1
