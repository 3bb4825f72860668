"""registration scopes: registering people and reading registrants leave events:write for registrations:write
(and :read); a token that had events:write keeps registering people

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 08:15:00

Before, ``events:write`` meant "register and cancel registrations" (and implied reading them). It now means
publishing the agenda (cycles, journées); registrations have ``registrations:write`` and
``registrations:read``. Tokens holding ``events:write`` trade it here for ``registrations:write`` and
``events:read``: exactly what they could do before (register, cancel, read the agenda and registrants),
so a website's registration form keeps working after the upgrade without being able, all of a sudden, to
move or delete journées (``events:write`` now publishes the agenda, and a moved journée writes to every
registrant). ``events:read`` tokens are left as they are: that registrants are personal data, out of the
agenda's scope, is the point of the change. The downgrade takes the two scopes off every token (the
older code does not know them) and gives ``events:write`` back to those that could register.
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
        if 'events:write' in scopes:
            granted = {scope for scope in scopes if scope != 'events:write'} | {'events:read', 'registrations:write'}
            connection.execute(tokens.update().where(tokens.c.id == row.id).values(scopes=sorted(granted)))


def downgrade():
    connection = op.get_bind()
    for row in connection.execute(sa.select(tokens.c.id, tokens.c.scopes)).all():
        scopes = _scopes(row.scopes)
        if any(scope in NEW for scope in scopes):
            kept = [scope for scope in scopes if scope not in NEW]
            if 'registrations:write' in scopes:  # registering was events:write's (which read the agenda too)
                kept = sorted({scope for scope in kept if scope != 'events:read'} | {'events:write'})
            connection.execute(tokens.update().where(tokens.c.id == row.id).values(scopes=kept))
