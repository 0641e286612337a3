"""Partial dates: a year, a year and month, or a full date, as the archive records them."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

MONTHS_NOMINATIVE = {
    "uk": (
        "січень",
        "лютий",
        "березень",
        "квітень",
        "травень",
        "червень",
        "липень",
        "серпень",
        "вересень",
        "жовтень",
        "листопад",
        "грудень",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
MONTHS_GENITIVE = {
    "uk": (
        "січня",
        "лютого",
        "березня",
        "квітня",
        "травня",
        "червня",
        "липня",
        "серпня",
        "вересня",
        "жовтня",
        "листопада",
        "грудня",
    ),
    "en": MONTHS_NOMINATIVE["en"],
}


@dataclass(frozen=True)
class PartialDate:
    """A date known to the year, the month or the day."""

    year: int | None
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.year is None:
            if self.month is not None or self.day is not None:
                raise ValueError("a month or day needs a year")
            return
        if not 1000 <= self.year <= 2999:
            raise ValueError("year out of range")
        if self.month is None and self.day is not None:
            raise ValueError("a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError("month out of range")
        if self.day is not None and self.month is not None:  # a day always has a month here
            dt.date(self.year, self.month, self.day)  # raises ValueError when not a real day

    def __bool__(self) -> bool:
        return self.year is not None

    def __composite_values__(self) -> tuple[int | None, int | None, int | None]:
        return self.year, self.month, self.day

    @classmethod
    def parse(cls, text: str | None) -> PartialDate | None:
        """Parse ``"1987"``, ``"1987-03"`` or ``"1987-03-14"``; ``None`` or ``""`` give ``None``."""
        if text is None:
            return None
        if not isinstance(text, str):
            raise ValueError(f"{text!r} is not a date")
        text = text.strip()
        if not text:
            return None
        match = _PATTERN.match(text)
        if not match:
            raise ValueError(f'"{text}" is not a date')
        year, month, day = (int(g) if g else None for g in match.groups())
        try:
            return cls(year, month, day)
        except ValueError:
            raise ValueError(f'"{text}" is not a date') from None

    @property
    def precision(self) -> str:
        """``"year"``, ``"month"`` or ``"day"``."""
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    def iso(self) -> str:
        """The partial ISO 8601 form: ``1987``, ``1987-03`` or ``1987-03-14``."""
        if self.year is None:
            return ""
        parts = [f"{self.year:04d}"]
        if self.month is not None:
            parts.append(f"{self.month:02d}")
        if self.day is not None:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def display(self, locale: str = "uk") -> str:
        """Human form: ``1987``, ``березень 1987`` or ``14 березня 1987`` (English likewise)."""
        if self.year is None:
            return ""
        lang = "en" if str(locale).startswith("en") else "uk"
        if self.month is None:
            return str(self.year)
        if self.day is None:
            return f"{MONTHS_NOMINATIVE[lang][self.month - 1]} {self.year}"
        return f"{self.day} {MONTHS_GENITIVE[lang][self.month - 1]} {self.year}"

    def sort_key(self) -> tuple[int, int, int]:
        """Order: earlier first; a year alone sorts before its months, a month before its days."""
        return (self.year or 0, self.month or 0, self.day or 0)

    def same_day_of_year(self, day: dt.date) -> bool:
        """True when the date is known to the day and falls on ``day``'s month and day."""
        return self.day is not None and (self.month, self.day) == (day.month, day.day)

    def __str__(self) -> str:
        return self.iso()


def day_month(month: int, day: int, locale: str = "uk") -> str:
    """A day of the year without a year, as dates are shown: ``14 березня`` or ``14 March``."""
    lang = "en" if str(locale).startswith("en") else "uk"
    return f"{day} {MONTHS_GENITIVE[lang][month - 1]}"


def day_key(day: dt.date) -> str:
    """The ``MM-DD`` URL part that names a day of the year (``03-14``)."""
    return f"{day.month:02d}-{day.day:02d}"


def age_at_death(birth: PartialDate | None, death: PartialDate | None) -> int | None:
    """Whole years between birth and death, or ``None`` where the known parts leave it open."""
    if birth is None or death is None or birth.year is None or death.year is None:
        return None
    years = death.year - birth.year
    if birth.month is None or death.month is None:
        return None
    if death.month != birth.month:
        return years if death.month > birth.month else years - 1
    if birth.day is None or death.day is None:
        return None
    return years if death.day >= birth.day else years - 1


_DMY = re.compile(r"^\s*(\d{1,2})[./](\d{1,2})[./](\d{4})\s*$")
_MY = re.compile(r"^\s*(\d{1,2})[./](\d{4})\s*$")


def to_iso_date(text: str | None) -> str | None:
    """A partial date typed as ``1987``, ``03.1987``, ``14.03.1987`` or ISO, in ISO form."""
    text = (text or "").strip()
    if not text:
        return None
    if match := _DMY.match(text):
        text = f"{match[3]}-{int(match[2]):02d}-{int(match[1]):02d}"
    elif match := _MY.match(text):
        text = f"{match[2]}-{int(match[1]):02d}"
    parsed = PartialDate.parse(text)
    return parsed.iso() if parsed else None
