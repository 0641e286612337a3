"""The JSON API keeps the shape of the contract."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from memorial.extensions import db
from memorial.models import Hero

RESULT_KEYS = {
    "id",
    "external_id",
    "slug",
    "full_name",
    "url",
    "birth_date",
    "death_date",
    "snippet",
    "collection",
}


def test_search_shape(demo_app, client):
    data = client.get("/api/v1/search?q=Журавський").get_json()
    contract = {"query", "total", "page", "per_page", "results"}
    assert contract <= set(data) <= contract | {"partial", "suggestion", "facets"}
    assert data["query"] == "Журавський" and data["page"] == 1 and data["per_page"] == 20
    assert data["total"] >= 1
    first = data["results"][0]
    assert set(first) == RESULT_KEYS
    assert first["full_name"].startswith("Журавський Євген")
    assert first["url"].endswith(f"/heroes/{first['slug']}")


def test_search_paging_and_year(demo_app, client):
    all_ = client.get("/api/v1/search?q=бригада&per_page=100").get_json()
    assert all_["total"] > 5
    page2 = client.get("/api/v1/search?q=бригада&per_page=5&page=2").get_json()
    assert page2["per_page"] == 5 and len(page2["results"]) == 5
    assert [r["id"] for r in page2["results"]] == [r["id"] for r in all_["results"][5:10]]
    year = all_["results"][0]["death_date"][:4]
    filtered = client.get(f"/api/v1/search?q=бригада&death_year={year}&per_page=100").get_json()
    assert filtered["total"] >= 1
    assert all(r["death_date"].startswith(year) for r in filtered["results"])


@pytest.mark.parametrize(
    "query", ["per_page=101", "per_page=0", "page=0", "page=x", "death_year=abc", "sort=random"]
)
def test_bad_arguments_are_400_json(demo_app, client, query):
    response = client.get(f"/api/v1/search?q=a&{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_hero_shape_matches_archive_format(demo_app, client, demo_source):
    records = {
        r["external_id"]: r
        for r in json.loads((demo_source / "heroes.json").read_text(encoding="utf-8"))
    }
    with demo_app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.external_id == "demo-001"))
    data = client.get(f"/api/v1/heroes/{hero.id}").get_json()
    source = records["demo-001"]
    assert data["id"] == hero.id and data["slug"] == hero.slug and data["url"]
    for key in (
        "external_id",
        "surname",
        "given_name",
        "patronymic",
        "call_sign",
        "birth_date",
        "death_date",
        "military_unit",
        "burial_place",
        "burial_plot",
    ):
        assert data[key] == source.get(key), key
    assert [a["name"] for a in data["awards"]] == [a["name"] for a in source.get("awards", [])]
    assert len(data["stories"]) == len(source.get("stories", []))


def test_missing_hero_404(demo_app, client):
    response = client.get("/api/v1/heroes/999999")
    assert response.status_code == 404 and response.get_json()["error"]


def test_openapi_describes_both_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/search", "/api/v1/heroes/{id}"} <= set(spec["paths"])
    params = {p["name"]: p for p in spec["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert params["per_page"]["schema"]["maximum"] == 100


def test_healthz(demo_app, client):
    response = client.get("/healthz")
    data = response.get_json()
    assert response.status_code == 200
    assert data["database"] == "ok" and data["index"] == "ok" and data["indexed"] > 40
