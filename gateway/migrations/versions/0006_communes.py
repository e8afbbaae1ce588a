"""communes (the tenants of a province installation); commune_id on conversations, staff, hotline calls and audit
entries; the settings staff edit (hours, wait, outage notice) become the default commune's

An existing single-commune database moves, with everything in it, under one commune: DEFAULT_COMMUNE (default
`quang-yen`, "Xã Quảng Yên", which since 01/07/2025 includes the former xã Quảng Long, Quảng Trạch and Quảng Hòa).
Its existing staff stay its staff (commune admins; `flask create-admin` without --commune makes a province admin).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 19:00:00
"""

import os
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

DEMO = {
    "slug": "quang-yen",
    "name": "Xã Quảng Yên",
    "kind": "xa",
    "old_names": ["Xã Quảng Long", "Xã Quảng Trạch", "Xã Quảng Hòa", "Xã Quảng Yên"],
    # the seed's published number (UBND xã Quảng Long, 2024): demo data until the commune confirms its own
    "settings": {"hotline": "024.38541051", "hotline_tel": "02438541051", "hotline_confirmed": True},
}
TENANT_SETTINGS = ("working_hours", "wait_minutes", "outage_notice")  # gateway/services/runtime_settings.py
TABLES = ("conversations", "staff", "hotline_calls", "audit_log")


def upgrade() -> None:
    communes = op.create_table(
        'communes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=48), nullable=False),
        sa.Column('name', sa.String(length=128), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('settings', sa.JSON(), nullable=False),
        sa.Column('old_names', sa.JSON(), nullable=False),
        sa.Column('zalo_oa_id', sa.String(length=64), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('slug'),
        sa.UniqueConstraint('zalo_oa_id'),
    )
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('commune_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_commune_id'), ['commune_id'], unique=False)
            batch_op.create_foreign_key(f'fk_{table}_commune_id', 'communes', ['commune_id'], ['id'])

    slug = (os.environ.get("DEFAULT_COMMUNE") or DEMO["slug"]).strip()
    demo = slug == DEMO["slug"]
    op.bulk_insert(
        communes,
        [
            {
                "id": 1,
                "slug": slug,
                "name": DEMO["name"] if demo else slug,
                "kind": "xa",
                "settings": DEMO["settings"] if demo else {},
                "old_names": DEMO["old_names"] if demo else [],
                "zalo_oa_id": None,
                "active": True,
                "created_at": datetime.now(timezone.utc),
            }
        ],
    )
    if op.get_bind().dialect.name == "postgresql":  # the explicit id 1 must not be handed out again
        op.execute("SELECT setval(pg_get_serial_sequence('communes', 'id'), 1)")
    for table in TABLES:
        op.execute(f"UPDATE {table} SET commune_id = 1")
    for key in TENANT_SETTINGS:
        op.execute(f"UPDATE settings SET key = '{key}@1' WHERE key = '{key}'")


def downgrade() -> None:
    for key in TENANT_SETTINGS:
        op.execute(f"DELETE FROM settings WHERE key LIKE '{key}@%' AND key <> '{key}@1'")
        op.execute(f"UPDATE settings SET key = '{key}' WHERE key = '{key}@1'")
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_commune_id', type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_commune_id'))
            batch_op.drop_column('commune_id')
    op.drop_table('communes')
