"""Every command with good, bad and repeated input, through the real CLI runner."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from memorial.extensions import db
from memorial.models import Hero, Photo, User

from helpers import image_bytes, record, write_archive


def count(app, model=Hero, *where):
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)).where(*where))


def invoke(runner, *args, input=None):
    return runner.invoke(args=[str(a) for a in args], input=input)


def test_init_db_is_idempotent(runner, app):
    first = invoke(runner, "init-db")
    second = invoke(runner, "init-db")
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    assert count(app) == 0


def test_import_creates_heroes_photos_and_index(runner, app, tmp_path):
    folder = write_archive(
        tmp_path / "arch",
        [
            record(
                "a-1",
                photos=[
                    {"file": "p/one.png", "caption": "Портрет", "primary": True},
                    {"file": "p/two.jpg"},
                ],
            ),
            record("a-2", surname="Гнатюк", given_name="Тарас", status="draft"),
        ],
        {"p/one.png": image_bytes(), "p/two.jpg": image_bytes("JPEG", color=(1, 2, 3))},
    )
    result = invoke(runner, "import-archive", folder)
    assert result.exit_code == 0, result.output
    assert "2 new" in result.output
    assert count(app) == 2
    with app.app_context():
        photos = db.session.scalars(select(Photo).order_by(Photo.position)).all()
        assert [p.is_primary for p in photos] == [True, False]
        for photo in photos:
            stored = Path(app.config["DATA_DIR"]) / "media" / photo.file_path
            assert stored.is_file()
            import hashlib

            assert hashlib.sha256(stored.read_bytes()).hexdigest() == photo.sha256
            assert "one" not in photo.file_path and "two" not in photo.file_path
    check = invoke(runner, "check")
    assert check.exit_code == 0, check.output


def test_reimport_updates_instead_of_duplicating(runner, app, tmp_path):
    folder = write_archive(
        tmp_path / "arch", [record("a-1", photos=[{"file": "p.png"}])], {"p.png": image_bytes()}
    )
    assert invoke(runner, "import-archive", folder).exit_code == 0
    write_archive(folder, [record("a-1", rank="старший сержант", photos=[{"file": "p.png"}])])
    result = invoke(runner, "import-archive", folder)
    assert result.exit_code == 0, result.output
    assert "0 new, 1 updated, 0 photos stored" in result.output
    assert count(app) == 1
    assert count(app, Photo) == 1
    with app.app_context():
        assert db.session.scalar(select(Hero.rank)) == "старший сержант"


def test_one_bad_record_imports_nothing(runner, app, tmp_path):
    records = [record(f"ho-{i}", surname=f"Прізвище{i}") for i in range(1, 21)]
    records[16]["death_date"] = "2023-13"
    folder = write_archive(tmp_path / "arch", records)
    result = invoke(runner, "import-archive", folder)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[-1] == (
        'Error: heroes.json, record 17 (external_id ho-17): death_date "2023-13" is not a date'
    )
    assert count(app) == 0


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda r: r.pop("surname"), "surname is required"),
        (lambda r: r.pop("external_id"), "external_id is required"),
        (lambda r: r.update(birth_date="2030", death_date="2020"), "is after death_date"),
        (lambda r: r.update(status="hidden"), "status"),
        (lambda r: r.update(awards=[{"date": "2020"}]), "awards[1].name is required"),
        (lambda r: r.update(stories=[{"title": "x"}]), "stories[1].body is required"),
        (lambda r: r.update(photos=[{"file": "../../etc/passwd"}]), "outside the archive folder"),
        (lambda r: r.update(photos=[{"file": "missing.png"}]), "does not exist"),
        (lambda r: r.update(photos=[{"file": "fake.png"}]), "not a JPEG, PNG or WebP"),
        (lambda r: r.update(nickname="x"), "unknown field 'nickname'"),
        (lambda r: r.update(surname=["list"]), "surname must be a string"),
    ],
)
def test_bad_records_are_named(runner, app, tmp_path, mutate, message):
    bad = record("bad-1")
    mutate(bad)
    folder = write_archive(
        tmp_path / "arch",
        [record("ok-1"), bad],
        {"fake.png": b"<html><script>alert(1)</script></html>"},
    )
    result = invoke(runner, "import-archive", folder)
    assert result.exit_code != 0
    assert "heroes.json, record 2" in result.output
    assert message in result.output
    assert count(app) == 0


def test_duplicate_external_id_in_file(runner, app, tmp_path):
    folder = write_archive(tmp_path / "arch", [record("x"), record("x")])
    result = invoke(runner, "import-archive", folder)
    assert result.exit_code != 0 and "repeats record 1" in result.output


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "heroes.json is missing"),
        ("{not json", "not valid JSON"),
        ('{"a": 1}', "must hold a JSON array"),
    ],
)
def test_broken_archive_files(runner, tmp_path, content, message):
    folder = tmp_path / "arch"
    folder.mkdir()
    if content is not None:
        (folder / "heroes.json").write_text(content)
    result = invoke(runner, "import-archive", folder)
    assert result.exit_code != 0 and message in result.output


def test_if_empty_imports_only_once(runner, app, tmp_path):
    folder = write_archive(tmp_path / "arch", [record("a-1")])
    assert invoke(runner, "import-archive", folder, "--if-empty").exit_code == 0
    write_archive(folder, [record("a-1"), record("a-2")])
    result = invoke(runner, "import-archive", folder, "--if-empty")
    assert result.exit_code == 0 and "nothing imported" in result.output
    assert count(app) == 1


def _snapshot(app):
    from memorial.porting import hero_record

    with app.app_context():
        heroes = db.session.scalars(select(Hero).order_by(Hero.external_id)).all()
        out = []
        for hero in heroes:
            data = hero_record(hero)
            data["photos"] = [(p.sha256, p.caption, p.is_primary) for p in hero.photos]
            out.append(data)
        return out


def test_export_then_import_gives_same_records(runner, app, tmp_path, demo_source):
    assert invoke(runner, "import-archive", demo_source).exit_code == 0
    out = tmp_path / "export"
    result = invoke(runner, "export", out)
    assert result.exit_code == 0, result.output
    exported = json.loads((out / "heroes.json").read_text(encoding="utf-8"))
    assert all(r["status"] == "published" for r in exported)
    published = [r for r in _snapshot(app) if r["status"] == "published"]

    from memorial import create_app
    from memorial.schema import create_schema

    from helpers import app_config

    other = create_app(app_config(tmp_path / "second"))
    with other.app_context():
        create_schema()
    result = other.test_cli_runner().invoke(args=["import-archive", str(out)])
    assert result.exit_code == 0, result.output
    assert _snapshot(other) == published
    again = invoke(runner, "export", out)
    assert again.exit_code != 0 and "already holds heroes.json" in again.output


def test_create_user(runner, app):
    result = invoke(
        runner,
        "create-user",
        "Mod@Example.org",
        "--role",
        "moderator",
        "--password-stdin",
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "mod@example.org" and user.role == "moderator"
        assert user.password_hash.startswith("$argon2id$")
        assert "correct horse" not in user.password_hash
    again = invoke(
        runner,
        "create-user",
        "mod@example.org",
        "--role",
        "admin",
        "--password-stdin",
        input="another long password\n",
    )
    assert again.exit_code == 0 and "updated admin" in again.output
    assert count(app, User) == 1


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["not-an-email", "--password-stdin"], "long enough password\n", "not an e-mail"),
        (["a@b.org", "--password-stdin"], "short\n", "at least 10"),
        (["a@b.org", "--role", "king", "--password-stdin"], "long enough password\n", "king"),
    ],
)
def test_create_user_bad_input(runner, app, args, stdin, message):
    result = invoke(runner, "create-user", *args, input=stdin)
    assert result.exit_code != 0 and message in result.output
    assert count(app, User) == 0


def test_check_finds_index_and_media_problems(runner, app, tmp_path):
    folder = write_archive(
        tmp_path / "arch",
        [record("a-1", photos=[{"file": "p.png"}]), record("a-2", surname="Бондар")],
        {"p.png": image_bytes()},
    )
    assert invoke(runner, "import-archive", folder).exit_code == 0
    with app.app_context():
        photo = db.session.scalar(select(Photo))
        path = Path(app.config["DATA_DIR"]) / "media" / photo.file_path
        from memorial.search import backend_for

        backend = backend_for(app)
        with backend.write_lock():
            backend.apply([], [db.session.scalar(select(Hero.id).where(Hero.external_id == "a-2"))])
    path.write_bytes(b"tampered")
    result = invoke(runner, "check")
    assert result.exit_code == 1
    assert "missing from the index" in result.output
    assert "does not match its checksum" in result.output
    assert invoke(runner, "reindex").exit_code == 0
    result = invoke(runner, "check")
    assert "missing from the index" not in result.output
    path.unlink()
    assert "is missing" in invoke(runner, "check").output


def test_check_counts_what_it_does_not_name(runner, app, tmp_path):
    folder = write_archive(
        tmp_path / "arch", [record(f"m-{n}", surname=f"Прізвище{n}") for n in range(25)]
    )
    assert invoke(runner, "import-archive", folder).exit_code == 0
    with app.app_context():
        from memorial.search import backend_for

        backend = backend_for(app)
        with backend.write_lock():
            backend.apply([], list(db.session.scalars(select(Hero.id))))
    result = invoke(runner, "check")
    assert result.exit_code == 1
    assert result.output.count("is missing from the index") == 20
    assert "… and 5 more published heroes missing from the index (25 in all)" in result.output
    assert "memorial reindex" in result.output
    assert invoke(runner, "reindex").exit_code == 0
    assert invoke(runner, "check").exit_code == 0


def test_reindex_keeps_search_answering(runner, app, tmp_path):
    folder = write_archive(tmp_path / "arch", [record("a-1")])
    assert invoke(runner, "import-archive", folder).exit_code == 0
    client = app.test_client()
    before = client.get("/api/v1/search?q=Коваленко").get_json()
    result = invoke(runner, "reindex")
    assert result.exit_code == 0 and "1 heroes" in result.output
    after = client.get("/api/v1/search?q=Коваленко").get_json()
    assert before["total"] == after["total"] == 1
    assert invoke(runner, "reindex").exit_code == 0


def test_backup_is_consistent_copy(runner, app, tmp_path):
    folder = write_archive(
        tmp_path / "arch", [record("a-1", photos=[{"file": "p.png"}])], {"p.png": image_bytes()}
    )
    assert invoke(runner, "import-archive", folder).exit_code == 0
    target = tmp_path / "backup"
    result = invoke(runner, "backup", target)
    assert result.exit_code == 0, result.output
    manifest = json.loads((target / "manifest.json").read_text())
    if manifest["dialect"] == "sqlite":
        conn = sqlite3.connect(target / "memorial.db")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM hero").fetchone()[0] == 1
        conn.close()
    else:
        listing = subprocess.run(
            ["pg_restore", "--list", str(target / "database.dump")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "TABLE DATA public hero" in listing
    assert len(manifest["media"]) == 1
    for rel, sha in manifest["media"].items():
        import hashlib

        assert hashlib.sha256((target / "media" / rel).read_bytes()).hexdigest() == sha
    again = invoke(runner, "backup", target)
    assert again.exit_code != 0 and "not an empty folder" in again.output


def media_files_on_disk(app) -> list[str]:
    root = Path(app.config["DATA_DIR"]) / "media"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def age(path: Path, hours: float = 2) -> None:
    """Make a file look written ``hours`` ago (older than the orphans' grace period)."""
    import time

    old = time.time() - hours * 3600
    os.utime(path, (old, old))


def test_check_reports_orphaned_media_and_fix_removes_only_them(runner, app, tmp_path):
    folder = write_archive(
        tmp_path / "arch", [record("o-1", photos=[{"file": "p.png"}])], {"p.png": image_bytes()}
    )
    assert invoke(runner, "import-archive", folder).exit_code == 0
    client = app.test_client()
    with app.app_context():
        photo = db.session.scalar(select(Photo))
    response = client.get(f"/media/thumb/320/{photo.file_path}")
    response.close()
    assert response.status_code == 200
    root = Path(app.config["DATA_DIR"]) / "media"
    stray = root / "ab" / "leftover.jpg"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(image_bytes("JPEG"))
    half_written = root / "cd" / "partial.tmp"
    half_written.parent.mkdir(parents=True, exist_ok=True)
    half_written.write_bytes(b"x")
    young = root / "ef" / "upload-in-progress.jpg"
    young.parent.mkdir(parents=True, exist_ok=True)
    young.write_bytes(b"y")
    orphan_thumb = root / "thumbs" / "320" / "ab" / "gone.jpg"
    orphan_thumb.parent.mkdir(parents=True, exist_ok=True)
    orphan_thumb.write_bytes(b"z")
    for path in (stray, half_written, orphan_thumb):
        age(path)
    kept = root / photo.file_path
    thumb = root / "thumbs" / "320" / Path(photo.file_path).with_suffix(".jpg")
    assert thumb.is_file()
    age(kept)
    age(thumb)

    result = invoke(runner, "check")
    assert result.exit_code == 1, result.output
    for rel in ("ab/leftover.jpg", "cd/partial.tmp", "thumbs/320/ab/gone.jpg"):
        assert f"media: file {rel} is named by no photo or submission photo" in result.output
    assert "upload-in-progress" not in result.output  # younger than the grace period

    result = invoke(runner, "check", "--fix")
    assert result.exit_code == 0, result.output
    assert "removing orphaned media file ab/leftover.jpg" in result.output
    assert "removed 3 orphaned media files" in result.output
    assert "all checks passed" in result.output
    assert not stray.exists() and not half_written.exists() and not orphan_thumb.exists()
    assert kept.is_file() and thumb.is_file() and young.is_file()


def test_reimport_that_drops_a_photo_removes_its_file(runner, app, tmp_path):
    first = write_archive(
        tmp_path / "a",
        [record("d-1", photos=[{"file": "p.png"}, {"file": "q.png"}])],
        {"p.png": image_bytes(), "q.png": image_bytes(color=(1, 2, 3))},
    )
    assert invoke(runner, "import-archive", first).exit_code == 0
    assert len(media_files_on_disk(app)) == 2
    second = write_archive(
        tmp_path / "b",
        [record("d-1", photos=[{"file": "q.png"}])],
        {"q.png": first.joinpath("q.png").read_bytes()},
    )
    assert invoke(runner, "import-archive", second).exit_code == 0
    with app.app_context():
        named = list(db.session.scalars(select(Photo.file_path)))
    assert media_files_on_disk(app) == named and len(named) == 1
    app.config["ORPHAN_GRACE_MINUTES"] = 0
    result = invoke(runner, "check")
    assert result.exit_code == 0, result.output


def test_purge_rejected_deletes_old_rejected_photos_only(runner, app, tmp_path):
    import datetime as dt

    from memorial import clock, submissions
    from memorial.accounts import create_or_update_user
    from memorial.models import Submission, SubmissionPhoto

    from helpers import SUBMITTER, post_form, reference_of

    client = app.test_client()
    refs = []
    for n in range(3):
        data = {**SUBMITTER, "surname": f"Гук{n}", "given_name": "Лев"}
        files = [(f"{n}.png", image_bytes(color=(n, 9, 9)))]
        refs.append(reference_of(client, post_form(client, "/submit", data, files)))
    start = dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC)
    with app.app_context():
        user, _ = create_or_update_user(
            db.session, "mod@example.org", "a long enough secret", "moderator"
        )
        by_ref = {s.reference: s for s in db.session.scalars(select(Submission))}
        with clock.frozen(start):
            submissions.reject(db.session, by_ref[refs[0]], user, "не про загиблого")
        with clock.frozen(start + dt.timedelta(days=25)):
            submissions.reject(db.session, by_ref[refs[1]], user, "дубль")
        db.session.commit()
        paths = {s.reference: [p.file_path for p in s.photos] for s in by_ref.values()}
    root = Path(app.config["DATA_DIR"]) / "media"
    with clock.frozen(start + dt.timedelta(days=31)):
        result = invoke(runner, "purge-rejected")
    assert result.exit_code == 0, result.output
    assert "deleted 1 photos of submissions rejected more than 30 days ago" in result.output
    assert not (root / paths[refs[0]][0]).exists()
    assert (root / paths[refs[1]][0]).is_file()  # rejected 6 days before: kept
    assert (root / paths[refs[2]][0]).is_file()  # still pending: kept
    assert count(app, SubmissionPhoto) == 2
    app.config["ORPHAN_GRACE_MINUTES"] = 0
    assert invoke(runner, "check").exit_code == 0


def test_every_bad_record_is_named_and_nothing_imported(runner, app, tmp_path):
    records = [record(f"ho-{i}", surname=f"Прізвище{i}") for i in range(1, 8)]
    records[1]["death_date"] = "2023-13"
    records[4].pop("surname")
    records[6]["external_id"] = "ho-1"
    result = invoke(runner, "import-archive", write_archive(tmp_path / "arch", records))
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[:3] == [
        'heroes.json, record 2 (external_id ho-2): death_date "2023-13" is not a date',
        "heroes.json, record 5 (external_id ho-5): surname is required",
        "heroes.json, record 7 (external_id ho-1): external_id repeats record 1",
    ]
    assert lines[-1] == (
        'Error: heroes.json, record 2 (external_id ho-2): death_date "2023-13" is not a date '
        "(and 2 more bad records)"
    )
    assert count(app) == 0


def test_imported_texts_have_unix_line_ends(runner, app, tmp_path):
    windows = record(
        "crlf-1",
        biography="Перший абзац.\r\n\r\nДругий.",
        stories=[{"title": "Т", "body": "Рядок один.\r\nРядок два.", "author_name": "О"}],
    )
    result = invoke(runner, "import-archive", write_archive(tmp_path / "arch", [windows]))
    assert result.exit_code == 0, result.output
    export = tmp_path / "out"
    assert invoke(runner, "export", export).exit_code == 0
    text = (export / "heroes.json").read_text(encoding="utf-8")
    assert "\\r" not in text
    assert "Перший абзац.\\n\\nДругий." in text and "Рядок один.\\nРядок два." in text
