"""Moderation: queue order, duplicates, revisions and restore, unpublish, append-only logs."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from memorial.extensions import db
from memorial.models import AuditEvent, Hero, Revision

from helpers import (
    SUBMITTER,
    csrf_token,
    login,
    post_form,
    record,
    reference_of,
    search_api,
    submission,
    write_archive,
)


def import_records(app, tmp_path, records, name="a"):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-archive", str(write_archive(tmp_path / name, records))])
    assert result.exit_code == 0, result.output


def hero_id(app, external_id: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Hero.id).where(Hero.external_id == external_id))


def revisions(app, hid: int) -> list[Revision]:
    with app.app_context():
        rows = db.session.scalars(
            select(Revision).where(Revision.hero_id == hid).order_by(Revision.id)
        ).all()
        db.session.expunge_all()
        return rows


def test_queue_orders_and_duplicates(app, client, staff, tmp_path):
    import_records(
        app,
        tmp_path,
        [record("d-1", surname="Ґудзь", given_name="Олександр", death_date="2023-02-11")],
    )
    first = reference_of(
        client,
        post_form(
            client,
            "/submit",
            {**SUBMITTER, "surname": "Гудзь", "given_name": "Олександр", "death_date": "2023"},
        ),
    )
    second = reference_of(
        client,
        post_form(client, "/submit", {**SUBMITTER, "surname": "Петренко", "given_name": "Ірина"}),
    )
    login(client, staff["moderator"])
    newest = client.get("/staff/").get_data(as_text=True)
    oldest = client.get("/staff/?order=oldest").get_data(as_text=True)
    assert newest.index(second) < newest.index(first)
    assert oldest.index(first) < oldest.index(second)
    page = client.get(f"/staff/submissions/{submission(app, first).id}").get_data(as_text=True)
    assert "Можливі дублікати" in page and "Ґудзь Олександр" in page
    page = client.get(f"/staff/submissions/{submission(app, second).id}").get_data(as_text=True)
    assert "Схожих імен у архіві не знайдено." in page


def test_edit_before_publishing(app, client, staff):
    reference = reference_of(
        client,
        post_form(client, "/submit", {**SUBMITTER, "surname": "Бондарь", "given_name": "Ігор"}),
    )
    item = submission(app, reference)
    login(client, staff["moderator"])
    url = f"/staff/submissions/{item.id}"
    response = client.post(
        f"{url}/edit",
        data={
            "csrf_token": csrf_token(client, url),
            "surname": "Бондар",
            "given_name": "Ігор",
            "rank": "солдат",
        },
    )
    assert response.status_code == 302
    client.post(f"{url}/approve", data={"csrf_token": csrf_token(client, url), "notified": "y"})
    assert search_api(client, "Бондар") == ["Бондар Ігор"]
    assert submission(app, reference).original["surname"] == "Бондарь"


def test_every_change_is_a_revision_and_any_can_be_restored(app, client, staff, tmp_path):
    import_records(app, tmp_path, [record("r-1", rank="солдат")])
    import_records(app, tmp_path, [record("r-1", rank="сержант")], name="b")
    import_records(app, tmp_path, [record("r-1", rank="сержант")], name="c")  # no change
    hid = hero_id(app, "r-1")
    revs = revisions(app, hid)
    assert [r.source for r in revs] == ["import", "import"]
    assert revs[0].before is None and revs[0].after["rank"] == "солдат"
    assert revs[1].before["rank"] == "солдат" and revs[1].after["rank"] == "сержант"

    login(client, staff["moderator"])
    url = f"/staff/heroes/{hid}/edit"
    form = {
        "csrf_token": csrf_token(client, url),
        "surname": "Коваленко",
        "given_name": "Андрій",
        "rank": "старшина",
        "reason": "за наказом",
    }
    assert client.post(url, data=form).status_code == 302
    edit = revisions(app, hid)[-1]
    assert (edit.source, edit.reason, edit.after["rank"]) == ("edit", "за наказом", "старшина")
    assert edit.user_id is not None and edit.created_at is not None
    page = client.get(f"/staff/revisions/{edit.id}").get_data(as_text=True)
    assert "<del>сержант</del>" in page and "<ins>старшина</ins>" in page

    first = revs[0].id
    url = f"/staff/revisions/{first}"
    assert (
        client.post(f"{url}/restore", data={"csrf_token": csrf_token(client, url)}).status_code
        == 302
    )
    restored = revisions(app, hid)[-1]
    assert restored.source == "restore" and restored.restored_from_id == first
    assert restored.after == revs[0].after
    assert search_api(client, "солдат") == ["Коваленко Андрій Петрович"]
    assert search_api(client, "старшина") == []


def test_unpublish_is_reversible(app, client, staff, tmp_path):
    import_records(app, tmp_path, [record("u-1")])
    hid = hero_id(app, "u-1")
    with app.app_context():
        slug = db.session.get(Hero, hid).slug
    login(client, staff["moderator"])
    url = f"/staff/heroes/{hid}"
    client.post(
        f"{url}/unpublish", data={"csrf_token": csrf_token(client, url), "text": "дублікат"}
    )
    assert client.get(f"/heroes/{slug}").status_code == 404
    assert search_api(client, "Коваленко") == []
    assert "Опублікувати знову" in client.get(f"{url}?lang=uk").get_data(as_text=True)
    client.post(
        f"{url}/publish", data={"csrf_token": csrf_token(client, url), "text": "помилково знято"}
    )
    assert client.get(f"/heroes/{slug}").status_code == 200
    assert search_api(client, "Коваленко") == ["Коваленко Андрій Петрович"]
    assert [r.source for r in revisions(app, hid)][-2:] == ["unpublish", "publish"]


def test_a_draft_never_published_offers_publish_not_publish_again(app, client, staff, tmp_path):
    import_records(app, tmp_path, [record("d-1", status="draft")])
    login(client, staff["moderator"])
    page = client.get(f"/staff/heroes/{hero_id(app, 'd-1')}?lang=uk").get_data(as_text=True)
    assert ">Опублікувати</button>" in page and "Опублікувати знову" not in page


def test_audit_log_records_actions_in_utc_and_is_append_only(app, client, staff, tmp_path):
    import_records(app, tmp_path, [record("a-1")])
    login(client, staff["admin"], "wrong password!")
    login(client, staff["admin"])
    hid = hero_id(app, "a-1")
    url = f"/staff/heroes/{hid}"
    client.post(f"{url}/unpublish", data={"csrf_token": csrf_token(client, url), "text": "x"})
    page = client.get("/staff/audit?lang=uk").get_data(as_text=True)
    assert "профіль знято з публікації" in page and "невдала спроба входу" in page
    assert "причина: неправильний пароль" in page and "login.failure" not in page
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["login.failure", "login.success", "hero.unpublish"]
        assert all(e.at.utcoffset() in (None, __import__("datetime").timedelta(0)) for e in events)
        for statement in (
            "UPDATE audit_event SET action = 'x'",
            "DELETE FROM audit_event",
            "UPDATE revision SET reason = 'x'",
            "DELETE FROM revision",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        assert db.session.scalar(select(db.func.count(AuditEvent.id))) == 3
