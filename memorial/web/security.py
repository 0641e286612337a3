"""Security headers, set in one place for every response."""

from __future__ import annotations

from os import PathLike

from flask import Flask, Response, has_request_context, request, send_file
from flask.sessions import SecureCookieSessionInterface

CSP = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


#: Files people gave (photos, scans) and files made for download are shown by the browser as
#: they are, never run as a page of the site.
FILE_CSP = "default-src 'none'; sandbox"


def send_stored(path: str | PathLike, mimetype: str, max_age: int = 0) -> Response:
    """A stored file shown in the browser (with ETag and ranges), sandboxed."""
    response = send_file(path, mimetype=mimetype, max_age=max_age, conditional=True)
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["Content-Disposition"] = "inline"
    return response


def download(data: bytes, mimetype: str, name: str) -> Response:
    """Bytes made for the user to save under ``name`` (an ASCII file name), sandboxed."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Content-Security-Policy"] = FILE_CSP
    return response


class Sessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, marked ``Secure`` whenever the page came over HTTPS
    (as the language and candle cookies are), not only when configured to."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Whether the session cookie may travel only over HTTPS."""
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    """Add the headers to every response of the app; sessions with a ``Secure`` cookie."""
    app.session_interface = Sessions()

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers["X-Frame-Options"] = "DENY"
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response
