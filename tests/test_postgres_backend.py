"""The search backend contract, checked on the run's backend.

The SQLite run checks Whoosh; the PostgreSQL run (``MEMORIAL_TEST_SEARCH_BACKEND=postgres``)
checks the backend that keeps the index in PostgreSQL tables. Both must behave alike.
"""

from __future__ import annotations

from memorial import create_app
from memorial.extensions import db
from memorial.search import IndexBusy, SearchRequest, backend_for, search

from helpers import app_config, record, write_archive

HEROES = [
    record(
        "b-1",
        surname="Журавський",
        given_name="Євген",
        call_sign="Сокіл",
        birth_place="Краматорськ",
        death_place="Ізюм",
        birth_date="1987-03-14",
        death_date="2022-05-24",
        biography="Пам'ять про захисника живе у Краматорську. Любив риболовлю на Дінці.",
        military_unit="93-тя окрема механізована бригада «Холодний Яр»",
    ),
    record(
        "b-2",
        surname="Щербина",
        given_name="Оксана",
        call_sign="Ластівка",
        birth_place="Слов'янськ",
        death_place="Часів Яр",
        birth_date="1990",
        death_date="2023-02",
        biography="Медикиня. Врятувала десятки поранених під Бахмутом. Шлях \\ «лапки» 'так'.",
        military_unit="Національна гвардія України",
        rank="старший лейтенант",
    ),
    record(
        "b-3",
        surname="Гнатюк",
        given_name="В'ячеслав",
        call_sign="",
        birth_place="Бахмут",
        birth_date="1979",
        death_date="2022-05",
        biography="Вчитель історії, добровольцем пішов захищати рідне місто.",
        military_unit="Сили територіальної оборони",
        rank="солдат",
    ),
]


def loaded(app, runner, tmp_path):
    """Import the three heroes through the CLI; return their ids by external_id."""
    folder = write_archive(tmp_path / "archive", HEROES)
    result = runner.invoke(args=["import-archive", str(folder)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from memorial.models import Hero

        return dict(db.session.execute(db.select(Hero.external_id, Hero.id)).all())


def found(app, **request) -> list[int]:
    with app.app_context():
        return [hit.hero_id for hit in search(SearchRequest(**request)).hits]


def test_words_forms_names_and_phrases(app, runner, tmp_path):
    ids = loaded(app, runner, tmp_path)
    assert found(app, q="Журавського") == [ids["b-1"]]  # a declined surname
    assert found(app, q="Zhuravskyi") == [ids["b-1"]]  # official transliteration
    assert found(app, q="Журавскький") == [ids["b-1"]]  # a typo
    assert found(app, q="Сокіл") == [ids["b-1"]]  # call sign
    assert found(app, q="памʼять захисника") == [ids["b-1"]]  # other apostrophe, inflection
    assert found(app, q="В’ячеслав") == [ids["b-3"]]
    assert found(app, q='"поранених під Бахмутом"') == [ids["b-2"]]
    assert found(app, q='"під поранених Бахмутом"') == []
    assert set(found(app, q="Бахмут")) == {ids["b-2"], ids["b-3"]}
    assert found(app, q="лапки") == [ids["b-2"]]  # quotes and a backslash stored


def test_all_words_then_partial_fallback(app, runner, tmp_path):
    ids = loaded(app, runner, tmp_path)
    assert found(app, q="Щербина Бахмут") == [ids["b-2"]]
    with app.app_context():
        page = search(SearchRequest(q="Щербина Маріуполь"))
    assert page.partial and [h.hero_id for h in page.hits] == [ids["b-2"]]
    with app.app_context():
        assert search(SearchRequest(q="Маріуполь")).total == 0


def test_filters_sorting_facets_and_pages(app, runner, tmp_path):
    ids = loaded(app, runner, tmp_path)
    assert found(app, death_year=2022) == sorted(
        [ids["b-1"], ids["b-3"]], key=lambda i: {ids["b-1"]: 1, ids["b-3"]: 0}[i]
    )
    assert found(app, q="Бахмут", death_year=2023) == [ids["b-2"]]
    assert found(app, letter="Щ") == [ids["b-2"]]
    assert found(app, filters={"rank": "солдат"}) == [ids["b-3"]]
    by_death = found(app, q="Бахмут", sort="death")
    assert by_death == [ids["b-2"], ids["b-3"]]
    with app.app_context():
        page = search(SearchRequest(death_year=2022, facets=True))
        second = search(SearchRequest(death_year=2022, page=2, per_page=1))
    assert page.total == 2
    assert page.facets["rank"] == {"сержант": 1, "солдат": 1}
    assert page.facets["death_year"] == {"2022": 2}
    assert second.total == 2 and len(second.hits) == 1


def test_index_agrees_with_database_and_survives_rebuild(app, runner, tmp_path):
    loaded(app, runner, tmp_path)
    with app.app_context():
        backend = backend_for(app)
        before = backend.digests()
        assert backend.doc_count() == 3
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert backend.digests() == before
    assert runner.invoke(args=["check"]).exit_code == 0


def test_every_app_server_sees_one_index(app, runner, tmp_path):
    """A second app on the same database and data folder finds what the first one indexed."""
    ids = loaded(app, runner, tmp_path)
    other = create_app(app_config(tmp_path))
    assert found(other, q="Гнатюк") == [ids["b-3"]]
    with other.app_context():
        db.engine.dispose()


def test_one_writer_at_a_time(app):
    backend = backend_for(app)
    with app.app_context(), backend.write_lock(blocking=True):
        try:
            with backend.write_lock(blocking=False):
                raise AssertionError("a second writer got the lock")
        except IndexBusy:
            pass
