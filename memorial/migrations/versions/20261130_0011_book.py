"""The book of memory: background jobs, the foreword's saved texts and built editions.

Revision ID: 4b8e1f2a6c37
Revises: 7d2e4c6a9b13
Create Date: 2026-11-30 21:30:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4b8e1f2a6c37"
down_revision = "7d2e4c6a9b13"
branch_labels = None
depends_on = None

STATUSES = "status IN ('queued', 'running', 'done', 'failed')"


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["user_account.id"],
        name=op.f(f"fk_{table}_{column}_user_account"),
        ondelete="SET NULL",
    )


def upgrade():
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(STATUSES, name=op.f("ck_job_status_known")),
        _user_fk("job", "created_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_status"), ["status"], unique=False)
    op.create_table(
        "book_foreword",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _user_fk("book_foreword", "created_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_book_foreword")),
    )
    op.create_table(
        "book_edition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("heroes", sa.JSON(), nullable=False),
        sa.Column("foreword_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("file_path", sa.String(length=300), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("rebuilt_from_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(STATUSES, name=op.f("ck_book_edition_status_known")),
        sa.ForeignKeyConstraint(
            ["foreword_id"],
            ["book_foreword.id"],
            name=op.f("fk_book_edition_foreword_id_book_foreword"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_book_edition_job_id_job"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["rebuilt_from_id"],
            ["book_edition.id"],
            name=op.f("fk_book_edition_rebuilt_from_id_book_edition"),
            ondelete="SET NULL",
        ),
        _user_fk("book_edition", "created_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_book_edition")),
    )


def downgrade():
    op.drop_table("book_edition")
    op.drop_table("book_foreword")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_status"))
        batch_op.drop_index(batch_op.f("ix_job_kind"))
    op.drop_table("job")
