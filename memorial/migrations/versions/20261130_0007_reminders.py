"""E-mail reminders: subscriptions to a hero's days, and the reminders claimed for them.

Revision ID: 3a7c9e1d5b42
Revises: 5b6d3bdf8f1d
Create Date: 2026-11-30 18:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3a7c9e1d5b42"
down_revision = "5b6d3bdf8f1d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reminder_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hero_id", sa.Integer(), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("on_death", sa.Boolean(), nullable=False),
        sa.Column("on_birth", sa.Boolean(), nullable=False),
        sa.Column("site_url", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmation_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bounces", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "language IN ('uk', 'en')", name=op.f("ck_reminder_subscription_language_known")
        ),
        sa.CheckConstraint("on_death OR on_birth", name=op.f("ck_reminder_subscription_some_day")),
        sa.CheckConstraint("bounces >= 0", name=op.f("ck_reminder_subscription_bounces_counted")),
        sa.CheckConstraint(
            "length(address_key) = 64", name=op.f("ck_reminder_subscription_address_key_length")
        ),
        sa.ForeignKeyConstraint(
            ["hero_id"],
            ["hero.id"],
            name=op.f("fk_reminder_subscription_hero_id_hero"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_subscription")),
        sa.UniqueConstraint("hero_id", "address_key", name="uq_reminder_subscription_hero_address"),
    )
    with op.batch_alter_table("reminder_subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reminder_subscription_address_key"), ["address_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reminder_subscription_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reminder_subscription_hero_id"), ["hero_id"], unique=False
        )
    op.create_table(
        "reminder_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("anniversary", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('death', 'birth')", name=op.f("ck_reminder_sent_kind_known")),
        sa.CheckConstraint(
            "outcome IN ('claimed', 'sent', 'bounced')", name=op.f("ck_reminder_sent_outcome_known")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["reminder_subscription.id"],
            name=op.f("fk_reminder_sent_subscription_id_reminder_subscription"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_sent")),
        sa.UniqueConstraint("subscription_id", "kind", "anniversary", name="uq_reminder_sent_once"),
    )
    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reminder_sent_subscription_id"), ["subscription_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_sent_subscription_id"))
    op.drop_table("reminder_sent")
    with op.batch_alter_table("reminder_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_subscription_hero_id"))
        batch_op.drop_index(batch_op.f("ix_reminder_subscription_created_at"))
        batch_op.drop_index(batch_op.f("ix_reminder_subscription_address_key"))
    op.drop_table("reminder_subscription")
