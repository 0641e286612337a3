"""Ukrainian text handling: normalisation, transliteration, slugs, lemmas, order."""

from __future__ import annotations

import pytest

from memorial import language


@pytest.mark.parametrize(
    "text, latin",
    [
        ("Журавський Євген", "Zhuravskyi Yevhen"),
        ("Гнатюк", "Hnatiuk"),
        ("Галаган", "Halahan"),
        ("В'ячеслав", "Viacheslav"),
        ("Вʼячеслав", "Viacheslav"),
        ("Згорани", "Zghorany"),
        ("Ґудзь", "Gudz"),
        ("Юрій", "Yurii"),
        ("Слов’янськ", "Sloviansk"),
    ],
)
def test_official_transliteration(text, latin):
    assert language.translit_uk(text) == latin


def test_slug_base():
    assert language.slug_base("Журавський", "Євген") == "zhuravskyi-yevhen"
    assert language.slug_base("О'Коннор", "Шон") == "okonnor-shon"
    assert language.slug_base("!!!", "???") == "hero"


def test_apostrophes_unified():
    forms = ["пам'ять", "пам’ять", "памʼять", "пам`ять"]
    assert len({language.fold(f) for f in forms}) == 1


def test_fold_g_with_upturn():
    assert language.fold("Ґудзь") == language.fold("Гудзь")


@pytest.mark.parametrize(
    "form, lemma",
    [
        ("гнатюка", "гнатюк"),
        ("щербині", "щербина"),
        ("ластівки", "ластівка"),
        ("захисника", "захисник"),
        ("пам'яті", "пам'ять"),
        ("краматорська", "краматорськ"),
    ],
)
def test_lemmas(form, lemma):
    assert lemma in language.lemmas(form)


def test_numbers_survive():
    assert language.lemmas("93") == ("93",)
    assert "93" in [w for w in language.words("93-тя бригада")]


def test_name_sort_key_follows_ukrainian_alphabet():
    names = ["Їжак", "Ілля", "Гнатюк", "Ґудзь", "Євтух", "Еней", "Яковенко", "Абрамов"]
    ordered = sorted(names, key=language.name_sort_key)
    assert ordered == ["Абрамов", "Гнатюк", "Ґудзь", "Еней", "Євтух", "Ілля", "Їжак", "Яковенко"]


@pytest.mark.parametrize(
    "n, form",
    [
        (1, "рік"),
        (2, "роки"),
        (5, "років"),
        (11, "років"),
        (21, "рік"),
        (22, "роки"),
        (14, "років"),
    ],
)
def test_plural(n, form):
    assert language.plural_uk(n, "рік", "роки", "років") == form
