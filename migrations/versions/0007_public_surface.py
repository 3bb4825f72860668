"""public surface: per-user session token, held seats until the address is confirmed

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:45:00

"""
import secrets

from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_urlsafe(32)))
    with op.batch_alter_table('users') as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_session_token'), ['session_token'])

    with op.batch_alter_table('cycles') as batch_op:
        batch_op.add_column(sa.Column('hold_seats', sa.Boolean(), server_default='1', nullable=False))
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.add_column(sa.Column('requested_journees', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('address_confirmed_at', app.models.types.UTCDateTime(), nullable=True))
    registrations = sa.table('registrations', sa.column('requested_journees', sa.JSON))
    conn.execute(registrations.update().values(requested_journees=[]))
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.alter_column('requested_journees', existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.drop_column('address_confirmed_at')
        batch_op.drop_column('requested_journees')
    with op.batch_alter_table('cycles') as batch_op:
        batch_op.drop_column('hold_seats')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_constraint('uq_users_session_token', type_='unique')
        batch_op.drop_column('session_token')
