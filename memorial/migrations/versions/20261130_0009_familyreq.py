"""A family's requests: hidden and sensitive photos and stories, hidden fields, frozen profiles,
and the new kind of submission.

Revision ID: 7d2e4f6a8b10
Revises: 7d2f4a6c8e13
Create Date: 2026-11-30 19:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7d2e4f6a8b10"
down_revision = "7d2f4a6c8e13"
branch_labels = None
depends_on = None

_KINDS_BEFORE = ("hero", "story", "photos", "correction")
_KINDS_AFTER = (*_KINDS_BEFORE, "family_request")


def _kinds(kinds) -> str:
    return "kind IN ({})".format(", ".join(f"'{k}'" for k in kinds))


def upgrade():
    for table in ("story", "photo"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false())
            )
            batch_op.add_column(
                sa.Column("sensitive", sa.Boolean(), nullable=False, server_default=sa.false())
            )
    with op.batch_alter_table("hero", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hidden_fields", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("frozen_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("frozen_by", sa.String(length=320), nullable=True))
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_submission_kind_known"), type_="check")
        batch_op.create_check_constraint("kind_known", _kinds(_KINDS_AFTER))


def downgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_submission_kind_known"), type_="check")
        batch_op.create_check_constraint("kind_known", _kinds(_KINDS_BEFORE))
    with op.batch_alter_table("hero", schema=None) as batch_op:
        for name in ("frozen_by", "frozen_at", "frozen_reason", "hidden_fields"):
            batch_op.drop_column(name)
    for table in ("photo", "story"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("sensitive")
            batch_op.drop_column("hidden")
