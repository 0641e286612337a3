"""Ukrainian text: normalisation, lemmas and the official transliteration.

One pipeline for indexing and for queries, used by search, slugs and import alike:
NFC, every apostrophe form mapped to U+0027 (the only one pymorphy3's dictionary knows),
case folding, ``ґ`` folded to ``г`` for matching, lemmas from pymorphy3's Ukrainian
dictionary (all lemmas of an ambiguous form), English stemming for Latin words.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

from translitua import UkrainianKMU, translit

APOSTROPHES = "'’ʼ`ʹ′‘´"
#: The apostrophes other than U+0027: a regular expression replaces them some 15 times
#: faster than ``str.translate`` with a table (measured on 5 KB biographies).
_OTHER_APOSTROPHES_RE = re.compile("[" + re.escape(APOSTROPHES[1:]) + "]")

#: A word: letters and digits, with apostrophes inside (пам'ять) and hyphens kept apart.
WORD_RE = re.compile(r"[^\W_]+(?:['’ʼ`ʹ′‘´][^\W_]+)*", re.UNICODE)
_CYRILLIC_RE = re.compile(r"[а-яіїєґё]", re.IGNORECASE)
_LATIN_RE = re.compile(r"^[a-z0-9']+$")
_DIGITS_RE = re.compile(r"^(\d+)[^\d]*$")


def normalize(text: str) -> str:
    """NFC, one apostrophe (U+0027), and no stray control characters."""
    text = unicodedata.normalize("NFC", text or "")
    text = _OTHER_APOSTROPHES_RE.sub("'", text)
    if text.replace("\n", "").replace("\t", "").replace(" ", "").isprintable():
        return text  # the usual case, checked in C: no control or format characters
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")


def fold(word: str) -> str:
    """Matching form of a word: lower case, ``ґ`` as ``г``, ``ё`` as ``е``, one apostrophe."""
    return normalize(word).casefold().replace("ґ", "г").replace("ё", "е")


def words(text: str) -> list[str]:
    """Words of ``text`` in order, normalised but not folded."""
    return WORD_RE.findall(normalize(text))


def is_cyrillic(word: str) -> bool:
    """Whether a word contains Cyrillic letters."""
    return bool(_CYRILLIC_RE.search(word))


_morph_lock = threading.Lock()
_morph = None


def _analyzer():
    """The shared pymorphy3 analyzer for Ukrainian, loaded on first use."""
    global _morph
    if _morph is None:
        with _morph_lock:
            if _morph is None:
                import pymorphy3

                _morph = pymorphy3.MorphAnalyzer(lang="uk")
    return _morph


_english_stemmer = None


def _english():
    """The Snowball English stemmer, loaded on first use."""
    global _english_stemmer
    if _english_stemmer is None:
        import snowballstemmer

        _english_stemmer = snowballstemmer.stemmer("english")
    return _english_stemmer


# Case endings of Ukrainian nouns, adjectives and surnames, longest first. Used only where
# the dictionary cannot help (surnames, rare places, words without their apostrophe), so
# that a declined form (Гнатюка, Щербині, Коваленком) meets its base form at a shared stem.
_CASE_ENDINGS = sorted(
    [
        "ами",
        "ями",
        "ові",
        "еві",
        "єві",
        "ого",
        "ому",
        "ою",
        "ею",
        "єю",
        "ом",
        "ем",
        "єм",
        "ах",
        "ях",
        "ів",
        "їв",
        "ої",
        "ій",
        "ий",
        "им",
        "их",
        "ім",
        "а",
        "я",
        "у",
        "ю",
        "і",
        "ї",
        "е",
        "є",
        "и",
        "о",
        "й",
        "ь",
    ],
    key=len,
    reverse=True,
)


def crude_stem(word: str) -> str:
    """Strip one case ending from a (folded) word of five letters or more; else keep it."""
    if len(word) <= 4 or not is_cyrillic(word):
        return word
    for ending in _CASE_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


@lru_cache(maxsize=200_000)
def lemmas(word: str) -> tuple[str, ...]:
    """Every dictionary form of a (folded) word, plus a crude stem for unknown words.

    Numbers with a suffix (``93-тя``, ``93тя``) give the number; Latin words give their
    English stem; Cyrillic words give all pymorphy3 lemmas of known parses and, for words
    the dictionary only guesses (surnames, places), a shared crude stem as well.
    """
    if not word:
        return ()
    digits = _DIGITS_RE.match(word)
    if digits:
        return (digits.group(1),)
    if _LATIN_RE.match(word):
        stem = _english().stemWord(word.replace("'", ""))
        return (stem,) if stem else (word,)
    if not is_cyrillic(word):
        return (word,)
    out: list[str] = []
    known = False
    for parse in _analyzer().parse(word):
        lemma = fold(parse.normal_form)
        if parse.is_known:
            known = True
            if lemma not in out:
                out.append(lemma)
    if not known:
        out.append(crude_stem(word))
    return tuple(out) or (word,)


def term(form: str) -> str:
    """An index term: a folded form without apostrophes, so ``Вячеслав`` meets ``В'ячеслав``."""
    return form.replace("'", "")


def _unique(forms) -> tuple[str, ...]:
    out: list[str] = []
    for form in forms:
        t = term(form)
        if t and t not in out:
            out.append(t)
    return tuple(out)


@lru_cache(maxsize=200_000)
def text_terms(word: str) -> tuple[str, ...]:
    """Index terms of a word of running text: every lemma (English stem for Latin words)."""
    folded = fold(word)
    forms = list(lemmas(folded))
    if "'" in folded:  # the same word typed without its apostrophe is another dictionary miss
        forms.append(crude_stem(term(folded)))
    return _unique(forms)


@lru_cache(maxsize=200_000)
def name_terms(word: str) -> tuple[str, ...]:
    """Index terms of a word of a name or call sign: the exact form, lemmas and a crude stem.

    Surnames are often unknown to the dictionary or known as another word, so the crude
    stem is always added: ``Гнатюка``, ``Гнатюком`` and ``Гнатюк`` all give ``гнатюк``.
    """
    folded = fold(word)
    return _unique([folded, *lemmas(folded), crude_stem(term(folded))])


def exact_term(word: str) -> str:
    """The exact-match term of a word: folded, no apostrophe."""
    return term(fold(word))


_LATIN_KEY_RULES = [
    ("shch", "sch"),
    ("kh", "h"),
    ("g", "h"),
    ("w", "v"),
    ("ck", "k"),
    ("x", "ks"),
    ("ts", "c"),
    ("tz", "c"),
    ("ph", "f"),
    ("q", "k"),
    ("y", "i"),
    ("j", "i"),
]


def latin_key(latin: str) -> str:
    """A loose key of a Latin spelling, shared by the usual ways of writing a Ukrainian name.

    ``Halahan``/``Galagan``, ``Zhuravskyi``/``Zhuravskiy``, ``Yurii``/``Yuriy`` give one key:
    h and g, y/i/j and doubled letters are not told apart.
    """
    key = latin.lower().replace("'", "")
    for old, new in _LATIN_KEY_RULES:
        key = key.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", key)


@lru_cache(maxsize=200_000)
def latin_terms(word: str) -> tuple[str, ...]:
    """Latin index terms of a name word: its official transliteration and its loose key."""
    latin = term(translit_uk(word).lower())
    latin = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode()
    if not latin:
        return ()
    return _unique([latin, latin_key(latin)])


#: Function words: so frequent that a phrase containing them is matched through word pairs.
COMMON_WORDS = frozenset(
    [
        "і",
        "й",
        "та",
        "а",
        "але",
        "або",
        "чи",
        "що",
        "як",
        "щоб",
        "бо",
        "то",
        "ж",
        "же",
        "б",
        "би",
        "не",
        "ні",
        "ще",
        "вже",
        "лише",
        "тільки",
        "навіть",
        "теж",
        "також",
        "у",
        "в",
        "на",
        "до",
        "з",
        "із",
        "зі",
        "зо",
        "від",
        "для",
        "по",
        "про",
        "при",
        "під",
        "над",
        "за",
        "без",
        "через",
        "між",
        "після",
        "перед",
        "біля",
        "серед",
        "крізь",
        "понад",
        "замість",
        "коло",
        "він",
        "вона",
        "воно",
        "вони",
        "його",
        "її",
        "їх",
        "йому",
        "їй",
        "їм",
        "ним",
        "нею",
        "ними",
        "нього",
        "неї",
        "них",
        "я",
        "ти",
        "ми",
        "ви",
        "мене",
        "тебе",
        "нас",
        "вас",
        "мені",
        "тобі",
        "нам",
        "вам",
        "мною",
        "тобою",
        "нами",
        "вами",
        "це",
        "цей",
        "ця",
        "ці",
        "той",
        "ті",
        "того",
        "тому",
        "цього",
        "цьому",
        "цієї",
        "цих",
        "свій",
        "своє",
        "своя",
        "свої",
        "свого",
        "своєї",
        "своїх",
        "своїм",
        "був",
        "була",
        "було",
        "були",
        "є",
        "буде",
        "який",
        "яка",
        "яке",
        "які",
        "якого",
        "якої",
        "якому",
        "яких",
        "де",
        "коли",
        "там",
        "тут",
        "так",
        "все",
        "всі",
        "усе",
        "усі",
        "весь",
        "вся",
        "всього",
        "его",
        "and",
        "the",
        "of",
        "to",
        "in",
        "a",
        "an",
        "he",
        "she",
        "was",
        "his",
        "her",
        "for",
        "with",
        "on",
        "at",
        "is",
        "it",
    ]
)


def translit_uk(text: str) -> str:
    """Official Ukrainian transliteration (KMU resolution No. 55 of 2010)."""
    return translit(normalize(text or ""), UkrainianKMU)


def full_name(surname: str, given_name: str, patronymic: str | None = None) -> str:
    """``Прізвище Ім'я По батькові`` with empty parts left out."""
    return " ".join(p.strip() for p in (surname, given_name, patronymic or "") if p and p.strip())


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens, from Ukrainian or Latin text."""
    latin = translit_uk(text).lower()
    latin = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", latin).strip("-")


def slug_base(surname: str, given_name: str) -> str:
    """Slug stem of a hero: ``zhuravskyi-yevhen``."""
    return slugify(f"{surname} {given_name}") or "hero"


def first_letter(surname: str) -> str:
    """The index letter of a surname in the Ukrainian alphabet (upper case, Ґ kept)."""
    text = normalize(surname).strip().lstrip("'")
    return text[:1].upper() if text else ""


UKRAINIAN_ALPHABET = "АБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯ"


def name_sort_key(*parts: str | None) -> str:
    """A plain string that sorts names in Ukrainian alphabetical order under any collation."""
    out = []
    for ch in normalize(" ".join(p for p in parts if p)).upper():
        if ch == "'":
            continue
        pos = UKRAINIAN_ALPHABET.find(ch)
        if pos >= 0:
            out.append(chr(ord("A") + pos))
        elif ch.isspace():
            out.append(" ")
        elif ch.isalnum():
            out.append(chr(0x100 + ord(ch)) if ord(ch) < 0xFE00 else ch)
    return "".join(out)[:700]


def plural_uk(n: int, one: str, few: str, many: str) -> str:
    """Choose the Ukrainian plural form for ``n`` (1 рік, 2 роки, 5 років)."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many
