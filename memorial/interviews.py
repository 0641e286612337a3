"""Recorded interviews: judged by content with ffprobe, converted with ffmpeg to one web
format without any metadata, and a transcript whose lines point at moments of the recording.

Sound becomes AAC in an MP4 container (``.m4a``): the one pairing every current browser
plays, Safari on iPhones included (Opus in WebM plays in Chrome and Firefox, but not on the
iPhones of many older relatives). Video becomes H.264 with AAC in MP4, at most 720 lines,
with the index at the front (``+faststart``) so that playing starts before the download ends.
Every metadata tag and chapter of the upload is dropped (phones write the place of recording
into video files), and only the first picture and sound streams are kept, so a GPS track or a
subtitle stream never reaches the web file. The upload itself is deleted once converted.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import audit, jobs
from .extensions import db
from .media import media_root, safe_path
from .models import (
    Hero,
    Interview,
    InterviewKind,
    InterviewStatus,
    InterviewVisibility,
    Job,
    User,
    utcnow,
)

log = logging.getLogger(__name__)

FFMPEG = shutil.which("ffmpeg") or "ffmpeg"
FFPROBE = shutil.which("ffprobe") or "ffprobe"
#: Folder under the media root for interview files.
INTERVIEWS_DIR = "interviews"
#: Seconds ffprobe may take to read a file's header.
PROBE_TIMEOUT = 60
#: The tallest picture kept (the shorter side of a portrait video).
MAX_LINES = 720
#: x264 preset: ``veryfast`` converts an hour of 720p video in well under its playing time on
#: two cores (bench/interview_bench.py), at a size close to ``medium``'s for talking heads.
VIDEO_PRESET = "veryfast"
VIDEO_CRF = 23
AUDIO_BITRATE = "96k"

#: Containers ffprobe names, and the codecs accepted in each.
_AUDIO_CODECS = {
    "mp3": {"mp3"},
    "mp4": {"aac", "alac", "mp3"},
    "ogg": {"opus", "vorbis", "flac"},
    "wav": {"pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_u8", "pcm_s16be"},
    "webm": {"opus", "vorbis"},
}
_VIDEO_CODECS = {"mp4": {"h264", "hevc", "mpeg4", "av1"}, "webm": {"vp8", "vp9", "av1"}}
#: ffprobe's ``format_name`` for each container.
_FORMAT_NAMES = {
    "mp3": "mp3",
    "mov,mp4,m4a,3gp,3g2,mj2": "mp4",
    "ogg": "ogg",
    "wav": "wav",
    "matroska,webm": "webm",
}


class InterviewError(ValueError):
    """A recording or transcript that cannot be accepted; ``reason`` names the rule and
    ``params`` fill the message the interface shows."""

    def __init__(self, message: str, reason: str, **params) -> None:
        super().__init__(message)
        #: One of ``empty``, ``type``, ``size``, ``duration``, ``timestamp``, ``tool``.
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class Probe:
    """What ffprobe found in a file that was accepted."""

    kind: str
    container: str
    duration: float
    width: int | None = None
    height: int | None = None


def _run_probe(path: Path) -> dict:
    try:
        done = subprocess.run(
            [FFPROBE, "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
            capture_output=True,
            timeout=PROBE_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise InterviewError("ffprobe is not installed", "tool") from None
    except subprocess.TimeoutExpired:
        raise InterviewError("the file could not be read in time", "type") from None
    if done.returncode != 0:
        return {}
    try:
        return json.loads(done.stdout or b"{}")
    except ValueError:
        return {}


def probe(path: str | os.PathLike, max_bytes: int, max_seconds: float) -> Probe:
    """Judge a file by its content: one of the accepted containers and codecs, within the
    size and duration limits; else :class:`InterviewError`."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise InterviewError("the file is empty", "empty")
    if size > max_bytes:
        raise InterviewError("the file is too large", "size", limit_mb=max_bytes // 2**20)
    info = _run_probe(path)
    container = _FORMAT_NAMES.get((info.get("format") or {}).get("format_name", ""))
    if container is None:
        raise InterviewError("not a recording in an accepted format", "type")
    # A cover picture in an MP3 or M4A is a "video" stream marked as an attached picture.
    streams = [
        s for s in info.get("streams") or [] if not (s.get("disposition") or {}).get("attached_pic")
    ]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    video = [s for s in streams if s.get("codec_type") == "video"]
    if video:
        if (
            container not in _VIDEO_CODECS
            or video[0].get("codec_name") not in (_VIDEO_CODECS[container])
        ):
            raise InterviewError("a video in a codec that is not accepted", "type")
        if audio and audio[0].get("codec_name") not in _AUDIO_CODECS.get(container, ()):
            raise InterviewError("a video whose sound is in a codec not accepted", "type")
        kind = InterviewKind.VIDEO
    elif audio:
        if audio[0].get("codec_name") not in _AUDIO_CODECS[container]:
            raise InterviewError("sound in a codec that is not accepted", "type")
        kind = InterviewKind.AUDIO
    else:
        raise InterviewError("the file holds no sound or picture", "type")
    duration = _duration(info, streams)
    if duration is None or duration <= 0:
        raise InterviewError("the recording's length cannot be read", "type")
    if duration > max_seconds:
        raise InterviewError(
            "the recording is too long", "duration", limit_minutes=int(max_seconds // 60)
        )
    width = height = None
    if video:
        width, height = int(video[0].get("width") or 0), int(video[0].get("height") or 0)
        if not width or not height:
            raise InterviewError("the video's picture size cannot be read", "type")
    return Probe(str(kind), container, duration, width, height)


def _duration(info: dict, streams: list[dict]) -> float | None:
    for source in (info.get("format") or {}, *streams):
        try:
            value = float(source.get("duration") or 0)
        except (TypeError, ValueError):
            continue
        if value > 0:
            return value
    return None


def limits(app: Flask | None = None) -> tuple[int, int]:
    """The size (bytes) and duration (seconds) limits of the app."""
    config = (app or current_app).config
    return int(config["INTERVIEW_MAX_BYTES"]), int(config["INTERVIEW_MAX_SECONDS"])


# -- transcripts ----------------------------------------------------------------------------
#: A line's timestamp: ``[01:02:03]``, ``[2:03]``, ``1:02:03``, ``12:34`` (then the text).
_STAMP = re.compile(
    r"^\s*(\[)?(?:(?P<h>\d{1,2}):)?(?P<m>\d{1,3}):(?P<s>\d{2})(?:[.,]\d{1,3})?(?(1)\])"
    r"(?:\s+|\s*[-–—:]\s*|$)(?P<text>.*)$"
)


@dataclass(frozen=True)
class TranscriptLine:
    """One line of a transcript: the moment it starts (seconds), if given, and the text."""

    at: int | None
    text: str

    @property
    def stamp(self) -> str:
        """The moment as ``H:MM:SS`` or ``M:SS``."""
        return format_time(self.at or 0)


def format_time(seconds: float) -> str:
    """Seconds as ``H:MM:SS`` (or ``M:SS`` under an hour)."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def parse_transcript(text: str, duration: float | None = None) -> list[TranscriptLine]:
    """The transcript's non-empty lines, each with its timestamp (seconds) when it has one.

    A timestamp that cannot be a moment (``12:75``) or that lies past the end of a recording
    of ``duration`` seconds raises :class:`InterviewError` naming the line."""
    lines = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _STAMP.match(line)
        if match is None:
            lines.append(TranscriptLine(None, line))
            continue
        hours = int(match.group("h") or 0)
        minutes, seconds = int(match.group("m")), int(match.group("s"))
        if seconds > 59 or (match.group("h") is not None and minutes > 59):
            raise InterviewError(
                "a timestamp is not a moment", "timestamp", line=number, stamp=_stamp_of(line)
            )
        at = hours * 3600 + minutes * 60 + seconds
        # A recording that ends at 12:34.6 still has a moment 12:34 (round down to whole s).
        if duration is not None and at > int(duration):
            raise InterviewError(
                "a timestamp is past the end of the recording",
                "timestamp_end",
                line=number,
                stamp=_stamp_of(line),
                length=format_time(duration),
            )
        lines.append(TranscriptLine(at, match.group("text").strip()))
    return lines


def _stamp_of(line: str) -> str:
    return line.split()[0][:12] if line.split() else ""


def transcript_text(interview: Interview) -> str:
    """The transcript's words without timestamps (what search indexes)."""
    try:
        return "\n".join(line.text for line in parse_transcript(interview.transcript))
    except InterviewError:
        return interview.transcript or ""


def public_interviews(hero) -> list[Interview]:
    """The hero's interviews the public may hear or see."""
    return [i for i in getattr(hero, "interviews", ()) or () if i.is_public]


# -- storing and converting ---------------------------------------------------------------
def _new_name(ext: str) -> str:
    return f"{INTERVIEWS_DIR}/{secrets.token_hex(1)}/{secrets.token_hex(16)}.{ext}"


def store_upload(
    data_dir: str | os.PathLike, stream: IO[bytes], max_bytes: int, written: list[Path]
) -> tuple[str, Path]:
    """Copy an upload to the media folder under a server-chosen name, refusing it once it
    passes ``max_bytes``; the path is appended to ``written`` before the file exists."""
    rel = _new_name("upload")
    path = safe_path(data_dir, rel)
    path.parent.mkdir(parents=True, exist_ok=True)
    written.append(path)
    total = 0
    with open(path, "wb") as out:
        while chunk := stream.read(1 << 20):
            total += len(chunk)
            if total > max_bytes:
                raise InterviewError("the file is too large", "size", limit_mb=max_bytes // 2**20)
            out.write(chunk)
    return rel, path


def add_interview(
    session: Session,
    *,
    data_dir: str | os.PathLike,
    original_path: str,
    found: Probe,
    hero: Hero | None = None,
    submission_id: int | None = None,
    title: str = "",
    transcript: str = "",
    visibility: str = InterviewVisibility.PUBLIC,
    user: User | None = None,
) -> Interview:
    """Record an accepted upload as an interview waiting for conversion (flush only).

    The transcript is checked against the recording's length first."""
    parse_transcript(transcript, found.duration)
    interview = Interview(
        hero=hero,
        submission_id=submission_id,
        title=title.strip(),
        kind=found.kind,
        status=InterviewStatus.PENDING,
        progress=0,
        visibility=visibility,
        original_path=original_path,
        duration=found.duration,
        transcript=transcript or "",
    )
    session.add(interview)
    session.flush()
    audit.record(session, "interview.add", user, object_type="interview", object_id=interview.id)
    return interview


def ffmpeg_command(kind: str, source: Path, target: Path) -> list[str]:
    """The ffmpeg command that converts ``source`` to the web file ``target``."""
    common = [
        FFMPEG,
        "-hide_banner",
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-i",
        str(source),
        # Nothing of the upload's metadata or chapters, and no encoder tag of our own.
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-fflags",
        "+bitexact",
        "-sn",
        "-dn",
    ]
    # Mono stays mono (most interviews), anything wider is mixed down to stereo.
    audio = [
        "-af",
        "aformat=channel_layouts=mono|stereo",
        "-c:a",
        "aac",
        "-b:a",
        AUDIO_BITRATE,
        "-flags:a",
        "+bitexact",
    ]
    if kind == InterviewKind.AUDIO:
        streams = ["-map", "0:a:0", "-vn"]
        codecs = audio
    else:
        # The shorter side at most 720 lines (a portrait phone video stays portrait), even sizes.
        scale = (
            f"scale=w='if(gte(iw,ih),-2,min({MAX_LINES},iw))':"
            f"h='if(gte(iw,ih),min({MAX_LINES},ih),-2)'"
        )
        streams = ["-map", "0:v:0", "-map", "0:a:0?"]
        codecs = [
            "-vf",
            f"{scale},format=yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            VIDEO_PRESET,
            "-crf",
            str(VIDEO_CRF),
            "-profile:v",
            "high",
            "-flags:v",
            "+bitexact",
            *audio,
        ]
    return [
        *common,
        *streams,
        *codecs,
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        "-progress",
        "pipe:1",
        "-nostats",
        str(target),
    ]


def run_ffmpeg(
    command: list[str], duration: float, progress: Callable[[int], None] | None = None
) -> None:
    """Run ffmpeg, reporting whole percents from its ``-progress`` output; raise
    :class:`InterviewError` (reason ``convert``) with ffmpeg's last words when it fails."""
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        errors: list[str] = []
        reader = threading.Thread(
            target=lambda: errors.extend(proc.stderr or ()), daemon=True
        )  # stderr drained beside stdout, so neither pipe fills and blocks ffmpeg
        reader.start()
        last = -1
        for line in proc.stdout or ():
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.isdigit() and duration > 0:
                percent = min(99, int(int(value) / 1e6 / duration * 100))
                if percent != last and progress is not None:
                    last = percent
                    progress(percent)
        proc.wait()
        reader.join()
    if proc.returncode != 0:
        tail = " ".join(line.strip() for line in errors[-3:])[:500]
        raise InterviewError(f"ffmpeg failed: {tail or proc.returncode}", "convert")


def record_progress(interview_id: int, percent: int) -> None:
    """Write the conversion's progress straight to the row, in a transaction of its own (not
    a change of content: no page or index is refreshed for it)."""
    with db.engine.begin() as conn:
        conn.execute(
            update(Interview)
            .where(Interview.id == interview_id)
            .values(progress=max(0, min(100, percent)))
        )


def record_progress_in(app: Flask, interview_id: int, percent: int) -> None:
    """:func:`record_progress` in ``app``'s context."""
    with app.app_context():
        record_progress(interview_id, percent)


def convert(interview_id: int, progress_callback: Callable[[int], None] | None = None) -> bool:
    """Convert one pending interview to the web file (in the app context of the caller).

    The row says ``converting`` meanwhile; at the end it is ``ready`` with the web file
    and the upload deleted, or ``failed`` with the reason (the upload kept for another try).
    Returns whether it succeeded."""
    data_dir = current_app.config["DATA_DIR"]
    with db.engine.begin() as conn:
        claimed = conn.execute(
            update(Interview)
            .where(
                Interview.id == interview_id,
                Interview.status.in_((InterviewStatus.PENDING, InterviewStatus.FAILED)),
                Interview.original_path.is_not(None),
            )
            .values(status=InterviewStatus.CONVERTING, progress=0, error=None)
        ).rowcount
    if not claimed:
        return False
    with Session(db.engine) as session:
        row = session.get(Interview, interview_id)
        assert row is not None and row.original_path is not None
        kind, original_rel, duration = row.kind, row.original_path, row.duration or 0.0
    source = safe_path(data_dir, original_rel)
    rel = _new_name("m4a" if kind == InterviewKind.AUDIO else "mp4")
    target = safe_path(data_dir, rel)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        run_ffmpeg(ffmpeg_command(kind, source, partial), duration, progress_callback)
        found = probe(partial, 1 << 62, float("inf"))
        os.replace(partial, target)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        log.warning("interview %s: conversion failed: %s", interview_id, exc)
        with Session(db.engine) as session:
            session.execute(
                update(Interview)
                .where(Interview.id == interview_id)
                .values(status=InterviewStatus.FAILED, error=str(exc)[:2000], progress=0)
            )
            session.commit()
        return False
    with Session(db.engine) as session:
        row = session.get(Interview, interview_id)
        if row is None:  # deleted while converting: nothing to keep
            target.unlink(missing_ok=True)
            return False
        row.file_path = rel
        row.size_bytes = target.stat().st_size
        row.duration = found.duration
        row.status = InterviewStatus.READY
        row.progress = 100
        row.original_path = None
        row.converted_at = utcnow()
        session.commit()  # through the ORM: the hero's page and index follow
    source.unlink(missing_ok=True)
    return True


def waiting_conversions(session: Session, stuck: bool = False) -> list[int]:
    """Ids of the interviews waiting for a conversion; with ``stuck``, those a stopped
    process left ``converting`` are set back to waiting first (flush only)."""
    if stuck:
        session.execute(
            update(Interview)
            .where(Interview.status == InterviewStatus.CONVERTING)
            .values(status=InterviewStatus.PENDING, progress=0)
        )
    return list(
        session.scalars(
            select(Interview.id)
            .where(
                Interview.status == InterviewStatus.PENDING, Interview.original_path.is_not(None)
            )
            .order_by(Interview.id)
        )
    )


#: The background job (:mod:`memorial.jobs`) that converts one interview.
JOB_KIND = "interview.convert"


@jobs.register(JOB_KIND)
def _conversion_job(session: Session, job: Job, report: jobs.Report) -> dict:
    """Convert the interview of a job. A job done again because its worker died finds the
    interview left ``converting`` by that worker and converts it afresh."""
    interview_id = int(job.payload["interview_id"])
    if job.attempts > 1:
        with db.engine.begin() as conn:
            conn.execute(
                update(Interview)
                .where(
                    Interview.id == interview_id,
                    Interview.status == InterviewStatus.CONVERTING,
                )
                .values(status=InterviewStatus.PENDING, progress=0)
            )

    def progress(percent: int) -> None:
        record_progress(interview_id, percent)
        report(percent, f"interview {interview_id}")

    if convert(interview_id, progress):
        return {"interview": interview_id}
    row = session.get(Interview, interview_id)
    if row is not None:
        session.refresh(row)
    if row is not None and row.status == InterviewStatus.FAILED:
        raise jobs.JobError(row.error or "the conversion failed")
    return {"interview": interview_id, "skipped": True}  # converted or deleted meanwhile


def start_conversion(session: Session, interview_id: int, user: User | None = None) -> Job:
    """Convert an interview in a background job (never in the request): RQ with
    ``MEMORIAL_REDIS_URL``, a thread of the app otherwise. Commits the session."""
    return jobs.enqueue(session, JOB_KIND, {"interview_id": interview_id}, user)


def delete_interview(session: Session, interview: Interview, user: User | None) -> list[Path]:
    """Delete an interview's row (flush only); returns its files, to unlink after commit."""
    data_dir = current_app.config["DATA_DIR"]
    files = [safe_path(data_dir, p) for p in (interview.file_path, interview.original_path) if p]
    audit.record(session, "interview.delete", user, object_type="interview", object_id=interview.id)
    session.delete(interview)
    session.flush()
    return files


def attach_to_hero(session: Session, submission_id: int, hero_id: int, public: bool) -> None:
    """Give a submission's interviews to the hero its approval made or changed (flush only);
    without consent for the site they are kept for staff only."""
    for interview in session.scalars(
        select(Interview).where(
            Interview.submission_id == submission_id, Interview.hero_id.is_(None)
        )
    ):
        interview.hero_id = hero_id
        if not public:
            interview.visibility = InterviewVisibility.STAFF
    session.flush()


def interviews_folder(data_dir: str | os.PathLike) -> Path:
    """Where interview files live."""
    return media_root(data_dir) / INTERVIEWS_DIR
