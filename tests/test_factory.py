"""The app factory and configuration."""

from __future__ import annotations

import os
import stat

from memorial import create_app


def test_defaults_live_in_instance_folder(tmp_path, monkeypatch):
    for key in ("DATABASE_URL", "DATA_DIR", "SECRET_KEY", "SEARCH_BACKEND",
                "RATELIMIT_STORAGE_URI"):
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
        "DATA_DIR = '/nonexistent/from-file'\nSEARCH_BACKEND = 'whoosh'\n")
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
