"""The app factory and configuration."""

from __future__ import annotations

import os
import stat

import pytest

from memorial import create_app


def test_defaults_live_in_instance_folder(tmp_path, monkeypatch):
    for key in (
        "DATABASE_URL",
        "DATA_DIR",
        "SECRET_KEY",
        "SEARCH_BACKEND",
        "RATELIMIT_STORAGE_URI",
    ):
        monkeypatch.delenv(f"MEMORIAL_{key}", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.config["DATABASE_URL"] == "sqlite:///" + str(tmp_path / "instance" / "memorial.db")
    assert app.config["DATA_DIR"] == str(tmp_path / "instance")
    assert app.config["SEARCH_BACKEND"] == "whoosh"
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_secret_key_generated_once_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("MEMORIAL_SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    first = create_app({"INSTANCE_PATH": str(instance)})
    second = create_app({"INSTANCE_PATH": str(instance)})
    key_file = instance / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert key_file.read_text().strip() == first.config["SECRET_KEY"]
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    other = create_app({"INSTANCE_PATH": str(tmp_path / "other")})
    assert other.config["SECRET_KEY"] != first.config["SECRET_KEY"]


def test_environment_overrides_instance_file(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "DATA_DIR = '/nonexistent/from-file'\nSEARCH_BACKEND = 'whoosh'\n"
    )
    monkeypatch.setenv("MEMORIAL_DATA_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("MEMORIAL_SECRET_KEY", "from-env-secret")
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["DATA_DIR"] == str(tmp_path / "from-env")
    assert app.config["SECRET_KEY"] == "from-env-secret"
    assert not (instance / "secret_key").exists()


def test_instance_file_read(tmp_path, monkeypatch):
    monkeypatch.delenv("MEMORIAL_DATA_DIR", raising=False)
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(f"DATA_DIR = {str(tmp_path / 'media')!r}\n")
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["DATA_DIR"] == str(tmp_path / "media")


def test_unknown_search_backend_refused(tmp_path):
    import pytest

    with pytest.raises(ValueError, match="MEMORIAL_SEARCH_BACKEND"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SEARCH_BACKEND": "elastic"})


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in response.headers
    secure = client.get("/", base_url="https://localhost")
    assert "max-age=" in secure.headers["Strict-Transport-Security"]


# A fresh interpreter, as a gunicorn worker starts: nothing but the factory is imported, then a
# web request reads the connection's pragmas from inside a view.
_PRAGMA_PROBE = """
import json, sys
from sqlalchemy import text
from memorial import create_app
from memorial.extensions import db

app = create_app({"INSTANCE_PATH": sys.argv[1], "SECRET_KEY": "probe"})

@app.get("/probe-pragmas")
def probe():
    session = db.session
    return {name: session.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("foreign_keys", "journal_mode", "busy_timeout")}

print(json.dumps(app.test_client().get("/probe-pragmas").get_json()))
"""


@pytest.mark.slow
def test_sqlite_pragmas_hold_in_a_fresh_worker(tmp_path):
    import json
    import subprocess
    import sys

    instance = tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMORIAL_")}
    init = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from memorial.cli import main; sys.argv=['memorial', 'init-db']; main()",
        ],
        env={
            **env,
            "MEMORIAL_DATA_DIR": str(instance),
            "MEMORIAL_DATABASE_URL": f"sqlite:///{instance}/memorial.db",
            "MEMORIAL_SECRET_KEY": "probe",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    probe = subprocess.run(
        [sys.executable, "-c", _PRAGMA_PROBE, str(instance)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr
    pragmas = json.loads(probe.stdout.strip().splitlines()[-1])
    assert pragmas == {"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 15000}
