"""Candles of memory: one per visitor, hero and day.

Revision ID: 0babe75b4a08
Revises: 4bdac6a8f567
Create Date: 2026-11-28 18:11:41
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0babe75b4a08"
down_revision = "4bdac6a8f567"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "candle_light",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hero_id", sa.Integer(), nullable=False),
        sa.Column("visitor_key", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(visitor_key) = 64",
                           name=op.f("ck_candle_light_visitor_key_length")),
        sa.ForeignKeyConstraint(["hero_id"], ["hero.id"],
                                name=op.f("fk_candle_light_hero_id_hero"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candle_light")),
        sa.UniqueConstraint("hero_id", "visitor_key", "day", name="uq_candle_light_once_a_day"),
    )
    with op.batch_alter_table("candle_light", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_candle_light_hero_id"), ["hero_id"], unique=False)


def downgrade():
    with op.batch_alter_table("candle_light", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candle_light_hero_id"))
    op.drop_table("candle_light")
