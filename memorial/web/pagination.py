"""Page numbers for long lists."""

from __future__ import annotations

from dataclasses import dataclass

#: No list is that long: a larger page number is refused before it reaches the database.
MAX_PAGE = 1_000_000


def page_number(raw: str | None) -> int | None:
    """The page a ``?page=`` argument names, or ``None`` when it is not a page number."""
    if not raw or not raw.isdigit() or len(raw) > 7 or not 1 <= int(raw) <= MAX_PAGE:
        return None
    return int(raw)


@dataclass
class Pager:
    """Where a page sits in a list of ``total`` items."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """Number of pages (at least one)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to show, with ``None`` where a gap is skipped."""
        shown = sorted({1, self.pages, *range(self.page - around, self.page + around + 1)})
        out: list[int | None] = []
        for n in shown:
            if 1 <= n <= self.pages:
                if out and n - (out[-1] or 0) > 1:
                    out.append(None)
                out.append(n)
        return out
