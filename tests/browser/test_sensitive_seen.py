"""A story or photo marked sensitive: collapsed, opened by keyboard, announced as a control;
and the screenshots of a family's request pages."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect


def tab_to(page, selector: str, most: int = 80) -> None:
    """Press Tab until the focused element matches ``selector`` (fails if it never does)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


SHOTS = os.environ.get("MEMORIAL_SHOTS")


def test_a_sensitive_story_opens_by_keyboard_and_is_announced(page, live_site):
    page.goto(live_site.url("/heroes/{frozen}"))
    expect(page.locator(".frozen-notice")).to_have_text(
        "Сторінку тимчасово не змінюємо: родина уточнює відомості."
    )
    story = page.locator("article.story details.sensitive").first
    expect(story).not_to_have_attribute("open", "")
    body = story.locator("p").first
    expect(body).to_be_hidden()
    tab_to(page, "article.story details.sensitive > summary")
    # Announced as an expandable control, collapsed, with its notice as the name.
    snapshot = page.locator("article.story details.sensitive").first.aria_snapshot()
    assert "Спогад містить тяжкі подробиці. Прочитати" in snapshot
    assert page.evaluate(
        "document.activeElement.tagName === 'SUMMARY'"
        " && document.activeElement.parentElement.open === false"
    )
    page.keyboard.press("Enter")
    expect(body).to_be_visible()
    assert page.evaluate("document.activeElement.parentElement.open === true")
    page.keyboard.press("Space")
    expect(body).to_be_hidden()


def test_screenshots_of_the_family_pages(page, live_site):
    """Screenshots at 360 and 1280 pixels, when MEMORIAL_SHOTS names a folder."""
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    pages = [
        ("family-form", "/submit/family/{hero_id}", False, None),
        ("frozen-profile", "/heroes/{frozen}", False, None),
        ("sensitive-story", "/heroes/{frozen}", False, "#stories-title"),
        (
            "moderation-checklist",
            "/staff/submissions/{family_submission_id}",
            True,
            "#accept-title",
        ),
        ("staff-hero-marks", "/staff/heroes/{frozen_id}", True, "#freeze-title"),
    ]
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for name, path, login, anchor in pages:
            live_site.open(page, path, None, login)
            if anchor:
                page.locator(anchor).scroll_into_view_if_needed()
                page.screenshot(path=str(folder / f"{name}-{width}.png"))
            else:
                page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=width == 360)
