"""Interview files on the web: serving a converted file (with range requests) and starting
a conversion in the background; used by the public, submission and staff pages."""

from __future__ import annotations

from flask import abort, current_app, send_file

from .. import interviews, media
from ..models import Interview, InterviewStatus


def start_interview_conversion(interview_id: int) -> None:
    """Convert an interview in the background; the thread is kept by id (tests wait on it)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    threads = app.extensions.setdefault("memorial.interview_threads", {})
    for done in [key for key, thread in threads.items() if not thread.is_alive()]:
        del threads[done]
    threads[interview_id] = interviews.start_conversion(app, interview_id)


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
