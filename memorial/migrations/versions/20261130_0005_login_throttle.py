"""Login throttle: failed sign-ins counted per address and account name.

Revision ID: 8e4d2b7c1a90
Revises: 5c1f3e9a7d20
Create Date: 2026-11-30 16:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8e4d2b7c1a90"
down_revision = "5c1f3e9a7d20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("failures >= 0", name=op.f("ck_login_throttle_failures_counted")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttle")),
        sa.UniqueConstraint("email", "address", name="uq_login_throttle_email_address"),
    )
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_throttle_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_login_throttle_last_failure_at"), ["last_failure_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttle_last_failure_at"))
        batch_op.drop_index(batch_op.f("ix_login_throttle_email"))
    op.drop_table("login_throttle")
