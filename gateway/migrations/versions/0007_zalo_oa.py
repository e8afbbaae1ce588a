"""Zalo: several Official Accounts under one Zalo app (a commune's own OA, the province's): the OA of every queued
event (zalo_events.oa_id), a token pair per OA (zalo_tokens.oa_id; the row without one is the installation's
primary OA, as before), and the OA a conversation came through (conversations.channel_account), whose token its
replies are sent with

Existing rows stay valid: their events, tokens and conversations are the primary OA's (NULL).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('zalo_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oa_id', sa.String(length=64), nullable=True))
    with op.batch_alter_table('zalo_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oa_id', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_zalo_tokens_oa_id', ['oa_id'])
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel_account', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_column('channel_account')
    op.execute("DELETE FROM zalo_tokens WHERE oa_id IS NOT NULL")
    with op.batch_alter_table('zalo_tokens', schema=None) as batch_op:
        batch_op.drop_constraint('uq_zalo_tokens_oa_id', type_='unique')
        batch_op.drop_column('oa_id')
    with op.batch_alter_table('zalo_events', schema=None) as batch_op:
        batch_op.drop_column('oa_id')
