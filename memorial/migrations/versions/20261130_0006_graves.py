"""Burial places as data: cemeteries, sectors, graves, their works and history.

Revision ID: 5b6d3bdf8f1d
Revises: 8e4d2b7c1a90
Create Date: 2026-11-30 17:48:17.605482

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5b6d3bdf8f1d"
down_revision = "8e4d2b7c1a90"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cemetery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("opening_hours", sa.String(length=500), nullable=True),
        sa.Column("directions", sa.Text(), nullable=True),
        sa.Column("show_coordinates", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_cemetery_name_present")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cemetery")),
        sa.UniqueConstraint("name", name=op.f("uq_cemetery_name")),
    )
    op.create_table(
        "grave_sector",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cemetery_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("place_count", sa.Integer(), nullable=False),
        sa.Column("entrance", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("photo_path", sa.String(length=300), nullable=True),
        sa.Column("photo_caption", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "entrance IN ('north', 'east', 'south', 'west')",
            name=op.f("ck_grave_sector_entrance_known"),
        ),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_grave_sector_name_present")),
        sa.CheckConstraint(
            "place_count BETWEEN 1 AND 500", name=op.f("ck_grave_sector_places_range")
        ),
        sa.CheckConstraint("row_count BETWEEN 1 AND 200", name=op.f("ck_grave_sector_rows_range")),
        sa.ForeignKeyConstraint(
            ["cemetery_id"],
            ["cemetery.id"],
            name=op.f("fk_grave_sector_cemetery_id_cemetery"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grave_sector")),
        sa.UniqueConstraint("cemetery_id", "name", name="uq_grave_sector_cemetery_name"),
    )
    with op.batch_alter_table("grave_sector", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_grave_sector_cemetery_id"), ["cemetery_id"], unique=False
        )

    op.create_table(
        "grave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("sector_id", sa.Integer(), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("place_no", sa.Integer(), nullable=False),
        sa.Column("hero_id", sa.Integer(), nullable=True),
        sa.Column("reserved", sa.Boolean(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("monument_photo_path", sa.String(length=300), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "hero_id IS NULL OR NOT reserved", name=op.f("ck_grave_reserved_only_free")
        ),
        sa.CheckConstraint(
            "row_no >= 1 AND place_no >= 1", name=op.f("ck_grave_position_positive")
        ),
        sa.ForeignKeyConstraint(
            ["hero_id"], ["hero.id"], name=op.f("fk_grave_hero_id_hero"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["sector_id"],
            ["grave_sector.id"],
            name=op.f("fk_grave_sector_id_grave_sector"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grave")),
        sa.UniqueConstraint("code", name=op.f("uq_grave_code")),
        sa.UniqueConstraint("hero_id", name=op.f("uq_grave_hero_id")),
        sa.UniqueConstraint("sector_id", "row_no", "place_no", name="uq_grave_sector_row_place"),
    )
    with op.batch_alter_table("grave", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grave_sector_id"), ["sector_id"], unique=False)

    op.create_table(
        "grave_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grave_id", sa.Integer(), nullable=False),
        sa.Column("hero_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("destination", sa.String(length=500), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('linked', 'unlinked', 'reburied', 'reserved', 'released', 'work')",
            name=op.f("ck_grave_event_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["grave_id"],
            ["grave.id"],
            name=op.f("fk_grave_event_grave_id_grave"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hero_id"], ["hero.id"], name=op.f("fk_grave_event_hero_id_hero"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_grave_event_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grave_event")),
    )
    with op.batch_alter_table("grave_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grave_event_grave_id"), ["grave_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grave_event_hero_id"), ["hero_id"], unique=False)

    op.create_table(
        "grave_work",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grave_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "stage IN ('temporary_cross', 'monument', 'photo_plaque', 'landscaping')",
            name=op.f("ck_grave_work_stage_known"),
        ),
        sa.ForeignKeyConstraint(
            ["grave_id"],
            ["grave.id"],
            name=op.f("fk_grave_work_grave_id_grave"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grave_work")),
        sa.UniqueConstraint("grave_id", "stage", name="uq_grave_work_grave_stage"),
    )
    with op.batch_alter_table("grave_work", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grave_work_grave_id"), ["grave_id"], unique=False)


def downgrade():
    with op.batch_alter_table("grave_work", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grave_work_grave_id"))

    op.drop_table("grave_work")
    with op.batch_alter_table("grave_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grave_event_hero_id"))
        batch_op.drop_index(batch_op.f("ix_grave_event_grave_id"))

    op.drop_table("grave_event")
    with op.batch_alter_table("grave", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grave_sector_id"))

    op.drop_table("grave")
    with op.batch_alter_table("grave_sector", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grave_sector_cemetery_id"))

    op.drop_table("grave_sector")
    op.drop_table("cemetery")
