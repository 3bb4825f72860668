"""who receives what: transactional messages may end "skipped" (their kind's rule stopped them,
app.sending.eligibility); a partial index of left memberships for the "désabonné·e" filter

Revision ID: 0013
Revises: 0012
Create Date: 2027-01-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

NAME = 'ck_transactional_messages_messagestatus'
BEFORE = ('queued', 'sending', 'sent', 'failed')
AFTER = BEFORE + ('skipped',)


def _check(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _replace(values: tuple[str, ...]) -> None:
    # batch mode: SQLite rebuilds the table (its CHECK constraints cannot be altered), PostgreSQL alters it.
    with op.batch_alter_table('transactional_messages') as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_='check')
        batch_op.create_check_constraint(op.f(NAME), _check(values))


def upgrade():
    _replace(AFTER)
    with op.batch_alter_table('subscriptions') as batch_op:
        batch_op.create_index('ix_subscriptions_unsubscribed', ['subscriber_id'], unique=False,
                              postgresql_where=sa.text("status = 'unsubscribed'"),
                              sqlite_where=sa.text("status = 'unsubscribed'"))


def downgrade():
    with op.batch_alter_table('subscriptions') as batch_op:
        batch_op.drop_index('ix_subscriptions_unsubscribed')
    op.execute("UPDATE transactional_messages SET status = 'failed' WHERE status = 'skipped'")
    _replace(BEFORE)
