"""Content warnings: a photo or story marked sensitive is shown on the profile only behind a
notice the visitor opens (no script), and never in previews, cards, link cards or feeds."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from memorial.extensions import db
from memorial.models import AuditEvent, Hero, Revision
from memorial.records import public_photos, public_stories

from helpers import SUBMITTER, csrf_token, image_bytes, login, post_form, record, write_archive

HARD = "Осколок влучив у бліндаж о світанку."


def import_records(app, tmp_path, records, files=None, name="a"):
    folder = write_archive(tmp_path / name, records, files)
    result = app.test_cli_runner().invoke(args=["import-archive", str(folder)])
    assert result.exit_code == 0, result.output


def setup_hero(app, client, staff, tmp_path) -> Hero:
    rec = record(
        "w-1",
        stories=[
            {"title": "Останній день", "body": HARD, "author_name": "Побратим"},
            {"title": "Дитинство", "body": "Любив риболовлю на Дінці.", "author_name": "Мати"},
        ],
        photos=[
            {"file": "photos/a.png", "caption": "Портрет", "primary": True},
            {"file": "photos/b.png", "caption": "Родина"},
        ],
    )
    files = {"photos/a.png": image_bytes(color=(1, 2, 3)), "photos/b.png": image_bytes()}
    import_records(app, tmp_path, [rec], files)
    with app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.external_id == "w-1"))
        hero.photos, hero.stories  # noqa: B018 - loaded before leaving the session
        db.session.expunge_all()
    login(client, staff["moderator"])
    return hero


def mark(client, hero: Hero, kind: str, item_id: int, state: str = "on"):
    token = csrf_token(client, f"/staff/heroes/{hero.id}")
    response = client.post(
        f"/staff/heroes/{hero.id}/{kind}/{item_id}/sensitive/{state}",
        data={"csrf_token": token, "text": "тяжкі подробиці"},
    )
    assert response.status_code == 302


def test_a_sensitive_story_is_collapsed_on_the_profile_and_kept_out_of_previews(
    app, client, staff, tmp_path
):
    hero = setup_hero(app, client, staff, tmp_path)
    story = next(s for s in hero.stories if s.body == HARD)
    # A story sent through the form and approved, so that the feed carries it.
    post_form(
        client,
        f"/submit/story/{hero.id}",
        {**SUBMITTER, "body": "Ще один тяжкий спогад.", "author_name": "Друг"},
    )
    with app.app_context():
        from memorial.models import Submission

        sid = db.session.scalar(select(Submission.id))
    token = csrf_token(client, f"/staff/submissions/{sid}")
    client.post(f"/staff/submissions/{sid}/approve", data={"csrf_token": token})
    assert "Ще один тяжкий спогад." in client.get("/feed.atom").get_data(as_text=True)
    with app.app_context():
        fed = db.session.scalar(select(Hero).where(Hero.id == hero.id)).stories[-1].id
    mark(client, hero, "story", story.id)
    mark(client, hero, "story", fed)

    page = client.get(f"/heroes/{hero.slug}").get_data(as_text=True)
    collapsed = re.search(
        r'<details class="sensitive"><summary>([^<]+)</summary>(.*?)</details>', page, re.S
    )
    assert collapsed and "Спогад містить тяжкі подробиці" in collapsed.group(1)
    assert HARD in collapsed.group(2)
    assert "Любив риболовлю" in page and "Любив риболовлю" not in collapsed.group(2)
    found = client.get("/search", query_string={"q": "бліндаж"}).get_data(as_text=True)
    assert (
        hero.full_name in found
        and "бліндаж" not in found.split("<main")[1].split(hero.full_name, 1)[1]
    )
    assert "Ще один тяжкий спогад." not in client.get("/feed.atom").get_data(as_text=True)
    with app.app_context():
        shown = db.session.get(Hero, hero.id)
        assert [s.body for s in public_stories(shown, for_preview=True)] == [
            "Любив риболовлю на Дінці."
        ]
        assert len(public_stories(shown)) == 3
        assert (
            db.session.scalar(select(Revision.reason).order_by(Revision.id.desc()))
            == "тяжкі подробиці"
        )
        assert "story.mark_sensitive" in db.session.scalars(select(AuditEvent.action)).all()
    mark(client, hero, "story", story.id, "off")
    page = client.get(f"/heroes/{hero.slug}").get_data(as_text=True)
    assert HARD in page and page.count('<details class="sensitive">') == 1


def test_a_sensitive_portrait_leaves_lists_link_cards_and_structured_data(
    app, client, staff, tmp_path
):
    hero = setup_hero(app, client, staff, tmp_path)
    portrait = next(p for p in hero.photos if p.is_primary)
    before = client.get(f"/heroes/{hero.slug}").get_data(as_text=True)
    assert 'property="og:image"' in before and portrait.file_path in before
    assert portrait.file_path in client.get("/heroes/").get_data(as_text=True)
    mark(client, hero, "photo", portrait.id)

    page = client.get(f"/heroes/{hero.slug}").get_data(as_text=True)
    assert 'property="og:image"' not in page and "twitter:card" not in page
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert "image" not in data
    collapsed = re.search(
        r'<details class="sensitive"><summary>([^<]+)</summary>(.*?)</details>', page, re.S
    )
    assert collapsed and portrait.file_path in collapsed.group(2)
    for url in ("/heroes/", "/", "/search?q=Коваленко"):
        assert portrait.file_path not in client.get(url).get_data(as_text=True), url
    # The photo itself stays reachable (it is on the profile, behind the notice).
    response = client.get(f"/media/{portrait.file_path}")
    response.close()
    assert response.status_code == 200
    with app.app_context():
        shown = db.session.get(Hero, hero.id)
        assert shown.primary_photo is None
        assert [p.caption for p in public_photos(shown, for_preview=True)] == ["Родина"]
        assert len(public_photos(shown)) == 2
