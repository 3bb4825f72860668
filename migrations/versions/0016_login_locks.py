"""login locks: failed logins per address (a hash of it), for the per-account lock that sits
alongside the per-IP limit (issue #22)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 08:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_locks',
        sa.Column('address_hash', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('since', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('last_failure_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('locked_until', app.models.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('address_hash', name=op.f('pk_login_locks')),
    )


def downgrade():
    op.drop_table('login_locks')
