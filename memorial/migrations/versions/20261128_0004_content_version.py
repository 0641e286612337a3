"""Content version: the number that retires cached public pages; day-of-year indexes.

Revision ID: 5c1f3e9a7d20
Revises: 0babe75b4a08
Create Date: 2026-11-28 20:40:00
"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c1f3e9a7d20"
down_revision = "0babe75b4a08"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "content_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_version")),
    )
    # 1: the archive's content, 2: the candles; random, as every later version is.
    op.bulk_insert(table, [{"id": row, "version": 1 + secrets.randbelow(2**31 - 2)}
                           for row in (1, 2)])
    with op.batch_alter_table("hero", schema=None) as batch_op:
        batch_op.create_index("ix_hero_death_month_day", ["death_month", "death_day"],
                              unique=False)
        batch_op.create_index("ix_hero_birth_month_day", ["birth_month", "birth_day"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("hero", schema=None) as batch_op:
        batch_op.drop_index("ix_hero_birth_month_day")
        batch_op.drop_index("ix_hero_death_month_day")
    op.drop_table("content_version")
