#!/usr/bin/env python3
"""Generate the demo archive for «Memorial» (heroes.json + photos/).

EVERYTHING THIS SCRIPT PRODUCES IS INVENTED. The people, their biographies,
memories and "photos" are fictional; any resemblance to real persons is
coincidental. Portraits are simple drawings (silhouette + initials) made with
Pillow, never photographs. Military units, awards and place names are real so
that the demo looks plausible.

The names, places, units, ranks, awards and text templates are in demo_data.json
beside this file; this script only combines them.

Run:  python archive_data/make_demo.py [--out FOLDER]   (default: next to this file)
Needs: Python 3.11 and the memorial package installed (it brings Pillow and the
importer that checks the result). The output is deterministic (fixed seed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from memorial.porting import ArchiveError, load_archive

SEED = 20220224
HERE = Path(__file__).resolve().parent
DATA_FILE = HERE / "demo_data.json"
FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
LAST_DEATH = dt.date(2025, 6, 30)
LAST_STORY = dt.date(2025, 10, 31)
FULL_SCALE_INVASION = dt.date(2022, 2, 24)
BG_COLORS = [
    (214, 226, 236),
    (226, 220, 236),
    (222, 234, 222),
    (238, 230, 214),
    (232, 222, 222),
    (220, 232, 236),
    (236, 236, 222),
    (226, 226, 232),
]
SKY_COLORS = [(170, 205, 235), (190, 215, 240), (236, 214, 190)]
DEMO_LABEL = "ілюстрація · demo"

D = dt.date

# --------------------------------------------------------------------------
# Data file
# --------------------------------------------------------------------------


def _date(s: str) -> dt.date:
    """Parse an ISO date (YYYY-MM-DD)."""
    return dt.date.fromisoformat(s)


def load_data(path: Path) -> dict:
    """Read demo_data.json and turn its ISO date strings into dates."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for group in ("places", "birth_only_places"):
        for place in data[group].values():
            place["occupied"] = [(_date(a), _date(b)) for a, b in place["occupied"]]
    for place in data["death_places"]:
        place["from"], place["to"] = _date(place["from"]), _date(place["to"])
    for circ in [*data["circumstances"], data["encirclement"]]:
        circ["from"] = _date(circ["from"])
    data["mobilisation_waves"] = [_date(s) for s in data["mobilisation_waves"]]
    # JSON object keys are strings; the years are drawn and compared as numbers
    data["death_year_weights"] = {int(y): w for y, w in data["death_year_weights"].items()}
    data["death_place_by_name"] = {p["nom"]: p for p in data["death_places"]}
    data["award_ins"] = {a["name"]: a["ins"] for a in data["awards"].values() if "ins" in a}
    return data


# --------------------------------------------------------------------------
# Grammar and dates
# --------------------------------------------------------------------------

_HERO_RE = re.compile(r"\[([^\[\]|]*)\|([^\[\]|]*)\]")
_AUTH_RE = re.compile(r"<([^<>|]*)\|([^<>|]*)>")
_APOS_RE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")


def gsub(text: str, hero_g: str, author_g: str | None = None) -> str:
    """Resolve gender markers: [masc|fem] for the hero, <masc|fem> for the author."""
    i = 1 if hero_g == "m" else 2
    text = _HERO_RE.sub(lambda m: m.group(i), text)
    if author_g is not None:
        j = 1 if author_g == "m" else 2
        text = _AUTH_RE.sub(lambda m: m.group(j), text)
    return text


def render(tpl: str, ctx: dict, hero_g: str, author_g: str | None = None) -> str:
    """Fill a template with ctx values, then resolve gender markers."""
    return gsub(tpl.format_map(ctx), hero_g, author_g)


def cap(s: str) -> str:
    """Upper-case the first character of a string."""
    return s[:1].upper() + s[1:] if s else s


def years_word(n: int) -> str:
    """Ukrainian word for 'years' agreeing with the number n (рік/роки/років)."""
    if n % 10 == 1 and n % 100 != 11:
        return "рік"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "роки"
    return "років"


def work_years(age: int) -> str:
    """How long someone of this age could have worked ('понад десять років', 'кілька років'...)."""
    yrs = age - 19
    if yrs >= 13:
        return "понад дванадцять років"
    if yrs >= 10:
        return "понад десять років"
    if yrs >= 6:
        return "понад п'ять років"
    if yrs >= 3:
        return "кілька років"
    return "майже два роки"


def number_word(data: dict, n: int) -> str:
    """Spell small numbers in words as in running Ukrainian text; larger ones stay digits."""
    words = data["grammar"]["number_words"]
    return words[n] if 0 <= n < len(words) else str(n)


def fem_surname(s: str) -> str:
    """Feminine form of a Ukrainian surname (Журавський -> Журавська)."""
    for m, f in (("ський", "ська"), ("цький", "цька"), ("ий", "а"), ("ій", "я")):
        if s.endswith(m):
            return s[: -len(m)] + f
    if s.endswith(("ин", "ов", "ев", "єв")):
        return s + "а"
    return s


def surname_for(s: str, gender: str) -> str:
    """Return the surname s (given in masculine form) for the given gender."""
    return s if gender == "m" else fem_surname(s)


def date_str(d: dt.date, prec: str) -> str:
    """Format a date as partial ISO 8601 with precision 'day', 'month' or 'year'."""
    if prec == "day":
        return d.isoformat()
    if prec == "month":
        return f"{d.year:04d}-{d.month:02d}"
    return f"{d.year:04d}"


def date_phrase(data: dict, s: str | None) -> str:
    """Ukrainian phrase for a partial ISO date: '14 березня 1987 року', 'у березні 1987 року'."""
    if not s:
        return ""
    grammar = data["grammar"]
    parts = s.split("-")
    y = int(parts[0])
    if len(parts) == 3:
        return f"{int(parts[2])} {grammar['month_genitive'][int(parts[1]) - 1]} {y} року"
    if len(parts) == 2:
        return f"у {grammar['month_locative'][int(parts[1]) - 1]} {y} року"
    return f"{y} року"


def parse_partial(s: str) -> dt.date:
    """The first day of a partial ISO date ('1987', '1987-03', '1987-03-14')."""
    parts = [int(p) for p in s.split("-")] + [1, 1]
    return dt.date(parts[0], parts[1], parts[2])


def precision(s: str) -> str:
    """Precision ('day', 'month' or 'year') of a partial ISO date."""
    return {3: "day", 2: "month", 1: "year"}[len(s.split("-"))]


def rand_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """Uniform random date between start and end (inclusive)."""
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def years_after(d: dt.date, n: int) -> dt.date:
    """The date n years after d (the 29th of February is treated as the 28th)."""
    return dt.date(d.year + n, d.month, min(d.day, 28))


def age_at(birth: dt.date, death: dt.date) -> int:
    """Full years between birth and death."""
    return death.year - birth.year - ((death.month, death.day) < (birth.month, birth.day))


def apostrophize(text: str, style: str) -> str:
    """Replace the ASCII apostrophe inside words with the chosen Unicode form."""
    return _APOS_RE.sub(style, text)


def word_count(text: str) -> int:
    """Count words (tokens containing at least one letter or digit)."""
    return len([w for w in text.split() if re.search(r"\w", w)])


def weighted(rng: random.Random, weights: dict) -> Any:
    """Pick a key from a {key: weight} dict."""
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


# --------------------------------------------------------------------------
# Drawing (portraits and landscapes are illustrations, not photos)
# --------------------------------------------------------------------------


def load_font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont | None:
    """Return a Cyrillic-capable TrueType font, or None if DejaVu is not installed."""
    path = FONT_BOLD_PATH if bold else FONT_PATH
    for p in (path, FONT_PATH):
        if p.exists():
            return ImageFont.truetype(str(p), size)
    return None


def darker(c: tuple, k: float) -> tuple:
    """Scale an RGB colour towards black by factor k (0..1)."""
    return tuple(int(v * k) for v in c)


def save_small_png(img: Image.Image, path: Path) -> None:
    """Quantise to a small palette and save an optimised PNG."""
    q = img.quantize(colors=24, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    q.save(path, format="PNG", optimize=True)


def draw_portrait(path: Path, initials: str, rng: random.Random) -> None:
    """Draw a 600x800 memorial portrait: soft background, silhouette, initials, black ribbon."""
    bg = rng.choice(BG_COLORS)
    img = Image.new("RGB", (600, 800), bg)
    d = ImageDraw.Draw(img)
    sil = darker(bg, rng.uniform(0.55, 0.65))
    d.ellipse((70, 560, 530, 1060), fill=sil)
    d.rectangle((255, 470, 345, 600), fill=sil)
    d.ellipse((180, 250, 420, 510), fill=sil)
    d.polygon([(470, 0), (530, 0), (600, 70), (600, 130)], fill=(25, 25, 25))
    font = load_font(120)
    if font is not None:
        d.text((300, 720), initials, font=font, fill=bg, anchor="mm")
        small = load_font(22, bold=False)
        d.text((20, 20), DEMO_LABEL, font=small, fill=darker(bg, 0.5))
    save_small_png(img, path)


def draw_landscape(path: Path, kind: str, rng: random.Random) -> None:
    """Draw a simple 600x800 landscape: sunflowers, wheat field, river, terrikons or a house."""
    sky = rng.choice(SKY_COLORS)
    img = Image.new("RGB", (600, 800), sky)
    d = ImageDraw.Draw(img)
    horizon = rng.randint(380, 460)
    sun_x = rng.randint(120, 480)
    d.ellipse((sun_x - 45, 110, sun_x + 45, 200), fill=(250, 222, 120))
    if kind == "sunflowers":
        d.rectangle((0, horizon, 600, 800), fill=(96, 140, 70))
        flowers = sorted((rng.randint(20, 580), rng.randint(horizon + 30, 780)) for _ in range(14))
        for x, y in sorted(flowers, key=lambda f: f[1]):  # far flowers first, near ones overlap
            r = 14 + (y - horizon) // 12
            d.line((x, y, x, min(800, y + 3 * r)), fill=(60, 100, 45), width=max(3, r // 5))
            d.ellipse((x - r, y - r, x + r, y + r), fill=(245, 196, 40))
            d.ellipse((x - r // 2, y - r // 2, x + r // 2, y + r // 2), fill=(100, 70, 30))
    elif kind == "wheat":
        d.rectangle((0, horizon, 600, 800), fill=(222, 186, 96))
        for _ in range(40):
            x = rng.randint(0, 600)
            y = rng.randint(horizon + 10, 790)
            d.line((x, y, x + rng.randint(-6, 6), y - 30), fill=(190, 150, 70), width=3)
    elif kind == "river":
        d.polygon(
            [
                (0, horizon - 90),
                (140, horizon - 160),
                (260, horizon - 70),
                (260, horizon),
                (0, horizon),
            ],
            fill=(240, 240, 232),
        )
        d.rectangle((0, horizon, 600, 800), fill=(110, 160, 90))
        d.polygon(
            [(0, horizon + 120), (600, horizon + 60), (600, horizon + 200), (0, horizon + 260)],
            fill=(90, 140, 190),
        )
    elif kind == "terrikons":
        d.polygon([(40, horizon), (200, horizon - 200), (360, horizon)], fill=(90, 90, 95))
        d.polygon([(300, horizon), (450, horizon - 150), (600, horizon)], fill=(110, 110, 115))
        d.rectangle((0, horizon, 600, 800), fill=(120, 150, 90))
    else:  # house
        d.rectangle((0, horizon, 600, 800), fill=(120, 160, 90))
        d.rectangle((170, horizon - 170, 430, horizon + 40), fill=(240, 236, 220))
        d.polygon(
            [(150, horizon - 170), (300, horizon - 290), (450, horizon - 170)], fill=(150, 70, 60)
        )
        d.rectangle((210, horizon - 120, 280, horizon - 50), fill=(120, 170, 210))
        d.rectangle((320, horizon - 120, 390, horizon - 50), fill=(120, 170, 210))
        d.rectangle((522, horizon - 70, 538, horizon + 20), fill=(100, 70, 50))
        d.ellipse((470, horizon - 200, 590, horizon - 60), fill=(70, 120, 60))
    small = load_font(22, bold=False)
    if small is not None:
        d.text((20, 20), DEMO_LABEL, font=small, fill=(60, 60, 60))
    save_small_png(img, path)


# --------------------------------------------------------------------------
# One hero, step by step
# --------------------------------------------------------------------------
# Every step draws from the same random generator, so the steps must run in the
# order build_hero() calls them: reordering them changes the whole archive.


@dataclass
class Person:
    """What the steps have decided so far about one invented hero (set in build_hero order)."""

    idx: int
    entry: dict
    fixed: dict
    gender: str
    surname: str = ""
    married_f: bool = False
    death: dt.date = dt.date.min
    death_str: str = ""
    death_prec: str = "day"
    death_place: dict = field(default_factory=dict)
    birth: dt.date = dt.date.min
    birth_str: str | None = None
    birth_prec: str | None = None
    age: int = 0
    home: dict = field(default_factory=dict)
    birth_place: dict = field(default_factory=dict)
    moved: bool = False
    job: str = ""
    era: str = ""
    unit: dict = field(default_factory=dict)
    unit_key: str = ""
    rank: str = ""
    position: str = ""
    start: dt.date = dt.date.min
    wave: int = 0
    family: str = ""
    fam: dict = field(default_factory=dict)
    ctx_family: dict = field(default_factory=dict)
    burial: dict = field(default_factory=dict)
    circ: dict = field(default_factory=dict)
    field_near: str = ""
    bio_near: str = ""
    battles: list = field(default_factory=list)


def choose_surname(rng: random.Random, p: Person) -> None:
    """Decide whether a woman took her husband's surname, and set the surname's form."""
    p.married_f = p.gender == "f" and rng.random() < 0.6
    p.surname = surname_for(p.entry["surname"], p.gender)


def pick_death(rng: random.Random, data: dict, year: int | None = None) -> tuple[dict, dt.date]:
    """Pick (death place, date) with a date inside the place's historical window."""
    year = year or weighted(rng, data["death_year_weights"])
    y0, y1 = D(year, 1, 1), min(D(year, 12, 31), LAST_DEATH)
    cands = [p for p in data["death_places"] if p["from"] <= y1 and p["to"] >= y0]
    p = rng.choice(cands)
    return p, rand_date(rng, max(p["from"], y0), min(p["to"], y1))


def choose_death(rng: random.Random, data: dict, p: Person) -> None:
    """Set the date and place of death (fixed or drawn)."""
    ov = p.fixed
    if "death" in ov:
        p.death_str = ov["death"]
        p.death_place = data["death_place_by_name"][ov["death_place"]]
        p.death_prec = precision(p.death_str)
        if p.death_prec == "day":
            p.death = parse_partial(p.death_str)
        elif p.death_prec == "month":
            p.death = parse_partial(p.death_str) + dt.timedelta(days=rng.randint(0, 27))
        else:
            p.death = rand_date(rng, p.death_place["from"], p.death_place["to"])
    else:
        p.death_place, p.death = pick_death(rng, data, ov.get("death_year"))
        p.death_prec = rng.choices(["day", "month", "year"], weights=[85, 11, 4])[0]
        p.death_str = date_str(p.death, p.death_prec)


def choose_birth(rng: random.Random, p: Person) -> None:
    """Set the birth date and age; a fixed birth of None means the date is unknown."""
    ov = p.fixed
    if ov.get("birth"):
        p.birth_str = ov["birth"]
        p.birth = parse_partial(p.birth_str)
        p.birth_prec = precision(p.birth_str)
        if p.birth_prec == "year":
            p.birth += dt.timedelta(days=rng.randint(0, 300))
        p.age = age_at(p.birth, p.death)
        return
    age = ov.get("age") or int(min(59, max(20, rng.gauss(35, 9))))
    if p.gender == "f":
        age = min(age, 50)
    p.birth = p.death - dt.timedelta(days=365 * age + rng.randint(age // 4 + 1, 360))
    p.age = age_at(p.birth, p.death)
    # the precision is drawn even when the date stays unknown, to keep the sequence stable
    p.birth_prec = rng.choices(["day", "month", "year"], weights=[70, 18, 12])[0]
    if "birth" in ov:
        p.birth_prec = None
    else:
        p.birth_str = date_str(p.birth, p.birth_prec)


def choose_places(rng: random.Random, data: dict, p: Person) -> None:
    """Set the home community and the birth place (most heroes never moved)."""
    home_key = p.fixed.get("home") or weighted(rng, data["home_weights"])
    p.home = data["places"][home_key]
    if "birth_place" in p.fixed:
        bp_key = p.fixed["birth_place"]
    else:
        bp_key = home_key if rng.random() < 0.85 else rng.choice(list(data["birth_only_places"]))
    p.birth_place = data["places"].get(bp_key) or data["birth_only_places"][bp_key]
    p.moved = bp_key != home_key


def choose_job(rng: random.Random, data: dict, p: Person) -> None:
    """Set the civilian job before the war."""
    if "job" in p.fixed:
        p.job = p.fixed["job"]
    elif p.age < 23:
        p.job = "student"
    else:
        p.job = weighted(rng, data["job_weights"][p.gender])
        if rng.random() < 0.08 and p.age >= 25:
            p.job = "officer"


def choose_era(rng: random.Random, p: Person) -> str:
    """Choose how the hero came to the army, consistent with the death date and age (18+)."""
    death, birth = p.death, p.birth
    if p.job == "officer":
        return "career"
    adult = years_after(birth, 18)
    if death < FULL_SCALE_INVASION:
        opts = []
        if D(2014, 6, 1) <= death <= D(2016, 12, 31) and adult <= D(2014, 7, 1):
            opts += ["vol2014"] * 2
        if (
            D(2014, 10, 1) <= death <= D(2016, 12, 31)
            and p.gender == "m"
            and years_after(birth, 20) <= D(2014, 8, 1)
        ):
            opts += ["mob2014"] * 3
        if death >= D(2016, 1, 1):
            opts += ["contract"] * 3
        return rng.choice(opts or ["contract"])
    opts = []
    if adult <= FULL_SCALE_INVASION:
        opts += ["fs_volunteer", "fs_volunteer", "tro"]
    if adult <= D(2015, 1, 1):
        opts += ["veteran"] * 2
    if death >= D(2022, 7, 1):
        if p.gender == "m" and years_after(birth, 27) <= death:
            opts += ["mob2022"] * 4
        else:
            opts += ["contract2022"] * 2
    return rng.choice(opts or ["contract2022"])


def choose_unit(rng: random.Random, data: dict, era: str, death: dt.date) -> str:
    """Pick a unit key fitting the era and death year."""
    if era.startswith("vol2014"):
        return rng.choice(["Донбас", "Айдар", "Донбас"]) if death.year <= 2015 else "Айдар"
    if era == "tro":
        return "ТрО109"
    pool = list(data["army_units"])
    if era in ("fs_volunteer", "mob2022", "contract2022", "veteran"):
        pool += ["110", "ТрО109"]
    return rng.choice(pool)


def choose_rank_position(rng: random.Random, data: dict, p: Person) -> tuple[str, str]:
    """Pick a rank and a position consistent with each other, the hero's age and background."""
    ranks, positions = data["ranks"], data["positions"]
    age = p.age
    if p.era == "career":
        officer = ranks["officer"]
        rank = rng.choice(officer[:2] if age < 28 else officer[1:3] if age < 33 else officer[1:])
        pos = {
            "лейтенант": "командир взводу",
            "старший лейтенант": "командир роти",
            "капітан": rng.choice(["командир роти", "заступник командира батальйону"]),
            "майор": "заступник командира батальйону",
        }[rank]
        return rank, pos
    soldier, sergeant = ranks["soldier"], ranks["sergeant"]
    r = rng.random()
    if age < 23:  # young soldiers rarely hold sergeant ranks
        r = min(r, 0.5) if r < 0.85 else 0.6
    if p.gender == "f":
        if r < 0.55:
            rank = rng.choice(soldier)
            pos = rng.choice(data["female_positions"])
        elif r < 0.9:
            rank = rng.choice(sergeant[:3])
            pos = rng.choice(["бойовий медик", "командир відділення", "оператор БпЛА"])
        else:
            rank, pos = "молодший лейтенант", "командир взводу"
    elif r < 0.5:
        rank = rng.choice(soldier)
        pos = rng.choice(data["soldier_positions"])
    elif r < 0.9:
        rank = rng.choice(sergeant if age >= 28 else sergeant[:3] if age >= 23 else sergeant[:1])
        pos = rng.choice(data["sergeant_positions"])
        if rank in ("головний сержант", "штаб-сержант", "майстер-сержант") and rng.random() < 0.6:
            pos = "головний сержант роти"
    else:
        rank = rng.choice(["молодший лейтенант", "лейтенант"])
        pos = "командир взводу"
    if p.job == "medic" and rng.random() < 0.8 and pos != "командир взводу":
        pos = "бойовий медик"
    if p.job == "programmer" and rng.random() < 0.7 and positions[pos]["role"] != "cmd":
        pos = "оператор БпЛА"
    if p.job == "driver" and rng.random() < 0.6 and positions[pos]["role"] != "cmd":
        pos = rng.choice(["водій", "механік-водій"])
    return rank, pos


def choose_service(rng: random.Random, data: dict, p: Person) -> None:
    """Set the way into the army, the unit, the rank and the position."""
    ov, ranks, positions = p.fixed, data["ranks"], data["positions"]
    soldier, sergeant = ranks["soldier"], ranks["sergeant"]
    p.era = ov.get("era") or choose_era(rng, p)
    p.unit_key = ov.get("unit") or choose_unit(rng, data, p.era, p.death)
    # territorial defence brigades fought at home; elsewhere the hero joins an army unit
    if p.unit_key == "ТрО109" and "Донецька область" not in p.death_place["field"]:
        p.unit_key = rng.choice(data["army_units"])
        p.era = "fs_volunteer" if p.era == "tro" else p.era
    p.unit = data["units"][p.unit_key]
    rank, position = choose_rank_position(rng, data, p)
    rank = ov.get("rank", rank)
    position = ov.get("position", position)
    if positions[position]["role"] != "cmd" and rank not in soldier + sergeant[:3]:
        rank = rng.choice(sergeant[:3])
    if p.age < 23 and rank not in soldier + sergeant[:1] and "rank" not in ov:
        rank = rng.choice(soldier)
        if positions[position]["role"] == "cmd":
            position = rng.choice(data["soldier_positions"])
    # drone operators appear in the army only from 2017
    if position == "оператор БпЛА" and p.death < D(2017, 1, 1):
        position = rng.choice(["розвідник", "радіотелефоніст"])
    if p.unit_key == "ТрО109" and rank in ("капітан", "майор"):
        rank = "старший лейтенант"
    p.rank, p.position = rank, position


def choose_service_start(rng: random.Random, data: dict, p: Person) -> None:
    """Set when the service began (and the mobilisation wave, for 2014-2015 draftees)."""
    era, death, birth = p.era, p.death, p.birth
    if era.startswith("vol2014"):
        p.start = D(2014, rng.choice([5, 6, 7]), 1)
    elif era == "mob2014":
        waves = list(enumerate(data["mobilisation_waves"]))
        ok = [w for w in waves if w[1] <= death - dt.timedelta(days=60)] or waves[:1]
        p.wave, p.start = rng.choice(ok[-3:])
    elif era == "contract":
        y0 = max(2015, death.year - 4, birth.year + 19)
        p.start = D(rng.randint(y0, max(y0, death.year - 1)), 1, 1)
    elif era in ("veteran", "fs_volunteer", "tro"):
        p.start = D(2022, 2, 26)
    elif era in ("mob2022", "contract2022"):
        first = max(D(2022, 3, 1), years_after(birth, 18))
        p.start = rand_date(rng, first, max(first, death - dt.timedelta(days=120)))
    else:  # career
        p.start = D(max(death.year - 6, birth.year + 22), 9, 1)


def kids_phrases(rng: random.Random, data: dict, n: int) -> tuple[list, str, str]:
    """Return (children list [(name, gender)], nominative phrase, accusative phrase)."""
    kids = []
    for _ in range(n):
        g = rng.choice("mf")
        pool = data["names"]["sons"] if g == "m" else data["names"]["daughters"]
        name = rng.choice([x for x in pool if x not in [k[0] for k in kids]])
        kids.append((name, g))
    if n == 1:
        name, g = kids[0]
        born = ("народився син " if g == "m" else "народилася донька ") + name
        return kids, born, "сина" if g == "m" else "доньку"
    names = [k[0] for k in kids]
    if n == 2:
        return kids, f"народилося двоє дітей — {names[0]} та {names[1]}", "двох дітей"
    return kids, f"народилося троє дітей: {names[0]}, {names[1]} та {names[2]}", "трьох дітей"


def kids_forms(kids: list) -> dict:
    """Template forms that agree with the number and gender of the children."""
    if len(kids) == 1:
        son = kids[0][1] == "m"
        return {
            "kids_all": "Син був" if son else "Донька була",
            "kids_with": "з ним" if son else "з нею",
            "kids_dat": "синові" if son else "доньці",
            "kids_grow": "коли син підросте" if son else "коли донька підросте",
        }
    return {
        "kids_all": "Діти були",
        "kids_with": "з ними",
        "kids_dat": "дітям",
        "kids_grow": "коли діти підростуть",
    }


def choose_family(rng: random.Random, data: dict, p: Person) -> None:
    """Set parents, spouse and children; story authors are named after them."""
    names, g, surname_m = data["names"], p.gender, p.entry["surname"]
    birth, death, age = p.birth, p.death, p.age
    fam = {
        "spouse": None,
        "kids": [],
        "surname_m": surname_m,
        "father": p.entry["father"],
        "mother": rng.choice(names["mothers"]),
        "parents_surname": surname_m,
    }
    if p.married_f:
        fam["parents_surname"] = rng.choice(names["other_surnames"])
    family = p.fixed.get("family")
    if family is None:
        if age < 24:
            family = rng.choice(["fiance", "single"])
        elif age >= 47:
            family = "grand"
        elif g == "f" and not p.married_f:
            family = rng.choice(["single", "fiance"])
        else:
            family = rng.choices(
                ["married_kids", "married", "single", "fiance"], weights=[6, 2, 1, 1]
            )[0]
    if g == "f":
        married = family in ("married_kids", "married", "grand")
        others = [x for x in names["other_surnames"] if x != surname_m]
        fam["parents_surname"] = rng.choice(others) if married else surname_m
    fam["type"] = family
    ctx: dict = {}
    if family in ("married_kids", "married", "grand"):
        fam["spouse"] = rng.choice(names["female"] if g == "m" else names["male"])
        wed_year = rng.randint(
            birth.year + 21, max(birth.year + 21, min(death.year - 1, birth.year + 30))
        )
        ctx.update(
            sp_ins=fam["spouse"][1],
            wed_year=wed_year,
            wed_years=number_word(data, max(1, death.year - wed_year)),
            wed_years_word=years_word(max(1, death.year - wed_year)),
        )
    if family == "married_kids":
        n = rng.choices([1, 2, 3], weights=[5, 4, 1])[0]
        kids, kp, ka = kids_phrases(rng, data, n)
        fam["kids"] = kids
        ctx.update(kids_phrase=kp, kids_acc=ka, **kids_forms(kids))
    elif family == "grand":
        kids, _, _ = kids_phrases(rng, data, 2)
        fam["kids"] = kids
        ctx.update(gc=rng.choice(names["daughters"]))
    elif family == "fiance":
        ctx.update(fi=rng.choice(names["female"] if g == "m" else names["male"])[0])
    p.family, p.fam, p.ctx_family = family, fam, ctx


def choose_burial(rng: random.Random, data: dict, p: Person) -> None:
    """Choose a burial place: the home community unless it was occupied at the time."""
    if p.fixed.get("burial"):
        p.burial = p.fixed["burial"]
        return
    home = p.home
    occupied = any(a <= p.death <= b for a, b in home["occupied"])
    if home["burials"] and not occupied:
        p.burial = rng.choice(home["burials"])
    else:
        p.burial = rng.choice(data["fallback_burials"])


def choose_circumstances(rng: random.Random, data: dict, p: Person) -> None:
    """Choose how the hero died and the phrases that place it near the battle."""
    role = data["positions"][p.position]["role"]
    dplace, death = p.death_place, p.death
    if p.fixed.get("circumstance"):
        p.circ = next(c for c in data["circumstances"] if c["key"] == p.fixed["circumstance"])
    elif dplace["nom"] in ("Іловайськ", "Дебальцеве") and rng.random() < 0.7:
        p.circ = data["encirclement"]
    else:
        # no assaults during the years of positional war between Minsk-2 and the invasion
        cands = [
            c
            for c in data["circumstances"]
            if c["from"] <= death
            and (c["roles"] is None or role in c["roles"])
            and not (c["key"] == "assault" and D(2016, 1, 1) <= death < FULL_SCALE_INVASION)
        ]
        p.circ = rng.choices(cands, weights=[3 if c["roles"] else 1 for c in cands])[0]
    near = [f"поблизу {dplace['gen']}", f"під {dplace['ins']}", f"у районі {dplace['gen']}"]
    if dplace["inside"]:
        near.append(dplace["loc"])
    if dplace["nom"] == "Донецький аеропорт":
        near = [dplace["loc"], f"на території {dplace['gen']}"]
    p.field_near = rng.choice(near)
    p.bio_near = rng.choice(near)


def choose_battles(rng: random.Random, data: dict, p: Person) -> None:
    """Choose earlier battles the hero went through before the last one."""
    places = data["death_places"]
    prev = [
        x
        for x in places
        if x is not p.death_place
        and x["from"] < p.death - dt.timedelta(days=30)
        and x["to"] > p.start
        and x["nom"] not in ("Мощун",)
    ]
    if (p.death - p.start).days < 60:
        prev = []
    rng.shuffle(prev)
    p.battles = [x["battle"] for x in prev[: rng.choice([0, 1, 2, 2])]]
    if p.era == "veteran":
        early = [x for x in places if x["from"] < D(2016, 1, 1)]
        p.battles = [rng.choice(early)["battle"]] + p.battles[:1]


def template_context(rng: random.Random, data: dict, p: Person) -> dict:
    """Values the biography and story templates refer to by name."""
    home, bplace, u = p.home, p.birth_place, p.unit
    position = data["positions"][p.position]
    mob2014 = p.era == "mob2014"
    return dict(
        name=p.entry["given_name"],
        call_sign=p.entry["call_sign"] or "",
        bwhen=(date_phrase(data, p.birth_str) + " ") if p.birth_str else "",
        b_loc=bplace["loc"],
        b_frm=bplace["frm"],
        b_ins=bplace["ins"],
        b_ins_rid=bplace["ins_rid"],
        b_kind=bplace["kind"],
        b_donetsk=bplace["donetsk"],
        h_loc=home["loc"],
        h_gen=home["gen"],
        h_kind=home["kind"],
        h_kind_gen=home["kind_gen"],
        h_village=home["village"],
        h_sep2014=home["separatists_2014"],
        h_school=("у місцевій школі" if home["village"] else f"в одній зі шкіл {home['gen']}"),
        grad_year=(p.birth.year + 17) if p.birth_str and p.birth_prec != "year" else None,
        school_acc=(
            "місцеву школу" if home["village"] else f"школу №{rng.randint(1, 24)} {home['loc']}"
        ),
        route=rng.choice(data["routes"]),
        work_years=work_years(p.age),
        Work_years=cap(work_years(p.age)),
        unit_gen=u["gen"],
        rank_gen=data["ranks"]["genitive"][p.rank],
        pos_gen=position["gen"],
        pos_ins=position["ins_m" if p.gender == "m" else "ins_f"],
        with_force=(
            "з Національною гвардією України"
            if u["kind"] == "ngu"
            else "зі Збройними Силами України"
        ),
        c_year=p.start.year,
        v_year=rng.choice([2014, 2015]) if years_after(p.birth, 18) <= D(2014, 8, 1) else 2015,
        wave=data["grammar"]["ordinal_genitive_feminine"][p.wave] if mob2014 else "",
        wave_when=date_phrase(data, date_str(p.start, "month")) if mob2014 else "",
        m_when=f"{data['grammar']['month_locative'][p.start.month - 1]} {p.start.year} року",
        battles=" і ".join(p.battles),
        dwhen=(date_phrase(data, p.death_str) + " ") if p.death_str else "",
        dp_bio=p.bio_near,
        burial_bio=p.burial["phrase"],
        age_exact=p.age
        if (p.birth_str and p.birth_prec == "day" and p.death_prec == "day")
        else None,
        age_int=p.age,
        death_date=p.death,
        **p.ctx_family,
    )


def burial_plot(rng: random.Random) -> str | None:
    """A plausible cemetery plot, an empty one, or None (not recorded)."""
    r = rng.random()
    if r < 0.6:
        return f"ряд {rng.randint(1, 12)}, місце {rng.randint(1, 40)}"
    if r < 0.7:
        return f"ділянка {rng.randint(1, 9)}, ряд {rng.randint(1, 12)}, місце {rng.randint(1, 40)}"
    if r < 0.85:
        return ""
    return None


def record_fields(rng: random.Random, data: dict, p: Person, ctx: dict) -> dict:
    """The archive fields from names to the burial plot, in the archive's field order."""
    entry = p.entry
    h = {
        "external_id": entry["external_id"],
        "surname": p.surname,
        "given_name": entry["given_name"],
    }
    if entry["father"]:
        h["patronymic"] = data["names"]["patronymics"][entry["father"]][0 if p.gender == "m" else 1]
    if entry["call_sign"]:
        h["call_sign"] = entry["call_sign"]
    if p.birth_str:
        h["birth_date"] = p.birth_str
    h["death_date"] = p.death_str
    h["birth_place"] = p.birth_place["field"]
    h["home_community"] = p.home["community"]
    h["rank"] = p.rank
    h["position"] = p.position
    h["military_unit"] = p.unit["nom"]
    h["death_place"] = p.death_place["field"]
    h["death_circumstances"] = render(p.circ["field"], dict(ctx, dp_near=p.field_near), p.gender)
    h["burial_place"] = p.burial["place"]
    plot = p.fixed["plot"] if "plot" in p.fixed else burial_plot(rng)
    if plot is not None:
        h["burial_plot"] = plot
    grave = alley_grave(h["burial_place"], plot)
    if grave is not None:
        h["grave"] = grave
    return h


#: The honorary sector whose plan the demo shows: its plots become structured graves.
DEMO_ALLEY = "Краматорськ, Алея Героїв"
_ROW_PLACE = re.compile(r"^ряд (\d+), місце (\d+)$")


def alley_grave(place: str, plot: str | None) -> dict | None:
    """The structured grave of a plot in the demo's Алея Героїв (sector 1), else None."""
    found = _ROW_PLACE.match(plot or "")
    if place != DEMO_ALLEY or found is None:
        return None
    return {"cemetery": DEMO_ALLEY, "sector": "1", "row": found[1], "place": found[2]}


def make_awards(rng: random.Random, data: dict, p: Person) -> list[dict]:
    """Create a list of real Ukrainian state awards with plausible dates."""
    names = {k: a["name"] for k, a in data["awards"].items()}
    death = p.death

    def adate(d0: dt.date, d1: dt.date) -> str | None:
        """Random partial date between d0 and d1 (or None: date unknown)."""
        if rng.random() < 0.15:
            return None
        d = rand_date(rng, d0, max(d0, d1))
        return date_str(d, rng.choice(["day", "day", "day", "month", "year"]))

    after = (death + dt.timedelta(days=40), min(LAST_STORY, death + dt.timedelta(days=300)))
    awards = []
    if p.entry.get("hero_of_ukraine"):
        awards.append((names["hero_of_ukraine"], adate(*after), True))
    elif rng.random() < 0.85:
        officer = p.rank in ("капітан", "майор", "старший лейтенант")
        name = names["khmelnytsky"] if officer and rng.random() < 0.5 else names["courage"]
        awards.append((name, adate(*after), True))
    life0, life1 = p.start + dt.timedelta(days=90), death - dt.timedelta(days=10)
    if life1 > life0 and rng.random() < 0.35:
        if death.year >= 2022 and life1 >= D(2022, 4, 1):
            name = rng.choice([names["golden_cross"], names["military_service"]])
            awards.append((name, adate(max(life0, D(2022, 4, 1)), life1), False))
        elif death.year < 2022:
            awards.append((names["defender"], adate(life0, life1), False))
    if death >= D(2022, 10, 1) and rng.random() < 0.12:
        awards.append((names["combat_merit_cross"], adate(*after), True))
    out = []
    for name, d, post in awards:
        a: dict = {"name": name}
        if d:
            a["date"] = d
        a["posthumous"] = post
        out.append(a)
    return out


def bio_study_work(rng: random.Random, data: dict, p: Person, ctx: dict) -> str:
    """Biography paragraph: school, studies and the job before the war."""
    bio, g = data["biography"], p.gender
    job = data["jobs"][p.job]
    study = job["study"]
    sent = []
    if study and rng.random() < 0.5:
        ctx2 = dict(ctx, study_then=f", а згодом — {study['acc']}")
        # "школу №5 у Краматорську, а згодом — коледж у Краматорську" names the town once
        if study["acc"].endswith(ctx["h_loc"]):
            ctx2["school_acc"] = ctx["school_acc"].replace(" " + ctx["h_loc"], "")
        tpl = bio["school_year"] if ctx["grad_year"] else bio["school_noyear"]
        sent.append(render(tpl, ctx2, g))
        if study["spec"]:
            sent[-1] = sent[-1][:-1] + render(study["spec"], ctx, g) + "."
    else:
        if rng.random() < 0.5:
            subject = rng.choice(bio["subjects"])
            sent.append(render(bio["school_love"], dict(ctx, subject=subject), g))
        else:
            tpl = bio["school_year"] if ctx["grad_year"] else bio["school_noyear"]
            sent.append(render(tpl, dict(ctx, study_then=""), g))
        if study:
            sctx = dict(ctx, study_gen=study["gen"], study_spec=study["spec"])
            sent.append(render(bio["study_after"], sctx, g))
        else:
            sent.append(render(bio["no_study"], ctx, g))
    works = list(job["work"])
    extra = works[1:]
    rng.shuffle(extra)
    for w in [works[0]] + extra[: rng.choice([0, 1])]:
        sent.append(render(w, ctx, g))
    return " ".join(sent)


def bio_service(rng: random.Random, data: dict, p: Person, ctx: dict) -> str:
    """Biography paragraph: joining the army, rank and position, battles, the hero's role."""
    bio, g, era = data["biography"], p.gender, p.era
    key = era
    if era == "vol2014" and ctx["h_sep2014"] and rng.random() < 0.6:
        key = "vol2014_sep"
    sent = [render(rng.choice(bio["service"][key]), ctx, g)]
    role = data["positions"][p.position]["role"]
    if p.rank in data["ranks"]["sergeant"] and role == "cmd" and rng.random() < 0.6:
        sent.append(render(bio["promoted"], ctx, g))
    elif era == "career" and p.position != "командир взводу":
        sent.append(render(bio["career_path"], ctx, g))
    else:
        sent.append(render(rng.choice(bio["served_as"]), ctx, g))
    if ctx["battles"]:
        sent.append(render(bio["battles"], ctx, g))
    sent.append(render(bio["roles"][role], ctx, g))
    return " ".join(sent)


def bio_death(rng: random.Random, data: dict, p: Person, ctx: dict, awards: list) -> str:
    """Biography paragraph: death, age, posthumous awards and burial."""
    bio, g = data["biography"], p.gender
    hero_title = data["awards"]["hero_of_ukraine"]["name"]
    sent = [render(bio["died"], ctx, g), render(p.circ["bio"], ctx, g)]
    if ctx["age_exact"] is not None:
        a = ctx["age_exact"]
        tpl = bio["age_young"] if a < 30 else bio["age"]
        sent.append(render(tpl.format(a=a, w=years_word(a)), ctx, g))
    post = [a["name"] for a in awards if a["posthumous"] and a["name"] != hero_title]
    if any(a["name"] == hero_title for a in awards):
        sent.append(render(bio["hero_of_ukraine"], ctx, g))
    if post:
        listed = " та ".join(data["award_ins"][n] for n in post)
        sent.append(render(bio["posthumous"], dict(ctx, awards=listed), g))
    if rng.random() < 0.5:
        sent.append(render(bio["farewell"], ctx, g))
    sent.append(render(bio["buried"], ctx, g))
    return " ".join(sent)


def bio_memory(rng: random.Random, data: dict, p: Person, ctx: dict) -> str:
    """Biography paragraph: how the hero is remembered, and a closing line."""
    bio, g = data["biography"], p.gender
    fits = {
        "any": True,
        "school": not ctx["h_village"],
        "city": not ctx["h_village"],
        "callsign": bool(ctx["call_sign"]),
    }
    mem = [m["text"] for m in bio["memory"] if fits[m["when"]]]
    rng.shuffle(mem)
    sent = [render(m, ctx, g) for m in mem[: rng.choice([1, 2, 2])]]
    sent.append(gsub(rng.choice(bio["closings"]), g))
    return " ".join(sent)


def compose_biography(rng: random.Random, data: dict, p: Person, ctx: dict, awards: list) -> str:
    """One draft of the multi-paragraph Ukrainian biography."""
    bio, g = data["biography"], p.gender
    childhood = p.fixed.get("childhood")
    if p.moved:
        tpl = rng.choice(bio["childhood_moved"])
    elif childhood is not None:
        tpl = bio["childhood"][childhood]
    else:
        tpl = rng.choice(bio["childhood"])
    paras = [
        render(tpl, ctx, g),
        bio_study_work(rng, data, p, ctx),
        render(rng.choice(bio["family"][p.family]), ctx, g),
        bio_service(rng, data, p, ctx),
        bio_death(rng, data, p, ctx, awards),
        bio_memory(rng, data, p, ctx),
    ]
    return "\n\n".join(paras)


def make_biography(rng: random.Random, data: dict, p: Person, ctx: dict, awards: list) -> str:
    """A biography of 110-390 words (redrawn until it fits), with the hero's apostrophe style."""
    for _ in range(20):
        bio = compose_biography(rng, data, p, dict(ctx), awards)
        if 110 <= word_count(bio) <= 390:
            break
    # each hero has one apostrophe style, as if typed by a different person
    return apostrophize(bio, data["grammar"]["apostrophes"][p.idx % 3])


def author_name(rng: random.Random, data: dict, rel: str, p: Person) -> str:
    """Name of the story author consistent with the hero's family (surnames, patronymic)."""
    names, fam = data["names"], p.fam
    maiden = fam["parents_surname"]
    if rel == "мати":
        return f"{fam['mother']} {fem_surname(maiden)}"
    if rel == "батько":
        return f"{fam['father']} {maiden}"
    if rel == "дружина":
        return f"{fam['spouse'][0]} {fem_surname(fam['surname_m'])}"
    if rel == "чоловік":
        return f"{fam['spouse'][0]} {fam['surname_m']}"
    if rel == "сестра":
        return f"{rng.choice(names['female'])[0]} {fem_surname(maiden)}"
    if rel == "брат":
        return f"{rng.choice(names['male'])[0]} {maiden}"
    if rel in ("донька", "син"):
        g = "f" if rel == "донька" else "m"
        kid = next(k for k in fam["kids"] if k[1] == g)
        return f"{kid[0]} {surname_for(fam['surname_m'], g)}"
    if rel == "вчителька":
        father = rng.choice(list(names["patronymics"]))
        given = rng.choice(names["mothers"])
        surname = fem_surname(rng.choice(names["other_surnames"]))
        return f"{given} {names['patronymics'][father][1]} {surname}"
    gg = data["relations"][rel]["gender"]
    given = rng.choice(names["male"] if gg == "m" else names["female"])[0]
    return f"{given} {surname_for(rng.choice(names['other_surnames']), gg)}"


def choose_story_authors(rng: random.Random, data: dict, p: Person, ctx: dict) -> list[str]:
    """Pick 0-3 relations (mother, comrade, teacher...) who tell a story."""
    g, fam = p.gender, p.fam
    n = rng.choices([0, 1, 2, 3], weights=[2, 4, 3, 1.5])[0]
    rels = ["мати", "батько", "сестра", "брат", "побратим", "друг"]
    rels.append("посестра" if g == "f" or rng.random() < 0.3 else "побратим")
    if fam["spouse"] is not None:
        rels += ["дружина" if g == "m" else "чоловік"] * 2
    if fam["kids"] and ctx["age_int"] >= 38:
        rels += ["донька" if k[1] == "f" else "син" for k in fam["kids"]]
    if ctx["age_int"] <= 35:
        rels.append("вчителька")
    rng.shuffle(rels)
    chosen, used_groups = [], set()
    for r in rels:
        if len(chosen) >= n:
            break
        # one parent speaks for both
        if r in chosen or (r in ("мати", "батько") and "parent" in used_groups):
            continue
        chosen.append(r)
        used_groups.add(data["relations"][r]["group"])
    return chosen


def make_stories(rng: random.Random, data: dict, p: Person, ctx: dict) -> list[dict]:
    """Create 0-3 personal memories from relatives, comrades, friends or teachers."""
    g = p.gender
    stories, used_titles = [], set()
    for rel in choose_story_authors(rng, data, p, ctx):
        grp = data["relations"][rel]["group"]
        options = [t for t in data["stories"][grp] if t["title"] not in used_titles]
        if grp == "spouse" and p.fam.get("type") != "married_kids":
            options = [t for t in options if "{kids_dat}" not in t["body"]]
        story = rng.choice(options)
        used_titles.add(story["title"])
        ag = data["relations"][rel]["gender"]
        text = render(story["body"], ctx, g, ag)
        name = author_name(rng, data, rel, p)
        st = {
            "title": render(story["title"], ctx, g, ag),
            "body": apostrophize(text, rng.choice(data["grammar"]["apostrophes"])),
            "author_name": name,
            "author_relation": rel,
        }
        if rng.random() < 0.75:
            death = ctx["death_date"]
            latest = min(LAST_STORY, death + dt.timedelta(days=900))
            d = rand_date(
                rng,
                death + dt.timedelta(days=20),
                max(death + dt.timedelta(days=21), latest),
            )
            st["date"] = date_str(d, rng.choice(["day", "day", "month"]))
        stories.append(st)
    return stories


def build_hero(rng: random.Random, data: dict, idx: int, entry: dict) -> dict:
    """Build one invented hero record (without photos)."""
    p = Person(idx=idx, entry=entry, fixed=entry.get("fixed", {}), gender=entry["gender"])
    choose_surname(rng, p)
    choose_death(rng, data, p)
    choose_birth(rng, p)
    choose_places(rng, data, p)
    choose_job(rng, data, p)
    choose_service(rng, data, p)
    choose_service_start(rng, data, p)
    choose_family(rng, data, p)
    choose_burial(rng, data, p)
    choose_circumstances(rng, data, p)
    choose_battles(rng, data, p)
    ctx = template_context(rng, data, p)
    h = record_fields(rng, data, p, ctx)
    h["awards"] = make_awards(rng, data, p)
    h["biography"] = make_biography(rng, data, p, ctx, h["awards"])
    h["stories"] = make_stories(rng, data, p, ctx)
    return h


def build_hand_written(data: dict, entry: dict) -> dict:
    """A hero written by hand in the data file (the British volunteer)."""
    src = data[entry["hand_written"]]
    return {
        "external_id": entry["external_id"],
        "surname": entry["surname"],
        "given_name": entry["given_name"],
        "call_sign": entry["call_sign"],
        "birth_date": src["birth_date"],
        "death_date": src["death_date"],
        "birth_place": src["birth_place"],
        "rank": src["rank"],
        "position": src["position"],
        "military_unit": data["units"][src["unit"]]["nom"],
        "death_place": data["death_place_by_name"][src["death_place"]]["field"],
        "death_circumstances": src["death_circumstances"],
        "burial_place": src["burial_place"],
        "awards": [dict(a) for a in src["awards"]],
        "biography": apostrophize(src["biography"], "\u2019"),
        "stories": [dict(s) for s in src["stories"]],
    }


def add_photos(rng: random.Random, data: dict, h: dict, photo_dir: Path, force: bool) -> None:
    """Draw 0-3 illustrations for a hero (a third of them); the first one (portrait) is primary."""
    h["photos"] = []
    if not force and rng.random() >= 0.33:
        return
    n = rng.choices([1, 2, 3], weights=[5, 3, 2])[0]
    hid = h["external_id"]
    full = f"{h['given_name']} {h['surname']}"
    draw_portrait(photo_dir / f"{hid}-1.png", h["given_name"][0] + h["surname"][0], rng)
    h["photos"].append(
        {"file": f"photos/{hid}-1.png", "caption": f"Портрет-ілюстрація: {full}", "primary": True}
    )
    landscapes = list(data["landscapes"])
    rng.shuffle(landscapes)
    for i in range(2, n + 1):
        scene = landscapes[i - 2]
        draw_landscape(photo_dir / f"{hid}-{i}.png", scene["kind"], rng)
        h["photos"].append(
            {"file": f"photos/{hid}-{i}.png", "caption": scene["caption"], "primary": False}
        )


# --------------------------------------------------------------------------
# The archive
# --------------------------------------------------------------------------


def prepare_photo_dir(out: Path) -> Path:
    """Create out/photos and delete the demo images of an earlier run."""
    photo_dir = out / "photos"
    photo_dir.mkdir(parents=True, exist_ok=True)
    for old in photo_dir.glob("demo-*.png"):
        old.unlink()
    return photo_dir


def build_heroes(data: dict, photo_dir: Path) -> list[dict]:
    """Build every hero of the roster with its photos and status, in roster order."""
    rng = random.Random(SEED)
    heroes = []
    for idx, entry in enumerate(data["roster"], start=1):
        if "hand_written" in entry:
            h = build_hand_written(data, entry)
        else:
            h = build_hero(rng, data, idx, entry)
        add_photos(rng, data, h, photo_dir, force=entry.get("always_photos", False))
        h["status"] = entry.get("status", "published")
        heroes.append(h)
    return heroes


def write_archive(out: Path, heroes: list[dict]) -> None:
    """Write heroes.json (UTF-8, indent=1, non-ASCII kept as is)."""
    text = json.dumps(heroes, ensure_ascii=False, indent=1) + "\n"
    (out / "heroes.json").write_text(text, encoding="utf-8")


def template_leftovers(heroes: list[dict]) -> list[str]:
    """Texts that still hold template markers ({key}, [m|f], <m|f>): a fault in demo_data.json."""
    found = []
    for h in heroes:
        texts = [h["biography"], h.get("death_circumstances", "")]
        texts += [s["title"] + s["body"] for s in h["stories"]]
        if any(re.search(r"[\[\]<>{}|]", t) for t in texts):
            found.append(f"{h['external_id']}: unresolved template marker")
    return found


def check_archive(out: Path, heroes: list[dict]) -> int:
    """Let the importer check the archive's format; report template leftovers; 0 if clean."""
    problems = template_leftovers(heroes)
    try:
        load_archive(out)
    except ArchiveError as exc:
        problems.append(str(exc))
    for problem in problems:
        print("ERROR:", problem, file=sys.stderr)
    return 1 if problems else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description="Generate the invented demo archive.")
    parser.add_argument(
        "--out", type=Path, default=HERE, help="folder to write heroes.json and photos/ into"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Generate heroes.json and photos/, then check them with the importer."""
    out = parse_args(argv).out
    data = load_data(DATA_FILE)
    photo_dir = prepare_photo_dir(out)
    heroes = build_heroes(data, photo_dir)
    write_archive(out, heroes)
    status = check_archive(out, heroes)
    n_photos = sum(len(h["photos"]) for h in heroes)
    drafts = ", ".join(h["external_id"] for h in heroes if h["status"] == "draft")
    print(f"{len(heroes)} heroes, {n_photos} images, drafts: {drafts}")
    return status


if __name__ == "__main__":
    sys.exit(main())
