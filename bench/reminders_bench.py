"""E-mail reminders: how long `memorial send-reminders` takes for a day with many letters.

A real SMTP server (aiosmtpd, in this process) receives the letters; the command runs as an
operator runs it, in a process of its own, twice (the second run finds nothing to send).
Writes the table between the ``reminders`` markers of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from memorial import create_app, reminders  # noqa: E402
from memorial.clock import today_in_kyiv  # noqa: E402
from memorial.extensions import db  # noqa: E402
from memorial.models import Hero, ReminderSubscription  # noqa: E402

from helpers import record, smtp_server, write_archive  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
BEGIN, END = "<!-- reminders:begin -->", "<!-- reminders:end -->"
SECRET = "bench-secret"
BIN = Path(sys.executable).parent


def prepare(tmp: Path, heroes: int, per_hero: int, database_url: str, mail_url: str) -> dict:
    """An archive whose heroes all have an anniversary in three days, each with subscribers."""
    day = today_in_kyiv() + dt.timedelta(days=3)
    if (day.month, day.day) == (2, 29):
        day += dt.timedelta(days=1)
    died = day.replace(year=day.year - 2).isoformat()
    folder = write_archive(
        tmp / "src",
        [
            record(f"b-{n}", surname=f"Прізвище{n}", death_date=died, photos=[])
            for n in range(heroes)
        ],
    )
    env = dict(
        os.environ,
        MEMORIAL_DATABASE_URL=database_url,
        MEMORIAL_DATA_DIR=str(tmp / "data"),
        MEMORIAL_SECRET_KEY=SECRET,
        MEMORIAL_SEARCH_SYNC="inline",
        MEMORIAL_MAIL_URL=mail_url,
    )
    for args in (["init-db"], ["import-archive", str(folder)]):
        subprocess.run([str(BIN / "memorial"), *args], env=env, check=True, capture_output=True)
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "DATA_DIR": str(tmp / "data"),
            "SECRET_KEY": SECRET,
            "SEARCH_SYNC": "inline",
        }
    )
    with app.app_context():
        now = dt.datetime.now(dt.UTC)
        for hero_id in db.session.scalars(db.select(Hero.id)):
            for n in range(per_hero):
                address = f"family{hero_id}-{n}@example.org"
                db.session.add(
                    ReminderSubscription(
                        hero_id=hero_id,
                        address_key=reminders.address_key(SECRET, address),
                        email=address,
                        language="uk" if n % 2 else "en",
                        on_death=True,
                        on_birth=False,
                        site_url="https://memorial.example.org",
                        confirmation_sent_at=now,
                        confirmed_at=now,
                        bounces=0,
                    )
                )
        db.session.commit()
        db.engine.dispose()
    return env


def run(env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "memorial"), "send-reminders"], env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(done.stderr)
    return elapsed, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heroes", type=int, default=200)
    parser.add_argument("--per-hero", type=int, default=10)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder, smtp_server() as (box, url):
        tmp = Path(folder)
        database_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
        env = prepare(tmp, args.heroes, args.per_hero, database_url, url)
        letters = args.heroes * args.per_hero
        first, said = run(env)
        print(said, flush=True)
        assert len(box.messages) == letters, (len(box.messages), letters)
        second, said_again = run(env)
        print(said_again, flush=True)
        assert len(box.messages) == letters
        dialect = database_url.split(":", 1)[0].split("+")[0]
        rows.append((dialect, letters, first, second))
    cpu = platform.processor() or platform.machine()
    lines = [
        f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} cores ({cpu}), Python "
        f"{platform.python_version()}; aiosmtpd on the same machine receiving; "
        "`python bench/reminders_bench.py` (the real `memorial` command, process start included).",
        "",
        "| database | letters due | first run s | letters/s | second run s (nothing to send) |",
        "|---|---|---|---|---|",
    ]
    for dialect, letters, first, second in rows:
        lines.append(
            f"| {dialect} | {letters:,} | {first:.1f} | {letters / first:.0f} | {second:.1f} |"
        )
    text = RESULTS.read_text(encoding="utf-8")
    if BEGIN not in text:
        text += f"\n## E-mail reminders\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    RESULTS.write_text(head + BEGIN + "\n" + "\n".join(lines) + "\n" + END + tail, encoding="utf-8")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
