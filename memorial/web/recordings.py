"""Interview files on the web: serving a converted file (with range requests) and starting
a conversion in the background; used by the public, submission and staff pages."""

from __future__ import annotations

from flask import abort, current_app, send_file
from flask_login import current_user

from .. import interviews, media
from ..extensions import db
from ..models import Interview, InterviewStatus


def start_interview_conversion(interview_id: int) -> None:
    """Convert an interview in a background job (the request has committed what it wrote)."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    interviews.start_conversion(db.session, interview_id, user)


def send_interview(row: Interview, max_age: int):
    """The web file of a converted interview, with range requests, or 404."""
    if row.status != InterviewStatus.READY or not row.file_path:
        abort(404)
    try:
        path = media.safe_path(current_app.config["DATA_DIR"], row.file_path)
    except media.MediaError:
        abort(404)
    if not path.is_file():
        abort(404)
    mimetype = "audio/mp4" if path.suffix == ".m4a" else "video/mp4"
    # conditional=True answers Range with 206 and says Accept-Ranges: bytes.
    response = send_file(path, mimetype=mimetype, conditional=True, max_age=max_age)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = "inline"
    return response
