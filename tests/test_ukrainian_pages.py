"""Every word a Ukrainian page shows is Ukrainian: staff pages and public pages in Ukrainian
carry no English word of the interface (no raw keys, no untranslated labels)."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from memorial.extensions import db
from memorial.models import Hero, Revision

from helpers import (
    SUBMITTER,
    csrf_token,
    image_bytes,
    login,
    post_form,
    reference_of,
    submission,
)

#: Latin words a Ukrainian page may show: formats and names that are the same in Ukrainian,
#: and the name of the other interface language on its switch.
ALLOWED = {
    "UTC",
    "JPEG",
    "PNG",
    "WebP",
    "HEIC",
    "iPhone",
    "MEM",
    "English",
    "Facebook",
    "Telegram",
    # file formats of recordings (MP3, MP4, M4A, OGG/Opus, WAV, WebM)
    "MP",
    "OGG",
    "Opus",
    "WAV",
    "WebM",
    # the printable page of a hero
    "PDF",
}
_HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1>", re.S)
#: Data, not words: e-mail addresses, links, reference codes, grave codes, ids such as
#: ``demo-017``, and Roman numerals of award degrees.
_NOT_WORDS = re.compile(
    r"[\w.+-]+@[\w.-]+|https?://\S+|MEM-[0-9A-Z]{4}-[0-9A-Z]{4}|\b[0-9a-f]{8,}\b"
    r"|\b[2-9A-HJKMNP-Z]{6}\b"
    r"|\b[a-z]+-\d+\b|\b[IVX]+\b"
)


def english_words(page: str) -> set[str]:
    """Latin words in the visible text of a page (data such as e-mail addresses left out)."""
    text = _HIDDEN.sub(" ", page.split("<body", 1)[-1])
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = _NOT_WORDS.sub(" ", text)
    return {w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED}


def test_ukrainian_pages_show_no_english_words(demo_app, client, staff):
    app = demo_app
    with app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.is_published).order_by(Hero.id))
        hero_id, slug = hero.id, hero.slug
    story = {**SUBMITTER, "title": "Спогад", "body": "Він завжди допомагав.", "author_name": "О."}
    ref_story = reference_of(client, post_form(client, f"/submit/story/{hero_id}", story))
    photos = [("portrait.png", image_bytes())]
    ref_photos = reference_of(
        client, post_form(client, f"/submit/photos/{hero_id}", SUBMITTER, photos)
    )
    login(client, staff["moderator"], "a wrong password")
    login(client, staff["admin"])
    story_id = submission(app, ref_story).id
    photos_id = submission(app, ref_photos).id
    url = f"/staff/submissions/{story_id}"
    client.post(f"{url}/approve", data={"csrf_token": csrf_token(client, url), "notified": "y"})
    url = f"/staff/submissions/{photos_id}"
    client.post(f"{url}/ask", data={"csrf_token": csrf_token(client, url), "text": "Хто це?"})
    with app.app_context():
        revision_id = db.session.scalar(
            select(Revision.id).where(Revision.hero_id == hero_id).order_by(Revision.id.desc())
        )
    pages = [
        "/",
        "/heroes/",
        f"/heroes/{slug}",
        "/search?q=Коваленко",
        "/heroes/year/",
        "/heroes/unit/",
        "/submit",
        f"/submit/story/{hero_id}",
        "/submit/status",
        "/staff/?status=all",
        f"/staff/submissions/{story_id}",
        f"/staff/submissions/{photos_id}",
        "/staff/heroes",
        f"/staff/heroes/{hero_id}",
        f"/staff/heroes/{hero_id}/edit",
        f"/staff/revisions/{revision_id}",
        "/staff/audit",
        "/staff/accounts",
    ]
    found = {}
    for path in pages:
        response = client.get(path + ("&" if "?" in path else "?") + "lang=uk")
        assert response.status_code == 200, path
        words = english_words(response.get_data(as_text=True))
        if words:
            found[path] = sorted(words)
    assert found == {}, found
    english = client.get("/staff/?status=all&lang=en").get_data(as_text=True)
    assert "(1 photo)" in english and "photos (1 photos)" not in english
    assert "Full name" in client.get(f"/staff/submissions/{story_id}").get_data(as_text=True)
