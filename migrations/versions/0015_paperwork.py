"""paperwork: the centre's stamp on certificates, the public archive's opt-out per campaign

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate_settings') as batch:
        batch.add_column(sa.Column('stamp_image', sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column('stamp_mime', sa.String(length=50), nullable=False, server_default=''))
    with op.batch_alter_table('campaigns') as batch:
        batch.add_column(sa.Column('in_archive', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('campaigns') as batch:
        batch.drop_column('in_archive')
    with op.batch_alter_table('certificate_settings') as batch:
        batch.drop_column('stamp_mime')
        batch.drop_column('stamp_image')
