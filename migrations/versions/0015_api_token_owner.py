"""API tokens belong to the administrator who created them (they die with the account's
deactivation or role change) and say why they were revoked; existing tokens are matched to
their creator by address

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-11 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('revoked_reason', sa.String(length=200), nullable=False, server_default=''))
        batch.create_foreign_key(op.f('fk_api_tokens_user_id_users'), 'users', ['user_id'], ['id'], ondelete='CASCADE')
        batch.create_index('ix_api_tokens_user_id', ['user_id'])
    # A token made on the admin page recorded its creator's address: tie it to that account.
    op.execute("UPDATE api_tokens SET user_id = (SELECT users.id FROM users WHERE users.email = api_tokens.created_by) "
               "WHERE created_by <> 'cli'")


def downgrade():
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_index('ix_api_tokens_user_id')
        batch.drop_constraint(op.f('fk_api_tokens_user_id_users'), type_='foreignkey')
        batch.drop_column('revoked_reason')
        batch.drop_column('user_id')
