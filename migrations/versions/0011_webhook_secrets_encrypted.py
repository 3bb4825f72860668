"""webhook secrets encrypted at rest (Fernet keyed from SECRET_KEYS); existing ones encrypted here

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 10:00:00

The secrets already stored in clear are encrypted with the keys of the running
configuration (``flask db upgrade`` runs inside the app), so run it with the
production SECRET_KEYS. The downgrade decrypts them back.
"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from app.encryption import decrypt, encrypt


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

endpoints = sa.table('webhook_endpoints', sa.column('id', sa.Integer), sa.column('secret', sa.String),
                     sa.column('secret_encrypted', sa.Text))


def upgrade():
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret_encrypted', sa.Text(), nullable=True))
    connection = op.get_bind()
    keys = current_app.config["SECRET_KEYS"]
    for row in connection.execute(sa.select(endpoints.c.id, endpoints.c.secret)).all():
        connection.execute(endpoints.update().where(endpoints.c.id == row.id)
                           .values(secret_encrypted=encrypt(row.secret, secret_keys=keys)))
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.alter_column('secret_encrypted', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('secret')


def downgrade():
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret', sa.String(length=200), nullable=True))
    connection = op.get_bind()
    keys = current_app.config["SECRET_KEYS"]
    for row in connection.execute(sa.select(endpoints.c.id, endpoints.c.secret_encrypted)).all():
        connection.execute(endpoints.update().where(endpoints.c.id == row.id)
                           .values(secret=decrypt(row.secret_encrypted, secret_keys=keys)))
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_column('secret_encrypted')
