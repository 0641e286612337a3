"""The OpenAPI description of the JSON API."""

from __future__ import annotations

from ..records import HERO_TEXT_FIELDS
from .finder import FACETS_OFF, FACETS_ON, MAX_FILTER_CHARS, MAX_QUERY_CHARS


def _date():
    return {"type": ["string", "null"], "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}


#: Query parameters never carry control characters (the app refuses them, see web/edge.py).
NO_CONTROL = "^[^\\u0000-\\u001f\\u007f\\u2028\\u2029]*$"


def spec(max_per_page: int) -> dict:
    """OpenAPI 3.1 document for ``/api/v1``."""
    error = {
        "type": "object",
        "required": ["error", "status"],
        "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
    }
    text = {"type": ["string", "null"]}
    hero = {
        "type": "object",
        "required": ["id", "slug", "url", "external_id", "surname", "given_name"],
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "url": {"type": "string"},
            "external_id": {"type": "string"},
            "surname": {"type": "string"},
            "given_name": {"type": "string"},
            **{k: text for k in HERO_TEXT_FIELDS if k not in ("surname", "given_name")},
            "birth_date": _date(),
            "death_date": _date(),
            "status": {"type": "string", "enum": ["published"]},
            "collection": {"type": "string", "enum": ["fallen", "veteran"]},
            "service_periods": {
                "type": "array",
                "description": "a veteran's periods of service (the unit is null when kept "
                "from the public)",
                "items": {
                    "type": "object",
                    "properties": {
                        "from": _date(),
                        "to": _date(),
                        "unit": text,
                        "role": text,
                    },
                },
            },
            "unit_hidden": {"type": "boolean"},
            "life_now": text,
            "awards": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "date": _date(),
                        "posthumous": {"type": "boolean"},
                    },
                },
            },
            "stories": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "title": {"type": "string"},
                        "body": {"type": "string"},
                        "author_name": {"type": "string"},
                        "author_relation": {"type": "string"},
                        "chapter": {"type": "string", "enum": ["before", "during", "after"]},
                        "date": _date(),
                    },
                },
            },
            "photos": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string"},
                        "caption": text,
                        "primary": {"type": "boolean"},
                    },
                },
            },
            "grave": {
                "type": ["object", "null"],
                "description": "The structured burial place; `url` is the grave's permanent "
                "address (the one its QR code carries).",
                "required": ["cemetery", "sector", "row", "place", "code", "url"],
                "properties": {
                    "cemetery": {"type": "string"},
                    "sector": {"type": "string"},
                    "row": {"type": "string"},
                    "place": {"type": "string"},
                    "code": {"type": "string"},
                    "url": {"type": "string"},
                },
            },
        },
    }
    result = {
        "type": "object",
        "required": [
            "id",
            "external_id",
            "slug",
            "full_name",
            "url",
            "birth_date",
            "death_date",
            "snippet",
            "collection",
        ],
        "properties": {
            "id": {"type": "integer"},
            "external_id": {"type": "string"},
            "slug": {"type": "string"},
            "full_name": {"type": "string"},
            "url": {"type": "string"},
            "birth_date": _date(),
            "death_date": _date(),
            "snippet": {
                "type": "string",
                "description": "escaped text; <mark> around matched words",
            },
            "collection": {"type": "string", "enum": ["fallen", "veteran"]},
        },
    }
    int_param = lambda name, low, high, desc: {  # noqa: E731
        "name": name,
        "in": "query",
        "required": False,
        "description": desc,
        # An empty value (a form's unset field) means the parameter is not given.
        "allowEmptyValue": True,
        "schema": {"type": "integer", "minimum": low, "maximum": high},
    }
    str_param = lambda name, desc: {  # noqa: E731
        "name": name,
        "in": "query",
        "required": False,
        "description": desc,
        "schema": {"type": "string", "maxLength": MAX_FILTER_CHARS, "pattern": NO_CONTROL},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Memorial API",
            "version": "1",
            "description": "Published heroes of the memorial archive.",
        },
        "paths": {
            "/api/v1/search": {
                "get": {
                    "summary": "Search published heroes",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": False,
                            "schema": {
                                "type": "string",
                                "maxLength": MAX_QUERY_CHARS,
                                "pattern": NO_CONTROL,
                            },
                            "description": "words in any inflection, Latin transliteration, typos; "
                            '"quoted phrases"',
                        },
                        int_param("page", 1, 10000, "page number"),
                        int_param("per_page", 1, max_per_page, "results per page"),
                        int_param("death_year", 1000, 2999, "year of death"),
                        int_param("birth_year", 1000, 2999, "year of birth"),
                        str_param("military_unit", "exact unit"),
                        str_param("home_community", "exact home community"),
                        str_param("birth_place", "exact birth place"),
                        str_param("burial_place", "exact burial place"),
                        str_param("rank", "exact rank"),
                        {
                            "name": "collection",
                            "in": "query",
                            "required": False,
                            "description": "the fallen or the living veterans (both when absent)",
                            "allowEmptyValue": True,
                            "schema": {"type": "string", "enum": ["fallen", "veteran"]},
                        },
                        {
                            "name": "letter",
                            "in": "query",
                            "required": False,
                            "description": "first letter of the surname",
                            "schema": {"type": "string", "maxLength": 1, "pattern": NO_CONTROL},
                        },
                        {
                            "name": "sort",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": ["relevance", "name", "death"]},
                        },
                        {
                            "name": "facets",
                            "in": "query",
                            "required": False,
                            "description": "0 leaves out the counts per filter value",
                            "allowEmptyValue": True,
                            "schema": {"type": "string", "enum": [*FACETS_OFF, *FACETS_ON]},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "results",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": [
                                            "query",
                                            "total",
                                            "page",
                                            "per_page",
                                            "results",
                                        ],
                                        "properties": {
                                            "query": {"type": "string"},
                                            "total": {"type": "integer"},
                                            "page": {"type": "integer"},
                                            "per_page": {"type": "integer"},
                                            "results": {"type": "array", "items": result},
                                            "partial": {
                                                "type": "boolean",
                                                "description": "no hero matched every word; the "
                                                "heroes matching most words are shown",
                                            },
                                            "suggestion": {
                                                "type": ["string", "null"],
                                                "description": "a nearby spelling worth trying",
                                            },
                                            "facets": {
                                                "type": "object",
                                                "description": "per filter, matches per value",
                                                "additionalProperties": {
                                                    "type": "object",
                                                    "additionalProperties": {"type": "integer"},
                                                },
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "400": {
                            "description": "bad argument",
                            "content": {"application/json": {"schema": error}},
                        },
                    },
                }
            },
            "/api/v1/heroes/{id}": {
                "get": {
                    "summary": "One published hero in the archive format",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "the hero",
                            "content": {"application/json": {"schema": hero}},
                        },
                        "404": {
                            "description": "missing or unpublished",
                            "content": {"application/json": {"schema": error}},
                        },
                    },
                }
            },
        },
    }
