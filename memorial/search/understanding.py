"""Query understanding: how people really type, turned into what the index knows.

One place for both backends. The algorithm (:mod:`.algorithm`) asks here for:

* :func:`rewrite`: the typed query cleaned before it is split into words: dates taken out
  as :class:`DateHint` (``24.05.2022``, ``24 травня 2022``, ``травень 2022``,
  ``2022-05-24``, "народився 30 січня 1996"), ordinal endings cut from numbers
  (``93-тя`` is ``93``), Roman degrees of awards made Arabic (``II ступеня``);
* :func:`name_alternatives`: the Ukrainian names a Russian spelling (``Евгений``,
  ``Сергеевич``, ``Журавский``) or an everyday name (``Саша``, ``Діма``) stands for;
* :func:`other_layouts`: the query as it was meant when typed in the wrong keyboard layout;
* :func:`is_filler`: function words that carry no meaning in a loose query.

And the index side, used by :mod:`.documents`: :func:`unit_aliases` (abbreviations written
out and back, a brigade's number beside its honorary name) and :func:`award_aliases`.
Whatever changes what the index holds raises :data:`ANALYSIS_VERSION`, so ``memorial
check`` can tell an index built by an older analysis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .. import language
from ..clock import today_in_kyiv

#: The version of what the index is built from (documents and analysis). Raise it whenever
#: indexed terms change; ``memorial check`` then asks for ``memorial reindex``.
ANALYSIS_VERSION = 2


# -- names ----------------------------------------------------------------------------------
#: Russian spellings of given names: Russian -> Ukrainian. Patronymics are derived below.
RUSSIAN_NAMES: dict[str, str] = {
    "александр": "олександр",
    "александра": "олександра",
    "алексей": "олексій",
    "анатолий": "анатолій",
    "андрей": "андрій",
    "аркадий": "аркадій",
    "артём": "артем",
    "артем": "артем",
    "борис": "борис",
    "богдан": "богдан",
    "вадим": "вадим",
    "валентин": "валентин",
    "валерий": "валерій",
    "василий": "василь",
    "виктор": "віктор",
    "виктория": "вікторія",
    "виталий": "віталій",
    "владимир": "володимир",
    "владислав": "владислав",
    "вячеслав": "в'ячеслав",
    "геннадий": "геннадій",
    "георгий": "георгій",
    "григорий": "григорій",
    "денис": "денис",
    "дмитрий": "дмитро",
    "евгений": "євген",
    "евгения": "євгенія",
    "егор": "єгор",
    "елена": "олена",
    "екатерина": "катерина",
    "иван": "іван",
    "игорь": "ігор",
    "илья": "ілля",
    "ирина": "ірина",
    "кирилл": "кирило",
    "константин": "костянтин",
    "леонид": "леонід",
    "максим": "максим",
    "михаил": "михайло",
    "наталья": "наталія",
    "наталия": "наталія",
    "никита": "микита",
    "николай": "микола",
    "олег": "олег",
    "ольга": "ольга",
    "павел": "павло",
    "пётр": "петро",
    "петр": "петро",
    "роман": "роман",
    "руслан": "руслан",
    "сергей": "сергій",
    "станислав": "станіслав",
    "степан": "степан",
    "светлана": "світлана",
    "тарас": "тарас",
    "татьяна": "тетяна",
    "фёдор": "федір",
    "федор": "федір",
    "юлия": "юлія",
    "юрий": "юрій",
    "яков": "яків",
    "ярослав": "ярослав",
}

#: Ukrainian patronymic stems of a Ukrainian given name, where adding ``ович``/``івна`` to
#: the name itself is wrong (male stem, female stem).
_UK_PATRONYMIC_STEMS: dict[str, tuple[str, str]] = {
    "олексій": ("олексій", "олексії"),
    "анатолій": ("анатолій", "анатолії"),
    "андрій": ("андрій", "андрії"),
    "аркадій": ("аркадій", "аркадії"),
    "валерій": ("валерій", "валерії"),
    "василь": ("василь", "васил"),
    "віталій": ("віталій", "віталії"),
    "геннадій": ("геннадій", "геннадії"),
    "георгій": ("георгій", "георгії"),
    "григорій": ("григор", "григор"),
    "дмитро": ("дмитр", "дмитр"),
    "ігор": ("ігор", "ігор"),
    "ілля": ("ілліч", "ілл"),
    "кирило": ("кирил", "кирил"),
    "микола": ("миколай", "миколаї"),
    "михайло": ("михайл", "михайл"),
    "павло": ("павл", "павл"),
    "петро": ("петр", "петр"),
    "сергій": ("сергій", "сергії"),
    "федір": ("федор", "федор"),
    "юрій": ("юрій", "юрії"),
    "яків": ("як", "які"),
    "в'ячеслав": ("в'ячеслав", "в'ячеслав"),
}

#: Everyday and diminutive names -> the full names they stand for (both genders where both
#: exist). Russian everyday forms are listed too: relatives write the name they used.
DIMINUTIVES: dict[str, tuple[str, ...]] = {
    "саша": ("олександр", "олександра"),
    "сашко": ("олександр",),
    "сашка": ("олександр", "олександра"),
    "шура": ("олександр", "олександра"),
    "женя": ("євген", "євгенія"),
    "женька": ("євген", "євгенія"),
    "жека": ("євген",),
    "діма": ("дмитро",),
    "дима": ("дмитро",),
    "дімка": ("дмитро",),
    "митя": ("дмитро",),
    "оля": ("ольга",),
    "олечка": ("ольга",),
    "вова": ("володимир",),
    "володя": ("володимир",),
    "волода": ("володимир",),
    "толя": ("анатолій",),
    "толік": ("анатолій",),
    "коля": ("микола",),
    "колян": ("микола",),
    "миколка": ("микола",),
    "сергійко": ("сергій",),
    "серьожа": ("сергій",),
    "сєрьожа": ("сергій",),
    "сергко": ("сергій",),
    "серж": ("сергій",),
    "льоша": ("олексій",),
    "альоша": ("олексій",),
    "олекса": ("олексій", "олександр"),
    "лёша": ("олексій",),
    "андрійко": ("андрій",),
    "юра": ("юрій",),
    "юрко": ("юрій",),
    "юрчик": ("юрій",),
    "петя": ("петро",),
    "петрусь": ("петро",),
    "вася": ("василь",),
    "василько": ("василь",),
    "ваня": ("іван",),
    "іванко": ("іван",),
    "івасик": ("іван",),
    "міша": ("михайло",),
    "миша": ("михайло",),
    "мишко": ("михайло",),
    "таня": ("тетяна",),
    "наташа": ("наталія",),
    "наталка": ("наталія",),
    "катя": ("катерина",),
    "катруся": ("катерина",),
    "маша": ("марія",),
    "марійка": ("марія",),
    "настя": ("анастасія",),
    "слава": ("в'ячеслав", "ярослав", "станіслав", "владислав", "святослав"),
    "славік": ("в'ячеслав", "владислав", "ярослав"),
    "влад": ("владислав",),
    "владик": ("владислав",),
    "стас": ("станіслав",),
    "ярик": ("ярослав",),
    "рома": ("роман",),
    "ромко": ("роман",),
    "костя": ("костянтин",),
    "костик": ("костянтин",),
    "гриша": ("григорій",),
    "грицько": ("григорій",),
    "федя": ("федір",),
    "паша": ("павло",),
    "павлик": ("павло",),
    "макс": ("максим",),
    "максимко": ("максим",),
    "тьома": ("артем",),
    "артемко": ("артем",),
    "віталік": ("віталій",),
    "віталя": ("віталій",),
    "валера": ("валерій",),
    "льоня": ("леонід",),
    "жора": ("георгій",),
    "іра": ("ірина",),
    "іринка": ("ірина",),
    "люда": ("людмила",),
    "галя": ("галина",),
    "лена": ("олена",),
    "оленка": ("олена",),
    "надя": ("надія",),
    "віка": ("вікторія",),
    "вітя": ("віктор",),
    "вітьок": ("віктор",),
    "гена": ("геннадій",),
    "ілько": ("ілля",),
    "яша": ("яків",),
    "стьопа": ("степан",),
    "степанко": ("степан",),
    "руся": ("руслан", "руслана"),
    "русик": ("руслан",),
    "тарасик": ("тарас",),
    "богданчик": ("богдан",),
    "данько": ("данило",),
    "даня": ("данило",),
    "денчик": ("денис",),
    "назарчик": ("назар",),
    "олежка": ("олег",),
    "олесь": ("олександр",),
    "леся": ("лариса", "олександра"),
    "женечка": ("євген", "євгенія"),
}

#: Russian surname endings and their Ukrainian spelling.
_RUSSIAN_ENDINGS = (
    ("ский", "ський"),
    ("цкий", "цький"),
    ("ская", "ська"),
    ("цкая", "цька"),
)
#: Letters only Russian has, and what a Ukrainian spelling has instead.
_RUSSIAN_LETTERS = str.maketrans({"ы": "и", "э": "е", "ъ": "'"})


def _uk_patronymics(uk_name: str) -> tuple[str, str]:
    """The Ukrainian patronymics (male, female) of a Ukrainian given name."""
    male_stem, female_stem = _UK_PATRONYMIC_STEMS.get(uk_name, (uk_name, uk_name))
    male = male_stem if male_stem.endswith("ч") else male_stem + "ович"
    female = female_stem + ("вна" if female_stem.endswith(("і", "ї")) else "івна")
    return male, female


def _ru_patronymics(ru_name: str) -> list[tuple[str, bool]]:
    """The spellings a Russian patronymic of ``ru_name`` takes: (form, male)."""
    n = ru_name.replace("ё", "е")
    if n.endswith("ий"):
        stems = [n[:-2] + "ье", n[:-2] + "ие", n[:-2]]
    elif n.endswith(("ей", "ай", "ь")):
        stems = [n[:-1] + "е"]
    elif n.endswith(("а", "я")):
        return [(n[:-1] + "ич", True), (n[:-1] + "ична", False)]
    elif n.endswith("ел"):  # Павел -> Павлович
        stems = [n[:-2] + "ло"]
    elif n.endswith("ов"):  # Яков -> Яковлевич
        stems = [n + "ле"]
    else:
        stems = [n + "о"]
    out = []
    for stem in stems:
        base = stem if stem.endswith(("е", "о")) else stem + "е"
        out += [(base + "вич", True), (base + "вна", False)]
    return out


@lru_cache(maxsize=1)
def _russian_table() -> dict[str, tuple[str, ...]]:
    """Every Russian given name and patronymic spelling -> its Ukrainian forms."""
    table: dict[str, list[str]] = {}
    for ru, uk in RUSSIAN_NAMES.items():
        table.setdefault(ru.replace("ё", "е"), []).append(uk)
        male, female = _uk_patronymics(uk)
        for form, is_male in _ru_patronymics(ru):
            table.setdefault(form, []).append(male if is_male else female)
    return {k: tuple(dict.fromkeys(v)) for k, v in table.items() if k not in v}


@lru_cache(maxsize=50_000)
def name_alternatives(word: str) -> tuple[str, ...]:
    """Ukrainian name forms a typed Cyrillic word may stand for (none for most words).

    A Russian given name or patronymic (``Евгений``, ``Сергеевич``), an everyday name
    (``Саша``, ``Діма``), a Russian surname ending (``-ский``), and letter by letter the
    letters only Russian has (``ы``, ``э``, ``ъ``, ``ё``).
    """
    folded = language.normalize(word).casefold().replace("ґ", "г")
    if not language.is_cyrillic(folded):
        return ()
    out: list[str] = []
    plain = folded.replace("ё", "е")
    out += _russian_table().get(plain, ())
    out += DIMINUTIVES.get(folded, ()) + DIMINUTIVES.get(plain, ())
    for ru, uk in _RUSSIAN_ENDINGS:
        if plain.endswith(ru):
            out.append(plain[: -len(ru)] + uk)
    if plain.endswith("лев") and len(plain) > 5:  # Журавлев, Ковалев: Журавльов, Ковальов
        out.append(plain[:-2] + "ьов")
    if set(folded) & set("ыэъё"):
        swapped = folded.translate(_RUSSIAN_LETTERS)
        out += [swapped.replace("ё", "е"), swapped.replace("ё", "о")]
        out.append(re.sub(r"(?<=[бвгджзклмнпрстфхцчшщ])ё", "ьо", swapped))  # Ковалёв
        # A Russian "и" is usually a Ukrainian "і" in the same word.
        out.append(swapped.replace("и", "і").replace("ё", "е"))
    return tuple(x for x in dict.fromkeys(out) if x and x != folded)


# -- keyboard layouts -----------------------------------------------------------------------
_LATIN_KEYS = "qwertyuiop[]asdfghjkl;'zxcvbnm,./`QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>?~"
_UK_KEYS = "йцукенгшщзхїфівапролджєячсмитьбю.'ЙЦУКЕНГШЩЗХЇФІВАПРОЛДЖЄЯЧСМИТЬБЮ,'"
_RU_KEYS = "йцукенгшщзхъфывапролджэячсмитьбю.ёЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ,Ё"
_TO_UK = str.maketrans(_LATIN_KEYS, _UK_KEYS)
_TO_RU = str.maketrans(_LATIN_KEYS, _RU_KEYS)


def other_layouts(q: str) -> list[str]:
    """The query as typed on the Ukrainian, then the Russian layout, when it was typed on the
    Latin one (``Uyfn.r`` is ``Гнатюк``); empty when it has Cyrillic or no letters."""
    if language.is_cyrillic(q) or not re.search(r"[A-Za-z]", q):
        return []
    out = []
    for table in (_TO_UK, _TO_RU):
        converted = q.translate(table)
        if converted != q and converted not in out:
            out.append(converted)
    return out


# -- dates ----------------------------------------------------------------------------------
_MONTH_WORDS = {
    # every form people write: nominative, genitive, locative (Ukrainian), genitive (Russian)
    "січень": 1, "січня": 1, "січні": 1, "января": 1, "январь": 1,
    "лютий": 2, "лютого": 2, "лютому": 2, "февраля": 2, "февраль": 2,
    "березень": 3, "березня": 3, "березні": 3, "марта": 3, "март": 3,
    "квітень": 4, "квітня": 4, "квітні": 4, "апреля": 4, "апрель": 4,
    "травень": 5, "травня": 5, "травні": 5, "мая": 5, "май": 5,
    "червень": 6, "червня": 6, "червні": 6, "июня": 6, "июнь": 6,
    "липень": 7, "липня": 7, "липні": 7, "июля": 7, "июль": 7,
    "серпень": 8, "серпня": 8, "серпні": 8, "августа": 8, "август": 8,
    "вересень": 9, "вересня": 9, "вересні": 9, "сентября": 9, "сентябрь": 9,
    "жовтень": 10, "жовтня": 10, "жовтні": 10, "октября": 10, "октябрь": 10,
    "листопад": 11, "листопада": 11, "листопаді": 11, "ноября": 11, "ноябрь": 11,
    "грудень": 12, "грудня": 12, "грудні": 12, "декабря": 12, "декабрь": 12,
}  # fmt: skip
_MONTH = "(" + "|".join(sorted(_MONTH_WORDS, key=len, reverse=True)) + ")"
_YEAR_WORD = r"(?:\s*(?:р\.|рік|року|г\.|года|год))?"
_DATE_PATTERNS = (
    # 2022-05-24
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)-(?P<m>\d\d?)-(?P<d>\d\d?)(?!\d)"),
    # 24.05.2022, 24/05/2022
    re.compile(r"(?<!\d)(?P<d>\d\d?)[./](?P<m>\d\d?)[./](?P<y>(?:19|20)\d\d)(?!\d)" + _YEAR_WORD),
    # 24 травня 2022 (року), 24 травня
    re.compile(
        r"(?<!\d)(?P<d>\d\d?)\s+(?P<mw>"
        + _MONTH[1:-1]
        + r")\b(?:\s+(?P<y>(?:19|20)\d\d)\b)?"
        + _YEAR_WORD,
        re.IGNORECASE,
    ),
    # травень 2022, у травні 2022
    re.compile(
        r"(?:\b(?:у|в)\s+)?\b(?P<mw>" + _MONTH[1:-1] + r")\s+(?P<y>(?:19|20)\d\d)\b" + _YEAR_WORD,
        re.IGNORECASE,
    ),
    # 05.2022
    re.compile(r"(?<![\d.])(?P<m>\d\d?)[./](?P<y>(?:19|20)\d\d)(?!\d)" + _YEAR_WORD),
    # 24.05.22: a year of two digits, in this century up to now, else the last one
    re.compile(r"(?<![\d.])(?P<d>\d\d?)\.(?P<m>\d\d?)\.(?P<yy>\d\d)(?![\d.])"),
)
_BORN_RE = re.compile(
    r"\b(народив(?:ся)?|народил(?:ася|ась|ся)|народж\w*|нар\.|родил(?:ся|ась)|born)\s*",
    re.IGNORECASE,
)
#: Said of the date of death; dropped when the query holds a date (it is the usual question).
_DIED_RE = re.compile(
    r"\b(загинув|загинула|загибел\w*|помер|померла|погиб(?:ла)?|умер(?:ла)?|died|killed)\b\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateHint:
    """A date typed in a query: the year, and the month and day when given."""

    year: int | None
    month: int | None
    day: int | None
    #: Whether the visitor said the person was born then (else died, the usual question).
    born: bool = False

    def index_keys(self) -> list[tuple[str, bool, str]]:
        """Index keys of this date, most precise first: (key, of birth, precision)."""
        out: list[tuple[str, bool, str]] = []
        for born in (self.born, not self.born):
            kind = "b" if born else "d"
            if self.day and self.month and self.year:
                out.append((f"{kind}{self.year:04d}{self.month:02d}{self.day:02d}", born, "day"))
            if self.day and self.month:
                out.append((f"{kind}d{self.month:02d}{self.day:02d}", born, "day of year"))
            if self.month and self.year:
                out.append((f"{kind}m{self.year:04d}{self.month:02d}", born, "month"))
        return out


def date_keys(prefix: str, year: int | None, month: int | None, day: int | None) -> list[str]:
    """The index keys of a hero's date of birth (``b``) or death (``d``)."""
    out = []
    if year and month and day:
        out.append(f"{prefix}{year:04d}{month:02d}{day:02d}")
    if month and day:
        out.append(f"{prefix}d{month:02d}{day:02d}")
    if year and month:
        out.append(f"{prefix}m{year:04d}{month:02d}")
    return out


def _hint(match: re.Match, born: bool) -> DateHint | None:
    groups = match.groupdict()
    year = int(groups["y"]) if groups.get("y") else None
    if groups.get("yy"):
        yy = int(groups["yy"])
        year = 2000 + yy if 2000 + yy <= today_in_kyiv().year else 1900 + yy
    month = _MONTH_WORDS[groups["mw"].casefold()] if groups.get("mw") else None
    if groups.get("m"):
        month = int(groups["m"])
    day = int(groups["d"]) if groups.get("d") else None
    if not month or not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
        return None
    return DateHint(year=year, month=month, day=day, born=born)


# -- the whole rewrite -----------------------------------------------------------------------
_ORDINAL_RE = re.compile(r"(?<!\w)(\d{1,4})\s?-\s?(?:[а-яіїєґ]{1,3})(?!\w)", re.IGNORECASE)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}
_ROMAN_RE = re.compile(r"(?<!\w)([IVІ]{1,3})(?=\s+(?:ступ|ст\.|class|degree))", re.IGNORECASE)


#: A query is cut to this many characters before it is read (the parser keeps fewer still).
_MAX_CHARS = 1000


@dataclass(frozen=True)
class Rewritten:
    """A query after understanding: the text left for words, and the dates taken out."""

    text: str
    dates: tuple[DateHint, ...] = ()


def roman_degrees(text: str) -> str:
    """``II ступеня`` -> ``2 ступеня`` (Latin or Cyrillic letters I)."""

    def arabic(match: re.Match) -> str:
        key = match.group(1).casefold().replace("і", "i")
        return _ROMAN.get(key, match.group(1))

    return _ROMAN_RE.sub(arabic, text)


def rewrite(q: str) -> Rewritten:
    """Take the dates out of a typed query and clean what is left for word matching.

    Quoted phrases are left as typed.
    """
    text = language.normalize(q or "")[:_MAX_CHARS]
    if '"' in text:
        return Rewritten(text=roman_degrees(text))
    born = bool(_BORN_RE.search(text))
    dates: list[DateHint] = []
    for pattern in _DATE_PATTERNS:
        while True:
            match = pattern.search(text)
            if match is None:
                break
            hint = _hint(match, born)
            if hint is None:
                break
            dates.append(hint)
            text = text[: match.start()] + " " + text[match.end() :]
    if dates:
        text = _BORN_RE.sub(" ", text)
        text = _DIED_RE.sub(" ", text)
        text = re.sub(r"(?<!\w)(?:року|рік|р\.)(?!\w)", " ", text)
    text = _ORDINAL_RE.sub(r"\1", text)
    text = roman_degrees(text)
    return Rewritten(text=" ".join(text.split()), dates=tuple(dates))


def is_filler(word: str) -> bool:
    """A function word that means nothing alone in a loose query (``під``, ``з``)."""
    return language.exact_term(word) in language.COMMON_WORDS


# -- units and awards (index side) -------------------------------------------------------------
#: Standard abbreviations of unit kinds and services, with their full names.
UNIT_ABBREVIATIONS: dict[str, str] = {
    "ОМБр": "окрема механізована бригада",
    "ОМПБр": "окрема мотопіхотна бригада",
    "ОАеМБр": "окрема аеромобільна бригада",
    "ОДШБр": "окрема десантно-штурмова бригада",
    "ОШБр": "окрема штурмова бригада",
    "ОТБр": "окрема танкова бригада",
    "ОГШБр": "окрема гірсько-штурмова бригада",
    "ОБрМП": "окрема бригада морської піхоти",
    "ОАБр": "окрема артилерійська бригада",
    "ОБрТрО": "окрема бригада територіальної оборони",
    "ОБрСП": "окрема бригада спеціального призначення",
    "ОПДБр": "окрема повітрянодесантна бригада",
    "ССО": "Сили спеціальних операцій",
    "ДПСУ": "Державна прикордонна служба України",
    "ЗСУ": "Збройні сили України",
    "НГУ": "Національна гвардія України",
    "ТрО": "територіальна оборона",
    "ДШВ": "Десантно-штурмові війська",
    "ВМС": "Військово-морські сили",
    "СБУ": "Служба безпеки України",
    "ГУР": "Головне управління розвідки",
}

#: Brigades known by an honorary name: number -> (abbreviation, honorary name).
BRIGADE_NAMES: dict[int, tuple[str, str]] = {
    10: ("ОГШБр", "Едельвейс"),
    14: ("ОМБр", "імені князя Романа Великого"),
    17: ("ОТБр", "імені Костянтина Пестушка"),
    24: ("ОМБр", "імені короля Данила"),
    25: ("ОПДБр", "Січеславська"),
    28: ("ОМБр", "імені Лицарів Зимового походу"),
    30: ("ОМБр", "імені князя Костянтина Острозького"),
    36: ("ОБрМП", "імені контрадмірала Михайла Білинського"),
    46: ("ОАеМБр", "Подільська"),
    47: ("ОМБр", "Магура"),
    53: ("ОМБр", "імені князя Володимира Мономаха"),
    54: ("ОМБр", "імені гетьмана Івана Мазепи"),
    57: ("ОМПБр", "імені кошового отамана Костя Гордієнка"),
    58: ("ОМПБр", "імені гетьмана Івана Виговського"),
    59: ("ОМПБр", "імені Якова Гандзюка"),
    72: ("ОМБр", "імені Чорних Запорожців"),
    79: ("ОДШБр", "Таврійська"),
    80: ("ОДШБр", "Галицька"),
    81: ("ОАеМБр", "Слобожанська"),
    92: ("ОШБр", "імені кошового отамана Івана Сірка"),
    93: ("ОМБр", "Холодний Яр"),
    95: ("ОДШБр", "Поліська"),
    110: ("ОМБр", "імені генерал-хорунжого Марка Безручка"),
    128: ("ОГШБр", "Закарпатська"),
}

_TITLE_WORDS = {"імені", "князя", "короля", "гетьмана", "кошового", "отамана", "контрадмірала"}


def _stem_pattern(phrase: str) -> re.Pattern[str]:
    """A pattern finding ``phrase`` in any inflection (each word by its first letters)."""
    parts = []
    for word in language.words(phrase):
        w = re.escape(word.casefold())
        parts.append(w + r"\w{0,2}" if len(word) <= 4 else re.escape(word.casefold()[:-2]) + r"\w*")
    return re.compile(r"(?<!\w)" + r"[\s\-«»\"]+".join(parts) + r"(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _unit_patterns():
    abbreviations = [
        (abbr, full, re.compile(r"(?<!\w)" + re.escape(abbr) + r"(?!\w)", re.IGNORECASE))
        for abbr, full in UNIT_ABBREVIATIONS.items()
    ]
    full_names = [(abbr, full, _stem_pattern(full)) for abbr, full in UNIT_ABBREVIATIONS.items()]
    honorary = []
    for number, (abbr, name) in BRIGADE_NAMES.items():
        distinctive = " ".join(w for w in name.split() if w.casefold() not in _TITLE_WORDS)
        honorary.append((number, abbr, name, _stem_pattern(distinctive)))
    return abbreviations, full_names, honorary


_NUMBER_RE = re.compile(r"(?<!\d)(\d{1,3})(?!\d)")


def unit_aliases(unit: str) -> str:
    """Other names of the unit(s) in ``unit``, to index beside it: abbreviations written
    out and full names abbreviated (``93 ОМБр`` beside ``окрема механізована бригада``),
    and a brigade's honorary name beside its number (``93`` and ``Холодний Яр``)."""
    if not unit:
        return ""
    abbreviations, full_names, honorary = _unit_patterns()
    extra: list[str] = []
    kinds: list[str] = []
    for abbr, full, pattern in abbreviations:
        if pattern.search(unit):
            extra.append(full)
            kinds.append(abbr)
    for abbr, _full, pattern in full_names:
        if pattern.search(unit):
            extra.append(abbr)
            kinds.append(abbr)
    numbers = {int(n) for n in _NUMBER_RE.findall(unit)}
    for number, abbr, name, pattern in honorary:
        if pattern.search(unit):
            extra += [str(number), abbr, UNIT_ABBREVIATIONS[abbr]]
        elif number in numbers and (abbr in kinds or "бригад" in unit.casefold()):
            extra.append(name)
    return " ".join(dict.fromkeys(x for x in extra if x))


def award_aliases(name: str) -> str:
    """An award's name with Arabic degrees when it has Roman ones (``II ступеня``)."""
    arabic = roman_degrees(name)
    return arabic if arabic != name else ""
