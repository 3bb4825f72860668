"""walk-ins: an attendance recorded "sur place" (someone not registered for that journée);
an index on the audit log's action and time (a campaign's unsubscribes, the dashboard's totals)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('walk_in', sa.Boolean(), server_default='0', nullable=False))
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_action_at', ['action', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_action_at')
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_column('walk_in')
