"""operations: process heartbeats (workers, scheduler) for /readyz and /metrics

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:50:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('process_heartbeats',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('host', sa.String(length=100), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', app.models.types.UTCDateTime(), nullable=False),
    sa.Column('seen_at', app.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_process_heartbeats'))
    )
    with op.batch_alter_table('process_heartbeats', schema=None) as batch_op:
        batch_op.create_index('ix_process_heartbeats_kind_seen_at', ['kind', 'seen_at'], unique=False)


def downgrade():
    with op.batch_alter_table('process_heartbeats', schema=None) as batch_op:
        batch_op.drop_index('ix_process_heartbeats_kind_seen_at')

    op.drop_table('process_heartbeats')
