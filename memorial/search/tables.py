"""The search's own tables: the outbox of heroes to refresh, and the PostgreSQL backend's index."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DDL, DateTime, Index, Integer, String, Text, event, func
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..models import utcnow


class SearchOutbox(Model):
    """A hero whose index entry must be refreshed; written in the same transaction as the change."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    hero_id: Mapped[int] = mapped_column(Integer, index=True)
    queued_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.current_timestamp()
    )


class SearchDocument(Model):
    """One published hero as the PostgreSQL search backend indexes it (unused with Whoosh)."""

    __tablename__ = "search_document"
    __table_args__ = (Index("ix_search_document_lexemes", "lexemes", postgresql_using="gin"),)

    hero_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(64))
    # Lexemes made in Python by the same Ukrainian analysis as the Whoosh index, each
    # prefixed by its field ("x:" exact name, "n:" name lemma, "l:" Latin name, "p:" place,
    # "u:" unit, "t:" running text) and stored with positions for phrase queries.
    lexemes: Mapped[str] = mapped_column(TSVECTOR().with_variant(Text(), "sqlite"))
    letter: Mapped[str] = mapped_column(String(4), default="", index=True)
    sort_name: Mapped[str] = mapped_column(
        String(700).with_variant(String(700, collation="C"), "postgresql"), default="", index=True
    )
    birth_year: Mapped[int | None] = mapped_column(Integer, index=True)
    death_year: Mapped[int | None] = mapped_column(Integer, index=True)
    death_sort: Mapped[int] = mapped_column(Integer, default=0)
    f_military_unit: Mapped[str] = mapped_column(String(300), default="")
    f_home_community: Mapped[str] = mapped_column(String(300), default="")
    f_birth_place: Mapped[str] = mapped_column(String(300), default="")
    f_burial_place: Mapped[str] = mapped_column(String(300), default="")
    f_rank: Mapped[str] = mapped_column(String(200), default="")
    f_collection: Mapped[str] = mapped_column(
        String(300), default="fallen", server_default="fallen"
    )


class SearchTerm(Model):
    """A name word present in the PostgreSQL index, for trigram lookups of misspelt names."""

    __tablename__ = "search_term"
    __table_args__ = (
        Index(
            "ix_search_term_trigram",
            "term",
            postgresql_using="gin",
            postgresql_ops={"term": "gin_trgm_ops"},
        ),
    )

    # "x": a Cyrillic name word, "l": its Latin transliteration.
    field: Mapped[str] = mapped_column(String(1), primary_key=True)
    term: Mapped[str] = mapped_column(String(200), primary_key=True)


# The trigram index needs the extension; the migration creates it too.
event.listen(
    SearchTerm.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)
