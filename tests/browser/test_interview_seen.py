"""A recorded interview on a profile: the player loads the web file, a transcript time seeks
it (with script) or opens the recording at that moment (without), by keyboard too."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

SHOTS = os.environ.get("MEMORIAL_SHOTS")


def test_transcript_time_seeks_the_player(page, live_site):
    page.goto(live_site.url("/heroes/{profile}"))
    section = page.locator("section.interviews")
    expect(section.get_by_role("heading", name="Інтерв'ю", exact=True)).to_be_visible()
    player = section.locator("audio")
    # The browser reads the converted file's header (AAC in MP4) and knows its length.
    page.wait_for_function(
        "document.querySelector('section.interviews audio').readyState >= 1", timeout=15000
    )
    assert 3.5 < player.evaluate("a => a.duration") < 4.5
    link = section.get_by_role("link", name="Слухати з 0:03")
    assert link.get_attribute("href").endswith("#t=3")
    before = page.url
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "Math.abs(document.querySelector('section.interviews audio').currentTime - 3) < 0.6"
    )
    assert page.url == before  # the script seeks the player instead of leaving the page
    assert page.console_errors == []


def test_without_script_the_time_opens_the_recording_there(browser, live_site):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 800}, locale="uk-UA"
    )
    try:
        tab = context.new_page()
        tab.goto(live_site.url("/heroes/{profile}"))
        link = tab.locator("section.interviews").get_by_role("link", name="Слухати з 0:01")
        href = link.get_attribute("href")
        assert href.startswith("/media/interviews/") and href.endswith("#t=1")
        response = tab.request.get(live_site.base_url + href.split("#")[0])
        assert response.status == 200 and response.headers["content-type"] == "audio/mp4"
    finally:
        context.close()


def test_screenshots_of_the_interview_pages(page, live_site):
    """Screenshots at 360 and 1280 pixels, when MEMORIAL_SHOTS names a folder."""
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    shots = [
        ("interview-profile", "/heroes/{profile}", False),
        ("interview-staff", "/staff/interviews/{interview_id}", True),
        ("interview-staff-hero", "/staff/heroes/{hero_id}/interviews", True),
    ]
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for name, path, login in shots:
            live_site.open(page, path, needs_login=login)
            if name == "interview-profile":
                page.locator("section.interviews").scroll_into_view_if_needed()
                page.locator("section.interviews").screenshot(
                    path=str(folder / f"{name}-{width}.png")
                )
            else:
                page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)


def test_a_recording_over_the_limit_is_taken_off_before_sending(page, live_site):
    """The server would refuse the whole request (and the typed text with it): the form's
    script takes such a file off at once and says why."""
    config = live_site.app.config
    limit = config["INTERVIEW_MAX_BYTES"]
    config["INTERVIEW_MAX_BYTES"] = 1000
    try:
        page.goto(live_site.url("/submit/story/{hero_id}"))
        page.locator("#body").fill("Спогад, який не має загубитися.")
        page.set_input_files(
            "#interview", files=[{"name": "a.mp3", "mimeType": "audio/mpeg", "buffer": b"x" * 2000}]
        )
        expect(page.locator("#interview-size")).to_contain_text("більший за")
        assert page.locator("#interview").evaluate("i => i.files.length") == 0
        expect(page.locator("#body")).to_have_value("Спогад, який не має загубитися.")
    finally:
        config["INTERVIEW_MAX_BYTES"] = limit
