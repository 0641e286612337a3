"""How long the PDF sheet of plaque labels takes for a sector of N graves (goal: 500 in
≤ 30 s), through the same code the staff page runs: choose the graves, draw a QR code for
each, lay the labels out and let WeasyPrint write the PDF.

Results are printed and written between the plaque label markers of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = ("Коваленко", "Шевченко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Мельник")
GIVEN = ("Андрій", "Олександр", "Богдан", "Тарас", "Іван", "Юрій", "Максим")
ALLEY = "Краматорськ, Алея Героїв"


def records(count: int, per_row: int) -> list[dict]:
    """``count`` published heroes in rows of ``per_row`` places, dates of every precision."""
    out = []
    for i in range(count):
        death = ["2022-08-19", "2023-03", "2024"][i % 3]
        out.append(
            {
                "external_id": f"l-{i}",
                "surname": f"{SURNAMES[i % len(SURNAMES)]}",
                "given_name": GIVEN[i % len(GIVEN)],
                "patronymic": "Петрович",
                "call_sign": "Кобзар" if i % 2 else None,
                "birth_date": f"{1970 + i % 30}-0{1 + i % 9}-1{i % 9}",
                "death_date": death,
                "status": "published",
                "grave": {
                    "cemetery": ALLEY,
                    "sector": "А",
                    "row": str(i // per_row + 1),
                    "place": str(i % per_row + 1),
                },
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--graves", type=int, default=500)
    parser.add_argument("--width", type=int, default=50)
    parser.add_argument("--height", type=int, default=70)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()

    from pypdf import PdfReader
    from sqlalchemy import select

    from memorial import create_app, plaques
    from memorial.extensions import db
    from memorial.models import GraveSector
    from memorial.schema import create_schema
    from memorial.web.grave_works import label_sheet_pdf

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "DATA_DIR": f"{tmp}/data",
                "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
                "SEARCH_BACKEND": "whoosh",
                "SEARCH_SYNC": "inline",
                "PUBLIC_URL": "https://memorial.example.org",
                "CACHE_URI": "none",
            }
        )
        with app.app_context():
            create_schema()
        folder = Path(tmp) / "archive"
        folder.mkdir()
        (folder / "heroes.json").write_text(
            json.dumps(records(args.graves, 25), ensure_ascii=False), encoding="utf-8"
        )
        print(f"importing {args.graves} heroes with graves…", flush=True)
        result = app.test_cli_runner().invoke(args=["import-archive", str(folder)])
        if result.exit_code != 0:
            sys.exit(result.output)

        times, size, pages = [], 0, 0
        load = os.getloadavg()
        with app.test_request_context("/staff/graves/labels.pdf"):
            sector_id = db.session.scalar(select(GraveSector.id))
            for run in range(1, args.runs + 1):
                db.session.expire_all()
                start = time.perf_counter()
                layout = plaques.label_layout(args.width, args.height)
                chosen = plaques.label_graves(db.session, sector_id=sector_id)
                pdf = label_sheet_pdf(chosen, layout)
                times.append(time.perf_counter() - start)
                size, pages = len(pdf), len(PdfReader(io.BytesIO(pdf)).pages)
                print(f"run {run}/{args.runs}: {times[-1]:.1f} s, {pages} pages", flush=True)
                assert len(chosen) == args.graves
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    import weasyprint

    cores = len(os.sched_getaffinity(0))
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join(
        [
            f"Measured {when} on {platform.processor() or platform.machine()}, {cores} cores, "
            f"Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}, SQLite; "
            "`make bench-labels` (bench/labels_bench.py): the sheet for one sector, chosen, "
            "QR codes drawn, laid out and written as PDF as the staff page does it.",
            "",
            "| graves | label | labels a page | pages | PDF size | best | median | slowest "
            "| goal |",
            "|---|---|---|---|---|---|---|---|---|",
            f"| {args.graves} | {args.width}×{args.height} mm | {layout.per_page} | {pages} "
            f"| {size / 1024 / 1024:.1f} MiB | {min(times):.1f} s "
            f"| {statistics.median(times):.1f} s | {max(times):.1f} s | ≤ 30 s |",
            "",
            f"{args.runs} runs; peak memory of the process {peak:.0f} MiB; load average "
            f"{load[0]:.1f} when it started (the two cores are shared with other work, so a "
            "slow run is the machine's, the best one the code's).",
        ]
    )
    print(text)
    write_results(text, args.results)


def write_results(text: str, path: Path) -> None:
    """Put ``text`` between the plaque label markers, adding the section when missing."""
    begin, end = "<!-- labels:begin -->", "<!-- labels:end -->"
    content = path.read_text(encoding="utf-8")
    if begin not in content:
        content = content.rstrip("\n") + f"\n\n## Plaque labels\n{begin}\n{end}\n"
    head, rest = content.split(begin, 1)
    _old, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{text}\n{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
