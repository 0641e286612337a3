"""Recorded interviews: real files made with ffmpeg and espeak-ng, judged by content,
converted without metadata, transcripts with timestamps, range requests, search."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from memorial import interviews
from memorial.extensions import db
from memorial.models import Hero, Interview, InterviewStatus, Job, JobStatus, Submission

from helpers import (
    SUBMITTER,
    csrf_token,
    login,
    record,
    reference_of,
    search_api,
    submission,
    write_archive,
)

# ffmpeg and espeak-ng come from Debian's packages, installed by `make`; without them these
# tests fail rather than skip.

TAGS = ["-metadata", "title=Секретна назва", "-metadata", "location=+48.7+037.5/"]


def wait_for_jobs(app) -> None:
    """Wait for the background jobs the app started in its threads (the conversions)."""
    for thread in list(app.extensions.get("memorial.job_threads", {}).values()):
        thread.join(60)


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="session")
def recordings(tmp_path_factory) -> dict[str, Path]:
    """Small real recordings of every accepted kind, tagged as a phone would tag them."""
    folder = tmp_path_factory.mktemp("recordings")
    speech = folder / "speech.wav"
    subprocess.run(
        ["espeak-ng", "-v", "uk", "-w", str(speech), "Я пам'ятаю той ранок у Краматорську."],
        check=True,
    )
    sine = ["-f", "lavfi", "-i", "sine=frequency=440:duration=3"]
    video = ["-f", "lavfi", "-i", "testsrc=size=1280x960:rate=10:duration=3"]
    small = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=3"]
    out = {"wav": speech}
    _ffmpeg(*sine, *TAGS, "-c:a", "libmp3lame", str(folder / "a.mp3"))
    _ffmpeg(*sine, *TAGS, "-c:a", "aac", str(folder / "a.m4a"))
    _ffmpeg(*sine, *TAGS, "-c:a", "libopus", str(folder / "a.opus"))
    _ffmpeg(*sine, *TAGS, "-c:a", "libvorbis", str(folder / "a.ogg"))
    _ffmpeg(
        *video, *sine, *TAGS, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest", "-f", "mov", str(folder / "v.mp4"),
    )  # fmt: skip
    _ffmpeg(
        *small, *sine, *TAGS, "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8",
        "-c:a", "libopus", "-shortest", str(folder / "v.webm"),
    )  # fmt: skip
    for name in ("mp3", "m4a", "opus", "ogg"):
        out[name] = folder / f"a.{name}"
    out["mp4"], out["webm"] = folder / "v.mp4", folder / "v.webm"
    fake = folder / "notes.mp3"
    fake.write_text("Це не запис, а текстовий файл.\n" * 50, encoding="utf-8")
    out["fake"] = fake
    return out


def ffprobe(path: Path) -> dict:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-show_chapters",
         "-of", "json", str(path)],
        capture_output=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


BIG = 1 << 40


# -- judged by content ------------------------------------------------------------------------
@pytest.mark.media
@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("wav", "audio"),
        ("mp3", "audio"),
        ("m4a", "audio"),
        ("opus", "audio"),
        ("ogg", "audio"),
        ("mp4", "video"),
        ("webm", "video"),
    ],
)
def test_accepted_recordings_are_recognised_by_content(recordings, tmp_path, name, kind):
    # Named wrongly on purpose: the name plays no part.
    renamed = tmp_path / "whatever.bin"
    renamed.write_bytes(recordings[name].read_bytes())
    found = interviews.probe(renamed, BIG, 3600)
    assert found.kind == kind
    assert 1 < found.duration < 6


@pytest.mark.media
def test_a_text_file_named_mp3_is_refused(recordings):
    with pytest.raises(interviews.InterviewError) as caught:
        interviews.probe(recordings["fake"], BIG, 3600)
    assert caught.value.reason == "type"


@pytest.mark.media
def test_over_size_and_over_duration_are_refused(recordings):
    size = recordings["mp3"].stat().st_size
    with pytest.raises(interviews.InterviewError) as caught:
        interviews.probe(recordings["mp3"], size - 1, 3600)
    assert caught.value.reason == "size"
    with pytest.raises(interviews.InterviewError) as caught:
        interviews.probe(recordings["mp3"], BIG, 2)
    assert caught.value.reason == "duration"


# -- transcripts ------------------------------------------------------------------------------
@pytest.mark.media
def test_transcript_timestamps_in_both_forms():
    lines = interviews.parse_transcript(
        "[00:00:05] Добрий день.\n\n12:34 Ми стояли під Бахмутом.\n"
        "[1:02:03] Потім повернувся.\nРядок без часу"
    )
    assert [(line.at, line.text) for line in lines] == [
        (5, "Добрий день."),
        (754, "Ми стояли під Бахмутом."),
        (3723, "Потім повернувся."),
        (None, "Рядок без часу"),
    ]
    assert lines[1].stamp == "12:34" and lines[2].stamp == "1:02:03"


@pytest.mark.media
def test_transcript_timestamp_past_the_end_is_refused():
    with pytest.raises(interviews.InterviewError) as caught:
        interviews.parse_transcript("[00:00:01] так\n[00:00:09] ні", duration=3.2)
    assert caught.value.reason == "timestamp_end"
    assert caught.value.params["line"] == 2
    with pytest.raises(interviews.InterviewError) as caught:
        interviews.parse_transcript("12:75 не момент")
    assert caught.value.reason == "timestamp"


# -- conversion -------------------------------------------------------------------------------
def _hero(app, **fields) -> int:
    """A published hero imported through the CLI; its id."""
    folder = write_archive(Path(app.config["DATA_DIR"]).parent / "src", [record(**fields)])
    result = app.test_cli_runner().invoke(args=["import-archive", str(folder)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        return db.session.scalar(select(Hero.id))


def _attach(app, hero_id: int, source: Path, **kw) -> int:
    """Store and record an upload as the staff page does, without converting it."""
    with app.app_context():
        max_bytes, max_seconds = interviews.limits()
        written: list[Path] = []
        with open(source, "rb") as stream:
            rel, path = interviews.store_upload(app.config["DATA_DIR"], stream, max_bytes, written)
        found = interviews.probe(path, max_bytes, max_seconds)
        hero = db.session.get(Hero, hero_id)
        row = interviews.add_interview(
            db.session, data_dir=app.config["DATA_DIR"], original_path=rel, found=found,
            hero=hero, **kw,
        )  # fmt: skip
        db.session.commit()
        return row.id


@pytest.mark.media
@pytest.mark.parametrize("name", ["mp4", "webm", "mp3", "wav"])
def test_conversion_leaves_no_metadata(app, recordings, name):
    hero_id = _hero(app)
    interview_id = _attach(app, hero_id, recordings[name], title="Розмова")
    seen: list[int] = []
    with app.app_context():
        original = db.session.get(Interview, interview_id).original_path
        assert interviews.convert(interview_id, seen.append)
        db.session.expire_all()
        row = db.session.get(Interview, interview_id)
        assert row.status == InterviewStatus.READY and row.progress == 100
        assert row.original_path is None
        data_dir = app.config["DATA_DIR"]
        assert not interviews.safe_path(data_dir, original).exists()  # the upload is gone
        web = interviews.safe_path(data_dir, row.file_path)
    assert seen and all(0 <= p <= 99 for p in seen)
    info = ffprobe(web)
    assert info["format"]["format_name"].startswith("mov,mp4")
    # Only the container's structural brands remain; no title, place, date or encoder.
    tags = info["format"].get("tags", {})
    assert set(tags) <= {"major_brand", "minor_version", "compatible_brands"}, tags
    for stream in info["streams"]:
        stream_tags = stream.get("tags", {})
        assert set(stream_tags) <= {"language", "handler_name", "vendor_id", "encoder"}
        # The only encoder named is our own, without a version (``+bitexact``).
        assert stream_tags.get("encoder", "Lavc").startswith("Lavc"), stream_tags
        assert stream_tags.get("handler_name", "Handler").endswith("Handler"), stream_tags
    assert info.get("chapters") == []
    raw = web.read_bytes()
    assert b"\xa9xyz" not in raw and b"loci" not in raw and b"+48.7" not in raw
    assert "Секретна".encode() not in raw
    codecs = {s["codec_type"]: s["codec_name"] for s in info["streams"]}
    if name in ("mp4", "webm"):
        assert row.file_path.endswith(".mp4")
        assert codecs == {"video": "h264", "audio": "aac"}
        video = next(s for s in info["streams"] if s["codec_type"] == "video")
        # Scaled to 720 lines; a smaller picture keeps its size.
        assert (video["width"], video["height"]) == ((960, 720) if name == "mp4" else (320, 240))
        assert raw.find(b"moov") < raw.find(b"mdat")  # faststart: the index first
    else:
        assert row.file_path.endswith(".m4a")
        assert codecs == {"audio": "aac"}


@pytest.mark.media
def test_the_original_location_tag_was_there_to_strip(recordings):
    """The test files really carry what the conversion must remove (a phone's QuickTime
    ``©xyz`` atom holding the place)."""
    info = ffprobe(recordings["mp4"])
    assert info["format"]["tags"]["location"].startswith("+48.7")
    assert b"\xa9xyz" in recordings["mp4"].read_bytes()


def test_a_broken_upload_fails_with_a_reason_and_can_be_deleted(app, recordings):
    hero_id = _hero(app)
    interview_id = _attach(app, hero_id, recordings["mp3"])
    with app.app_context():
        row = db.session.get(Interview, interview_id)
        path = interviews.safe_path(app.config["DATA_DIR"], row.original_path)
    path.write_bytes(path.read_bytes()[:200])  # the upload went bad after it was judged
    with app.app_context():
        assert not interviews.convert(interview_id)
        db.session.expire_all()
        row = db.session.get(Interview, interview_id)
        assert row.status == InterviewStatus.FAILED and row.error
        assert row.file_path is None
        files = interviews.delete_interview(db.session, row, None)
        db.session.commit()
        for file in files:
            file.unlink(missing_ok=True)
        assert db.session.get(Interview, interview_id) is None


# -- serving, the profile and search ---------------------------------------------------------
TRANSCRIPT = "[00:00:01] Я пам'ятаю ранок над Сіверським Дінцем.\n00:02 Тоді прийшов наказ."


@pytest.fixture
def ready(app, recordings):
    """A published hero with a public, converted audio interview and its transcript."""
    hero_id = _hero(app)
    interview_id = _attach(
        app, hero_id, recordings["wav"], title="Розмова з братом", transcript=TRANSCRIPT
    )
    with app.app_context():
        assert interviews.convert(interview_id)
        db.session.expire_all()
        hero = db.session.get(Hero, hero_id)
        return {
            "hero_id": hero_id,
            "slug": hero.slug,
            "id": interview_id,
            "file": db.session.get(Interview, interview_id).file_path,
        }


def test_profile_shows_the_player_and_transcript_links(client, ready):
    page = client.get(f"/heroes/{ready['slug']}").get_data(as_text=True)
    assert "Інтерв'ю" in page
    url = f"/media/{ready['file']}"
    assert re.search(rf'<audio[^>]*controls[^>]*preload="metadata"[^>]*src="{url}"', page) or (
        f'src="{url}"' in page and "<audio" in page
    )
    assert f'href="{url}#t=1"' in page and f'href="{url}#t=2"' in page
    assert "Сіверським" in page


def test_range_request_gives_206_and_the_right_bytes(app, client, ready):
    url = f"/media/{ready['file']}"
    with client.get(url) as whole:
        assert whole.status_code == 200
        assert whole.headers["Accept-Ranges"] == "bytes"
        assert whole.mimetype == "audio/mp4"
        data = whole.get_data()
    with client.get(url, headers={"Range": "bytes=1000-1999"}) as part:
        assert part.status_code == 206
        assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
        assert part.get_data() == data[1000:2000]


def test_staff_only_and_unpublished_interviews_are_not_served(app, client, ready):
    url = f"/media/{ready['file']}"
    with app.app_context():
        db.session.get(Interview, ready["id"]).visibility = "staff"
        db.session.commit()
    with client.get(url) as refused:
        assert refused.status_code == 404
    assert "Сіверським" not in client.get(f"/heroes/{ready['slug']}").get_data(as_text=True)
    with app.app_context():
        db.session.get(Interview, ready["id"]).visibility = "public"
        db.session.get(Hero, ready["hero_id"]).status = "draft"
        db.session.commit()
    with client.get(url) as refused:
        assert refused.status_code == 404


def test_transcript_is_found_by_search(app, client, ready):
    assert search_api(client, "Сіверським Дінцем") == ["Коваленко Андрій Петрович"]
    page = client.get("/search", query_string={"q": "Сіверським Дінцем"}).get_data(as_text=True)
    assert "Запис інтерв'ю «Розмова з братом»" in page.replace("&#39;", "'")  # the snippet
    with app.app_context():
        db.session.get(Interview, ready["id"]).visibility = "staff"
        db.session.commit()
    assert search_api(client, "Сіверським Дінцем") == []


# -- staff page -------------------------------------------------------------------------------
def _staff_upload(client, hero_id: int, path: Path, name: str, **fields):
    url = f"/staff/heroes/{hero_id}/interviews"
    data = {
        "csrf_token": csrf_token(client, url),
        "title": "Розмова",
        "visibility": "public",
        "transcript": "",
        **fields,
        "recording": (io.BytesIO(path.read_bytes()), name),
    }
    return client.post(url, data=data, content_type="multipart/form-data")


def test_staff_attach_an_interview_and_see_it_converted(app, client, staff, recordings):
    hero_id = _hero(app)
    login(client, staff["moderator"])
    response = _staff_upload(
        client, hero_id, recordings["mp3"], "розмова.mp3", transcript="[00:00:02] Слово"
    )
    assert response.status_code == 303, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        row = db.session.scalar(select(Interview))
        interview_id = row.id
    # The request only stored the upload; the conversion runs in the background.
    wait_for_jobs(app)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<audio" in page and 'href="/staff/interviews/' in page  # transcript link
    with app.app_context():
        assert db.session.get(Interview, interview_id).status == InterviewStatus.READY
    with client.get(f"/staff/interviews/{interview_id}/file") as staff_file:
        assert staff_file.status_code == 200 and staff_file.mimetype == "audio/mp4"


def test_staff_see_the_progress_of_a_waiting_conversion(app, client, staff, recordings):
    hero_id = _hero(app)
    interview_id = _attach(app, hero_id, recordings["mp3"], title="Ще не готове")
    interviews.record_progress_in(app, interview_id, 42)
    login(client, staff["moderator"])
    page = client.get(f"/staff/interviews/{interview_id}").get_data(as_text=True)
    assert re.search(
        r'<label for="conversion">[^<]+</label>\s*<progress id="conversion" max="100" value="42"',
        page,
    )
    state = client.get(f"/staff/interviews/{interview_id}/progress").get_json()
    assert state == {"status": "pending", "progress": 42}
    # Nothing of it is public before it is ready.
    assert "Ще не готове" not in client.get(f"/heroes/{hero_id}", follow_redirects=True).get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("name", "fields", "message"),
    [
        ("fake", {}, "не аудіо- чи відеозапис"),
        ("mp3", {"transcript": "[00:00:09] пізно"}, "після кінця запису"),
    ],
)
def test_staff_upload_refused_with_a_clear_message(
    app, client, staff, recordings, name, fields, message
):
    hero_id = _hero(app)
    login(client, staff["moderator"])
    response = _staff_upload(client, hero_id, recordings[name], "file.mp3", **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Interview)) is None
    folder = Path(app.config["DATA_DIR"]) / "media" / "interviews"
    assert not [p for p in folder.rglob("*") if p.is_file()]


def test_staff_upload_over_the_limits(app, client, staff, recordings):
    app.config["INTERVIEW_MAX_SECONDS"] = 2
    hero_id = _hero(app)
    login(client, staff["moderator"])
    response = _staff_upload(client, hero_id, recordings["mp3"], "a.mp3")
    assert response.status_code == 400
    assert "довший" in response.get_data(as_text=True)
    app.config["INTERVIEW_MAX_BYTES"] = 1000
    response = _staff_upload(client, hero_id, recordings["mp3"], "a.mp3")
    assert response.status_code == 400
    assert "більший" in response.get_data(as_text=True)


# -- the public submission form ---------------------------------------------------------------
def _story(client, slug_id: int, path: Path, name: str):
    url = f"/submit/story/{slug_id}"
    data = {
        "csrf_token": csrf_token(client, url),
        **SUBMITTER,
        "title": "Спогад",
        "body": "Текст, який ніколи не має загубитися.",
        "author_name": "Оксана",
        "interview": (io.BytesIO(path.read_bytes()), name),
    }
    return client.post(url, data=data, content_type="multipart/form-data")


def test_submission_with_an_interview_waits_for_the_moderator(app, client, recordings, staff):
    hero_id = _hero(app)
    response = _story(client, hero_id, recordings["m4a"], "a.m4a")
    reference = reference_of(client, response)
    sent = submission(app, reference)
    with app.app_context():
        row = db.session.scalar(select(Interview))
        assert row.submission_id == sent.id and row.hero_id is None
        interview_id = row.id
    wait_for_jobs(app)
    with app.app_context():
        assert db.session.get(Interview, interview_id).status == InterviewStatus.READY
        assert db.session.get(Submission, sent.id) is not None
    # Not on the profile before approval.
    slug = client.get(f"/heroes/{hero_id}").headers["Location"]
    assert "<audio" not in client.get(slug).get_data(as_text=True)
    login(client, staff["moderator"])
    url = f"/staff/submissions/{sent.id}"
    assert f"/staff/interviews/{interview_id}" in client.get(url).get_data(as_text=True)
    client.post(f"{url}/approve", data={"csrf_token": csrf_token(client, url)})
    with app.app_context():
        assert db.session.get(Interview, interview_id).hero_id == hero_id
    assert "<audio" in client.get(slug).get_data(as_text=True)


def test_submission_with_a_bad_interview_keeps_the_typed_text(app, client, recordings):
    hero_id = _hero(app)
    response = _story(client, hero_id, recordings["fake"], "notes.mp3")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Текст, який ніколи не має загубитися." in page
    assert "не аудіо- чи відеозапис" in page
    with app.app_context():
        assert db.session.scalar(select(Interview)) is None
        assert db.session.scalar(select(Submission)) is None


def test_staff_hear_a_staff_only_interview_and_edit_its_transcript(app, client, staff, ready):
    with app.app_context():
        db.session.get(Interview, ready["id"]).visibility = "staff"
        db.session.commit()
    login(client, staff["moderator"])
    with client.get(f"/staff/interviews/{ready['id']}/file") as heard:
        assert heard.status_code == 200
    url = f"/staff/interviews/{ready['id']}"
    late = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "title": "Нова назва",
            "visibility": "public",
            "transcript": "[00:00:01] так\n[00:09:00] занадто пізно",
        },
    )
    assert late.status_code == 400
    assert "після кінця запису" in late.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Interview, ready["id"]).title == "Розмова з братом"  # unchanged
    saved = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "title": "Нова назва",
            "visibility": "public",
            "transcript": "00:02 Інші слова про Лиман",
        },
    )
    assert saved.status_code == 303
    assert search_api(client, "Лиман") == ["Коваленко Андрій Петрович"]
    assert search_api(client, "Сіверським Дінцем") == []


def test_new_hero_sent_with_an_interview_gets_it_on_approval(app, client, staff, recordings):
    url = "/submit"
    data = {
        "csrf_token": csrf_token(client, url),
        **SUBMITTER,
        "surname": "Мельник",
        "given_name": "Олег",
        "death_date": "2023",
        "interview": (io.BytesIO(recordings["ogg"].read_bytes()), "voice.ogg"),
    }
    reference = reference_of(
        client, client.post(url, data=data, content_type="multipart/form-data")
    )
    sent = submission(app, reference)
    with app.app_context():
        interview_id = db.session.scalar(select(Interview.id))
    wait_for_jobs(app)
    login(client, staff["moderator"])
    page = f"/staff/submissions/{sent.id}"
    client.post(f"{page}/approve", data={"csrf_token": csrf_token(client, page), "notified": "y"})
    with app.app_context():
        row = db.session.get(Interview, interview_id)
        hero = db.session.scalar(select(Hero).where(Hero.surname == "Мельник"))
        assert row.hero_id == hero.id and row.status == InterviewStatus.READY
        assert row.visibility == "public"


def test_a_backup_keeps_the_converted_interview(app, ready, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert ready["file"] in manifest["media"]
    assert (tmp_path / "backup" / "media" / ready["file"]).is_file()


def test_an_interview_of_a_long_rejected_submission_is_purged(app, client, staff, recordings):
    hero_id = _hero(app)
    sent = submission(app, reference_of(client, _story(client, hero_id, recordings["mp3"], "a")))
    with app.app_context():
        interview_id = db.session.scalar(select(Interview.id))
    wait_for_jobs(app)
    login(client, staff["moderator"])
    page = f"/staff/submissions/{sent.id}"
    client.post(
        f"{page}/reject", data={"csrf_token": csrf_token(client, page), "text": "Не про нього"}
    )
    with app.app_context():
        web = interviews.safe_path(
            app.config["DATA_DIR"], db.session.get(Interview, interview_id).file_path
        )
    assert web.is_file()
    result = app.test_cli_runner().invoke(args=["purge-rejected"])
    assert result.exit_code == 0 and "interview" not in result.output  # kept for 30 days
    app.config["REJECTED_PHOTO_RETENTION_DAYS"] = 0
    result = app.test_cli_runner().invoke(args=["purge-rejected"])
    assert f"deleting interview {interview_id}" in result.output
    with app.app_context():
        assert db.session.get(Interview, interview_id) is None
    assert not web.exists()


def test_the_command_converts_what_waits_and_what_a_stopped_process_left(app, recordings):
    hero_id = _hero(app)
    waiting = _attach(app, hero_id, recordings["mp3"])
    left = _attach(app, hero_id, recordings["wav"])
    with app.app_context():
        db.session.get(Interview, left).status = InterviewStatus.CONVERTING  # its process died
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["convert-interviews"])
    assert result.exit_code == 0, result.output
    assert (
        f"interview {waiting}: converted" in result.output and str(left) + ":" not in result.output
    )
    result = runner.invoke(args=["convert-interviews", "--stuck"])
    assert f"interview {left}: converted" in result.output
    with app.app_context():
        assert {db.session.get(Interview, i).status for i in (waiting, left)} == {"ready"}


def test_a_conversion_whose_worker_died_is_done_again_from_the_staff_page(
    app, client, staff, recordings
):
    """The process converting was killed: the interview says "converting" and its job
    "running" with an hour-old heartbeat. Opening the interview's staff page starts it again."""
    hero_id = _hero(app)
    interview_id = _attach(app, hero_id, recordings["mp3"], title="Перервана розмова")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with app.app_context():
        db.session.get(Interview, interview_id).status = InterviewStatus.CONVERTING
        db.session.add(
            Job(
                kind=interviews.JOB_KIND,
                payload={"interview_id": interview_id},
                status=JobStatus.RUNNING,
                attempts=1,
                created_at=long_ago,
                started_at=long_ago,
                heartbeat_at=long_ago,
            )
        )
        db.session.commit()
    login(client, staff["moderator"])
    assert client.get(f"/staff/interviews/{interview_id}").status_code == 200
    wait_for_jobs(app)
    with app.app_context():
        row = db.session.get(Interview, interview_id)
        job = db.session.scalar(select(Job))
        assert row.status == InterviewStatus.READY and row.original_path is None
        assert job.status == JobStatus.DONE and job.attempts == 2
