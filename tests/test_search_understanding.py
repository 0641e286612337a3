"""Queries as visitors really type them, judged on an archive full of namesakes.

Russian spellings, everyday names, dates, unit abbreviations, beginnings of words, the
wrong keyboard layout, natural phrases and namesakes (father and son, twins, Мельник beside
Мельник-Коваль). Through the public API only, so the same set runs on every backend. The
measures per category (recall@10, MRR, first place) are printed, and written as a Markdown
table to the file named by ``MEMORIAL_JUDGED_REPORT`` when it is set.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from memorial import create_app
from memorial.extensions import db
from memorial.schema import create_schema
from memorial.search import understanding

from helpers import app_config, demo_archive_app, record, write_archive

DATA = json.loads((Path(__file__).parent / "data" / "search_understanding.json").read_text())
CASES = DATA["cases"]
CATEGORIES = list(dict.fromkeys(c["category"] for c in CASES))
DEMO_CASES = json.loads((Path(__file__).parent / "data" / "search_judged.json").read_text())[
    "cases"
]


@pytest.fixture(scope="module")
def namesakes_client(tmp_path_factory):
    """One app with the namesakes archive imported through the CLI."""
    tmp = tmp_path_factory.mktemp("namesakes")
    app = create_app(app_config(tmp))
    with app.app_context():
        create_schema()
    records = [record(**h) for h in DATA["heroes"]]
    result = app.test_cli_runner().invoke(
        args=["import-archive", str(write_archive(tmp / "archive", records))]
    )
    assert result.exit_code == 0, result.output
    yield app.test_client()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def ranked(client, case: dict) -> list[str]:
    """External ids the API returns for a case, best first."""
    response = client.get("/api/v1/search", query_string={"q": case["q"], **case.get("args", {})})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r["external_id"] for r in response.get_json()["results"]]


def measures(client, cases: list[dict]) -> dict[str, tuple[int, float, float, float]]:
    """Per category: (queries, recall@10, MRR, first-place rate)."""
    by_category: dict[str, list[int | None]] = {}
    for case in cases:
        ids = ranked(client, case)
        rank = ids.index(case["expect"]) + 1 if case["expect"] in ids else None
        by_category.setdefault(case["category"], []).append(rank)
    out = {}
    for category, ranks in by_category.items():
        n = len(ranks)
        out[category] = (
            n,
            sum(1 for r in ranks if r and r <= 10) / n,
            sum(1 / r for r in ranks if r) / n,
            sum(1 for r in ranks if r == 1) / n,
        )
    return out


def table(title: str, rows: dict[str, tuple[int, float, float, float]]) -> str:
    """The measures as a Markdown table, with a line for all queries."""
    lines = [
        f"| {title} | queries | recall@10 | MRR | first place |",
        "|---|---|---|---|---|",
    ]
    total = sum(r[0] for r in rows.values())
    for category, (n, recall, mrr, first) in rows.items():
        lines.append(f"| {category} | {n} | {recall:.2f} | {mrr:.2f} | {first:.2f} |")
    weighted = [sum(r[0] * r[i] for r in rows.values()) / total for i in (1, 2, 3)]
    lines.append(
        f"| **all** | {total} | {weighted[0]:.2f} | {weighted[1]:.2f} | {weighted[2]:.2f} |"
    )
    return "\n".join(lines)


@pytest.mark.parametrize("category", CATEGORIES)
def test_understood_category(namesakes_client, category):
    """Every query of the category puts its hero within its allowed rank."""
    misses = []
    for case in (c for c in CASES if c["category"] == category):
        top = case.get("top", 1)
        ids = ranked(namesakes_client, case)
        if case["expect"] not in ids[:top]:
            misses.append(f"{case['q']!r}: want {case['expect']} in top {top}, got {ids[:5]}")
    assert not misses, "\n".join(misses)


def test_the_set_covers_every_way_of_asking():
    """At least four queries in each of the ten categories, namesakes among the heroes."""
    counts = {c: sum(1 for x in CASES if x["category"] == c) for c in CATEGORIES}
    assert len(counts) == 10 and min(counts.values()) >= 4
    surnames = [h["surname"] for h in DATA["heroes"]]
    assert surnames.count("Мельник") >= 3 and "Мельник-Коваль" in surnames


def test_measures_per_category(namesakes_client, judged_demo_client):
    """Recall@10, MRR and first-place rate per category, on both judged sets."""
    backend = namesakes_client.application.config["SEARCH_BACKEND"]
    understood = measures(namesakes_client, CASES)
    demo = measures(judged_demo_client, DEMO_CASES)
    report = (
        f"Backend: {backend}\n\n"
        + table("namesakes set (tests/data/search_understanding.json)", understood)
        + "\n\n"
        + table("demo set (tests/data/search_judged.json)", demo)
        + "\n"
    )
    print(report)
    path = os.environ.get("MEMORIAL_JUDGED_REPORT")
    if path:
        Path(path).write_text(report)
    assert all(recall == 1.0 for _n, recall, _m, _f in understood.values())


@pytest.fixture(scope="module")
def judged_demo_client(tmp_path_factory):
    """The demo archive, for the measures of the original judged set."""
    with demo_archive_app(tmp_path_factory.mktemp("demo")) as app:
        yield app.test_client()


# -- the rewriting itself, without an index ---------------------------------------------------
@pytest.mark.parametrize(
    ("q", "text", "date"),
    [
        ("24.05.2022", "", (2022, 5, 24, False)),
        ("2022-05-24", "", (2022, 5, 24, False)),
        ("Журавський 24 травня 2022 року", "Журавський", (2022, 5, 24, False)),
        ("травень 2022", "", (2022, 5, None, False)),
        ("у травні 2022 Ізюм", "Ізюм", (2022, 5, None, False)),
        ("05.2022", "", (2022, 5, None, False)),
        ("24.05.22", "", (2022, 5, 24, False)),
        ("народився 30.01.96", "", (1996, 1, 30, True)),
        ("народився 30 січня 1996", "", (1996, 1, 30, True)),
        ("загинув 24 травня", "", (None, 5, 24, False)),
        ("31.02.2022", "", (2022, 2, 31, False)),  # no such day: simply matches no hero
    ],
)
def test_dates_are_read_as_people_write_them(q, text, date):
    rewritten = understanding.rewrite(q)
    assert rewritten.text == text
    hint = rewritten.dates[0]
    assert (hint.year, hint.month, hint.day, hint.born) == date


@pytest.mark.parametrize(
    ("q", "text"),
    [
        ("93-тя бригада", "93 бригада"),
        ("72-га ОМБр", "72 ОМБр"),
        ("орден Богдана Хмельницького II ступеня", "орден Богдана Хмельницького 2 ступеня"),
        ("орден Богдана Хмельницького ІІ ступеня", "орден Богдана Хмельницького 2 ступеня"),
        ("13.45.2022", "13.45.2022"),  # not a date: left as typed
        ('"24 травня 2022"', '"24 травня 2022"'),  # a quoted phrase is left as typed
    ],
)
def test_numbers_and_degrees_are_cleaned(q, text):
    assert understanding.rewrite(q).text == text


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Сергеевич", "сергійович"),
        ("Евгений", "євген"),
        ("Александр", "олександр"),
        ("Дмитрий", "дмитро"),
        ("Николай", "микола"),
        ("Николаевна", "миколаївна"),
        ("Васильевич", "васильович"),
        ("Журавский", "журавський"),
        ("Журавлев", "журавльов"),
        ("Ковалёв", "ковальов"),
        ("Рыбак", "рибак"),
        ("Саша", "олександр"),
        ("Саша", "олександра"),
        ("Женя", "євгенія"),
        ("Діма", "дмитро"),
        ("Оля", "ольга"),
        ("Вова", "володимир"),
    ],
)
def test_russian_spellings_and_everyday_names(typed, meant):
    assert meant in understanding.name_alternatives(typed)


def test_ukrainian_words_have_no_alternatives():
    assert understanding.name_alternatives("Олександр") == ()
    assert understanding.name_alternatives("Zhuravskyi") == ()


def test_keyboard_layouts():
    assert understanding.other_layouts("Uyfn.r") == ["Гнатюк"]
    assert understanding.other_layouts("Rjdfk`d") == ["Ковал'в", "Ковалёв"]
    assert understanding.other_layouts("Гнатюк") == []
    assert understanding.other_layouts("2022") == []


@pytest.mark.parametrize(
    ("unit", "aliases"),
    [
        ("93 ОМБр", {"окрема механізована бригада", "Холодний Яр"}),
        ("бригада «Холодний Яр»", {"93", "ОМБр"}),
        ("72-га окрема механізована бригада імені Чорних Запорожців", {"ОМБр", "72"}),
        ("Державна прикордонна служба України", {"ДПСУ"}),
        ("НГУ", {"Національна гвардія України"}),
        ("Сили спеціальних операцій", {"ССО"}),
        ("Сили територіальної оборони", {"ТрО"}),
    ],
)
def test_units_are_indexed_with_their_other_names(unit, aliases):
    found = understanding.unit_aliases(unit)
    assert all(a in found for a in aliases), found


def test_a_broad_word_still_puts_the_named_hero_first_and_counts_every_match(app, runner, tmp_path):
    """Over 200 heroes share a word (more than the PostgreSQL backend scores one by one): the
    hero whose name it is comes first, the one who died in the typed year next, and the
    total counts every match."""
    letters = "бвгджзклмнпрстфхцчш"
    records = [
        record(
            f"w-{i}",
            surname=f"Ти{letters[i % 19]}{letters[(i // 19) % 19]}енко",
            given_name="Петро",
            call_sign=None,
            biography="Захисник рідної землі.",
            stories=[],
            awards=[],
            death_date="2023",
        )
        for i in range(230)
    ]
    records.append(
        record("w-named", surname="Захисник", given_name="Ігор", call_sign=None, stories=[])
    )
    records.append(
        record(
            "w-year",
            surname="Окремий",
            given_name="Ігор",
            call_sign=None,
            biography="Захисник.",
            stories=[],
            awards=[],
            death_date="2021-04-04",
        )
    )
    folder = write_archive(tmp_path / "broad", records)
    assert runner.invoke(args=["import-archive", str(folder)]).exit_code == 0
    client = app.test_client()
    data = client.get("/api/v1/search", query_string={"q": "захисник"}).get_json()
    assert data["total"] == 232
    assert data["results"][0]["external_id"] == "w-named"
    data = client.get("/api/v1/search", query_string={"q": "захисник 2021"}).get_json()
    assert [r["external_id"] for r in data["results"][:1]] == ["w-year"]
    last = client.get("/api/v1/search", query_string={"q": "захисник", "page": 12}).get_json()
    assert len(last["results"]) == 232 - 11 * 20


def test_the_page_shows_what_a_wrong_layout_query_was_read_as(namesakes_client):
    html = namesakes_client.get("/search", query_string={"q": "Uyfn.r"}).get_data(as_text=True)
    suggestion = html.split('class="suggestion"', 1)[1].split("</p>", 1)[0]
    assert ">Гнатюк</a>" in suggestion
    assert "Гнатюк Євгенія" in html and "Гнатюк Євген " in html.replace("</a>", " ")


def test_a_russian_spelling_is_not_corrected_when_it_was_understood(namesakes_client):
    data = namesakes_client.get("/api/v1/search", query_string={"q": "Журавлев Сергей"}).get_json()
    assert data["results"][0]["external_id"] == "n-zhuravlov"
    assert data["suggestion"] is None
