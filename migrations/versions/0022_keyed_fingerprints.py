"""keyed fingerprints: the suppression list and the subscribers' look-up key become HMAC-SHA256 under FINGERPRINT_KEY

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 08:30:00

Each stored SHA-256 becomes HMAC(FINGERPRINT_KEY, that SHA-256): the addresses themselves are
not needed (an erased one is gone), so every entry of the suppression list keeps working. Run
it with the production FINGERPRINT_KEY set (``flask db upgrade`` reads the configuration).
Downgrade gives the subscribers with an address their plain SHA-256 back, and the suppression
entries of those addresses; the others (erased addresses) stay keyed and match nobody.
"""
import hashlib
import hmac

from alembic import op
import sqlalchemy as sa
from flask import current_app


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

subscribers = sa.table('subscribers', sa.column('id', sa.Integer), sa.column('email', sa.String),
                       sa.column('email_hash', sa.String))
suppressions = sa.table('suppressions', sa.column('email_hash', sa.String))


def _keyed(digest: str) -> str:
    key = current_app.config["FINGERPRINT_KEY"].encode("utf-8")
    return hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()


def _plain(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def _rehash_subscribers(column, new_hash) -> list:
    """Each subscriber whose ``column`` is set gets ``new_hash(value)`` as its look-up key; returns the values."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(subscribers.c.id, column).where(column.is_not(None))).all()
    for sid, value in rows:
        bind.execute(subscribers.update().where(subscribers.c.id == sid).values(email_hash=new_hash(value)))
    return [value for _sid, value in rows]


def _rewrite(pairs: list[tuple[str, str]]) -> None:
    """Suppression keys old → new (primary keys: one UPDATE each, none can collide: 64 hex either way)."""
    bind = op.get_bind()
    for old, new in pairs:
        bind.execute(suppressions.update().where(suppressions.c.email_hash == old).values(email_hash=new))


def _suppressions() -> list[str]:
    return [h for (h,) in op.get_bind().execute(sa.select(suppressions.c.email_hash)).all()]


def upgrade():
    _rehash_subscribers(subscribers.c.email_hash, _keyed)
    _rewrite([(digest, _keyed(digest)) for digest in _suppressions()])


def downgrade():
    emails = _rehash_subscribers(subscribers.c.email, _plain)
    known = {_keyed(_plain(email)): _plain(email) for email in emails}
    _rewrite([(h, known[h]) for h in _suppressions() if h in known])
