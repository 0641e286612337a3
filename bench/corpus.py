"""Synthetic hero profiles with realistic Ukrainian names and about 5 KB of text each.

Deterministic for a given seed, so every engine in one run sees the same corpus.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

SURNAME_ROOTS = [
    "Коваль",
    "Бондар",
    "Ткач",
    "Шевч",
    "Мельн",
    "Кравч",
    "Олійн",
    "Гончар",
    "Лисенк",
    "Руденк",
    "Марчен",
    "Петр",
    "Савч",
    "Гнат",
    "Журав",
    "Галаг",
    "Щерб",
    "Остап",
    "Кушн",
    "Павл",
    "Зінч",
    "Мороз",
    "Левч",
    "Тарас",
    "Приход",
    "Ковт",
    "Романч",
    "Дячен",
    "Климч",
    "Кириленк",
    "Собол",
    "Тимош",
    "Бойч",
    "Куліш",
    "Гордійч",
    "Семен",
    "Стецюк",
    "Вовч",
    "Сидор",
    "Юрч",
    "Мазур",
    "Пилип",
    "Яким",
    "Гуцал",
    "Нестер",
    "Федор",
    "Чорнов",
    "Білоус",
    "Гайов",
    "Довгал",
    "Загор",
    "Карпен",
    "Литвин",
    "Мирон",
    "Назар",
    "Оліфір",
    "Панас",
    "Рибал",
    "Сердюк",
    "Трохим",
]
SURNAME_ENDINGS = [
    "енко",
    "ук",
    "юк",
    "ський",
    "чук",
    "ович",
    "ишин",
    "ак",
    "ій",
    "ар",
    "ець",
    "ан",
    "ина",
    "ко",
    "ьский",
]
MALE = [
    "Євген",
    "Олександр",
    "Андрій",
    "Василь",
    "Дмитро",
    "Іван",
    "Максим",
    "Михайло",
    "Олег",
    "Павло",
    "Роман",
    "Сергій",
    "Тарас",
    "Юрій",
    "Ярослав",
    "Богдан",
    "В'ячеслав",
    "Віталій",
    "Володимир",
    "Григорій",
    "Данило",
    "Ігор",
    "Костянтин",
    "Микола",
    "Назар",
    "Петро",
    "Ростислав",
    "Святослав",
    "Степан",
    "Тимофій",
    "Федір",
    "Юліан",
    "Ілля",
    "Артем",
]
FEMALE = [
    "Оксана",
    "Ірина",
    "Олена",
    "Наталія",
    "Юлія",
    "Марія",
    "Анна",
    "Катерина",
    "Світлана",
    "Тетяна",
    "Людмила",
    "Ольга",
    "Вікторія",
    "Дарина",
    "Христина",
    "Софія",
]
CALL_SIGNS = [
    "Сокіл",
    "Ластівка",
    "Вовк",
    "Лис",
    "Беркут",
    "Кобра",
    "Тихий",
    "Грім",
    "Шаман",
    "Док",
    "Малий",
    "Козак",
    "Чорний",
    "Борода",
    "Сич",
    "Кіт",
    "Орел",
    "Яструб",
    "Джміль",
    "Скіф",
    "Бджола",
    "Мольфар",
    "Лелека",
    "Чайка",
    "Граф",
    "Бізон",
]
PLACE_ROOTS = [
    "Слов'ян",
    "Крамат",
    "Бахмут",
    "Полтав",
    "Черніг",
    "Вінниц",
    "Житомир",
    "Луцьк",
    "Рівн",
    "Тернопіл",
    "Ужгород",
    "Чернів",
    "Івано-Франків",
    "Хмельниц",
    "Черкас",
    "Кропивниц",
    "Миколаїв",
    "Херсон",
    "Запоріж",
    "Дніпр",
    "Харків",
    "Суми",
    "Одес",
    "Біл",
    "Зелен",
    "Вишн",
    "Гориц",
    "Лип",
    "Берез",
    "Дуб",
    "Сосн",
    "Вільх",
    "Камін",
    "Кам'ян",
    "Яблун",
    "Калин",
    "Глибок",
    "Висок",
    "Солон",
    "Медв",
]
PLACE_ENDINGS = ["ськ", "івка", "ів", "е", "ка", "ичі", "ове", "инці", "ань", "ий Яр"]
RANKS = [
    "солдат",
    "старший солдат",
    "молодший сержант",
    "сержант",
    "старший сержант",
    "головний сержант",
    "штаб-сержант",
    "лейтенант",
    "старший лейтенант",
    "капітан",
    "майор",
    "підполковник",
    "матрос",
    "старшина",
]
UNIT_KINDS = [
    "окрема механізована бригада",
    "окрема штурмова бригада",
    "окрема бригада територіальної оборони",
    "окремий батальйон",
    "окрема десантно-штурмова бригада",
    "окрема бригада морської піхоти",
    "окрема артилерійська бригада",
    "окремий полк",
]
ORDINAL = ["-тя", "-ма", "-та", "-а"]
AWARDS = [
    "орден «За мужність» III ступеня",
    "орден Богдана Хмельницького",
    "медаль «Захиснику Вітчизни»",
    "звання Герой України",
    "орден «Золота Зірка»",
]
SENTENCES = [
    "{given} народився у {place} в родині вчителів і змалку любив річку та ліс.",
    "Після школи вступив до технікуму, де навчався на механіка і грав у футбольній команді.",
    "Працював на залізниці, потім у будівельній бригаді, будував школи й лікарні по всій області.",
    "Друзі згадують його як людину, яка ніколи не відмовляла в допомозі.",
    "Мав золоті руки: міг полагодити будь-який двигун і навчав цього молодших.",
    "У лютому двадцять другого року добровольцем пішов до військкомату.",
    "Служив у {unit}, був {rank} і командиром відділення.",
    "Разом із побратимами тримав оборону біля {place}, виносив поранених з-під обстрілу.",
    "Позивний «{call}» отримав за швидкість і спокій у найважчі хвилини.",
    "Загинув, прикриваючи відхід своєї групи під час артилерійського обстрілу.",
    "Похований на Алеї Героїв у рідному місті, на похороні зібралося все село.",
    "Удома на нього чекали мати, дружина і маленька донька.",
    "Мати розповідає, що він щонеділі телефонував і питав, чи не холодно вдома.",
    "Він мріяв після перемоги відкрити майстерню і навчати дітей столярства.",
    "Побратими кажуть, що з ним було не страшно навіть у найгарячіших боях.",
    "Любив рибалку, старі пісні та довгі прогулянки степом на світанку.",
    "Посмертно нагороджений: {award}.",
    "Пам'ять про захисника береже його громада: на школі встановлено меморіальну дошку.",
    "У шкільному музеї зберігаються його листи, фотографії і шеврон бригади.",
    "Волонтери, з якими він працював, назвали його ім'ям свій фонд допомоги війську.",
    "Він встиг вивести з оточення трьох поранених товаришів, а сам повернувся по четвертого.",
    "Сусіди пам'ятають, як він допомагав відбудовувати дахи після обстрілів.",
    "Захоплювався історією козацтва, читав Грушевського і знав напам'ять вірші Стуса.",
    "Його останнє повідомлення рідним було коротким: «Усе добре, не хвилюйтеся».",
]
ENGLISH = [
    "He volunteered in the spring and served as a combat medic with his brigade.",
    "His family abroad remembers his kindness, his humour and his love of music.",
    "Friends from the international legion say he never left a wounded comrade behind.",
]


def _vocabulary(rng: random.Random, size: int = 20000) -> list[str]:
    """A sample of real Ukrainian word forms from the pymorphy3 dictionary (long-tail words)."""
    import pymorphy3

    morph = pymorphy3.MorphAnalyzer(lang="uk")
    letters = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"
    words: list[str] = []
    for first in letters:
        for second in letters:
            for j, word in enumerate(morph.dictionary.words.iterkeys(first + second)):
                if j >= 400:
                    break
                if j % 7 == 0 and word.isalpha() and len(word) > 3:
                    words.append(word)
    rng.shuffle(words)
    return words[:size]


class Corpus:
    """The profiles of one benchmark run: names, places, units and text."""

    def __init__(self, seed: int = 7) -> None:
        self.seed = seed
        rng = random.Random(seed)
        self.surnames = sorted({r + e for r in SURNAME_ROOTS for e in SURNAME_ENDINGS})
        self.places = sorted({r + e for r in PLACE_ROOTS for e in PLACE_ENDINGS})
        self.units = [
            f"{n}{rng.choice(ORDINAL)} {rng.choice(UNIT_KINDS)}"
            for n in rng.sample(range(1, 400), 300)
        ]
        self.vocabulary = _vocabulary(rng)

    def profile(self, i: int) -> dict:
        """Profile number ``i`` (1-based), the same on every call."""
        rng = random.Random(self.seed * 1_000_003 + i)
        female = rng.random() < 0.08
        given = rng.choice(FEMALE if female else MALE)
        father = rng.choice(MALE)
        patronymic = father.replace("'", "") + ("івна" if female else "ович")
        surname = rng.choice(self.surnames)
        if female and surname.endswith("ський"):
            surname = surname[:-2] + "ька"
        call = rng.choice(CALL_SIGNS)
        birth = rng.randint(1960, 2004)
        death = rng.randint(2014, 2025)
        place, home, burial = (rng.choice(self.places) for _ in range(3))
        unit = rng.choice(self.units)
        rank = rng.choice(RANKS)
        award = rng.choice(AWARDS)
        paragraphs, size = [], 0
        while size < 4800:
            sentences = []
            for _ in range(rng.randint(3, 6)):
                if rng.random() < 0.55:
                    sentence = rng.choice(SENTENCES).format(
                        given=given, place=place, unit=unit, rank=rank, call=call, award=award
                    )
                elif rng.random() < 0.08:
                    sentence = rng.choice(ENGLISH)
                else:
                    words = rng.sample(self.vocabulary, rng.randint(6, 14))
                    sentence = " ".join(words).capitalize() + "."
                sentences.append(sentence)
            paragraph = " ".join(sentences)
            paragraphs.append(paragraph)
            size += len(paragraph.encode())
        return {
            "id": i,
            "surname": surname,
            "given_name": given,
            "patronymic": patronymic,
            "call_sign": call,
            "birth_year": birth,
            "death_year": death,
            "birth_place": place,
            "home_community": home,
            "burial_place": burial,
            "military_unit": unit,
            "rank": rank,
            "awards": [award],
            "biography": "\n\n".join(paragraphs),
        }

    def profiles(self, n: int) -> Iterator[dict]:
        """Profiles 1..n."""
        for i in range(1, n + 1):
            yield self.profile(i)
