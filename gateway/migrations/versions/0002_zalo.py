"""zalo channel: inbound event queue, tokens, sent parts, leases

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 12:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'zalo_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('msg_id', sa.String(length=190), nullable=False),
        sa.Column('event_name', sa.String(length=48), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=True),
        sa.Column('body', sa.Text(), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('msg_id'),
    )
    with op.batch_alter_table('zalo_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zalo_events_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_zalo_events_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_zalo_events_user_id'), ['user_id'], unique=False)

    op.create_table(
        'zalo_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('access_token', sa.Text(), nullable=False),
        sa.Column('refresh_token', sa.Text(), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('seed_hash', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'zalo_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('part', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('zalo_msg_id', sa.String(length=128), nullable=True),
        sa.Column('text_hash', sa.String(length=64), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('zalo_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zalo_sent_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_zalo_sent_text_hash'), ['text_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_zalo_sent_zalo_msg_id'), ['zalo_msg_id'], unique=False)

    op.create_table(
        'zalo_leases',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=True),
        sa.Column('until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('zalo_leases')
    with op.batch_alter_table('zalo_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_zalo_sent_zalo_msg_id'))
        batch_op.drop_index(batch_op.f('ix_zalo_sent_text_hash'))
        batch_op.drop_index(batch_op.f('ix_zalo_sent_message_id'))
    op.drop_table('zalo_sent')
    op.drop_table('zalo_tokens')
    with op.batch_alter_table('zalo_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_zalo_events_user_id'))
        batch_op.drop_index(batch_op.f('ix_zalo_events_status'))
        batch_op.drop_index(batch_op.f('ix_zalo_events_received_at'))
    op.drop_table('zalo_events')
