"""The web: every page, form and JSON answer, built on the domain beside this package.

Views validate what came in, call one domain operation, commit once and redirect or answer;
the rules live in the domain, which never imports from here.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, abort, g, request
from werkzeug.sansio.utils import host_is_trusted

from .. import audit, provenance

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Bind the web extensions, hooks and blueprints to ``app`` (the page cache last)."""
    from ..extensions import csrf, limiter
    from . import (
        api,
        auth,
        edge,
        errors,
        feeds,
        grave_works,
        graves,
        i18n,
        oai,
        opendata,
        pagecache,
        public,
        reminders,
        safety,
        security,
        seo,
        sheets,
        staff,
        staff_book,
        staff_consent,
        staff_family,
        staff_graves,
        staff_interviews,
        staff_veterans,
        submit,
        templating,
        veterans,
    )

    server_names = app.config["SERVER_NAMES"]
    if server_names:

        @app.before_request
        def refuse_other_hosts() -> None:
            """Only the configured host names are served: a page for any other Host would
            carry that host in its links and fill the page cache with copies."""
            if not host_is_trusted(request.host, server_names):
                abort(400)

    @app.before_request
    def bind_audit_origin() -> None:
        """Staff actions taken in this request are logged with the visitor's address."""
        g.audit_origin = audit.bind_origin(request.remote_addr)

    @app.teardown_request
    def unbind_audit_origin(exc: BaseException | None) -> None:
        token = g.pop("audit_origin", None)
        if token is not None:
            audit.unbind_origin(token)

    edge.init_app(app)
    # Before the CSRF check reads the form: the forms that may carry an interview accept it.
    app.before_request(staff_interviews.allow_large_uploads)
    csrf.init_app(app)
    limiter.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    veterans.init_app(app)
    for blueprint in (
        public.bp,
        veterans.bp,
        graves.bp,
        grave_works.public_bp,
        api.bp,
        seo.bp,
        feeds.bp,
        reminders.bp,
        opendata.bp,
        oai.bp,
        submit.bp,
        staff.bp,
        safety.bp,
        sheets.bp,
        staff_graves.bp,
        staff_family.bp,
        staff_consent.bp,
        staff_book.bp,
        staff_veterans.bp,
        staff_interviews.bp,
        grave_works.bp,
        auth.bp,
    ):
        app.register_blueprint(blueprint)
    errors.init_app(app)
    _release_embargoes(app)
    pagecache.init_app(app)


def _release_embargoes(app: Flask) -> None:
    """Before the page cache answers, let heroes whose embargo has passed appear: at most
    once per ``EMBARGO_RECHECK`` seconds a worker looks (one indexed query), and touches
    the due heroes so the search index takes them in and cached pages are retired."""
    from ..extensions import db

    recheck = float(app.config["EMBARGO_RECHECK"])
    next_look = [0.0]

    @app.before_request
    def release_embargoes() -> None:
        now = time.monotonic()
        if now < next_look[0]:
            return
        next_look[0] = now + recheck
        try:
            provenance.release_due(db.session)
        except Exception:  # a visitor's page never fails for it; the next look retries
            db.session.rollback()
            log.exception("embargoes that passed were not released")
