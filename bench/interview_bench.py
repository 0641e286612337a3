"""How long converting a recorded interview takes, against the goal of at most twice its
playing time: an hour of speech (sound only), and a low-motion 720p video.

Usage: python bench/interview_bench.py --audio-minutes 60 --video-minutes 10

The inputs are made first (not timed): speech from espeak-ng repeated to the length, as a
phone's MP3 would be, and ffmpeg's ``testsrc`` picture with a tone at 1280×720, 25 frames a
second, as H.264 MP4. Each is then converted by the same command the archive runs
(``memorial.interviews.ffmpeg_command``), timed. A video shorter than an hour is measured
and scaled to an hour (the encoder's speed is steady over the length; the result says so).
Writes the interview section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SPEECH = (
    "Мене звати Олександр. Я народився в Краматорську і до війни працював на заводі. "
    "У березні двадцять другого року я пішов до війська добровольцем. "
    "Найважче було не на позиціях, а коли повернувся додому і вчився жити знову."
)


def make_audio(folder: Path, minutes: float) -> Path:
    """An MP3 of espeak-ng speech repeated to ``minutes``, with phone-like tags."""
    wav = folder / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "uk", "-s", "150", "-w", str(wav), SPEECH], check=True)
    out = folder / "interview.mp3"
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(wav),
            "-t", str(minutes * 60), "-c:a", "libmp3lame", "-b:a", "128k",
            "-metadata", "title=Інтерв'ю", "-metadata", "location=+48.7+037.5/", str(out),
        ],
        check=True,
    )  # fmt: skip
    return out


def make_video(folder: Path, minutes: float) -> Path:
    """A low-motion 720p H.264/AAC MP4 of ``minutes`` (``testsrc`` and a tone)."""
    out = folder / "interview.mp4"
    seconds = str(minutes * 60)
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc=size=1280x720:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=220:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "28", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "128k",
            "-metadata", "location=+48.7+037.5/", str(out),
        ],
        check=True,
    )  # fmt: skip
    return out


def convert(kind: str, source: Path, seconds: float) -> tuple[float, int]:
    """Seconds the archive's conversion took, and the size of the web file."""
    from memorial.interviews import ffmpeg_command, run_ffmpeg

    target = source.with_suffix(".web.mp4")
    started = time.perf_counter()
    run_ffmpeg(ffmpeg_command(kind, source, target), seconds)
    took = time.perf_counter() - started
    return took, target.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audio-minutes", type=float, default=60)
    parser.add_argument("--video-minutes", type=float, default=10)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    from memorial.interviews import VIDEO_PRESET

    load = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind, minutes, make in (
            ("audio", args.audio_minutes, make_audio),
            ("video", args.video_minutes, make_video),
        ):
            if minutes <= 0:
                continue
            print(f"making {minutes:g} min of {kind}…", flush=True)
            source = make(folder, minutes)
            print(f"converting {kind}…", flush=True)
            took, size = convert(kind, source, minutes * 60)
            ratio = took / (minutes * 60)
            rows.append((kind, minutes, took, ratio, size))
            print(f"{kind}: {minutes:g} min converted in {took:.1f} s ({ratio:.3f}× playing time)")
            source.unlink()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    ffmpeg = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout
    version = ffmpeg.split()[2] if ffmpeg else "?"
    lines = [
        f"Measured {now} on {platform.machine()}, {os.cpu_count()} cores, ffmpeg {version} "
        f"(Debian), x264 preset `{VIDEO_PRESET}`; `make bench-interview` "
        f"(bench/interview_bench.py). Load average {load:.1f} when it started (the cores are "
        "shared with other work).",
        "",
        "| input | measured length | conversion | × playing time | 60 min would take | goal |",
        "|---|---|---|---|---|---|",
    ]
    for kind, minutes, took, ratio, size in rows:
        what = (
            "speech MP3 128 kb/s → AAC 96 kb/s in M4A"
            if kind == "audio"
            else "720p25 H.264 testsrc + tone → H.264/AAC MP4, faststart"
        )
        scaled = took * 60 / minutes
        lines.append(
            f"| {what} | {minutes:g} min | {took:.1f} s ({size / 2**20:.1f} MiB) "
            f"| {ratio:.3f}× | {scaled / 60:.1f} min{'' if minutes >= 60 else ' (scaled)'} "
            f"| ≤ 120 min |"
        )
    text = "\n".join(lines)
    print(text)
    write_results(text, args.results)


def write_results(text: str, path: Path) -> None:
    """Put ``text`` between the interview markers, adding the section when missing."""
    begin, end = "<!-- interview:begin -->", "<!-- interview:end -->"
    content = path.read_text(encoding="utf-8")
    if begin not in content:
        content = content.rstrip("\n") + f"\n\n## Interview conversion\n{begin}\n{end}\n"
    head, rest = content.split(begin, 1)
    _old, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{text}\n{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
