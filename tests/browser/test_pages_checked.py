"""Every page, in both languages, in a real Chromium: no WCAG 2.2 A/AA violation found by
axe-core, no error from the Nu HTML checker, no console error (a CSP refusal shows there), and
nothing wider than a 320 px phone screen."""

from __future__ import annotations

import json
import subprocess

import pytest

from helpers import AXE_JS, LANGUAGES, PAGES, VNU_JAR

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


#: GET endpoints that answer with something else than an HTML page.
NOT_HTML = {
    "static",
    "public.photo",
    "public.thumbnail",
    "staff.media_file",
    "staff.media_thumb",
    "opendata.download",
    "graves.sector_photo",
    "monuments.photo",
    "grave_works.qr_svg",
    "grave_works.qr_png",
    "grave_works.labels_pdf",
    "grave_works.works_csv",
    "grave_works.works_xlsx",
    "grave_works.staff_photo",
    "provenance.staff_document",
    "provenance.public_document",
    "public.hero_pdf",
    "staff_book.download",
    "staff_book.job_state",
    "public.interview_file",
    "staff_interviews.file",
    "staff_interviews.progress",
}
NOT_HTML_BLUEPRINTS = ("api.", "seo.", "feeds.", "oai.")


def test_every_html_route_is_checked(live_site):
    """A new page (public or staff) must join PAGES, so that it is checked too."""
    adapter = live_site.app.url_map.bind("127.0.0.1")
    checked = {
        adapter.match(live_site.path(path).split("?")[0], method="GET")[0]
        for name, path, _login in PAGES
        if name != "not-found"
    }
    html_routes = {
        rule.endpoint
        for rule in live_site.app.url_map.iter_rules()
        if "GET" in rule.methods
        and rule.endpoint not in NOT_HTML
        and not rule.endpoint.startswith(NOT_HTML_BLUEPRINTS)
    }
    assert html_routes - checked == set()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name, path, needs_login", PAGES, ids=[p[0] for p in PAGES])
def test_axe_finds_no_wcag_violation(page, live_site, name, path, needs_login, lang):
    assert AXE_JS.is_file(), "axe-core is missing: `make test` installs it into .tools/"
    response = live_site.open(page, path, lang, needs_login)
    assert response.status == (404 if name == "not-found" else 200)
    assert page.locator("html").get_attribute("lang") == lang
    page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;true")  # not a page script: CSP holds
    violations = page.evaluate(AXE_RUN, WCAG_TAGS)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{name} is {width}px wide on a 320px screen"
    errors = page.console_errors
    if name == "not-found":  # the page's own 404 status is reported once, and is right
        errors = [e for e in errors if "404" not in e]
    assert errors == []


def test_nu_html_checker_finds_no_error(page, live_site, tmp_path):
    assert VNU_JAR.is_file(), "vnu-jar is missing: `make test` installs it into .tools/"
    files = []
    for name, path, needs_login in PAGES:
        for lang in LANGUAGES:
            target = tmp_path / f"{name}.{lang}.html"
            if needs_login:  # signs the browser's context in; its requests share the cookies
                live_site.open(page, path, lang, needs_login)
            target.write_bytes(page.request.get(live_site.url(path, lang)).body())  # as served
            files.append(str(target))
    run = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--errors-only", *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    errors = [
        f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error"
    ]
    assert errors == [], "\n".join(errors)
    assert run.returncode == 0
