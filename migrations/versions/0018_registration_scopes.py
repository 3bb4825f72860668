"""registration scopes: registering people and reading registrants leave events:write for registrations:write
(and :read); a token that had events:write keeps registering people

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 08:15:00

Before, ``events:write`` meant "register and cancel registrations" (and implied reading them). It now means
publishing the agenda (cycles, journées); registrations have ``registrations:write`` and
``registrations:read``. Tokens holding ``events:write`` are given ``registrations:write`` here, so a
website's registration form keeps working after the upgrade. ``events:read`` tokens are left as they are:
that registrants are personal data, out of the agenda's scope, is the point of the change. The downgrade
takes the two scopes off every token (the older code does not know them).
"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

tokens = sa.table('api_tokens', sa.column('id', sa.Integer), sa.column('scopes', sa.JSON))
NEW = ('registrations:read', 'registrations:write')


def _scopes(value) -> list:
    return json.loads(value) if isinstance(value, str) else list(value or [])


def upgrade():
    connection = op.get_bind()
    for row in connection.execute(sa.select(tokens.c.id, tokens.c.scopes)).all():
        scopes = _scopes(row.scopes)
        if 'events:write' in scopes and 'registrations:write' not in scopes:
            connection.execute(tokens.update().where(tokens.c.id == row.id)
                               .values(scopes=sorted([*scopes, 'registrations:write'])))


def downgrade():
    connection = op.get_bind()
    for row in connection.execute(sa.select(tokens.c.id, tokens.c.scopes)).all():
        scopes = _scopes(row.scopes)
        if any(scope in NEW for scope in scopes):
            connection.execute(tokens.update().where(tokens.c.id == row.id)
                               .values(scopes=[scope for scope in scopes if scope not in NEW]))
