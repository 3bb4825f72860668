"""after the journée: attendance per half-day, survey answers, cycle closures, certificate signatory,
lunch break per journée (default 60 minutes)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 01:15:48

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signatory_name', sa.String(length=200), nullable=False),
    sa.Column('signatory_title', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('signature_image', sa.LargeBinary(), nullable=True),
    sa.Column('signature_mime', sa.String(length=50), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_settings'))
    )
    op.create_table('cycle_closures',
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('closed_at', app.models.types.UTCDateTime(), nullable=False),
    sa.Column('closed_by', sa.String(length=320), nullable=False),
    sa.Column('certificates_sent', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_cycle_closures_cycle_id_cycles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cycle_id', name=op.f('pk_cycle_closures'))
    )
    op.create_table('attendances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('journee_id', sa.Integer(), nullable=False),
    sa.Column('half', sa.Enum('am', 'pm', name='half', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum('present', 'absent', 'excused', name='attendancestatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('checked_in_at', app.models.types.UTCDateTime(), nullable=True),
    sa.Column('changed_by', sa.String(length=320), nullable=False),
    sa.Column('changed_at', app.models.types.UTCDateTime(), nullable=False),
    sa.Column('signature_svg', sa.Text(), nullable=True),
    sa.Column('signed_at', app.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['journee_id'], ['journees.id'], name=op.f('fk_attendances_journee_id_journees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_attendances_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendances')),
    sa.UniqueConstraint('registration_id', 'journee_id', 'half', name=op.f('uq_attendances_registration_id_journee_id_half'))
    )
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.create_index('ix_attendances_journee_half', ['journee_id', 'half'], unique=False)

    op.create_table('survey_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('journee_id', sa.Integer(), nullable=True),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_survey_answers_cycle_id_cycles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['journee_id'], ['journees.id'], name=op.f('fk_survey_answers_journee_id_journees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_survey_answers_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers')),
    sa.UniqueConstraint('registration_id', 'scope', name=op.f('uq_survey_answers_registration_id_scope'))
    )
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.create_index('ix_survey_answers_cycle_scope', ['cycle_id', 'scope'], unique=False)

    with op.batch_alter_table('journees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lunch_minutes', sa.Integer(), server_default='60', nullable=False))



def downgrade():
    with op.batch_alter_table('journees', schema=None) as batch_op:
        batch_op.drop_column('lunch_minutes')

    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_answers_cycle_scope')

    op.drop_table('survey_answers')
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_index('ix_attendances_journee_half')

    op.drop_table('attendances')
    op.drop_table('cycle_closures')
    op.drop_table('certificate_settings')
