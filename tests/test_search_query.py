"""Search behaviour through the API and the page: hostile input, ranking, fall-back,
snippets, suggestions, filters with counts and sort orders. Backend-neutral: only the app."""

from __future__ import annotations

import pytest

from helpers import record, write_archive


@pytest.fixture
def archive_app(app, runner, tmp_path):
    """A handful of heroes built to tell ranking rules apart, imported through the CLI."""
    records = [
        record(
            "r-sokil",
            surname="Андрієнко",
            given_name="Іван",
            call_sign="Сокола",
            biography="Служив у розвідці.",
            stories=[],
            awards=[],
            death_date="2022-03-01",
            birth_date="1990",
            military_unit="Перша бригада",
            burial_place="Київ",
            rank="солдат",
        ),
        record(
            "r-sokil2",
            surname="Бабенко",
            given_name="Петро",
            call_sign="Сокіл",
            biography="Любив небо.",
            stories=[],
            awards=[],
            death_date="2023-05-02",
            birth_date="1991",
            military_unit="Друга бригада",
            burial_place="Львів",
            rank="сержант",
        ),
        record(
            "r-sokila",
            surname="Сокила",
            given_name="Назар",
            call_sign=None,
            biography="Працював на пошті.",
            stories=[],
            awards=[],
            death_date="2024",
            birth_date="1992",
            military_unit="Перша бригада",
            burial_place="Київ",
            rank="солдат",
        ),
        record(
            "r-miller",
            surname="Мельник",
            given_name="Олег",
            call_sign=None,
            biography="Був водієм.",
            stories=[],
            awards=[],
            death_date="2022-07",
            military_unit="Друга бригада",
            burial_place="Львів",
            rank="сержант",
        ),
        record(
            "r-text",
            surname="Ярошенко",
            given_name="Остап",
            call_sign=None,
            biography="Його дід був мельником, і мельник навчив його молоти зерно. "
            "<script>alert(1)</script> & «лапки»",
            stories=[
                {
                    "title": "Спогад",
                    "body": "Він любив соняшники біля хати.",
                    "author_name": "Мати",
                    "author_relation": "мати",
                }
            ],
            awards=[],
            death_date="2022-09-09",
            military_unit="Перша бригада",
            burial_place="Київ",
            rank="солдат",
        ),
        record(
            "r-draft",
            surname="Прихований",
            given_name="Іван",
            status="draft",
            biography="Мельник соняшники Сокіл.",
            stories=[],
            awards=[],
        ),
    ]
    result = runner.invoke(args=["import-archive", str(write_archive(tmp_path / "a", records))])
    assert result.exit_code == 0, result.output
    return app


def api(client, **args):
    """The JSON of a search, checking the status and the contract's keys."""
    response = client.get("/api/v1/search", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()
    assert {"query", "total", "page", "per_page", "results"} <= data.keys()
    return data


def ids(client, **args) -> list[str]:
    return [r["external_id"] for r in api(client, **args)["results"]]


HOSTILE = [
    '"',
    '""',
    '"""',
    "(",
    ")",
    "((",
    "*",
    "?",
    "~",
    "^",
    "\\",
    "/",
    "-",
    "+",
    "'",
    "field:value",
    "name:Мельник",
    "AND OR",
    "NOT",
    "AND",
    "a AND (b OR",
    "[1 TO 2]",
    "{}",
    "%",
    "_",
    "' OR 1=1 --",
    "🕯️",
    "🇺🇦 Мельник",
    "\u202eкинлеМ",
    "й\u0306",
    "\ufeff",
    "   ",
    "9" * 300,
    "Мельник~2",
    "Мельн*",
    "<script>",
    "&amp;",
    "%00",
    "ー",
]


#: Never cut or changed quietly: refused with a message (control characters, over-long).
REFUSED = ["x" * 5000, "Мельник " * 700, "\x00", "Мель\x00ник", "\t\n"]


def test_no_query_is_an_error(archive_app, client):
    """Any character sequence gives results or none, on the page and in the API."""
    for q in HOSTILE:
        api(client, q=q)
        page = client.get("/search", query_string={"q": q})
        assert page.status_code == 200, repr(q)
        assert "<script>" not in page.get_data(as_text=True).split("<main", 1)[-1], repr(q)


def test_what_cannot_be_a_query_is_refused_with_a_reason(archive_app, client):
    for q in REFUSED:
        response = client.get("/api/v1/search", query_string={"q": q})
        assert response.status_code == 400, repr(q)
        assert response.get_json()["error"], repr(q)
        page = client.get("/search", query_string={"q": q, "lang": "uk"})
        assert page.status_code == 400, repr(q)
        text = page.get_data(as_text=True)
        assert "задовгий" in text or "недопустимі символи" in text, repr(q)


def test_hostile_query_still_finds_the_words_it_holds(archive_app, client):
    """Syntax characters are ignored rather than obeyed or refused."""
    assert ids(client, q="name:Мельник")[:1] == ["r-miller"]
    assert ids(client, q="(Мельник*")[:1] == ["r-miller"]
    assert ids(client, q="🇺🇦 Мельник")[:1] == ["r-miller"]


def test_drafts_never_found(archive_app, client):
    for q in ("Прихований", "Прихованого", "Pryhovanyi", "Прихованй"):
        assert "r-draft" not in ids(client, q=q)


def test_exact_above_inflected_above_fuzzy(archive_app, client):
    """``Сокола``: the call sign typed exactly, then its base form, then a near surname."""
    assert ids(client, q="Сокола")[:3] == ["r-sokil", "r-sokil2", "r-sokila"]


def test_name_above_text(archive_app, client):
    assert ids(client, q="Мельник")[:2] == ["r-miller", "r-text"]


def test_story_counts_as_text_of_its_hero(archive_app, client):
    assert ids(client, q="соняшник") == ["r-text"]


def test_all_words_must_match_else_most_words_first(archive_app, client):
    """Every word must match; when none matches all, heroes matching most words lead."""
    full = api(client, q="Мельник Олег")
    assert [r["external_id"] for r in full["results"]] == ["r-miller"]
    assert full["partial"] is False
    partial = api(client, q="Ярошенко мельник зерно космонавт")
    assert partial["partial"] is True
    assert [r["external_id"] for r in partial["results"]][:2] == ["r-text", "r-miller"]


def test_phrase(archive_app, client):
    assert ids(client, q='"навчив його молоти"') == ["r-text"]
    assert ids(client, q='"навчити його молоти"') == ["r-text"]  # another inflection
    assert ids(client, q='"молоти його навчив"') == []


def test_snippet_marks_words_and_escapes_text(archive_app, client):
    result = api(client, q="мельник")["results"]
    snippet = next(r["snippet"] for r in result if r["external_id"] == "r-text")
    assert "<mark>мельником</mark>" in snippet and "<mark>мельник</mark>" in snippet
    assert "&lt;script&gt;" in snippet and "<script>" not in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_suggestion_for_a_misspelt_name(archive_app, client):
    data = api(client, q="Ярошенкко")
    assert data["suggestion"] == "Ярошенко"
    page = client.get("/search", query_string={"q": "Ярошенкко"}).get_data(as_text=True)
    assert "Можливо, ви мали на увазі" in page and "Ярошенко" in page
    assert api(client, q="Ярошенко")["suggestion"] is None


def test_facets_count_values_of_the_matches(archive_app, client):
    data = api(client, q="бригада")
    facets = data["facets"]
    assert facets["military_unit"] == {"Перша бригада": 3, "Друга бригада": 2}
    assert facets["death_year"] == {"2022": 3, "2023": 1, "2024": 1}
    assert facets["burial_place"]["Київ"] == 3
    assert (
        "facets" not in api(client, q="бригада", facets="0")
        or api(client, q="бригада", facets="0")["facets"] == {}
    )


def test_filters_narrow_and_combine(archive_app, client):
    assert sorted(ids(client, q="бригада", military_unit="Друга бригада")) == [
        "r-miller",
        "r-sokil2",
    ]
    assert ids(client, q="бригада", military_unit="Друга бригада", death_year=2023) == ["r-sokil2"]
    assert sorted(ids(client, q="", rank="солдат", burial_place="Київ")) == [
        "r-sokil",
        "r-sokila",
        "r-text",
    ]
    assert ids(client, q="", birth_year=1992) == ["r-sokila"]
    assert ids(client, q="Іван", letter="А") == ["r-sokil"]
    assert ids(client, q="", letter="Я") == ["r-text"]


def test_sort_by_name_and_by_death(archive_app, client):
    by_name = ids(client, q="бригада", sort="name")
    assert by_name == ["r-sokil", "r-sokil2", "r-miller", "r-sokila", "r-text"]
    by_death = ids(client, q="бригада", sort="death")
    assert by_death == ["r-sokila", "r-sokil2", "r-text", "r-miller", "r-sokil"]


def test_search_page_shows_filters_sort_and_letters(archive_app, client):
    html = client.get("/search", query_string={"q": "бригада"}).get_data(as_text=True)
    assert "Перша бригада" in html and "(3)" in html
    assert 'name="sort"' in html and "letter=%D0%AF" in html  # Я, with the query kept
    narrowed = client.get("/search", query_string={"q": "бригада", "rank": "сержант"})
    text = narrowed.get_data(as_text=True)
    assert narrowed.status_code == 200 and "Мельник" in text and "Андрієнко" not in text
    assert "прибрати" in text


def test_bad_filter_values_are_clear_400s(archive_app, client):
    response = client.get("/api/v1/search", query_string={"q": "x", "birth_year": "рік"})
    assert response.status_code == 400 and "birth_year" in response.get_json()["error"]


def test_letter_g_with_upturn_is_its_own_letter(app, runner, tmp_path):
    records = [
        record("g-1", surname="Ґава", given_name="Іван"),
        record("g-2", surname="Гава", given_name="Іван"),
    ]
    assert (
        runner.invoke(
            args=["import-archive", str(write_archive(tmp_path / "g", records))]
        ).exit_code
        == 0
    )
    client = app.test_client()
    assert ids(client, q="Іван", letter="Ґ") == ["g-1"]
    assert ids(client, q="Іван", letter="г") == ["g-2"]
    assert sorted(ids(client, q="Гава")) == ["g-1", "g-2"]  # in words, ґ and г still meet


def test_new_query_keeps_letter_and_filters(archive_app, client):
    html = client.get(
        "/search", query_string={"q": "Іван", "letter": "А", "rank": "солдат", "page": "1"}
    ).get_data(as_text=True)
    box = html.split('role="search"', 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="letter" value="А">' in box
    assert '<input type="hidden" name="rank" value="солдат">' in box
    assert 'name="page"' not in box and 'type="hidden" name="q"' not in box


def test_a_typed_year_matches_the_years_of_birth_and_death(archive_app, client):
    """No biography here names a year: a typed year finds heroes by their dates."""
    found = api(client, q="Андрієнко 2022")
    assert [r["external_id"] for r in found["results"]] == ["r-sokil"] and not found["partial"]
    assert ids(client, q="Андрієнко 1990") == ["r-sokil"]  # the year of birth
    assert ids(client, q="2024") == ["r-sokila"]
    assert ids(client, q="1992") == ["r-sokila"]
    assert set(ids(client, q="2022")) == {"r-sokil", "r-miller", "r-text"}
    # A name with another year: every Андрієнко still comes first, then that year's heroes.
    partial = api(client, q="Андрієнко 2023")
    assert partial["partial"]
    assert [r["external_id"] for r in partial["results"]][:2] == ["r-sokil", "r-sokil2"]
    assert ids(client, q="1850") == []  # not a year of this archive: no match, no error


def test_places_and_units_are_found_in_latin(app, runner, tmp_path, client):
    records = [
        record(
            "r-izium",
            surname="Ізюменко",
            birth_place="Ізюм",
            home_community=None,
            death_place=None,
            burial_place="Краматорськ, Алея Героїв",
            biography="",
            stories=[],
            awards=[],
            military_unit="93-тя окрема механізована бригада «Холодний Яр»",
        ),
        record(
            "r-lviv",
            surname="Левченко",
            birth_place="Львів",
            home_community=None,
            death_place=None,
            burial_place="Львів",
            biography="",
            stories=[],
            awards=[],
            military_unit="24-та окрема механізована бригада",
        ),
    ]
    result = runner.invoke(args=["import-archive", str(write_archive(tmp_path / "a", records))])
    assert result.exit_code == 0, result.output
    for query in ("Kramatorsk", "Izium", "Kholodnyi Yar", "kholodnyi yar izium"):
        assert ids(client, q=query) == ["r-izium"], query
    assert ids(client, q="Lviv") == ["r-lviv"]


def test_a_snippet_comes_from_one_field_and_names_it(app, runner, tmp_path, client):
    hero = record(
        "r-awards",
        surname="Наводчук",
        death_circumstances="Загинув під час штурму поблизу Бахмута.",
        position="навідник",
        rank="молодший сержант",
        awards=[
            {"name": "орден «За мужність» III ступеня"},
            {"name": "медаль «Захиснику Вітчизни»"},
        ],
        stories=[
            {
                "title": "Мій брат",
                "body": "Він ловив рибу на Сіверському Донці. Завжди ділився уловом із сусідами.",
                "author_name": "Олена",
            }
        ],
    )
    result = runner.invoke(args=["import-archive", str(write_archive(tmp_path / "a", [hero]))])
    assert result.exit_code == 0, result.output
    award = api(client, q="Захиснику Вітчизни", lang="uk")["results"][0]["snippet"]
    assert award.startswith('<span class="snippet-field">Нагороди:</span>')
    assert "«<mark>Захиснику</mark> <mark>Вітчизни</mark>»" in award
    assert "Бахмута" not in award and "навідник" not in award
    story = api(client, q="уловом", lang="uk")["results"][0]["snippet"]
    assert story.startswith('<span class="snippet-field">Спогад «Мій брат»:</span>')
    # The passage starts where the sentence holding the match starts.
    assert "… Завжди ділився <mark>уловом</mark> із сусідами." in story
    assert "Донці" not in story and not story.endswith("…")
