"""anonymous survey answers: an erased person's answers keep their scores, without the registration

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


ERASED_REGISTRATIONS = ("SELECT registrations.id FROM registrations JOIN subscribers "
                        "ON subscribers.id = registrations.subscriber_id WHERE subscribers.status = 'erased'")


def upgrade():
    with op.batch_alter_table('survey_answers') as batch:
        batch.alter_column('registration_id', existing_type=sa.Integer(), nullable=True)
    # People erased before: their answers become anonymous and their drawn signatures go, as now.
    op.execute("UPDATE survey_answers SET registration_id = NULL, name = '', comment = '' "
               f"WHERE registration_id IN ({ERASED_REGISTRATIONS})")
    op.execute(f"UPDATE attendances SET signature_svg = NULL WHERE registration_id IN ({ERASED_REGISTRATIONS})")


def downgrade():
    # Anonymous answers have no registration to point at again: they go (their scores with them).
    op.execute("DELETE FROM survey_answers WHERE registration_id IS NULL")
    with op.batch_alter_table('survey_answers') as batch:
        batch.alter_column('registration_id', existing_type=sa.Integer(), nullable=False)
