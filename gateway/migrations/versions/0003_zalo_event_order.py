"""zalo_events.sent_at_ms: a citizen's events are processed in the order Zalo stamped them

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 20:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('zalo_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_at_ms', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('zalo_events', schema=None) as batch_op:
        batch_op.drop_column('sent_at_ms')
