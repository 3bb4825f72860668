"""one person, one key: subscribers are unique on email_hash (the key), the address stored as typed

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 09:00:00

Addresses are now stored as typed for delivery (``Anne.Dupont@xn--exmple-cua.fr``), so the
unique index on ``email`` no longer tells one person from two; ``email_hash`` (the keyed
fingerprint of the case-insensitive key) becomes unique instead. Rows stored before this were
lower-case keys, one per person, so their fingerprints are already unique; the few with a
Unicode domain get it IDNA-encoded, as new rows have it (the key, hence ``email_hash``, is the
same). NULLs (erased people) stay allowed, several of them, on PostgreSQL and SQLite alike.
Downgrade gives every address its key back (lower case, Unicode domain), as the code before
this stored it.
"""
import idna
import sqlalchemy as sa
from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

subscribers = sa.table('subscribers', sa.column('id', sa.Integer), sa.column('email', sa.String))


def _not_ascii():
    """Addresses holding a non-ASCII character (a handful), told apart in SQL: more bytes than characters."""
    if op.get_bind().dialect.name == 'postgresql':
        return sa.func.octet_length(subscribers.c.email) != sa.func.char_length(subscribers.c.email)
    return sa.func.length(sa.cast(subscribers.c.email, sa.LargeBinary)) != sa.func.length(subscribers.c.email)


def _rewrite(which, spell) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(subscribers.c.id, subscribers.c.email)
                        .where(subscribers.c.email.is_not(None), which)).all()
    for row in rows:
        local, _, domain = row.email.rpartition('@')
        try:
            new = spell(local, domain)
        except idna.IDNAError:
            continue  # not an address the parser would take: left as it is
        if new != row.email:
            bind.execute(subscribers.update().where(subscribers.c.id == row.id).values(email=new))


def upgrade():
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscribers_email_hash'))
        batch_op.create_index(batch_op.f('ix_subscribers_email_hash'), ['email_hash'], unique=True)
    _rewrite(_not_ascii(),
             lambda local, domain: local + '@' + (domain if domain.isascii()
                                                  else idna.encode(domain, uts46=True).decode('ascii')))


def downgrade():
    spelt = sa.or_(subscribers.c.email != sa.func.lower(subscribers.c.email), subscribers.c.email.like('%xn--%'),
                   _not_ascii())
    _rewrite(spelt,
             lambda local, domain: local.lower() + '@' + (idna.decode(domain.lower()) if 'xn--' in domain.lower()
                                                          else domain.lower()))
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscribers_email_hash'))
        batch_op.create_index(batch_op.f('ix_subscribers_email_hash'), ['email_hash'], unique=False)
