"""Ways into the archive: remembered today, browsing lists, the candle, sitemaps, page metadata."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from memorial import clock
from memorial.browse import TODAY_SHOWN, remembered_on
from memorial.extensions import db
from memorial.models import CandleLight, Hero

from helpers import home, record, write_archive


def import_records(runner, tmp_path, records):
    result = runner.invoke(args=["import-archive", str(write_archive(tmp_path / "a", records))])
    assert result.exit_code == 0, result.output


def hero(app, external_id) -> Hero:
    with app.app_context():
        return db.session.scalar(select(Hero).where(Hero.external_id == external_id))


@pytest.fixture
def dated(app, runner, tmp_path):
    """Heroes whose dates are known to the day, the month or the year only."""
    import_records(
        runner,
        tmp_path,
        [
            record("day", surname="Денисенко", birth_date="1990-03-14", death_date="2022-05-24"),
            record("month", surname="Місяченко", birth_date="1991-03", death_date="2022-05"),
            record("year", surname="Роковенко", birth_date="1992", death_date="2022"),
            record("leap", surname="Лютенко", birth_date="1988-02-29", death_date="2023-07-01"),
            record("draft", surname="Чернетко", death_date="2021-05-24", status="draft"),
        ],
    )
    return app


def names(heroes):
    return sorted(h.surname for h in heroes)


def test_remembered_on_uses_only_dates_known_to_the_day(dated):
    with dated.app_context():
        died, born = remembered_on(dt.date(2026, 5, 24))
        assert names(died) == ["Денисенко"] and born == []
        died, born = remembered_on(dt.date(2026, 3, 14))
        assert died == [] and names(born) == ["Денисенко"]
        assert remembered_on(dt.date(2026, 5, 1)) == ([], [])
        # 29 February is remembered on 28 February in a common year, and on itself in a leap one.
        assert names(remembered_on(dt.date(2027, 2, 28))[1]) == ["Лютенко"]
        assert remembered_on(dt.date(2028, 2, 28))[1] == []
        assert names(remembered_on(dt.date(2028, 2, 29))[1]) == ["Лютенко"]


def test_home_shows_who_is_remembered_today(dated, client):
    page = home(client, "2026-05-24").get_data(as_text=True)
    today = page.split('id="today-title"')[1].split("</section>")[0]
    assert "Денисенко" in today and "24 травня 2026" in today
    assert "Місяченко" not in today and "Чернетко" not in today
    english = home(client, "2026-03-14", "en").get_data(as_text=True)
    assert "Today we remember" in english and "14 March 2026" in english
    assert "Birthday" in english
    # The day is the archive's clock; no address of a page can change it.
    with clock.frozen(dt.date(2026, 3, 14)):
        asked = client.get("/?today=2026-05-24&lang=uk").get_data(as_text=True)
    assert "14 березня 2026" in asked and "24 травня 2026" not in asked


@pytest.fixture
def crowded(app, runner, tmp_path):
    """A day (24 May) on which 14 heroes died and 22 were born, and heroes of other days."""
    died = [
        record(
            f"d{n}",
            surname=f"Загиблий{n:02d}",
            birth_date="1980-01-10",
            death_date=f"{2022 + n % 3}-05-24",
        )
        for n in range(14)
    ]
    born = [
        record(
            f"b{n}",
            surname=f"Народжений{n:02d}",
            birth_date=f"{1970 + n}-05-24",
            death_date="2023-01-10",
        )
        for n in range(22)
    ]
    import_records(
        runner,
        tmp_path,
        died
        + born
        + [
            record("other", surname="Іншоденко", birth_date="1980-05-25", death_date="2022-05-25"),
            record("draft", surname="Чернетко", death_date="2022-05-24", status="draft"),
            record("leap", surname="Лютенко", birth_date="1988-02-29", death_date="2023-07-01"),
            record("feb", surname="Лютий", birth_date="1989-02-28", death_date="2023-07-02"),
        ],
    )
    return app


def cards(html: str) -> list[str]:
    """Surnames on the hero cards of an HTML fragment, in order."""
    return [
        name.split()[0]
        for name in re.findall(r'<span class="hero-card-name"[^>]*>([^<]+)</span>', html)
    ]


def died_order(count: int = 14) -> list[str]:
    """Surnames of the 24 May dead in the order of the lists: latest year of death, then name."""
    return [f"Загиблий{n:02d}" for n in sorted(range(count), key=lambda n: (-(n % 3), n))]


@pytest.fixture
def loaded_heroes(app):
    """How many Hero rows the ORM builds while a test runs (a list loaded whole would show)."""
    counter = {"n": 0}

    def count(_target, _context):
        counter["n"] += 1

    event.listen(Hero, "load", count)
    yield counter
    event.remove(Hero, "load", count)


def test_home_shows_a_few_of_each_and_links_to_all_of_the_day(crowded, client, loaded_heroes):
    page = home(client, "2026-05-24").get_data(as_text=True)
    today = page.split('id="today-title"')[1].split("</section>")[0]
    died_part, born_part = today.split("День народження")
    assert cards(died_part) == died_order()[:TODAY_SHOWN]
    assert cards(born_part) == [f"Народжений{n:02d}" for n in range(TODAY_SHOWN)]
    assert "Іншоденко" not in today and "Чернетко" not in today
    assert 'href="/heroes/day/05-24">24 травня 2026</a>' in today
    assert '<a href="/heroes/day/05-24">Усі 14 імен загиблих цього дня →</a>' in died_part
    assert (
        '<a href="/heroes/day/05-24#born-title">Усі 22 імені тих, хто народився цього дня →</a>'
    ) in born_part
    assert loaded_heroes["n"] <= 2 * TODAY_SHOWN + 8  # the two lists and "recently added"
    english = home(client, "2026-05-24", "en").get_data(as_text=True)
    assert "All 14 who died on this day" in english and "All 22 born on this day" in english
    # Where the born begin on the day's page: after the 14 who died, 10 a page.
    crowded.config["HEROES_PER_PAGE"] = 10
    page = home(client, "2026-05-24", "uk").get_data(as_text=True)
    assert 'href="/heroes/day/05-24?page=2#born-title">Усі 22 імені' in page


def test_home_links_to_all_only_when_some_are_not_shown(dated, client):
    today = (
        home(client, "2026-05-24")
        .get_data(as_text=True)
        .split('id="today-title"')[1]
        .split("</section>")[0]
    )
    assert "Денисенко" in today and "Усі " not in today
    assert 'href="/heroes/day/05-24"' in today


def test_day_page_lists_everyone_of_the_day_page_by_page(crowded, client, loaded_heroes):
    crowded.config["HEROES_PER_PAGE"] = 10
    first = client.get("/heroes/day/05-24").get_data(as_text=True)
    assert "<title>Згадуємо 24 травня" in first and "<h1>Згадуємо 24 травня</h1>" in first
    assert "14 імен" in first and "22 імені" in first
    assert 'href="/heroes/day/05-24?page=2#born-title">День народження</a>' in first
    assert 'id="died-title"' in first and 'id="born-title"' not in first
    assert loaded_heroes["n"] <= 10
    pages = [first] + [
        client.get(f"/heroes/day/05-24?page={n}").get_data(as_text=True) for n in (2, 3, 4)
    ]
    died, born = [], []
    for html in pages:
        content = html.split("<h1>")[1]
        died_part, _sep, born_part = content.partition('id="born-title"')
        died += cards(died_part)
        born += cards(born_part)
    assert died == died_order()
    assert born == [f"Народжений{n:02d}" for n in range(22)]
    second = pages[1]
    assert second.index('id="died-title"') < second.index('id="born-title"')
    assert 'aria-labelledby="born-title"' in second and "сторінка 2" in second
    assert 'rel="next"' not in pages[3] and 'href="/heroes/day/05-24?page=3"' in pages[3]
    assert client.get("/heroes/day/05-24?page=5").status_code == 404
    assert client.get("/heroes/day/05-24?page=0").status_code == 404
    everything = "".join(pages)
    assert "Іншоденко" not in everything and "Чернетко" not in everything


def test_day_page_names_one_day_of_any_year(crowded, client):
    february = client.get("/heroes/day/02-28").get_data(as_text=True)
    assert "Лютий" in february and "Лютенко" not in february
    assert 'href="/heroes/day/02-29">29 лютого →' in february
    leap = client.get("/heroes/day/02-29").get_data(as_text=True)
    assert "Лютенко" in leap and "Лютий" not in leap
    # The home page of a common year still remembers 29 February on the 28th.
    common_year = home(client, "2027-02-28").get_data(as_text=True)
    assert "Лютенко" in common_year and "Лютий" in common_year
    new_year = client.get("/heroes/day/01-01").get_data(as_text=True)
    assert 'href="/heroes/day/12-31">← 31 грудня' in new_year
    assert "Цього дня в архіві немає ні дати загибелі, ні дня народження." in new_year
    assert 'class="hero-card"' not in new_year and 'class="pager"' not in new_year
    assert 'href="/heroes/day/01-01">1 січня →' in client.get("/heroes/day/12-31").get_data(
        as_text=True
    )
    for bad in (
        "13-01",
        "02-30",
        "abc",
        "00-10",
        "04-31",
        "5-24",
        "05-24x",
        "0524",
        "05-00",
        "05-24%0A",
        "%D9%A0%D9%A5-24",
    ):
        assert client.get(f"/heroes/day/{bad}").status_code == 404, bad


def test_day_page_in_english(crowded, client):
    page = client.get("/heroes/day/05-24?lang=en").get_data(as_text=True)
    assert "<h1>Remembered on 24 May</h1>" in page
    assert "Day of remembrance" in page and "Birthday" in page and "36 names" not in page
    assert "14 names" in page and "22 names" in page
    assert 'aria-label="Neighbouring days"' in page and "23 May" in page


def test_home_counters_formatted_per_language(dated, client):
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<span class="count">4</span> імені', page)
    assert re.search(
        r'<span class="count">4</span> names', client.get("/?lang=en").get_data(as_text=True)
    )


def test_browse_by_year_unit_community_burial(app, runner, tmp_path, client):
    import_records(
        runner,
        tmp_path,
        [
            record(
                "a",
                surname="Андрієнко",
                death_date="2022-03-01",
                military_unit="Бригада А",
                home_community="Громада Один",
                burial_place="Краматорськ, Алея Героїв",
            ),
            record(
                "b",
                surname="Борисенко",
                death_date="2023-04",
                military_unit="Бригада  Б",
                home_community="Громада Один",
                burial_place="Слов'янськ",
            ),
            record(
                "c",
                surname="Вовк",
                death_date="2022",
                military_unit="Бригада А",
                home_community="Громада Два",
                burial_place="Краматорськ, Алея Героїв",
            ),
            record(
                "d",
                surname="Гуменюк",
                death_date="2022-01-02",
                military_unit="Бригада А",
                status="draft",
            ),
        ],
    )
    years = client.get("/heroes/year/").get_data(as_text=True)
    assert years.index('href="/heroes/year/2023"') < years.index('href="/heroes/year/2022"')
    year = client.get("/heroes/year/2022").get_data(as_text=True)
    assert "Андрієнко" in year and "Вовк" in year and "Борисенко" not in year
    assert "Гуменюк" not in year
    assert client.get("/heroes/year/1999").status_code == 404
    assert client.get("/heroes/year").status_code == 308

    units = client.get("/heroes/unit/").get_data(as_text=True)
    assert 'href="/heroes/unit/bryhada-a"' in units and "2 імені" in units
    unit = client.get("/heroes/unit/bryhada-a").get_data(as_text=True)
    assert "Андрієнко" in unit and "Вовк" in unit and "Борисенко" not in unit
    community = client.get("/heroes/community/hromada-odyn").get_data(as_text=True)
    assert "Андрієнко" in community and "Борисенко" in community and "Вовк" not in community
    burial = client.get("/heroes/burial/kramatorsk-aleia-heroiv").get_data(as_text=True)
    assert "Андрієнко" in burial and "Вовк" in burial
    for bad in (
        "/heroes/unit/no-such-unit",
        "/heroes/unit/bryhada-a?page=2",
        "/heroes/unit/bryhada-a?page=abc",
        "/heroes/?page=0",
        "/heroes/rank/x",
    ):
        assert client.get(bad).status_code == 404, bad


def test_lists_are_paginated_with_readable_urls(app, runner, tmp_path, client):
    app.config["HEROES_PER_PAGE"] = 2
    import_records(
        runner,
        tmp_path,
        [
            record(
                f"h{n}", surname=f"Прізвище{chr(0x430 + n)}", death_date="2022-06-0" + str(n + 1)
            )
            for n in range(5)
        ],
    )
    first = client.get("/heroes/year/2022").get_data(as_text=True)
    assert 'href="/heroes/year/2022?page=2"' in first and 'rel="next"' in first
    third = client.get("/heroes/year/2022?page=3").get_data(as_text=True)
    assert third.count('class="hero-card"') == 1 and 'rel="next"' not in third
    assert client.get("/heroes/year/2022?page=4").status_code == 404


def test_candle_once_a_day_without_an_account(app, runner, tmp_path, client):
    import_records(runner, tmp_path, [record("p-1"), record("p-2", status="draft")])
    found = hero(app, "p-1")
    url = f"/heroes/{found.slug}"
    assert "candle-button" in client.get(url).get_data(as_text=True)
    response = client.post(url + "/candle", headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 303 and response.headers["Location"].endswith("#candle")
    page = client.get(url).get_data(as_text=True)
    assert "Запалено 1 свічку" in page and "Ви вже запалили свічку сьогодні" in page
    assert "candle-button" not in page
    again = client.post(url + "/candle", follow_redirects=True)
    assert "Сьогодні ви вже запалили" in again.get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(select(CandleLight)).all()
    assert len(rows) == 1
    assert re.fullmatch(r"[0-9a-f]{64}", rows[0].visitor_key)  # a keyed hash, not the address
    # Another visitor (another cookie) adds their own candle, and still sees the button.
    other = app.test_client()
    assert "Запалено 1 свічку" in other.get(url).get_data(as_text=True)
    other.post(url + "/candle")
    assert "Запалено 2 свічки" in client.get(url).get_data(as_text=True)
    assert "Запалено 2 свічки" in app.test_client().get(url).get_data(as_text=True)
    draft = hero(app, "p-2")
    assert client.post(f"/heroes/{draft.slug}/candle").status_code == 404


def test_candle_sent_from_another_site_is_refused(app, runner, tmp_path, client):
    import_records(runner, tmp_path, [record("p-1")])
    url = f"/heroes/{hero(app, 'p-1').slug}"
    for headers in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://elsewhere.example"},
        {"Origin": "null"},
    ):
        response = client.post(url + "/candle", headers=headers)
        assert response.status_code == 400, headers
        assert "Запит не вдалося зрозуміти" in response.get_data(as_text=True)
    assert client.post(url + "/candle", headers={"Origin": "http://localhost"}).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(CandleLight.id))) == 1


def test_candle_unique_constraint_holds_in_the_database(app, runner, tmp_path):
    import_records(runner, tmp_path, [record("p-1")])
    found = hero(app, "p-1")
    with app.app_context():
        day = dt.date(2026, 11, 28)
        db.session.add(CandleLight(hero_id=found.id, visitor_key="a" * 64, day=day))
        db.session.commit()
        db.session.add(CandleLight(hero_id=found.id, visitor_key="a" * 64, day=day))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.add(
            CandleLight(hero_id=found.id, visitor_key="a" * 64, day=day + dt.timedelta(days=1))
        )
        db.session.commit()
        assert db.session.scalar(select(func.count(CandleLight.id))) == 2


def test_candle_is_rate_limited(app, runner, tmp_path, client):
    import_records(runner, tmp_path, [record("p-1")])
    url = f"/heroes/{hero(app, 'p-1').slug}"
    codes = [client.post(url + "/candle").status_code for _ in range(31)]
    assert codes[:30] == [303] * 30 and codes[30] == 429
    assert "Забагато запитів" in client.post(url + "/candle").get_data(as_text=True)


def test_sitemap_and_robots(app, runner, tmp_path, client):
    import_records(
        runner,
        tmp_path,
        [
            record("p-1", military_unit="Бригада А"),
            record("p-2", surname="Чернетко", status="draft"),
        ],
    )
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /staff" in robots and "Sitemap: http://localhost/sitemap.xml" in robots
    index = client.get("/sitemap.xml")
    assert index.mimetype == "application/xml"
    assert "http://localhost/sitemap-heroes-1.xml" in index.get_data(as_text=True)
    heroes = client.get("/sitemap-heroes-1.xml").get_data(as_text=True)
    assert f"http://localhost/heroes/{hero(app, 'p-1').slug}</loc>" in heroes
    assert hero(app, "p-2").slug not in heroes
    pages = client.get("/sitemap-pages.xml").get_data(as_text=True)
    assert "http://localhost/heroes/unit/bryhada-a" in pages
    assert "http://localhost/heroes/year/2022" in pages
    assert client.get("/sitemap-heroes-2.xml").status_code == 404


def test_profile_metadata_for_sharing_and_search_engines(app, runner, tmp_path, client):
    import_records(
        runner,
        tmp_path,
        [
            record(
                "p-1",
                surname="Журавський",
                given_name="Євген",
                birth_date="1987-03",
                death_date="2022-05-24",
            )
        ],
    )
    found = hero(app, "p-1")
    page = client.get(f"/heroes/{found.slug}").get_data(as_text=True)
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL).group(1)
    )
    assert data["@type"] == "Person" and data["name"] == "Журавський Євген Петрович"
    assert data["birthDate"] == "1987-03" and data["deathDate"] == "2022-05-24"
    assert data["memberOf"]["name"].startswith("93-тя")
    assert '<meta property="og:title" content="Журавський Євген Петрович">' in page
    assert "t.me/share/url?url=http%3A//localhost/heroes/" in page
    # Every script is JSON data or a file of the site: nothing inline that CSP would refuse.
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts == ['<script type="application/ld+json">']
    assert " style=" not in page


def test_static_files_are_versioned_and_cached_long(demo_app, client):
    page = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{12})"', page).group(1)
    with client.get(css) as response:
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"]
    assert 'loading="lazy"' in page and 'fetchpriority="high"' not in page.split("Нещодавно")[1]


def test_groups_sort_numbered_units_by_number_then_names(app, runner, tmp_path, client):
    import_records(
        runner,
        tmp_path,
        [
            record(f"u{n}", surname=f"Прізвище{chr(0x430 + n)}", military_unit=unit)
            for n, unit in enumerate(
                [
                    "110-та бригада",
                    "24-та бригада",
                    "Добровольчий батальйон",
                    "3-тя бригада",
                    "Батальйон «Айдар»",
                ]
            )
        ],
    )
    page = client.get("/heroes/unit/").get_data(as_text=True)
    order = [
        page.index(name)
        for name in (
            "3-тя бригада",
            "24-та бригада",
            "110-та бригада",
            "Батальйон «Айдар»",
            "Добровольчий батальйон",
        )
    ]
    assert order == sorted(order)
