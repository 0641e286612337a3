"""What the embargo costs a worker: the look for passed embargoes (``release_due``) that runs
at most once per ``EMBARGO_RECHECK`` second before a request, with nothing due (the usual
case) and with a few embargoes still in the future.

Usage: python bench/embargo_bench.py --heroes 100000

Heroes are written straight into a fresh SQLite database. Writes the embargo section of
``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"


def measure(count: int, runs: int) -> dict[str, list[float]]:
    from sqlalchemy import insert

    from memorial import create_app, provenance
    from memorial.extensions import db
    from memorial.models import Hero
    from memorial.schema import create_tables

    folder = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATA_DIR": str(folder / "data"),
            "DATABASE_URL": f"sqlite:///{folder / 'memorial.db'}",
            "SEARCH_SYNC": "inline",
            "CACHE_URI": "none",
        }
    )
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        create_tables()
        rows = [
            {
                "external_id": f"b-{n}",
                "slug": f"b-{n}",
                "status": "published",
                "surname": f"Прізвище{n}",
                "given_name": "Ім'я",
                "index_letter": "П",
                "sort_name": f"п{n}",
                "created_at": now,
                "updated_at": now,
                "published_at": now,
                "name_only": False,
            }
            for n in range(count)
        ]
        for start in range(0, count, 5000):
            db.session.execute(insert(Hero), rows[start : start + 5000])
        db.session.commit()
        times: dict[str, list[float]] = {"nothing due": [], "50 embargoes ahead": []}
        for label in times:
            if label == "50 embargoes ahead":
                for hero in db.session.query(Hero).limit(50):
                    hero.publish_at = now + dt.timedelta(days=30)
                db.session.commit()
            for _ in range(runs):
                started = time.perf_counter()
                assert provenance.release_due(db.session) == []
                times[label].append((time.perf_counter() - started) * 1000)
                db.session.rollback()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--heroes", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    times = measure(args.heroes, args.runs)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Measured {when} on {platform.machine()}, {os.cpu_count()} cores, SQLite, "
        f"{args.heroes:,} published heroes; `python bench/embargo_bench.py` ({args.runs} looks "
        f"each). Load average {os.getloadavg()[0]:.1f}.",
        "",
        "| case | median | p95 | max |",
        "|---|---|---|---|",
    ]
    for label, values in times.items():
        values.sort()
        p95 = values[int(len(values) * 0.95) - 1]
        lines.append(
            f"| {label} | {statistics.median(values):.3f} ms | {p95:.3f} ms | {values[-1]:.3f} ms |"
        )
    section = "\n".join(lines)
    print(section)
    text = RESULTS.read_text(encoding="utf-8")
    begin, end = "<!-- embargo:begin -->", "<!-- embargo:end -->"
    if begin in text:
        head, rest = text.split(begin, 1)
        text = f"{head}{begin}\n{section}\n{end}{rest.split(end, 1)[1]}"
    else:
        text += (
            "\n## Embargo\n"
            f"{begin}\n{section}\n{end}\n\n"
            "Reading: the look runs at most once per `EMBARGO_RECHECK` (1 s) per worker, before\n"
            "the page cache answers; it is one query on the index of `hero.publish_at`, so its\n"
            "cost does not grow with the archive.\n"
        )
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
