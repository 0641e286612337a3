"""Sector plan benchmark: how long the plan page of a sector takes, uncached.

A sector of 20 rows × 25 places (500 places) gets 400 heroes (a tenth of them unpublished)
and 20 reserved places; the page is then requested many times through the app with the page
cache off, and the building of the plan (query, SVG, table data) is timed on its own. The same
for a sector of 10 × 20 (200 places), the size that must print on one A4 page. Results are
printed and written between the plan markers of ``bench/RESULTS.md``.

    python bench/plan_bench.py [--runs 200] [--database-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from memorial import create_app, graves  # noqa: E402
from memorial.extensions import db  # noqa: E402
from memorial.models import GraveSector, Hero, HeroStatus  # noqa: E402
from memorial.schema import create_schema  # noqa: E402
from memorial.web import sector_plan  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
BEGIN, END = "<!-- plan:begin -->", "<!-- plan:end -->"
SURNAMES = ("Бондаренко", "Шевчук", "Коваль", "Мельник", "Ткаченко", "Кравець", "Олійник")
NAMES = ("Андрій", "Олег", "Тарас", "Іван", "Максим", "Богдан", "Юрій")


def log(*parts) -> None:
    print(time.strftime("%H:%M:%S"), *parts, file=sys.stderr, flush=True)


def fill(app, name: str, rows: int, places: int) -> tuple[int, int]:
    """A sector of ``rows`` × ``places``: four in five places taken, one in 25 reserved."""
    with app.app_context():
        sector = graves.ensure_sector(db.session, "Бенчмарк, Алея Героїв", name, rows, places)
        n = 0
        for row in range(1, rows + 1):
            for place in range(1, places + 1):
                n += 1
                if n % 25 == 0:
                    graves.set_reserved(
                        db.session, graves.grave_at(db.session, sector, row, place), True
                    )
                    continue
                if n % 5 == 0:
                    continue
                hero = Hero(
                    external_id=f"bench-{name}-{n}",
                    surname=SURNAMES[n % len(SURNAMES)],
                    given_name=NAMES[n % len(NAMES)],
                    status=HeroStatus.DRAFT if n % 10 == 3 else HeroStatus.PUBLISHED,
                    death_year=2022 + n % 4,
                    death_month=1 + n % 12,
                    birth_year=1970 + n % 30,
                )
                db.session.add(hero)
                db.session.flush()
                graves.link(db.session, hero, sector, row, place, revision=False)
            if row % 5 == 0:
                log(f"sector {name}: row {row} of {rows}")
        db.session.commit()
        return sector.id, sector.cemetery_id


def timed(func, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return f"{statistics.median(times):.1f} / {p95:.1f} / {times[-1]:.1f}"


def measure(app, sector_id: int, cemetery_id: int, runs: int) -> dict[str, str]:
    client = app.test_client()
    url = f"/cemeteries/{cemetery_id}/sectors/{sector_id}"
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    size = len(first.data)
    page = timed(lambda: client.get(url).close(), runs)
    code = None
    with app.app_context():
        sector = db.session.get(GraveSector, sector_id)
        code = next(g.code for g in sector.graves if g.hero_id)
    here = timed(lambda: client.get(f"{url}?grave={code}").close(), runs)
    with app.test_request_context(url):
        sector = db.session.get(GraveSector, sector_id)
        build = timed(lambda: sector_plan.build(db.session, sector, code), runs)
        count = sector.rows * sector.places
    return {
        "places": str(count),
        "page": summary(page),
        "page_here": summary(here),
        "build": summary(build),
        "size": f"{size / 1024:.0f} KiB",
    }


def section(results: list[dict[str, str]], database: str, runs: int) -> str:
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({platform.machine()}), "
        f"{database}, page cache off, {runs} requests each through the app (Flask test client, "
        "no network). `make bench-plan`. Times in ms: median / p95 / max. Target: ≤ 50 ms "
        f"for 500 places. Load average at the end: {os.getloadavg()[0]:.1f} (the machine is "
        "shared: the p95 and max columns show other work more than the page).",
        "",
        "| places | plan page | plan page, grave marked | building the plan only | page size |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['places']} | {r['page']} | {r['page_here']} | {r['build']} | {r['size']} |"
        )
    return "\n".join(lines)


def write_results(text: str, path: Path = RESULTS) -> None:
    """Replace the plan section of RESULTS.md (added at the end the first time)."""
    content = path.read_text(encoding="utf-8")
    if BEGIN not in content:
        content = content.rstrip("\n") + f"\n\n## Sector plan\n{BEGIN}\n{END}\n"
    head, rest = content.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="plan-bench-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        app = create_app(
            {
                "SECRET_KEY": "plan-bench",
                "DATA_DIR": f"{tmp}/data",
                "DATABASE_URL": url,
                "SEARCH_BACKEND": "whoosh",
                "SEARCH_SYNC": "inline",
                "CACHE_URI": "none",
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            create_schema()
            if db.session.scalar(select(Hero.id).limit(1)) is not None:
                sys.exit("the database is not empty: give an empty one")
        results = []
        for name, rows, places in (("500", 20, 25), ("200", 10, 20)):
            log(f"filling a sector of {rows} × {places}")
            sector_id, cemetery_id = fill(app, name, rows, places)
            log(f"timing {args.runs} requests")
            results.append(measure(app, sector_id, cemetery_id, args.runs))
        database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        text = section(results, database, args.runs)
        print(text)
        if not args.no_write:
            write_results(text)


if __name__ == "__main__":
    main()
