"""conversations.privacy_notice_at: when the citizen was given the privacy notice (once per conversation)

Existing conversations keep NULL: their citizen gets the notice with the next answer.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 16:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('privacy_notice_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_column('privacy_notice_at')
