"""Backup and restore: a backup restored into an empty place gives back every record and file."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from memorial import create_app
from memorial.extensions import db
from memorial.media import file_sha256, media_root

from helpers import app_config, database_url_for


def table_rows(app) -> dict[str, list[tuple]]:
    """Every row of every model table, in primary-key order.

    Not the content version: a restore gives the content a new one, so that pages cached
    before it are never served after it.
    """
    out = {}
    with app.app_context():
        with db.engine.connect() as conn:
            for name, table in sorted(db.metadata.tables.items()):
                if name == "content_version":
                    continue
                order = list(table.primary_key.columns)
                out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
        db.engine.dispose()
    return out


def media_files(app) -> dict[str, str]:
    """Stored photos (thumbnails are derived and left out) with their checksums."""
    root = media_root(app.config["DATA_DIR"])
    return {
        str(p.relative_to(root)): file_sha256(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and "thumbs" not in p.relative_to(root).parts
    }


def empty_place(tmp_path: Path, name: str):
    """A new app on an empty database and an empty data folder."""
    folder = tmp_path / name
    folder.mkdir()
    url = database_url_for(folder, empty=True)
    return create_app(app_config(folder, DATABASE_URL=url))


def test_restore_gives_back_every_record_and_file(demo_app, runner, tmp_path):
    result = runner.invoke(
        args=["create-user", "keeper@example.org", "--role", "admin", "--password-stdin"],
        input="a long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    backup = tmp_path / "backup"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    expected = "sqlite" if demo_app.config["DATABASE_URL"].startswith("sqlite") else "postgresql"
    assert manifest["dialect"] == expected
    assert len(manifest["media"]) > 10

    restored = empty_place(tmp_path, "restored")
    result = restored.test_cli_runner().invoke(args=["restore", str(backup)])
    assert result.exit_code == 0, result.output
    assert "restored" in result.output

    original_rows = table_rows(demo_app)
    assert len(original_rows["hero"]) > 40 and original_rows["user_account"]
    assert table_rows(restored) == original_rows
    assert media_files(restored) == media_files(demo_app)
    assert set(media_files(restored)) == set(manifest["media"])
    check = restored.test_cli_runner().invoke(args=["check"])
    assert check.exit_code == 0, check.output
    api = restored.test_client().get("/api/v1/search?q=Журавський").get_json()
    assert api["total"] >= 1
    with restored.app_context():
        db.engine.dispose()


def test_restore_refuses_a_place_that_holds_data(demo_app, runner, tmp_path):
    backup = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    before = table_rows(demo_app)
    result = runner.invoke(args=["restore", str(backup)])
    assert result.exit_code != 0
    assert "empty" in result.output
    assert table_rows(demo_app) == before


def test_restore_refuses_a_damaged_backup(demo_app, runner, tmp_path):
    backup = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    damaged = backup / "media" / next(iter(manifest["media"]))
    damaged.write_bytes(damaged.read_bytes()[:-10])
    restored = empty_place(tmp_path, "restored")
    result = restored.test_cli_runner().invoke(args=["restore", str(backup)])
    assert result.exit_code != 0
    assert "damaged" in result.output
    assert media_files(restored) == {}
    with restored.app_context():
        from sqlalchemy import inspect

        assert inspect(db.engine).get_table_names() == []
        db.engine.dispose()


def test_photos_of_pending_submissions_are_backed_up_restored_and_checked(app, runner, tmp_path):
    """A pending submission's photo was left out of the backup; restore and check passed, and
    approving the submission then published a photo whose file did not exist."""
    from memorial import submissions
    from memorial.accounts import create_or_update_user
    from memorial.models import Photo, Submission

    from helpers import SUBMITTER, image_bytes, post_form, reference_of

    client = app.test_client()
    data = {**SUBMITTER, "surname": "Гук", "given_name": "Лев"}
    files = [("family.png", image_bytes(color=(9, 99, 199)))]
    reference = reference_of(client, post_form(client, "/submit", data, files))
    backup = tmp_path / "backup"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    pending = media_files(app)
    assert len(pending) == 1
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["media"] == pending

    restored = empty_place(tmp_path, "restored")
    result = restored.test_cli_runner().invoke(args=["restore", str(backup)])
    assert result.exit_code == 0, result.output
    assert media_files(restored) == pending
    with restored.app_context():
        user, _ = create_or_update_user(
            db.session, "mod@example.org", "a long enough secret", "moderator"
        )
        item = db.session.scalar(select(Submission).where(Submission.reference == reference))
        hero = submissions.approve(db.session, item, user, notified=True)
        db.session.commit()
        [photo] = db.session.scalars(select(Photo).where(Photo.hero_id == hero.id))
        assert file_sha256(media_root(restored.config["DATA_DIR"]) / photo.file_path)
        db.engine.dispose()

    # `check` names a pending submission whose file is missing.
    (media_root(app.config["DATA_DIR"]) / next(iter(pending))).unlink()
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert f"media: submission {reference} (pending) photo" in result.output
    assert "is missing" in result.output
