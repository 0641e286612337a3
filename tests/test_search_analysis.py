"""The one analysis pipeline shared by indexing and queries, and the snippet maker."""

from __future__ import annotations

import pytest

from memorial import language
from memorial.search.analysis import NameAnalyzer, UkrainianTextAnalyzer, WordPairAnalyzer
from memorial.search.query import damerau, parse_query, typo_budget
from memorial.search.snippets import make_snippet


def terms(analyzer, text: str) -> set[str]:
    return {t.text for t in analyzer(text)}


@pytest.mark.parametrize(
    "a, b",
    [
        ("В'ячеслав", "Вячеслав"),
        ("Вʼячеслав", "В’ячеслав"),
        ("В`ячеслав", "Вячеслав"),
        ("Слов'янськ", "Словянськ"),
        ("Ґудзь", "Гудзь"),
        ("ЖУРАВСЬКИЙ", "журавський"),
        ("Гнатюка", "Гнатюк"),
        ("Щербині", "Щербина"),
        ("Ластівки", "Ластівка"),
        ("Журавського", "Журавський"),
        ("Коваленком", "Коваленко"),
        ("Гудзя", "Ґудзь"),
    ],
)
def test_name_forms_meet(a, b):
    """Two spellings or inflections of a name share at least one index term."""
    assert set(language.name_terms(a)) & set(language.name_terms(b))


@pytest.mark.parametrize(
    "a, b",
    [
        ("пам'яті", "памʼять"),
        ("захисників", "захисника"),
        ("Словʼянську", "Слов'янськ"),
        ("бригади", "бригада"),
        ("paramedics", "paramedic"),
        ("volunteered", "volunteer"),
    ],
)
def test_text_forms_meet(a, b):
    assert set(language.text_terms(a)) & set(language.text_terms(b))


def test_unknown_words_reduce_to_a_stem():
    assert language.crude_stem("гнатюкові") == "гнатюк"
    assert language.crude_stem("щербиною") == "щербин"
    assert language.crude_stem("кіт") == "кіт"  # short words stay whole


def test_numbers_survive_with_their_suffix():
    analyzer = UkrainianTextAnalyzer()
    assert "93" in terms(analyzer, "93-тя окрема бригада")
    assert "93" in terms(analyzer, "93тя бригада")
    assert "93" in language.text_terms("93-тя")


def test_terms_never_hold_apostrophes_or_g_with_upturn():
    for text in ("В'ячеслав Ґудзь зʼявився в Слов’янську", "ҐАНОК пам`ять"):
        for analyzer in (NameAnalyzer(), UkrainianTextAnalyzer()):
            for term in terms(analyzer, text):
                assert "'" not in term and "ґ" not in term, term


@pytest.mark.parametrize(
    "typed, official",
    [
        ("Galagan", "Галаган"),
        ("Halahan", "Галаган"),
        ("Zhuravskiy", "Журавський"),
        ("Zhuravskyi", "Журавський"),
        ("Hnatyuk", "Гнатюк"),
        ("Yurii", "Юрій"),
        ("Yuriy", "Юрій"),
        ("Viacheslav", "В'ячеслав"),
        ("Shcherbyna", "Щербина"),
    ],
)
def test_latin_spellings_meet_the_official_one(typed, official):
    assert set(language.latin_terms(typed)) & set(language.latin_terms(official))


def test_word_pairs_only_around_common_words():
    analyzer = WordPairAnalyzer(frozenset({"народився"}))
    found = terms(analyzer, "Тримайся, брате! Він народився у Лимані")
    assert found == {"брате він", "він народився", "народився у", "у лимані"}


def test_typo_budget_grows_with_length_and_swaps_count_once():
    assert [typo_budget(w) for w in ("кіт", "сокіл", "гнатюк", "журавський")] == [0, 1, 1, 2]
    assert damerau("гнатюк", "гантюк") == 1
    assert damerau("журавський", "журавскький") == 1  # one letter added
    assert damerau("журавський", "жуарвськйи") == 2  # two swaps


@pytest.mark.parametrize("text", ['"', '""', '"a', "(", "\x00", "🕯️", "x" * 5000, "AND OR"])
def test_parse_query_never_fails(text):
    parsed = parse_query(text)
    assert len(parsed.words) <= 16


def test_parse_query_phrases_and_words():
    parsed = parse_query('Журавський "Холодний Яр" "одне" 93-тя')
    assert parsed.phrases == [["Холодний", "Яр"]]
    assert parsed.words == ["Журавський", "одне", "93", "тя"]


def test_snippet_marks_inflections_and_escapes():
    text = "Вступ. " * 40 + "<b>Його</b> пам’ять береже громада & родина пам'яті героя."
    snippet = str(make_snippet(text, ["памʼять"]))
    assert snippet.count("<mark>") == 2
    assert "&lt;b&gt;Його&lt;/b&gt;" in snippet and "&amp;" in snippet
    assert snippet.startswith("… ")
    assert str(make_snippet("", ["x"])) == ""
