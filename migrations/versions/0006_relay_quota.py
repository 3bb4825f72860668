"""relay_quota: per-relay message counts per window, shared by every worker process

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 01:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'relay_quota',
        sa.Column('relay', sa.String(length=255), nullable=False),
        sa.Column('span', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('bucket', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('relay', 'span', 'bucket', name=op.f('pk_relay_quota')),
    )


def downgrade():
    op.drop_table('relay_quota')
