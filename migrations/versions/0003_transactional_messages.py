"""transactional lane of the delivery queue: one-off messages sent by the workers

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 01:30:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'transactional_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('to_address', sa.String(length=320), nullable=False),
        sa.Column('subscriber_id', sa.Integer(), nullable=True),
        sa.Column('reference', sa.String(length=120), nullable=False),
        sa.Column('mail_from', sa.String(length=320), nullable=False),
        sa.Column('message_id', sa.String(length=300), nullable=False),
        sa.Column('raw', sa.LargeBinary(), nullable=False),
        sa.Column('status', sa.Enum('queued', 'sending', 'sent', 'failed', name='messagestatus', native_enum=False, create_constraint=True, length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('lease_owner', sa.String(length=100), nullable=True),
        sa.Column('lease_expires_at', app.models.types.UTCDateTime(), nullable=True),
        sa.Column('smtp_code', sa.Integer(), nullable=True),
        sa.Column('smtp_reply', sa.Text(), nullable=False),
        sa.Column('queue_id', sa.String(length=200), nullable=True),
        sa.Column('created_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('sent_at', app.models.types.UTCDateTime(), nullable=True),
        sa.Column('updated_at', app.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('transactional_messages') as batch_op:
        batch_op.create_index('ix_transactional_messages_claimable', ['next_attempt_at'], unique=False,
                              postgresql_where=sa.text("status IN ('queued', 'sending')"),
                              sqlite_where=sa.text("status IN ('queued', 'sending')"))
        batch_op.create_index('ix_transactional_messages_subscriber', ['subscriber_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transactional_messages_reference'), ['reference'], unique=False)


def downgrade():
    op.drop_table('transactional_messages')
