"""The Atom feed of new heroes and stories, and the iCalendar feeds of their days, parsed back."""

from __future__ import annotations

import datetime as dt

import feedparser
from icalendar import Calendar
from sqlalchemy import select

from memorial.extensions import db
from memorial.models import Hero

from helpers import (
    SUBMITTER,
    csrf_token,
    login,
    post_form,
    record,
    reference_of,
    submission,
    write_archive,
)

RECORDS = [
    record("f-full", surname="Повнодатний", birth_date="1987-03-14", death_date="2022-05-24"),
    record("f-leap", surname="Високосний", birth_date="1992-02-29", death_date="2023"),
    record("f-month", surname="Місячний", birth_date="1990-07", death_date="2022"),
    record("f-draft", surname="Чернетковий", status="draft", death_date="2022-06-01"),
]


def archive(app, runner, tmp_path):
    result = runner.invoke(args=["import-archive", str(write_archive(tmp_path / "a", RECORDS))])
    assert result.exit_code == 0, result.output
    with app.app_context():
        return {h.external_id: (h.id, h.slug) for h in db.session.scalars(select(Hero))}


def events(response) -> list:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return [c for c in Calendar.from_ical(response.data).walk("VEVENT")]


def test_atom_feed_lists_new_heroes_and_approved_stories(app, runner, tmp_path, client, staff):
    heroes = archive(app, runner, tmp_path)
    hero_id, slug = heroes["f-full"]
    story = {**SUBMITTER, "title": "Мій брат", "body": "Він завжди допомагав.", "author_name": "О"}
    reference = reference_of(client, post_form(client, f"/submit/story/{hero_id}", story))
    login(client, staff["moderator"])
    url = f"/staff/submissions/{submission(app, reference).id}"
    client.post(f"{url}/approve", data={"csrf_token": csrf_token(client, url), "notified": "y"})

    response = client.get("/feed.atom?lang=uk")
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    titles = [e.title for e in feed.entries]
    assert titles[0] == "Спогад про Повнодатний Андрій Петрович: Мій брат"
    assert {"Повнодатний Андрій Петрович", "Високосний Андрій Петрович"} <= set(titles)
    assert not any("Чернетковий" in t for t in titles)
    story_entry = feed.entries[0]
    assert story_entry.link == f"http://localhost/heroes/{slug}#stories"
    hero_entry = next(e for e in feed.entries if e.title.startswith("Повнодатний"))
    assert hero_entry.link == f"http://localhost/heroes/{slug}"
    assert hero_entry.id == f"http://localhost/heroes/{hero_id}"  # never changes with the name
    assert "14 березня 1987 — 24 травня 2022" in hero_entry.summary


def test_calendar_has_all_day_yearly_events_only_for_days_known(app, runner, tmp_path, client):
    heroes = archive(app, runner, tmp_path)
    found = {str(e["uid"]): e for e in events(client.get("/calendar.ics?lang=uk"))}
    full, leap = heroes["f-full"][0], heroes["f-leap"][0]
    assert set(found) == {
        f"hero-{full}-death@localhost",
        f"hero-{full}-birth@localhost",
        f"hero-{leap}-birth@localhost",
    }
    death = found[f"hero-{full}-death@localhost"]
    assert death.decoded("dtstart") == dt.date(2022, 5, 24)  # a date: an all-day event
    assert death.decoded("dtend") == dt.date(2022, 5, 25)
    assert death["rrule"]["FREQ"] == ["YEARLY"]
    assert str(death["summary"]) == "День пам'яті: Повнодатний Андрій Петрович"
    leap_birthday = found[f"hero-{leap}-birth@localhost"]
    assert leap_birthday.decoded("dtstart") == dt.date(1992, 2, 29)
    # 29 February falls on the last day of February in a common year.
    assert leap_birthday["rrule"]["BYMONTH"] == [2] and leap_birthday["rrule"]["BYMONTHDAY"] == [-1]


def test_one_heros_calendar_by_slug_or_id_and_never_a_draft(app, runner, tmp_path, client):
    heroes = archive(app, runner, tmp_path)
    hero_id, slug = heroes["f-full"]
    by_slug = events(client.get(f"/heroes/{slug}.ics"))
    by_id = events(client.get(f"/heroes/{hero_id}.ics"))
    assert [str(e["uid"]) for e in by_slug] == [str(e["uid"]) for e in by_id]
    assert len(by_slug) == 2
    assert f'href="/heroes/{slug}.ics"' in client.get(f"/heroes/{slug}").get_data(as_text=True)
    assert client.get(f"/heroes/{heroes['f-draft'][0]}.ics").status_code == 404
    assert client.get(f"/heroes/{heroes['f-month'][0]}.ics").status_code == 404
    month_page = client.get(f"/heroes/{heroes['f-month'][1]}").get_data(as_text=True)
    assert ".ics" not in month_page
