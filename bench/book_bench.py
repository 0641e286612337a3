"""How long a volume of the book of memory takes, and how much memory, as heroes grow
(goal: 300 heroes in ≤ 60 s and ≤ 1 GiB), and one hero's printable page (goal: ≤ 1 s).

One archive of the largest size is imported once (a biography of about 1,500 characters, a
story, and a 900 × 1200 photo for every other hero); each volume is the first N heroes by
date of death, built by ``memorial book build`` in a child process of its own, whose time
and peak memory (``ru_maxrss`` from ``wait4``) are measured. Results are printed and written
between the book markers of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = ("Коваленко", "Шевченко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Мельник")
GIVEN = ("Андрій", "Олександр", "Богдан", "Тарас", "Іван", "Юрій", "Максим", "Ґлеб")
UNITS = tuple(f"{n}-та окрема механізована бригада" for n in (53, 54, 56, 92, 93, 109))
START = dt.date(2022, 2, 24)
PARAGRAPH = (
    "Народився й виріс у Краматорську, закінчив школу та технікум, працював на заводі. "
    "Любив риболовлю, ґанок батьківської хати і пісні, які співала мати. З перших днів "
    "повномасштабного вторгнення пішов захищати Україну, був надійним побратимом. "
)


def death_day(i: int) -> dt.date:
    """Two heroes a day from the start of the full-scale invasion."""
    return START + dt.timedelta(days=i // 2)


def records(count: int) -> tuple[list[dict], dict[str, bytes]]:
    """``count`` published heroes, every other one with a photo; and the photo files."""
    from PIL import Image, ImageDraw

    out, files = [], {}
    for i in range(count):
        photos = []
        if i % 2 == 0:
            image = Image.new("RGB", (900, 1200), (90 + i % 120, 110, 130))
            ImageDraw.Draw(image).text((40, 40), f"#{i}", fill=(255, 255, 255))
            data = io.BytesIO()
            image.save(data, "JPEG", quality=85)
            files[f"photos/{i}.jpg"] = data.getvalue()
            photos = [{"file": f"photos/{i}.jpg", "caption": f"Портрет №{i}", "primary": True}]
        out.append(
            {
                "external_id": f"bk-{i}",
                "surname": SURNAMES[i % len(SURNAMES)] + ("" if i < 7 else f"-{i}"),
                "given_name": GIVEN[i % len(GIVEN)],
                "patronymic": "Петрович",
                "call_sign": "Кобзар" if i % 2 else None,
                "birth_date": f"{1965 + i % 35}-0{1 + i % 9}-1{i % 9}",
                "death_date": death_day(i).isoformat(),
                "rank": "солдат",
                "position": "стрілець",
                "military_unit": UNITS[i % len(UNITS)],
                "death_place": "Бахмут, Донецька область",
                "burial_place": "Краматорськ, Алея Героїв",
                "awards": [{"name": "орден «За мужність» III ступеня", "posthumous": True}],
                "biography": "\n\n".join([PARAGRAPH * 2] * 3),
                "stories": [
                    {
                        "title": "Мій брат",
                        "body": PARAGRAPH,
                        "author_name": "Олена",
                        "author_relation": "сестра",
                    }
                ],
                "photos": photos,
                "status": "published",
            }
        )
    return out, files


def app_config(tmp: str) -> dict:
    return {
        "SECRET_KEY": "bench",
        "DATA_DIR": f"{tmp}/data",
        "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
        "SEARCH_BACKEND": "whoosh",
        "SEARCH_SYNC": "inline",
        "CACHE_URI": "none",
    }


def child(tmp: str, heroes: int, single: int) -> None:
    """In the child: build the volume of the first ``heroes`` (or time ``single`` pages)."""
    from memorial import create_app

    app = create_app(app_config(tmp))
    if single:
        from sqlalchemy import select

        from memorial import book
        from memorial.extensions import db
        from memorial.models import Hero

        with app.app_context():
            ids = list(db.session.scalars(select(Hero.id).order_by(Hero.id).limit(single)))
            times = []
            for hero_id in ids:
                db.session.expire_all()
                start = time.perf_counter()
                hero = db.session.get(Hero, hero_id)
                pdf = book.hero_pdf(db.session, hero)
                times.append(time.perf_counter() - start)
                assert pdf.startswith(b"%PDF")
        print(json.dumps(times))
        return
    last = death_day(heroes - 1).isoformat()
    out = Path(tmp) / f"volume-{heroes}.pdf"
    result = app.test_cli_runner().invoke(
        args=[
            "book",
            "build",
            "--died-from",
            START.isoformat(),
            "--died-to",
            last,
            "--size",
            "A5",
            "--out",
            str(out),
        ]  # fmt: skip
    )
    if result.exit_code != 0:
        sys.exit(result.output)
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["heroes"] == heroes, summary
    print(json.dumps(summary))


def run_child(
    tmp: str, heroes: int = 0, single: int = 0
) -> tuple[float, float, float, dict | list]:
    """Wall seconds, CPU seconds, peak MiB and the output of a child process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--child",
            tmp,
            "--heroes",
            str(heroes),
            "--single",
            str(single),
        ],  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"the child for {heroes or single} heroes failed: {output}")
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss / 1024, json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 2000])
    parser.add_argument("--singles", type=int, default=20)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--heroes", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--single", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.heroes, args.single)
        return

    from memorial import create_app
    from memorial.schema import create_schema

    sizes = sorted(args.sizes)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(app_config(tmp))
        with app.app_context():
            create_schema()
        heroes, files = records(sizes[-1])
        folder = Path(tmp) / "archive"
        (folder / "photos").mkdir(parents=True)
        (folder / "heroes.json").write_text(json.dumps(heroes, ensure_ascii=False), "utf-8")
        for name, data in files.items():
            (folder / name).write_bytes(data)
        print(f"importing {len(heroes)} heroes, {len(files)} photos…", flush=True)
        result = app.test_cli_runner().invoke(args=["import-archive", str(folder)])
        if result.exit_code != 0:
            sys.exit(result.output)
        load = os.getloadavg()
        for size in sizes:
            seconds, cpu, peak, summary = run_child(tmp, heroes=size)
            assert isinstance(summary, dict)
            rows.append((size, summary["pages"], seconds, cpu, peak))
            print(f"{size} heroes: {seconds:.1f} s ({cpu:.1f} s CPU), {peak:.0f} MiB, "
                  f"{summary['pages']} pages", flush=True)  # fmt: skip
        _s, _c, single_peak, single_times = run_child(tmp, single=args.singles)
        assert isinstance(single_times, list)

    import weasyprint

    cores = len(os.sched_getaffinity(0))
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Measured {when} on {platform.processor() or platform.machine()}, {cores} cores, "
        f"Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}, SQLite; "
        "`make bench-book` (bench/book_bench.py): `memorial book build` of the first N "
        "heroes (A5, a 1,500-character biography and a story each, a 900 × 1200 photo for "
        "every other one), each in a child process whose wall time and peak memory "
        "(`ru_maxrss`) are measured, start-up included.",
        "",
        "| heroes | pages | wall time | CPU time | CPU s per hero | peak memory | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, pages, seconds, cpu, peak in rows:
        goal = "≤ 60 s, ≤ 1 GiB" if size == 300 else "measured"
        lines.append(
            f"| {size} | {pages} | {seconds:.1f} s | {cpu:.1f} s | {cpu / size:.2f} s "
            f"| {peak:.0f} MiB | {goal} |"
        )
    lines += [
        "",
        f"One hero's printable page (`/heroes/<slug>.pdf`, {len(single_times)} heroes, "
        f"in one process): median {statistics.median(single_times):.2f} s, slowest "
        f"{max(single_times):.2f} s, first {single_times[0]:.2f} s (fonts loaded); "
        f"peak {single_peak:.0f} MiB; goal ≤ 1 s.",
        "",
        f"Load average {load[0]:.1f} when the builds started (the two cores are shared with "
        "other work).",
    ]
    text = "\n".join(lines)
    print(text)
    write_results(text, args.results)


def write_results(text: str, path: Path) -> None:
    """Put ``text`` between the book markers, adding the section when missing."""
    begin, end = "<!-- book:begin -->", "<!-- book:end -->"
    content = path.read_text(encoding="utf-8")
    if begin not in content:
        content = content.rstrip("\n") + f"\n\n## Book of memory\n{begin}\n{end}\n"
    head, rest = content.split(begin, 1)
    _old, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{text}\n{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
