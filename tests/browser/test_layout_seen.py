"""What a visitor sees of the search page and the hero cards, measured in a real Chromium."""

from __future__ import annotations

from playwright.sync_api import Page


def _style(page: Page, selector: str, prop: str) -> str:
    return page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}")


def test_facet_counts_are_plain_text_beside_their_value(page, live_site):
    page.goto(live_site.url("/search?q=Краматорськ"))
    body = float(_style(page, "body", "fontSize").removesuffix("px"))
    count = page.locator(".facet li .facet-count").first
    assert float(count.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px")) <= body
    assert count.evaluate("e => getComputedStyle(e).fontWeight") == "400"
    assert count.evaluate("e => getComputedStyle(e).display") == "inline"


def test_one_result_is_as_tall_as_its_content_beside_the_filters(browser, live_site):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="uk-UA")
    page = context.new_page()
    page.goto(live_site.url("/search?q=Журавського"))
    card = page.locator(".results .hero-card").first.bounding_box()
    facets = page.locator(".facets").bounding_box()
    assert card is not None and facets is not None
    assert facets["height"] > card["height"] * 1.5, (card, facets)
    assert card["height"] < 300
    context.close()


def test_on_a_phone_the_first_result_is_on_the_first_screen(browser, live_site):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="uk-UA")
    page = context.new_page()
    page.goto(live_site.url("/search?q=Краматорськ"))
    first = page.locator(".results .hero-card").first.bounding_box()
    assert first is not None and first["y"] < 740, first
    context.close()


def test_keyboard_focus_on_a_hero_card_is_visible(page, live_site):
    page.goto(live_site.url("/heroes/"))
    page.focus(".hero-card-link")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    card = page.locator(".hero-card").first
    assert card.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    assert float(card.evaluate("e => getComputedStyle(e).outlineWidth").removesuffix("px")) >= 2


def test_the_language_link_sits_in_line_with_the_menu(browser, live_site):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="uk-UA")
    page = context.new_page()
    page.goto(live_site.url("/"))
    menu = page.locator(".nav a").first
    switch = page.locator(".lang-switch a")
    font = "e => getComputedStyle(e).fontFamily + ' ' + getComputedStyle(e).fontSize"
    assert switch.evaluate(font) == menu.evaluate(font)
    assert abs(switch.bounding_box()["y"] - menu.bounding_box()["y"]) <= 2
    context.close()


def test_on_a_phone_a_profile_shows_the_name_on_the_first_screen(browser, live_site):
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="uk-UA")
    page = context.new_page()
    page.goto(live_site.url("/heroes/{profile}"))
    name = page.locator("h1").bounding_box()
    assert name is not None and name["y"] + name["height"] < 640, name
    context.close()


def test_a_printed_demo_profile_keeps_the_demo_notice(page, live_site):
    page.goto(live_site.url("/heroes/{profile}"))
    page.emulate_media(media="print")
    assert page.locator(".demo-notice").is_visible()
    assert not page.locator(".site-header").is_visible()
