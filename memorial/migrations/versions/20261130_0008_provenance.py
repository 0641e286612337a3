"""Provenance: the family-notified check, the embargo, the empty frame and fact sources.

Revision ID: 7d2f4a6c8e13
Revises: 3a7c9e1d5b42
Create Date: 2026-11-30 19:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7d2f4a6c8e13"
down_revision = "3a7c9e1d5b42"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("hero") as batch:
        batch.add_column(sa.Column("notified_confirmed_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("notified_confirmed_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("publish_released_at", sa.DateTime(timezone=True)))
        batch.add_column(
            sa.Column("name_only", sa.Boolean(), nullable=False, server_default="0")
        )
        batch.create_foreign_key(
            batch.f("fk_hero_notified_confirmed_by_id_user_account"),
            "user_account",
            ["notified_confirmed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(
            "ix_hero_embargo_due", ["publish_released_at", "publish_at"], unique=False
        )
    # Heroes published before the check existed were published by staff who knew.
    op.execute(
        "UPDATE hero SET notified_confirmed_at = published_at "
        "WHERE status = 'published' AND notified_confirmed_at IS NULL"
    )
    op.create_table(
        "fact_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hero_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("link", sa.String(length=1000), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("document_path", sa.String(length=300), nullable=True),
        sa.Column("document_public", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "field IN ('birth_date', 'death_date', 'military_unit', 'rank', "
            "'death_circumstances', 'awards', 'burial')",
            name=op.f("ck_fact_source_field_known"),
        ),
        sa.CheckConstraint(
            "kind IN ('family', 'unit', 'official_notice', 'document', 'publication')",
            name=op.f("ck_fact_source_kind_known"),
        ),
        sa.CheckConstraint(
            "kind <> 'publication' OR length(link) > 0",
            name=op.f("ck_fact_source_publication_linked"),
        ),
        sa.ForeignKeyConstraint(
            ["hero_id"], ["hero.id"], name=op.f("fk_fact_source_hero_id_hero"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_fact_source_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"],
            ["user_account.id"],
            name=op.f("fk_fact_source_verified_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_source")),
    )
    op.create_index(op.f("ix_fact_source_hero_id"), "fact_source", ["hero_id"], unique=False)
    op.create_index(
        "ix_fact_source_unverified", "fact_source", ["verified_at", "field"], unique=False
    )


def downgrade():
    op.drop_index("ix_fact_source_unverified", table_name="fact_source")
    op.drop_index(op.f("ix_fact_source_hero_id"), table_name="fact_source")
    op.drop_table("fact_source")
    with op.batch_alter_table("hero") as batch:
        batch.drop_index("ix_hero_embargo_due")
        batch.drop_constraint(
            batch.f("fk_hero_notified_confirmed_by_id_user_account"), type_="foreignkey"
        )
        for column in (
            "name_only",
            "publish_released_at",
            "publish_at",
            "notified_confirmed_by_id",
            "notified_confirmed_at",
        ):
            batch.drop_column(column)
