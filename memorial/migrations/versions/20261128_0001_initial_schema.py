"""Initial schema: heroes, awards, stories, photos, staff, search outbox and search tables.

Revision ID: 26590db84f93
Revises:
Create Date: 2026-11-28 16:45:53
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "26590db84f93"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    """Create every table of the first release."""
    if op.get_bind().dialect.name == "postgresql":
        # Trigram matching of misspelt names (a trusted extension since PostgreSQL 13).
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "hero",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("surname", sa.String(length=200), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=False),
        sa.Column("patronymic", sa.String(length=200), nullable=True),
        sa.Column("call_sign", sa.String(length=200), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("birth_month", sa.Integer(), nullable=True),
        sa.Column("birth_day", sa.Integer(), nullable=True),
        sa.Column("death_year", sa.Integer(), nullable=True),
        sa.Column("death_month", sa.Integer(), nullable=True),
        sa.Column("death_day", sa.Integer(), nullable=True),
        sa.Column("birth_place", sa.String(length=300), nullable=True),
        sa.Column("home_community", sa.String(length=300), nullable=True),
        sa.Column("rank", sa.String(length=200), nullable=True),
        sa.Column("position", sa.String(length=300), nullable=True),
        sa.Column("military_unit", sa.String(length=300), nullable=True),
        sa.Column("death_place", sa.String(length=300), nullable=True),
        sa.Column("death_circumstances", sa.Text(), nullable=True),
        sa.Column("burial_place", sa.String(length=300), nullable=True),
        sa.Column("burial_plot", sa.String(length=200), nullable=True),
        sa.Column("biography", sa.Text(), nullable=True),
        sa.Column("index_letter", sa.String(length=4), nullable=False),
        sa.Column(
            "sort_name",
            sa.String(length=700).with_variant(sa.String(length=700, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('published', 'draft')", name=op.f("ck_hero_status_known")),
        sa.CheckConstraint(
            "birth_day IS NULL OR (birth_day BETWEEN 1 AND 31 AND birth_month IS NOT NULL)",
            name=op.f("ck_hero_birth_day_range"),
        ),
        sa.CheckConstraint(
            "birth_month IS NULL OR (birth_month BETWEEN 1 AND 12 AND birth_year IS NOT NULL)",
            name=op.f("ck_hero_birth_month_range"),
        ),
        sa.CheckConstraint(
            "birth_year IS NULL OR birth_year BETWEEN 1000 AND 2999",
            name=op.f("ck_hero_birth_year_range"),
        ),
        sa.CheckConstraint(
            "birth_year IS NULL OR death_year IS NULL OR birth_year <= death_year",
            name=op.f("ck_hero_born_before_death"),
        ),
        sa.CheckConstraint(
            "death_day IS NULL OR (death_day BETWEEN 1 AND 31 AND death_month IS NOT NULL)",
            name=op.f("ck_hero_death_day_range"),
        ),
        sa.CheckConstraint(
            "death_month IS NULL OR (death_month BETWEEN 1 AND 12 AND death_year IS NOT NULL)",
            name=op.f("ck_hero_death_month_range"),
        ),
        sa.CheckConstraint(
            "death_year IS NULL OR death_year BETWEEN 1000 AND 2999",
            name=op.f("ck_hero_death_year_range"),
        ),
        sa.CheckConstraint(
            "length(surname) > 0 AND length(given_name) > 0", name=op.f("ck_hero_name_present")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hero")),
        sa.UniqueConstraint("external_id", name=op.f("uq_hero_external_id")),
        sa.UniqueConstraint("slug", name=op.f("uq_hero_slug")),
    )
    with op.batch_alter_table("hero", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hero_birth_year"), ["birth_year"], unique=False)
        batch_op.create_index(batch_op.f("ix_hero_death_year"), ["death_year"], unique=False)
        batch_op.create_index(batch_op.f("ix_hero_index_letter"), ["index_letter"], unique=False)
        batch_op.create_index(batch_op.f("ix_hero_published_at"), ["published_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_hero_sort_name"), ["sort_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_hero_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_hero_status_published_at", ["status", "published_at", "id"], unique=False
        )

    op.create_table(
        "search_document",
        sa.Column("hero_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "lexemes", postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite"), nullable=False
        ),
        sa.Column("letter", sa.String(length=4), nullable=False),
        sa.Column(
            "sort_name",
            sa.String(length=700).with_variant(sa.String(length=700, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("death_year", sa.Integer(), nullable=True),
        sa.Column("death_sort", sa.Integer(), nullable=False),
        sa.Column("f_military_unit", sa.String(length=300), nullable=False),
        sa.Column("f_home_community", sa.String(length=300), nullable=False),
        sa.Column("f_birth_place", sa.String(length=300), nullable=False),
        sa.Column("f_burial_place", sa.String(length=300), nullable=False),
        sa.Column("f_rank", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("hero_id", name=op.f("pk_search_document")),
    )
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_document_birth_year"), ["birth_year"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_search_document_death_year"), ["death_year"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_search_document_letter"), ["letter"], unique=False)
        batch_op.create_index(
            "ix_search_document_lexemes", ["lexemes"], unique=False, postgresql_using="gin"
        )
        batch_op.create_index(
            batch_op.f("ix_search_document_sort_name"), ["sort_name"], unique=False
        )

    op.create_table(
        "search_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hero_id", sa.Integer(), nullable=False),
        sa.Column(
            "queued_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_outbox")),
    )
    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_outbox_hero_id"), ["hero_id"], unique=False)

    op.create_table(
        "search_term",
        sa.Column("field", sa.String(length=1), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("field", "term", name=op.f("pk_search_term")),
    )
    with op.batch_alter_table("search_term", schema=None) as batch_op:
        batch_op.create_index(
            "ix_search_term_trigram",
            ["term"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"term": "gin_trgm_ops"},
        )

    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('moderator', 'admin')", name=op.f("ck_user_account_role_known")
        ),
        sa.CheckConstraint("length(email) > 3", name=op.f("ck_user_account_email_present")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    op.create_table(
        "award",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hero_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("award_year", sa.Integer(), nullable=True),
        sa.Column("award_month", sa.Integer(), nullable=True),
        sa.Column("award_day", sa.Integer(), nullable=True),
        sa.Column("posthumous", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "award_day IS NULL OR (award_day BETWEEN 1 AND 31 AND award_month IS NOT NULL)",
            name=op.f("ck_award_award_day_range"),
        ),
        sa.CheckConstraint(
            "award_month IS NULL OR (award_month BETWEEN 1 AND 12 AND award_year IS NOT NULL)",
            name=op.f("ck_award_award_month_range"),
        ),
        sa.CheckConstraint(
            "award_year IS NULL OR award_year BETWEEN 1000 AND 2999",
            name=op.f("ck_award_award_year_range"),
        ),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_award_name_present")),
        sa.ForeignKeyConstraint(
            ["hero_id"], ["hero.id"], name=op.f("fk_award_hero_id_hero"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award")),
    )
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_award_award_year"), ["award_year"], unique=False)
        batch_op.create_index(batch_op.f("ix_award_hero_id"), ["hero_id"], unique=False)

    op.create_table(
        "photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hero_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file_path", sa.String(length=500), nullable=False),
        sa.Column("caption", sa.String(length=1000), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_photo_sha256_length")),
        sa.CheckConstraint(
            "size_bytes >= 0 AND width > 0 AND height > 0", name=op.f("ck_photo_dimensions")
        ),
        sa.ForeignKeyConstraint(
            ["hero_id"], ["hero.id"], name=op.f("fk_photo_hero_id_hero"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo")),
        sa.UniqueConstraint("file_path", name=op.f("uq_photo_file_path")),
    )
    with op.batch_alter_table("photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_photo_hero_id"), ["hero_id"], unique=False)
        batch_op.create_index(
            "uq_photo_primary_per_hero",
            ["hero_id"],
            unique=True,
            sqlite_where=sa.text("is_primary"),
            postgresql_where=sa.text("is_primary"),
        )

    op.create_table(
        "story",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hero_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_name", sa.String(length=300), nullable=False),
        sa.Column("author_relation", sa.String(length=200), nullable=False),
        sa.Column("story_year", sa.Integer(), nullable=True),
        sa.Column("story_month", sa.Integer(), nullable=True),
        sa.Column("story_day", sa.Integer(), nullable=True),
        sa.CheckConstraint("length(body) > 0", name=op.f("ck_story_body_present")),
        sa.CheckConstraint(
            "story_day IS NULL OR (story_day BETWEEN 1 AND 31 AND story_month IS NOT NULL)",
            name=op.f("ck_story_story_day_range"),
        ),
        sa.CheckConstraint(
            "story_month IS NULL OR (story_month BETWEEN 1 AND 12 AND story_year IS NOT NULL)",
            name=op.f("ck_story_story_month_range"),
        ),
        sa.CheckConstraint(
            "story_year IS NULL OR story_year BETWEEN 1000 AND 2999",
            name=op.f("ck_story_story_year_range"),
        ),
        sa.ForeignKeyConstraint(
            ["hero_id"], ["hero.id"], name=op.f("fk_story_hero_id_hero"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story")),
    )
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_story_hero_id"), ["hero_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_story_story_year"), ["story_year"], unique=False)


def downgrade():
    """Drop every table (pg_trgm stays: other objects in the database may use it)."""
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_story_story_year"))
        batch_op.drop_index(batch_op.f("ix_story_hero_id"))

    op.drop_table("story")
    with op.batch_alter_table("photo", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_photo_primary_per_hero",
            sqlite_where=sa.text("is_primary"),
            postgresql_where=sa.text("is_primary"),
        )
        batch_op.drop_index(batch_op.f("ix_photo_hero_id"))

    op.drop_table("photo")
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_award_hero_id"))
        batch_op.drop_index(batch_op.f("ix_award_award_year"))

    op.drop_table("award")
    op.drop_table("user_account")
    with op.batch_alter_table("search_term", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_search_term_trigram",
            postgresql_using="gin",
            postgresql_ops={"term": "gin_trgm_ops"},
        )

    op.drop_table("search_term")
    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_outbox_hero_id"))

    op.drop_table("search_outbox")
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_document_sort_name"))
        batch_op.drop_index("ix_search_document_lexemes", postgresql_using="gin")
        batch_op.drop_index(batch_op.f("ix_search_document_letter"))
        batch_op.drop_index(batch_op.f("ix_search_document_death_year"))
        batch_op.drop_index(batch_op.f("ix_search_document_birth_year"))

    op.drop_table("search_document")
    with op.batch_alter_table("hero", schema=None) as batch_op:
        batch_op.drop_index("ix_hero_status_published_at")
        batch_op.drop_index(batch_op.f("ix_hero_status"))
        batch_op.drop_index(batch_op.f("ix_hero_sort_name"))
        batch_op.drop_index(batch_op.f("ix_hero_published_at"))
        batch_op.drop_index(batch_op.f("ix_hero_index_letter"))
        batch_op.drop_index(batch_op.f("ix_hero_death_year"))
        batch_op.drop_index(batch_op.f("ix_hero_birth_year"))

    op.drop_table("hero")
