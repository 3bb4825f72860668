"""the greeting is a block: every existing newsletter (and newsletter template) gets a "greeting" block first,
where the renderer used to put it by itself, so it renders as before and the author now sees, moves or removes it

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-12 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

GREETING = {"type": "greeting"}
TABLES = ("campaigns", "message_templates")


def _rewrite(change) -> None:
    bind = op.get_bind()
    for name in TABLES:
        table = sa.table(name, sa.column("id", sa.Integer), sa.column("template", sa.String),
                         sa.column("content", sa.JSON))
        rows = bind.execute(sa.select(table.c.id, table.c.content).where(table.c.template == "newsletter")).all()
        for row_id, content in rows:
            content = dict(content or {})
            content["blocks"] = change(list(content.get("blocks") or []))
            bind.execute(table.update().where(table.c.id == row_id).values(content=content))


def upgrade():
    _rewrite(lambda blocks: blocks if any(b.get("type") == "greeting" for b in blocks) else [dict(GREETING)] + blocks)


def downgrade():
    # The renderer before 0019 greets at the top by itself: a greeting moved or removed since comes back there.
    _rewrite(lambda blocks: [b for b in blocks if b.get("type") != "greeting"])
