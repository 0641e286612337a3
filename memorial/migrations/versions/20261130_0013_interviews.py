"""Interviews: recorded interviews of a hero (or of a submission), converted for the web.

Revision ID: 9c4e1a7b3d52
Revises: 3b8e5a1c7d42
Create Date: 2026-11-30 21:30:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9c4e1a7b3d52"
down_revision = "3b8e5a1c7d42"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "interview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hero_id", sa.Integer(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("original_path", sa.String(length=500), nullable=True),
        sa.Column("file_path", sa.String(length=500), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("transcript", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("converted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('audio', 'video')", name=op.f("ck_interview_kind_known")),
        sa.CheckConstraint(
            "status IN ('pending', 'converting', 'ready', 'failed')",
            name=op.f("ck_interview_status_known"),
        ),
        sa.CheckConstraint(
            "visibility IN ('public', 'staff')", name=op.f("ck_interview_visibility_known")
        ),
        sa.CheckConstraint(
            "progress BETWEEN 0 AND 100", name=op.f("ck_interview_progress_range")
        ),
        sa.CheckConstraint(
            "hero_id IS NOT NULL OR submission_id IS NOT NULL",
            name=op.f("ck_interview_owner_named"),
        ),
        sa.ForeignKeyConstraint(
            ["hero_id"], ["hero.id"], name=op.f("fk_interview_hero_id_hero"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_interview_submission_id_submission"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview")),
        sa.UniqueConstraint("file_path", name=op.f("uq_interview_file_path")),
    )
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interview_hero_id"), ["hero_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_interview_submission_id"), ["submission_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interview_submission_id"))
        batch_op.drop_index(batch_op.f("ix_interview_hero_id"))
    op.drop_table("interview")
