"""`memorial check` tells an index built by an older analysis, and the site keeps answering."""

from __future__ import annotations

from sqlalchemy import text

from memorial.extensions import db
from memorial.search import backend_for
from memorial.search.understanding import ANALYSIS_VERSION

from helpers import record, write_archive


def _age_the_index(app) -> None:
    """Make the live index look as an older release left it (no version, or version 1)."""
    backend = backend_for(app)
    if backend.name == "whoosh":
        # Releases before versions were kept wrote no version file.
        backend.open()
        (backend.current_link.resolve() / "ANALYSIS").unlink()
    else:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text("COMMENT ON TABLE search_document IS NULL"))


def test_check_asks_for_reindex_after_an_analysis_change(app, runner, client, tmp_path):
    folder = write_archive(tmp_path / "a", [record("v-1", surname="Гнатюк", given_name="Тарас")])
    assert runner.invoke(args=["import-archive", str(folder)]).exit_code == 0
    # A fresh index is of the current analysis.
    assert backend_for(app).analysis_version() == ANALYSIS_VERSION
    result = runner.invoke(args=["check"])
    assert "older analysis" not in result.output, result.output

    _age_the_index(app)
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert (
        f"index: built by an older analysis (version 1, this code uses {ANALYSIS_VERSION}); "
        "run `memorial reindex`" in result.output
    )
    # Meanwhile the site still answers from the older index.
    response = client.get("/api/v1/search", query_string={"q": "Гнатюк"})
    assert response.status_code == 200
    assert [r["external_id"] for r in response.get_json()["results"]] == ["v-1"]
    page = client.get("/search", query_string={"q": "Гнатюк"})
    assert page.status_code == 200 and "Гнатюк" in page.get_data(as_text=True)

    assert runner.invoke(args=["reindex"]).exit_code == 0
    result = runner.invoke(args=["check"])
    assert "older analysis" not in result.output
    assert backend_for(app).analysis_version() == ANALYSIS_VERSION


def test_an_empty_old_index_is_not_reported(app, runner):
    """Nothing indexed yet: nothing to rebuild, whatever the version says."""
    _age_the_index(app)
    assert "older analysis" not in runner.invoke(args=["check"]).output
