"""bounce_reports: every bounce / complaint report, with its reason and how it was attributed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bounce_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('received_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('source', sa.String(length=500), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('diagnostic', sa.Text(), nullable=False),
        sa.Column('recipient', sa.String(length=320), nullable=False),
        sa.Column('message_id', sa.String(length=300), nullable=False),
        sa.Column('attributed_by', sa.String(length=20), nullable=False),
        sa.Column('review', sa.String(length=200), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('counted', sa.Boolean(), nullable=False),
        sa.Column('subscriber_id', sa.Integer(), nullable=True),
        sa.Column('campaign_id', sa.Integer(), nullable=True),
        sa.Column('undone_at', app.models.types.UTCDateTime(), nullable=True),
        sa.Column('undone_by', sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_bounce_reports_received_at', 'bounce_reports', ['received_at'])
    op.create_index('ix_bounce_reports_subscriber_received', 'bounce_reports', ['subscriber_id', 'received_at'])
    op.create_index('ix_bounce_reports_campaign_reason', 'bounce_reports', ['campaign_id', 'reason'])
    op.create_index('ix_bounce_reports_reason_received', 'bounce_reports', ['reason', 'received_at'])


def downgrade():
    op.drop_index('ix_bounce_reports_reason_received', table_name='bounce_reports')
    op.drop_index('ix_bounce_reports_campaign_reason', table_name='bounce_reports')
    op.drop_index('ix_bounce_reports_subscriber_received', table_name='bounce_reports')
    op.drop_index('ix_bounce_reports_received_at', table_name='bounce_reports')
    op.drop_table('bounce_reports')
