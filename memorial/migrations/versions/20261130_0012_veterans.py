"""Veterans: a second collection of living people, their service, chapters and withdrawal.

Revision ID: 3b8e5a1c7d42
Revises: 4b8e1f2a6c37
Create Date: 2026-11-30 21:30:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3b8e5a1c7d42"
down_revision = "4b8e1f2a6c37"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("hero", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("collection", sa.String(length=10), nullable=False, server_default="fallen")
        )
        batch_op.add_column(sa.Column("service_periods", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("unit_hidden", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("life_now", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("withdraw_code_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("withdraw_token_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_hero_collection"), ["collection"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_hero_withdraw_code_hash"), ["withdraw_code_hash"]
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_hero_withdraw_token_hash"), ["withdraw_token_hash"]
        )
        batch_op.create_check_constraint(
            "collection_known", "collection IN ('fallen', 'veteran')"
        )
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chapter", sa.String(length=10), nullable=True))
        batch_op.create_check_constraint(
            "chapter_known", "chapter IS NULL OR chapter IN ('before', 'during', 'after')"
        )
    # A database adopted from ``create_all`` gets this table from today's model, column included.
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("search_document")}
    if "f_collection" in columns:
        return
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "f_collection", sa.String(length=300), nullable=False, server_default="fallen"
            )
        )


def downgrade():
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.drop_column("f_collection")
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_story_chapter_known"), type_="check")
        batch_op.drop_column("chapter")
    with op.batch_alter_table("hero", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_hero_collection_known"), type_="check")
        batch_op.drop_constraint(op.f("uq_hero_withdraw_token_hash"), type_="unique")
        batch_op.drop_constraint(op.f("uq_hero_withdraw_code_hash"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_hero_collection"))
        for name in (
            "withdraw_token_hash",
            "withdraw_code_hash",
            "withdrawn_at",
            "life_now",
            "unit_hidden",
            "service_periods",
            "collection",
        ):
            batch_op.drop_column(name)
