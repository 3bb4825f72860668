"""guards: a campaign's automatic pauses (what was seen, who resumed), providers whose share is slowed

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'guard_trips',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=20), nullable=False),
        sa.Column('observed', sa.Integer(), nullable=False),
        sa.Column('base', sa.Integer(), nullable=False),
        sa.Column('threshold', sa.Float(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('tripped_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('acknowledged_at', app.models.types.UTCDateTime(), nullable=True),
        sa.Column('acknowledged_by', sa.String(length=320), nullable=False),
        sa.Column('baseline', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_guard_trips_campaign_id_campaigns'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_guard_trips')),
    )
    op.create_index('ix_guard_trips_campaign_tripped', 'guard_trips', ['campaign_id', 'tripped_at'])
    op.create_table(
        'provider_throttles',
        sa.Column('provider', sa.String(length=100), nullable=False),
        sa.Column('until', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('strikes', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('updated_at', app.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('provider', name=op.f('pk_provider_throttles')),
    )


def downgrade():
    op.drop_table('provider_throttles')
    op.drop_index('ix_guard_trips_campaign_tripped', table_name='guard_trips')
    op.drop_table('guard_trips')
