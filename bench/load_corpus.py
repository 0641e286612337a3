"""A synthetic archive in the archive format for load measurements (deterministic by seed).

Usage: python bench/load_corpus.py OUT_FOLDER --heroes 100000
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

SURNAME_ROOTS = (
    "Коваль",
    "Шевч",
    "Бондар",
    "Ткач",
    "Кравч",
    "Олійн",
    "Мельн",
    "Поліщ",
    "Гнатю",
    "Савч",
    "Руд",
    "Мороз",
    "Лисен",
    "Марч",
    "Клим",
    "Павл",
    "Гонч",
    "Журавс",
    "Галаг",
    "Щерб",
    "Гуд",
    "Ярош",
    "Діде",
    "Левч",
    "Пономар",
    "Білоус",
    "Костен",
    "Соловй",
    "Вовч",
    "Заїч",
    "Остап",
    "Тарас",
    "Юрч",
    "Семен",
    "Гаври",
    "Оліф",
)
SURNAME_ENDINGS = ("енко", "ук", "юк", "ський", "ич", "ак", "ець", "ов", "ишин", "ай")
GIVEN = (
    "Євген",
    "Олександр",
    "Андрій",
    "Сергій",
    "Віталій",
    "Юрій",
    "Дмитро",
    "Іван",
    "Тарас",
    "Богдан",
    "Максим",
    "Олег",
    "Роман",
    "Василь",
    "Петро",
    "Ярослав",
    "Остап",
    "Назар",
    "Оксана",
    "Ірина",
    "Наталія",
    "Ольга",
    "Марія",
    "Юлія",
    "В'ячеслав",
    "Ґеоргій",
)
PATRONYMICS = (
    "Олександрович",
    "Іванович",
    "Петрович",
    "Миколайович",
    "Васильович",
    "Андрійович",
    "Сергійович",
    "Юрійович",
)
PLACES = (
    "Краматорськ",
    "Слов'янськ",
    "Бахмут",
    "Ізюм",
    "Покровськ",
    "Маріуполь",
    "Харків",
    "Київ",
    "Львів",
    "Чернігів",
    "Суми",
    "Полтава",
    "Херсон",
    "Одеса",
    "Дніпро",
    "Запоріжжя",
    "Вінниця",
    "Житомир",
    "Рівне",
    "Тернопіль",
    "Луцьк",
    "Ужгород",
)
UNITS = (
    "93-тя окрема механізована бригада «Холодний Яр»",
    "72-га окрема механізована бригада",
    "3-тя окрема штурмова бригада",
    "80-та окрема десантно-штурмова бригада",
    "25-та окрема повітрянодесантна бригада",
    "128-ма окрема гірсько-штурмова бригада",
    "Національна гвардія України",
    "Сили територіальної оборони",
)
RANKS = (
    "солдат",
    "старший солдат",
    "молодший сержант",
    "сержант",
    "старший сержант",
    "лейтенант",
    "старший лейтенант",
    "капітан",
    "майор",
)
SENTENCES = (
    "Народився і виріс у {place}, де закінчив школу.",
    "Працював на заводі, потім водієм, завжди допомагав сусідам.",
    "У лютому 2022 року добровольцем пішов захищати Україну.",
    "Побратими згадують його як надійного і веселого товариша.",
    "Захоплювався риболовлею, футболом і історією рідного краю.",
    "Загинув під час виконання бойового завдання поблизу {place}.",
    "Вдома на нього чекали дружина, діти та батьки.",
    "Мав позивний, який дали йому ще на навчаннях.",
    "Після навчання у {place} працював учителем історії.",
    "Пам'ять про захисника зберігають рідні та громада.",
)


def hero(rng: random.Random, n: int) -> dict:
    """One invented hero with the fields a real profile usually has."""
    surname = rng.choice(SURNAME_ROOTS) + rng.choice(SURNAME_ENDINGS)
    birth = rng.randint(1960, 2003)
    death = rng.randint(max(birth + 18, 2014), 2025)
    place = rng.choice(PLACES)
    bio = " ".join(
        rng.choice(SENTENCES).format(place=rng.choice(PLACES)) for _ in range(rng.randint(4, 10))
    )
    return {
        "external_id": f"load-{n:06d}",
        "surname": surname,
        "given_name": rng.choice(GIVEN),
        "patronymic": rng.choice(PATRONYMICS),
        "call_sign": rng.choice(("Сокіл", "Ластівка", "Грім", "Кіт", "Лис", "")),
        "birth_date": f"{birth}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "death_date": f"{death}-{rng.randint(1, 12):02d}",
        "birth_place": place,
        "home_community": f"{place} міська територіальна громада",
        "rank": rng.choice(RANKS),
        "military_unit": rng.choice(UNITS),
        "death_place": rng.choice(PLACES),
        "burial_place": f"{place}, Алея Героїв",
        "biography": bio,
        "awards": [{"name": "орден «За мужність» III ступеня", "posthumous": True}]
        if rng.random() < 0.4
        else [],
        "status": "published",
    }


def write_corpus(folder: Path, count: int, seed: int = 55) -> Path:
    """Write ``heroes.json`` with ``count`` heroes into ``folder``; return the folder."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "heroes.json", "w", encoding="utf-8") as out:
        out.write("[\n")
        for n in range(count):
            if n:
                out.write(",\n")
            out.write(json.dumps(hero(rng, n), ensure_ascii=False))
        out.write("\n]\n")
    return folder


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--heroes", type=int, default=100_000)
    args = parser.parse_args()
    write_corpus(args.out, args.heroes)
    print(f"wrote {args.heroes} heroes to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
