"""E-mail reminders: the form, double opt-in, the day's mails, unsubscribing, bounces.

A real SMTP server (aiosmtpd) receives every letter; links are read from the letters as a
person would click them. Runs on SQLite and, in the PostgreSQL run, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, text, update

from memorial import clock, create_app, reminders
from memorial.clock import today_in_kyiv
from memorial.extensions import db
from memorial.models import Hero, ReminderSent, ReminderSubscription
from memorial.schema import create_tables

from helpers import (
    app_config,
    csrf_token,
    database_url_for,
    deployment_env,
    free_port,
    letter_parts,
    link_in,
    record,
    run_memorial,
    smtp_server,
    write_archive,
)

ADDRESS = "maria.family@example.org"
OTHER = "petro.friend@example.org"
SUBSCRIBED = dt.datetime(2027, 3, 9, 10, 0, tzinfo=dt.UTC)
#: Three days before the day of memory (14 March) of the first hero, in 2027.
BEFORE_DAY = dt.date(2027, 3, 11)


def _records():
    return [
        record(
            "r-1",
            surname="Мельник",
            given_name="Тарас",
            patronymic="Іванович",
            death_date="2023-03-14",
            birth_date="1990-05-02",
            photos=[],
        ),
        record(
            "r-2",
            surname="Бондар",
            given_name="Ігор",
            patronymic="Олегович",
            death_date="2024-03-14",
            birth_date="1988",
            photos=[],
        ),
        record(
            "r-3",
            surname="Ткач",
            given_name="Олег",
            patronymic=None,
            death_date="2023",
            birth_date="1991-07",
            photos=[],
        ),
    ]


@pytest.fixture
def mailbox():
    with smtp_server() as (box, url):
        box.url = url
        yield box


def _make_app(tmp_path, **extra):
    app = create_app(app_config(tmp_path, REMIND_RATE_LIMIT="1000 per minute", **extra))
    with app.app_context():
        create_tables()
    folder = write_archive(tmp_path / "src", _records())
    result = app.test_cli_runner().invoke(args=["import-archive", str(folder)])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture
def mail_app(tmp_path, mailbox):
    app = _make_app(tmp_path, MAIL_URL=mailbox.url)
    yield app
    app.extensions["memorial.index_sync"].stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def slug(app, external_id: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Hero.slug).where(Hero.external_id == external_id))


def ask(client, app, external_id="r-1", address=ADDRESS, days=("death",), lang="uk", **extra):
    url = f"/heroes/{slug(app, external_id)}/remind?lang={lang}"
    data = {"csrf_token": csrf_token(client, url), "email": address, "days": list(days), **extra}
    return client.post(url, data=data)


def subscribe_and_confirm(client, app, box, external_id="r-1", address=ADDRESS, **kw) -> str:
    """Ask for reminders, open the link of the confirmation letter; the letter's text."""
    with clock.frozen(SUBSCRIBED):
        before = len(box.to(address))
        assert ask(client, app, external_id, address, **kw).status_code == 303
        letter = box.to(address)[before]
        body, _html = letter_parts(letter)
        path = urlsplit(link_in(body, "/reminders/confirm/")).path
        asked = client.get(path).get_data(as_text=True)
        assert 'method="post"' in asked and f'action="{path}"' in asked
        confirmed = client.post(path)
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    return body


def subscriptions(app) -> list[ReminderSubscription]:
    with app.app_context():
        rows = db.session.scalars(select(ReminderSubscription).order_by(ReminderSubscription.id))
        out = list(rows)
        for row in out:
            db.session.expunge(row)
        return out


def send(app, day: dt.date):
    with clock.frozen(day):
        return app.test_cli_runner().invoke(args=["send-reminders"])


def database_text(app) -> str:
    """Every value of every table, as text: to look for an address that must be gone."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                found.append(" ".join(str(v) for v in row))
    return "\n".join(found)


# --- the form ------------------------------------------------------------------------------


def test_profile_offers_reminders_and_the_form_offers_known_days(mail_app):
    client = mail_app.test_client()
    profile = client.get(f"/heroes/{slug(mail_app, 'r-1')}").get_data(as_text=True)
    assert f"/heroes/{slug(mail_app, 'r-1')}/remind" in profile
    form = client.get(f"/heroes/{slug(mail_app, 'r-1')}/remind").get_data(as_text=True)
    assert 'value="death"' in form and 'value="birth"' in form and "14 березня" in form
    assert 'name="csrf_token"' in form and 'name="website"' in form
    # Only the day of memory is known to the day: no birthday offered.
    form2 = client.get(f"/heroes/{slug(mail_app, 'r-2')}/remind").get_data(as_text=True)
    assert 'value="death"' in form2 and 'value="birth"' not in form2
    # No day known at all: no link on the profile, and the form says why.
    assert "/remind" not in client.get(f"/heroes/{slug(mail_app, 'r-3')}").get_data(as_text=True)
    none = client.get(f"/heroes/{slug(mail_app, 'r-3')}/remind")
    assert none.status_code == 200 and "жодної повної дати" in none.get_data(as_text=True)


def test_without_a_mail_server_reminders_are_off(tmp_path):
    app = _make_app(tmp_path)
    client = app.test_client()
    hero = slug(app, "r-1")
    assert "/remind" not in client.get(f"/heroes/{hero}").get_data(as_text=True)
    page = client.get(f"/heroes/{hero}/remind")
    assert page.status_code == 200 and "Нагадування вимкнено" in page.get_data(as_text=True)
    posted = client.post(f"/heroes/{hero}/remind", data={"email": ADDRESS, "days": "death"})
    assert posted.status_code in (400, 503)
    assert subscriptions(app) == []
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code != 0 and "MEMORIAL_MAIL_URL" in result.output


def test_bad_input_is_refused_with_nothing_stored(mail_app, mailbox):
    client = mail_app.test_client()
    bad = ask(client, mail_app, address="не адреса")
    assert bad.status_code == 400 and "не схоже на адресу" in bad.get_data(as_text=True)
    for address in ("a,b@example.org", "x@example.org <y@example.org>", "мама@example.org"):
        assert ask(client, mail_app, address=address).status_code == 400
    none = ask(client, mail_app, days=())
    assert none.status_code == 400 and "хоча б один день" in none.get_data(as_text=True)
    robot = ask(client, mail_app, website="http://spam.example")
    assert robot.status_code == 400
    no_token = client.post(
        f"/heroes/{slug(mail_app, 'r-1')}/remind", data={"email": ADDRESS, "days": "death"}
    )
    assert no_token.status_code == 400
    assert subscriptions(mail_app) == [] and mailbox.messages == []
    # An internationalised domain is written to in its ASCII form.
    assert ask(client, mail_app, address="mama@приклад.укр").status_code == 303
    assert [r.email for r in subscriptions(mail_app)] == ["mama@xn--80aikifvh.xn--j1amh"]
    assert len(mailbox.to("mama@xn--80aikifvh.xn--j1amh")) == 1


# --- the whole way: subscribe, confirm, remind, unsubscribe -----------------------------------


def test_subscribe_confirm_remind_once_and_unsubscribe_in_one_click(mail_app, mailbox, caplog):
    caplog.set_level(logging.DEBUG, logger="memorial")
    client = mail_app.test_client()
    with clock.frozen(SUBSCRIBED):
        response = ask(client, mail_app, days=("death", "birth"))
        assert response.status_code == 303
        sent_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Перевірте пошту" in sent_page and ADDRESS not in sent_page
    [letter] = mailbox.to(ADDRESS)
    body, html = letter_parts(letter)
    assert "Мельник Тарас Іванович" in letter["Subject"]
    assert letter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert letter["List-Unsubscribe"].startswith("<http")
    confirm = link_in(body, "/reminders/confirm/")
    assert confirm in html
    [row] = subscriptions(mail_app)
    assert row.confirmed_at is None and row.on_death and row.on_birth and row.language == "uk"
    # Nothing is sent before the address is confirmed.
    assert "sent 0 reminders" in send(mail_app, BEFORE_DAY).output

    with clock.frozen(SUBSCRIBED + dt.timedelta(hours=1)):
        # Opening the link (as a mail service checking links does) only asks.
        asked = client.get(urlsplit(confirm).path)
        assert asked.status_code == 200 and "Так, надсилати" in asked.get_data(as_text=True)
        assert subscriptions(mail_app)[0].confirmed_at is None
        first = client.post(urlsplit(confirm).path)
        again = client.get(urlsplit(confirm).path)
    assert first.status_code == 200 and "Нагадування підтверджено" in first.get_data(as_text=True)
    assert first.headers["Referrer-Policy"] == "no-referrer"
    assert first.headers["Cache-Control"] == "no-store"
    assert again.status_code == 200 and "вже підтверджено" in again.get_data(as_text=True)
    assert subscriptions(mail_app)[0].confirmed_at is not None

    result = send(mail_app, BEFORE_DAY)
    assert result.exit_code == 0, result.output
    assert "sent 1 reminders" in result.output
    reminder = mailbox.to(ADDRESS)[-1]
    assert len(mailbox.to(ADDRESS)) == 2
    text_part, html_part = letter_parts(reminder)
    assert "день пам'яті" in reminder["Subject"] and "Мельник Тарас Іванович" in reminder["Subject"]
    assert "Через 3 дні, 14 березня" in text_part and "4 роки від дня загибелі" in text_part
    assert "Мельник Тарас Іванович" in html_part and '<html lang="uk">' in html_part
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert reminder["List-Id"] == "Memorial reminders <reminders.localhost>"
    assert reminder["Auto-Submitted"] == "auto-generated"
    unsubscribe = reminder["List-Unsubscribe"].strip("<>")
    assert unsubscribe in text_part and link_in(text_part, "/reminders/manage/") in html_part

    # Run twice, and on the next days of the window: nobody gets a second letter.
    assert "sent 0 reminders" in send(mail_app, BEFORE_DAY).output
    assert "sent 0 reminders" in send(mail_app, BEFORE_DAY + dt.timedelta(days=2)).output
    assert len(mailbox.to(ADDRESS)) == 2
    # The birthday comes in its own time (2 May: 37 years).
    birthday = send(mail_app, dt.date(2027, 4, 30))
    assert "sent 1 reminders" in birthday.output
    assert "виповнилося б 37 років" in letter_parts(mailbox.to(ADDRESS)[-1])[0]

    # One click (RFC 8058): a POST without any session or CSRF token, only the signed link.
    fresh = mail_app.test_client()
    done = fresh.post(urlsplit(unsubscribe).path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "Ви відписалися" in done.get_data(as_text=True)
    assert subscriptions(mail_app) == []
    assert ADDRESS not in database_text(mail_app)
    with mail_app.app_context():
        assert db.session.scalar(select(func.count(ReminderSent.id))) == 0
    twice = fresh.post(urlsplit(unsubscribe).path, data={"List-Unsubscribe": "One-Click"})
    assert twice.status_code == 200 and "вже відписалися" in twice.get_data(as_text=True)
    assert "sent 0 reminders" in send(mail_app, dt.date(2028, 3, 11)).output
    assert ADDRESS not in caplog.text


def test_a_letter_link_opened_by_a_checker_does_not_unsubscribe(mail_app, mailbox):
    client = mail_app.test_client()
    subscribe_and_confirm(client, mail_app, mailbox)
    send(mail_app, BEFORE_DAY)
    unsubscribe = mailbox.to(ADDRESS)[-1]["List-Unsubscribe"].strip("<>")
    page = client.get(urlsplit(unsubscribe).path)
    assert page.status_code == 200 and "Відписатися" in page.get_data(as_text=True)
    assert len(subscriptions(mail_app)) == 1


def test_letters_in_english_for_an_english_page(mail_app, mailbox):
    client = mail_app.test_client()
    subscribe_and_confirm(client, mail_app, mailbox, lang="en")
    [letter] = mailbox.to(ADDRESS)
    assert letter["Subject"].startswith("Confirm")
    assert subscriptions(mail_app)[0].language == "en"
    send(mail_app, BEFORE_DAY)
    text_part, html_part = letter_parts(mailbox.to(ADDRESS)[-1])
    assert "In 3 days, 14 March" in text_part and "4 years since" in text_part
    assert '<html lang="en">' in html_part


# --- signed links ------------------------------------------------------------------------------


def test_tampered_expired_and_foreign_links_change_nothing(mail_app, mailbox):
    client = mail_app.test_client()
    with clock.frozen(SUBSCRIBED):
        ask(client, mail_app)
    body, _html = letter_parts(mailbox.to(ADDRESS)[0])
    path = urlsplit(link_in(body, "/reminders/confirm/")).path
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    with clock.frozen(SUBSCRIBED):
        bad = client.get(tampered)
        foreign = client.get("/reminders/confirm/" + path.rsplit("/", 1)[1][::-1])
        wrong_kind = client.get(path.replace("/confirm/", "/manage/"))
    for response in (bad, foreign, wrong_kind):
        assert response.status_code == 400
        assert "Посилання неправильне" in response.get_data(as_text=True)
    with clock.frozen(SUBSCRIBED + dt.timedelta(days=8)):
        late = client.post(path + "?lang=en")
    assert late.status_code == 400 and "expired" in late.get_data(as_text=True).lower()
    assert subscriptions(mail_app)[0].confirmed_at is None
    # The next run deletes the subscription that was never confirmed, address and all.
    result = send(mail_app, SUBSCRIBED.date() + dt.timedelta(days=8))
    assert "deleted 1 subscriptions never confirmed" in result.output
    assert subscriptions(mail_app) == [] and ADDRESS not in database_text(mail_app)
    with clock.frozen(SUBSCRIBED + dt.timedelta(days=1)):
        gone = client.get(path + "?lang=uk")
    assert gone.status_code == 404 and "Підписки вже немає" in gone.get_data(as_text=True)
    # A one-click POST with a made-up token is refused too.
    forged = mail_app.test_client().post("/reminders/unsubscribe/abc.def.ghi")
    assert forged.status_code == 400


# --- no mail bombs -------------------------------------------------------------------------------


def test_the_form_cannot_bomb_an_address(tmp_path, mailbox):
    app = _make_app(tmp_path, MAIL_URL=mailbox.url, REMINDER_MAX_PENDING=1)
    client = app.test_client()
    with clock.frozen(SUBSCRIBED):
        pages = [ask(client, app) for _ in range(4)]
    assert [p.status_code for p in pages] == [303] * 4  # the same answer every time
    assert len(mailbox.to(ADDRESS)) == 1
    with clock.frozen(SUBSCRIBED + dt.timedelta(minutes=11)):
        assert ask(client, app).status_code == 303
        # A second hero for an address with a pending one: held (the cap is 1 here).
        assert ask(client, app, "r-2").status_code == 303
    assert len(mailbox.to(ADDRESS)) == 2
    assert len(subscriptions(app)) == 1
    # The same address typed differently is the same address.
    with clock.frozen(SUBSCRIBED + dt.timedelta(minutes=12)):
        ask(client, app, address=" Maria.Family@Example.org ")
    assert len(subscriptions(app)) == 1 and len(mailbox.messages) == 2
    # A confirmed subscriber who asks again gets the link to manage, not a second subscription.
    body, _ = letter_parts(mailbox.to(ADDRESS)[-1])
    with clock.frozen(SUBSCRIBED + dt.timedelta(minutes=13)):
        client.post(urlsplit(link_in(body, "/reminders/confirm/")).path)
    with clock.frozen(SUBSCRIBED + dt.timedelta(minutes=30)):
        ask(client, app)
    already = mailbox.to(ADDRESS)[-1]
    assert len(mailbox.to(ADDRESS)) == 3 and "/reminders/manage/" in letter_parts(already)[0]
    assert "/reminders/confirm/" not in letter_parts(already)[0]
    app.extensions["memorial.index_sync"].stop()
    with app.app_context():
        db.engine.dispose()


# --- failures of the mail server -------------------------------------------------------------


def test_an_address_the_server_refuses(mail_app, mailbox, caplog):
    caplog.set_level(logging.INFO, logger="memorial")
    client = mail_app.test_client()
    mailbox.reject.add(ADDRESS)
    refused = ask(client, mail_app)
    assert refused.status_code == 400
    assert "не приймає листів на цю адресу" in refused.get_data(as_text=True)
    assert subscriptions(mail_app) == []
    assert "550" in caplog.text and ADDRESS not in caplog.text


def test_bounces_are_counted_and_repeated_ones_unsubscribe(mail_app, mailbox):
    client = mail_app.test_client()
    subscribe_and_confirm(client, mail_app, mailbox, address=ADDRESS)
    subscribe_and_confirm(client, mail_app, mailbox, "r-2", address=OTHER)
    mailbox.reject.add(ADDRESS)
    first = send(mail_app, BEFORE_DAY)
    assert first.exit_code == 0, first.output
    assert "bounced: subscription" in first.output and "1 bounced" in first.output
    assert ADDRESS not in first.output
    assert len(mailbox.to(OTHER)) == 2  # the other letters still go
    kept = {row.hero_id: row for row in subscriptions(mail_app)}
    assert len(kept) == 2 and sorted(r.bounces for r in kept.values()) == [0, 1]
    assert "sent 0 reminders" in send(mail_app, BEFORE_DAY).output  # not retried
    # The second refusal in a row (next year) removes the subscription and its address.
    second = send(mail_app, dt.date(2028, 3, 11))
    assert "subscription removed after repeated bounces" in second.output
    assert len(subscriptions(mail_app)) == 1 and ADDRESS not in database_text(mail_app)


def test_a_server_that_cannot_take_mail_now_leaves_reminders_for_the_next_run(mail_app, mailbox):
    client = mail_app.test_client()
    subscribe_and_confirm(client, mail_app, mailbox)
    mailbox.defer.add(ADDRESS)
    deferred = send(mail_app, BEFORE_DAY)
    assert deferred.exit_code != 0
    assert "1 reminders not sent" in deferred.output and "next run" in deferred.output
    with mail_app.app_context():
        assert db.session.scalar(select(func.count(ReminderSent.id))) == 0
    mailbox.defer.clear()
    retried = send(mail_app, BEFORE_DAY + dt.timedelta(days=1))
    assert retried.exit_code == 0 and "sent 1 reminders" in retried.output
    assert "Завтра" not in letter_parts(mailbox.to(ADDRESS)[-1])[0]  # two days before
    assert "Через 2 дні" in letter_parts(mailbox.to(ADDRESS)[-1])[0]

    mail_app.config["MAIL_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nothing listens
    with mail_app.app_context():
        db.session.execute(text("DELETE FROM reminder_sent"))
        db.session.commit()
    down = send(mail_app, BEFORE_DAY)
    assert down.exit_code != 0 and "unavailable" in down.output
    with mail_app.app_context():
        assert db.session.scalar(select(func.count(ReminderSent.id))) == 0


def test_a_hidden_hero_gets_no_reminders(mail_app, mailbox):
    client = mail_app.test_client()
    body = subscribe_and_confirm(client, mail_app, mailbox)
    with mail_app.app_context():
        db.session.execute(update(Hero).where(Hero.external_id == "r-1").values(status="draft"))
        db.session.commit()
    assert "sent 0 reminders" in send(mail_app, BEFORE_DAY).output
    with clock.frozen(BEFORE_DAY):
        manage = client.get(urlsplit(link_in(body, "/reminders/manage/")).path)
    page = manage.get_data(as_text=True)
    assert "більше не опубліковано" in page and "Мельник" not in page


# --- the page of one's subscriptions ------------------------------------------------------------


def test_manage_page_lists_and_unsubscribes_one_or_all(mail_app, mailbox):
    client = mail_app.test_client()
    body = subscribe_and_confirm(client, mail_app, mailbox)
    subscribe_and_confirm(client, mail_app, mailbox, "r-2")
    subscribe_and_confirm(client, mail_app, mailbox, "r-1", address=OTHER)
    with clock.frozen(BEFORE_DAY):
        path = urlsplit(link_in(body, "/reminders/manage/")).path
        page = client.get(path).get_data(as_text=True)
        assert "Мельник Тарас Іванович" in page and "Бондар Ігор Олегович" in page
        assert ADDRESS not in page and OTHER not in page
        mine = [r for r in subscriptions(mail_app) if r.email == ADDRESS]
        token = csrf_token(client, path)
        # Which days: the first hero has both known; choose the birthday alone.
        assert 'name="days" value="birth"' in page
        change = {"csrf_token": token, "subscription": str(mine[0].id), "action": "days"}
        assert client.post(path, data={**change, "days": ["birth"]}).status_code == 303
        assert "Збережено" in client.get(path).get_data(as_text=True)
        changed = [r for r in subscriptions(mail_app) if r.id == mine[0].id][0]
        assert (changed.on_death, changed.on_birth) == (False, True)
        client.post(path, data={**change, "days": []})
        assert "хоча б один день" in client.get(path).get_data(as_text=True)
        changed = [r for r in subscriptions(mail_app) if r.id == mine[0].id][0]
        assert (changed.on_death, changed.on_birth) == (False, True)
        one = client.post(path, data={"csrf_token": token, "subscription": str(mine[0].id)})
        assert one.status_code == 303
        page = client.get(path).get_data(as_text=True)
        assert "Скасовано 1 підписку" in page and "Бондар" in page and "Мельник" not in page
        # Another address's subscription cannot be named from this page.
        other_id = [r for r in subscriptions(mail_app) if r.email == OTHER][0].id
        client.post(path, data={"csrf_token": token, "subscription": str(other_id)})
        assert any(r.email == OTHER for r in subscriptions(mail_app))
        client.post(path, data={"csrf_token": token, "subscription": "all"})
        assert [r.email for r in subscriptions(mail_app)] == [OTHER]
        assert ADDRESS not in database_text(mail_app)
        assert "не надходить жодне нагадування" in client.get(path).get_data(as_text=True)
        # Without the form's token nothing happens.
        assert client.post(path, data={"subscription": "all"}).status_code == 400


def test_addresses_are_never_shown(mail_app, mailbox, tmp_path):
    client = mail_app.test_client()
    subscribe_and_confirm(client, mail_app, mailbox)
    hero = slug(mail_app, "r-1")
    with mail_app.app_context():
        hero_id = db.session.scalar(select(Hero.id).where(Hero.slug == hero))
    for path in (f"/heroes/{hero}", f"/api/v1/heroes/{hero_id}", "/calendar.ics", "/feed.atom"):
        assert ADDRESS not in client.get(path).get_data(as_text=True)
    out = tmp_path / "export"
    assert mail_app.test_cli_runner().invoke(args=["export", str(out)]).exit_code == 0
    assert ADDRESS not in (out / "heroes.json").read_text(encoding="utf-8")
    with mail_app.app_context():
        stored = db.session.scalar(select(ReminderSubscription.address_key))
    assert len(stored) == 64 and ADDRESS not in stored


# --- the real command, twice and at once -----------------------------------------------------


@pytest.mark.slow
def test_send_reminders_command_sends_each_letter_once_even_at_once(tmp_path, mailbox):
    """The real `memorial send-reminders`, two at the same time, then once more: one letter."""
    anniversary = today_in_kyiv() + dt.timedelta(days=3)
    if (anniversary.month, anniversary.day) == (2, 29):
        anniversary += dt.timedelta(days=1)
    died = anniversary.replace(year=anniversary.year - 2).isoformat()
    env = deployment_env(tmp_path, MEMORIAL_MAIL_URL=mailbox.url, MEMORIAL_SEARCH_SYNC="inline")
    folder = write_archive(tmp_path / "src", [record("r-9", death_date=died, photos=[])])
    assert run_memorial(env, "init-db").returncode == 0
    assert run_memorial(env, "import-archive", str(folder)).returncode == 0
    app = create_app(
        app_config(
            tmp_path,
            DATABASE_URL=env["MEMORIAL_DATABASE_URL"],
            SECRET_KEY=env["MEMORIAL_SECRET_KEY"],
            MAIL_URL=mailbox.url,
        )
    )
    client = app.test_client()
    subscribe_and_confirm(client, app, mailbox, "r-9", address=ADDRESS)
    subscribe_and_confirm(client, app, mailbox, "r-9", address=OTHER)
    runs: list = []
    threads = [
        threading.Thread(target=lambda: runs.append(run_memorial(env, "send-reminders")))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    runs.append(run_memorial(env, "send-reminders"))
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert len(mailbox.to(ADDRESS)) == 2 and len(mailbox.to(OTHER)) == 2
    assert sum(int(r.stdout.split("sent ")[1].split()[0]) for r in runs) == 2
    assert "sending reminders" in runs[0].stderr or "sending reminders" in runs[1].stderr
    app.extensions["memorial.index_sync"].stop()
    with app.app_context():
        db.engine.dispose()


def test_a_backup_keeps_the_subscribers_so_a_restore_keeps_their_reminders(
    mail_app, mailbox, tmp_path
):
    """Deliberate: backups are the operator's private copy of the whole database."""
    client = mail_app.test_client()
    subscribe_and_confirm(client, mail_app, mailbox)
    backup = tmp_path / "backup"
    made = mail_app.test_cli_runner().invoke(args=["backup", str(backup)])
    assert made.exit_code == 0, made.output
    place = tmp_path / "restored"
    place.mkdir()
    restored = create_app(
        app_config(place, DATABASE_URL=database_url_for(place, empty=True), MAIL_URL=mailbox.url)
    )
    result = restored.test_cli_runner().invoke(args=["restore", str(backup)])
    assert result.exit_code == 0, result.output
    assert [(r.email, r.confirmed_at is not None) for r in subscriptions(restored)] == [
        (ADDRESS, True)
    ]
    assert "sent 1 reminders" in send(restored, BEFORE_DAY).output
    unsubscribe = mailbox.to(ADDRESS)[-1]["List-Unsubscribe"].strip("<>")
    assert restored.test_client().post(urlsplit(unsubscribe).path).status_code == 200
    assert subscriptions(restored) == []
    restored.extensions["memorial.index_sync"].stop()
    with restored.app_context():
        db.engine.dispose()


def test_a_run_killed_after_its_claim_never_leads_to_a_second_letter(mail_app, mailbox):
    """At most once: a reminder claimed by a run that died is not sent again, and said so."""
    client = mail_app.test_client()
    subscribe_and_confirm(client, mail_app, mailbox)
    with mail_app.app_context(), clock.frozen(BEFORE_DAY):
        [item] = reminders.due(db.session, BEFORE_DAY, 3)
        assert reminders.claim(db.session, item) is not None
        db.session.commit()
    later = dt.datetime.combine(BEFORE_DAY, dt.time(18), tzinfo=clock.KYIV)
    with clock.frozen(later):
        result = mail_app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0
    assert "never finished" in result.output and "sent 0 reminders" in result.output
    assert len(mailbox.to(ADDRESS)) == 1  # the confirmation letter only


def test_the_form_says_so_when_the_mail_server_cannot_take_the_letter(mail_app, mailbox):
    client = mail_app.test_client()
    mailbox.defer.add(ADDRESS)
    busy = ask(client, mail_app)
    assert busy.status_code == 503 and "не відповідає" in busy.get_data(as_text=True)
    assert subscriptions(mail_app) == []
    mail_app.config["MAIL_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nothing listens
    down = ask(client, mail_app, address=OTHER)
    assert down.status_code == 503 and subscriptions(mail_app) == []
    # Asked again once the server is back, the letter goes at once (nothing was held).
    mail_app.config["MAIL_URL"] = mailbox.url
    mailbox.defer.clear()
    assert ask(client, mail_app).status_code == 303 and len(mailbox.to(ADDRESS)) == 1
