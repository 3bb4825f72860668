"""import jobs: heartbeat and take-over count, so a job whose process died is resumed

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 08:30:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_jobs') as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', app.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('resumes', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('import_jobs') as batch_op:
        batch_op.drop_column('resumes')
        batch_op.drop_column('heartbeat_at')
