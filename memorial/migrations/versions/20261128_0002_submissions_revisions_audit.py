"""Public submissions, revisions, the audit log (append-only) and staff session state.

Revision ID: 4bdac6a8f567
Revises: 26590db84f93
Create Date: 2026-11-28 17:32:20
"""

import secrets

import sqlalchemy as sa
from alembic import op

APPEND_ONLY = ("audit_event", "revision")

# revision identifiers, used by Alembic.
revision = "4bdac6a8f567"
down_revision = "26590db84f93"
branch_labels = None
depends_on = None


def _create_append_only_triggers() -> None:
    """The database itself refuses to change or remove audit events and revisions."""
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "sqlite":
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} "
                    f"ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        elif dialect == "postgresql":
            op.execute(
                f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{table} is append-only'; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            )


def upgrade():
    """Add the submission, revision and audit tables and the staff session columns."""
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=60), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_user_id"), ["user_id"], unique=False)

    op.create_table(
        "submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("hero_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("original", sa.JSON(), nullable=False),
        sa.Column("submitter_name", sa.String(length=300), nullable=False),
        sa.Column("submitter_relation", sa.String(length=200), nullable=False),
        sa.Column("submitter_email", sa.String(length=320), nullable=True),
        sa.Column("submitter_phone", sa.String(length=50), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind = 'hero' OR hero_id IS NOT NULL", name=op.f("ck_submission_hero_named")
        ),
        sa.CheckConstraint(
            "kind IN ('hero', 'story', 'photos', 'correction')",
            name=op.f("ck_submission_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('received', 'needs_info', 'published', 'rejected')",
            name=op.f("ck_submission_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_submission_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(["hero_id"], ["hero.id"], name=op.f("fk_submission_hero_id_hero")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission")),
        sa.UniqueConstraint("reference", name=op.f("uq_submission_reference")),
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_submission_hero_id"), ["hero_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_submission_status"), ["status"], unique=False)

    op.create_table(
        "revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hero_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("restored_from_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["hero_id"], ["hero.id"], name=op.f("fk_revision_hero_id_hero")),
        sa.ForeignKeyConstraint(
            ["restored_from_id"],
            ["revision.id"],
            name=op.f("fk_revision_restored_from_id_revision"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name=op.f("fk_revision_submission_id_submission")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_revision_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revision")),
    )
    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revision_hero_id"), ["hero_id"], unique=False)

    op.create_table(
        "submission_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file_path", sa.String(length=500), nullable=False),
        sa.Column("caption", sa.String(length=1000), nullable=True),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_submission_photo_sha256_length")),
        sa.CheckConstraint(
            "size_bytes >= 0 AND width > 0 AND height > 0",
            name=op.f("ck_submission_photo_dimensions"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_submission_photo_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_photo")),
        sa.UniqueConstraint("file_path", name=op.f("uq_submission_photo_file_path")),
    )
    with op.batch_alter_table("submission_photo", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submission_photo_submission_id"), ["submission_id"], unique=False
        )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))
    # Existing staff accounts get their own session token and a clean failure count.
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.text("SELECT id FROM user_account")).all():
        conn.execute(
            sa.text("UPDATE user_account SET session_token = :t, failed_logins = 0 WHERE id = :i"),
            {"t": secrets.token_urlsafe(24), "i": user_id},
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("failed_logins", existing_type=sa.Integer(), nullable=False)
    _create_append_only_triggers()


def downgrade():
    """Remove what :func:`upgrade` added (the audit log and revisions go with it)."""
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("last_login_at")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("session_token")

    with op.batch_alter_table("submission_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_photo_submission_id"))

    op.drop_table("submission_photo")
    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revision_hero_id"))

    op.drop_table("revision")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_status"))
        batch_op.drop_index(batch_op.f("ix_submission_hero_id"))
        batch_op.drop_index(batch_op.f("ix_submission_created_at"))

    op.drop_table("submission")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
