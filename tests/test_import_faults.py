"""Imports that die or run out of disk: a real ``memorial import-archive`` process each time."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from helpers import BIN, ROOT, deployment_env, record, run_memorial, write_archive

pytestmark = pytest.mark.slow


def noise_jpeg(size=(640, 480)) -> bytes:
    out = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def big_archive(folder: Path, heroes: int, photos_each: int = 2) -> Path:
    """Many heroes whose photos all come from one file (each is stored anew)."""
    photos = [{"file": "p.jpg"}] * photos_each
    records = [record(f"k-{n}", surname=f"Прізвище{n}", photos=photos) for n in range(heroes)]
    return write_archive(folder, records, {"p.jpg": noise_jpeg()})


def media_files(env: dict) -> list[Path]:
    root = Path(env["MEMORIAL_DATA_DIR"]) / "media"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def heroes_in_database(env: dict) -> int:
    code = (
        "from memorial import create_app;from memorial.extensions import db;"
        "from memorial.models import Hero;from sqlalchemy import func, select;"
        "app=create_app();ctx=app.app_context();ctx.push();"
        "print(db.session.scalar(select(func.count(Hero.id))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip().splitlines()[-1])


def start_import(env: dict, folder: Path, files_before_signal: int = 30):
    """Start an import and return it once it has written some media files."""
    proc = subprocess.Popen(
        [str(BIN / "memorial"), "import-archive", str(folder)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 240
    while len(media_files(env)) < files_before_signal:
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the import ended before it was interrupted: {out}{err}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the import wrote no media files in time")
        time.sleep(0.05)
    return proc


def test_import_killed_with_sigkill_leaves_orphans_that_check_finds_and_fix_removes(tmp_path):
    env = deployment_env(tmp_path, MEMORIAL_SEARCH_SYNC="inline", MEMORIAL_ORPHAN_GRACE_MINUTES="0")
    assert run_memorial(env, "init-db").returncode == 0
    folder = big_archive(tmp_path / "arch", heroes=400)
    proc = start_import(env, folder)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    left = media_files(env)
    assert left, "the kill left no file: nothing to find"
    assert heroes_in_database(env) == 0  # nothing was committed

    check = run_memorial(env, "check")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "is named by no photo or submission photo (orphan)" in check.stdout
    assert f"({len(left)} in all)" in check.stdout or len(left) <= 20

    fixed = run_memorial(env, "check", "--fix")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert f"removed {len(left)} orphaned media files" in fixed.stdout
    assert "all checks passed" in fixed.stdout
    assert media_files(env) == []

    again = run_memorial(env, "import-archive", str(folder))
    assert again.returncode == 0, again.stderr
    assert run_memorial(env, "check").returncode == 0


def test_import_interrupted_with_ctrl_c_removes_what_it_wrote(tmp_path):
    env = deployment_env(tmp_path, MEMORIAL_SEARCH_SYNC="inline", MEMORIAL_ORPHAN_GRACE_MINUTES="0")
    assert run_memorial(env, "init-db").returncode == 0
    folder = big_archive(tmp_path / "arch", heroes=400)
    proc = start_import(env, folder)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode not in (0, None)
    assert "Traceback" not in err, err
    assert "import interrupted, nothing was changed" in err
    assert media_files(env) == []
    assert heroes_in_database(env) == 0
    check = run_memorial(env, "check")
    assert check.returncode == 0, check.stdout


@contextlib.contextmanager
def tmpfs(path: Path, size: str):
    """A small RAM file system mounted at ``path`` (the test runs as root, as CI does)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder: Path) -> Path:
    """Fill the file system of ``folder`` to the last byte."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 4096)
    return filler


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_full_disk_while_storing_photos_changes_nothing_and_says_so(tmp_path):
    env = deployment_env(tmp_path, MEMORIAL_SEARCH_SYNC="inline", MEMORIAL_ORPHAN_GRACE_MINUTES="0")
    with tmpfs(Path(env["MEMORIAL_DATA_DIR"]), "2m"):
        assert run_memorial(env, "init-db").returncode == 0
        folder = big_archive(tmp_path / "arch", heroes=40)  # about 8 MB of photos
        result = run_memorial(env, "import-archive", str(folder))
        line = one_line_error(result)
        assert "import failed, nothing was changed" in line and "No space left" in line
        assert media_files(env) == []
        assert heroes_in_database(env) == 0
        assert run_memorial(env, "check").returncode == 0


def test_full_disk_while_indexing_says_what_was_committed(tmp_path):
    env = deployment_env(tmp_path, MEMORIAL_SEARCH_SYNC="inline", MEMORIAL_ORPHAN_GRACE_MINUTES="0")
    if env["MEMORIAL_SEARCH_BACKEND"] != "whoosh":
        pytest.skip("the postgres search backend keeps its index in the database")
    index = Path(env["MEMORIAL_DATA_DIR"]) / "search"
    with tmpfs(index, "1m"):
        assert run_memorial(env, "init-db").returncode == 0
        filler = fill(index)
        folder = big_archive(tmp_path / "arch", heroes=30, photos_each=1)
        result = run_memorial(env, "import-archive", str(folder))
        line = one_line_error(result)
        assert "imported 30 heroes: 30 new, 0 updated, 30 photos stored" in line
        assert "committed to the database" in line
        assert "search index was not updated" in line and "memorial reindex" in line
        assert heroes_in_database(env) == 30
        check = run_memorial(env, "check")
        assert check.returncode == 1 and "Traceback" not in check.stderr, check.stderr
        assert "index: " in check.stdout
        filler.unlink()
        reindex = run_memorial(env, "reindex")
        assert reindex.returncode == 0, reindex.stderr
        check = run_memorial(env, "check")
        assert check.returncode == 0, check.stdout
