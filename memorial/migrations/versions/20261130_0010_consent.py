"""Consent: versioned consent texts (version 1 seeded) and recorded consents with a scope.

Revision ID: 7d2e4c6a9b13
Revises: 7d2e4f6a8b10
Create Date: 2026-11-30 19:00:00
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7d2e4c6a9b13"
down_revision = "7d2e4f6a8b10"
branch_labels = None
depends_on = None

#: Version 1: the wording the submission forms showed before consents were versioned.
#: Frozen here on purpose: later versions are published by staff, never by a migration.
FIRST_VERSION = {
    "version": 1,
    "text_uk": "Я погоджуюся, щоб надіслане після перевірки опублікували",
    "text_en": "I agree that what I send may be published after it has been checked",
    "site_uk": "на сайті",
    "site_en": "on the website",
    "book_uk": "у друкованій книзі пам'яті",
    "book_en": "in the printed book of memory",
    "both_uk": "і там, і там",
    "both_en": "both",
}


def upgrade():
    consent_text = op.create_table(
        "consent_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text_uk", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("site_uk", sa.Text(), nullable=False),
        sa.Column("site_en", sa.Text(), nullable=False),
        sa.Column("book_uk", sa.Text(), nullable=False),
        sa.Column("book_en", sa.Text(), nullable=False),
        sa.Column("both_uk", sa.Text(), nullable=False),
        sa.Column("both_en", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("version >= 1", name=op.f("ck_consent_text_version_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_consent_text_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_text")),
        sa.UniqueConstraint("version", name=op.f("uq_consent_text_version")),
    )
    op.create_table(
        "consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("person_name", sa.String(length=300), nullable=False),
        sa.Column("person_relation", sa.String(length=200), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("hero_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "scope IN ('site', 'book', 'both')", name=op.f("ck_consent_scope_known")
        ),
        sa.ForeignKeyConstraint(["hero_id"], ["hero.id"], name=op.f("fk_consent_hero_id_hero")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_consent_recorded_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name=op.f("fk_consent_submission_id_submission")
        ),
        sa.ForeignKeyConstraint(
            ["text_id"], ["consent_text.id"], name=op.f("fk_consent_text_id_consent_text")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["user_account.id"],
            name=op.f("fk_consent_withdrawn_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_hero_id"), ["hero_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_consent_submission_id"), ["submission_id"], unique=True
        )
        batch_op.create_index(batch_op.f("ix_consent_text_id"), ["text_id"], unique=False)
    op.bulk_insert(
        consent_text,
        [{**FIRST_VERSION, "created_at": dt.datetime.now(dt.UTC), "created_by_id": None}],
    )


def downgrade():
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_text_id"))
        batch_op.drop_index(batch_op.f("ix_consent_submission_id"))
        batch_op.drop_index(batch_op.f("ix_consent_hero_id"))
    op.drop_table("consent")
    op.drop_table("consent_text")
