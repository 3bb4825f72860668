"""one person, one key: subscribers are unique on email_hash (the key), not on the stored spelling

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 09:00:00

Addresses are now stored as typed for delivery (``Anne.Dupont@xn--exmple-cua.fr``), so the
unique index on ``email`` no longer tells one person from two; ``email_hash`` (the keyed
fingerprint of the case-insensitive key) becomes unique instead. Rows stored before this were
lower-case keys, one per person, so their fingerprints are already unique. NULLs (erased
people) stay allowed, several of them, on PostgreSQL and SQLite alike.
"""
from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscribers_email_hash'))
        batch_op.create_index(batch_op.f('ix_subscribers_email_hash'), ['email_hash'], unique=True)


def downgrade():
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscribers_email_hash'))
        batch_op.create_index(batch_op.f('ix_subscribers_email_hash'), ['email_hash'], unique=False)
