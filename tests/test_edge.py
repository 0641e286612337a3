"""What comes in at the edge: control characters, ids too large for the database, methods a
page does not take, over-long search parameters, and the session cookie over HTTPS."""

from __future__ import annotations

import pytest

from helpers import SUBMITTER, login, post_form, reference_of, submission

HUGE = (2**31, 2**63, 10**30)


@pytest.mark.parametrize("number", HUGE)
@pytest.mark.parametrize(
    "template",
    [
        "/api/v1/heroes/{n}",
        "/heroes/koval-{n}",
        "/heroes/{n}",
        "/heroes/year/{n}",
        "/submit/story/{n}",
        "/submit/correction/{n}",
        "/heroes/?page={n}",
        "/heroes/year/2022?page={n}",
        "/sitemap-heroes-{n}.xml",
    ],
)
def test_ids_too_large_for_the_database_are_not_found(app, client, template, number):
    response = client.get(template.format(n=number))
    assert response.status_code == 404


def test_staff_pages_take_ids_too_large_as_not_found(client, staff):
    login(client, staff["admin"])
    for path in ("/staff/heroes/{n}", "/staff/submissions/{n}", "/staff/revisions/{n}"):
        assert client.get(path.format(n=2**63)).status_code == 404
    assert client.get(f"/staff/?page={2**63}").status_code == 200
    assert client.get(f"/staff/audit?page={2**40}").status_code == 200


@pytest.mark.parametrize(
    "path", ["/heroes/?letter=%00", "/search?letter=%00", "/search?q=%00", "/api/v1/search?q=a%00b"]
)
def test_control_characters_in_parameters_are_refused(app, client, path):
    response = client.get(path, headers={"Accept-Language": "uk"})
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.get_json()["error"] == "Адреса сторінки містить недопустимі символи."
    else:
        assert "Адреса сторінки містить недопустимі символи." in response.get_data(as_text=True)


def test_control_characters_in_forms_are_dropped_and_line_ends_normalised(app, client):
    fields = {
        **SUBMITTER,
        "submitter_name": "Оксана\x00 Мельник\x07",
        "surname": "Ковал\x00ь",
        "given_name": "Андрій",
        "biography": "Перший абзац.\r\n\r\nДругий\x0b абзац.\rТретій рядок.",
    }
    reference = reference_of(client, post_form(client, "/submit", fields))
    sent = submission(app, reference)
    assert sent.submitter_name == "Оксана Мельник"
    assert sent.payload["surname"] == "Коваль"
    assert sent.payload["biography"] == "Перший абзац.\n\nДругий абзац.\nТретій рядок."


def test_login_next_with_line_breaks_never_reaches_a_header(client, staff):
    from helpers import STAFF_PASSWORD, csrf_token

    url = "/staff/login?next=/staff/heroes%0d%0aSet-Cookie:%20x=1"
    assert client.get(url).status_code == 400
    token = csrf_token(client, "/staff/login")
    response = client.post(
        url, data={"email": staff["moderator"], "password": STAFF_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400
    assert "x=1" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_a_method_a_page_does_not_take_says_which_it_does(app, client):
    for path in ("/api/v1/heroes/1", "/heroes/", "/api/v1/search"):
        response = client.delete(path)
        assert response.status_code == 405
        assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    assert client.post("/api/v1/search").get_json()["status"] == 405


@pytest.mark.parametrize(
    ("argument", "limit"), [("q", 2000), ("military_unit", 300), ("letter", 1)]
)
def test_over_long_search_parameters_are_refused_not_cut(app, client, argument, limit):
    response = client.get("/api/v1/search", query_string={argument: "К" * (limit + 1)})
    assert response.status_code == 400
    assert argument in response.get_json()["error"]
    assert client.get("/api/v1/search", query_string={argument: "К" * limit}).status_code == 200
    page = client.get("/search", query_string={argument: "К" * (limit + 1), "lang": "uk"})
    assert page.status_code == 400 and "задовгий" in page.get_data(as_text=True)


def test_session_cookie_is_secure_over_https(app, client):
    plain = client.get("/staff/login").headers.getlist("Set-Cookie")
    secure = client.get("/staff/login", base_url="https://localhost").headers.getlist("Set-Cookie")
    session = [c for c in secure if c.startswith("session=")]
    assert session and all("Secure" in c for c in session)
    assert all("Secure" not in c for c in plain if c.startswith("session="))
