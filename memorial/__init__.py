"""Memorial: a web archive of the fallen defenders of Ukraine."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.json.provider import DefaultJSONProvider

ROOT = Path(__file__).resolve().parent.parent


class ArchiveJSON(DefaultJSONProvider):
    """JSON as the archive writes it: Ukrainian letters as they are, keys in their order."""

    ensure_ascii = False
    sort_keys = False


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, commands and error pages."""
    instance = (test_config or {}).get("INSTANCE_PATH") or ROOT / "instance"
    app = Flask(
        __name__,
        instance_path=str(instance),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from .config import load_config

    load_config(app, test_config)
    if app.config["PROXIES"]:
        # Behind nginx: the visitor's address (rate limits, candles) and https come from the
        # X-Forwarded-* headers the given number of proxies set; without them, from the socket.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXIES"]
        # Wrapping wsgi_app is Flask's documented way to add middleware; its stubs see a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    app.json = ArchiveJSON(app)

    from . import changes, cli, search, web
    from .extensions import db, migrate
    from .schema import bind_connection_hooks

    db.init_app(app)
    with app.app_context():
        bind_connection_hooks(db.engine)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    changes.init_app(app)
    search.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    return app
