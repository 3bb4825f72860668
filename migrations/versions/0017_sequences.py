"""sequences: definitions and steps, one enrolment per person and sequence, one row per step reached
(unique per person, sequence and step), and the trigger events recorded with the changes that cause them

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 07:27:31

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sequence_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('subscribed', 'registered', 'attendance', 'survey_sent', name='eventkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=True),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('journee_id', sa.Integer(), nullable=True),
    sa.Column('at', app.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], name=op.f('fk_sequence_events_subscriber_id_subscribers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sequence_events'))
    )
    op.create_table('sequences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('trigger_kind', sa.String(length=40), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=True),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('journee_id', sa.Integer(), nullable=True),
    sa.Column('exits', sa.JSON(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('fired_at', app.models.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_sequences_cycle_id_cycles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['journee_id'], ['journees.id'], name=op.f('fk_sequences_journee_id_journees'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['list_id'], ['mailing_lists.id'], name=op.f('fk_sequences_list_id_mailing_lists'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sequences')),
    sa.UniqueConstraint('name', name=op.f('uq_sequences_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_sequences_slug'))
    )
    op.create_table('sequence_enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sequence_id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('active', 'completed', 'exited', name='enrolmentstatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('anchor_at', app.models.types.UTCDateTime(), nullable=False),
    sa.Column('next_position', sa.Integer(), nullable=False),
    sa.Column('next_due_at', app.models.types.UTCDateTime(), nullable=True),
    sa.Column('exit_reason', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('enrolled_at', app.models.types.UTCDateTime(), nullable=False),
    sa.Column('finished_at', app.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['sequence_id'], ['sequences.id'], name=op.f('fk_sequence_enrolments_sequence_id_sequences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], name=op.f('fk_sequence_enrolments_subscriber_id_subscribers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sequence_enrolments')),
    sa.UniqueConstraint('sequence_id', 'subscriber_id', name=op.f('uq_sequence_enrolments_sequence_id_subscriber_id'))
    )
    with op.batch_alter_table('sequence_enrolments', schema=None) as batch_op:
        batch_op.create_index('ix_sequence_enrolments_due', ['next_due_at'], unique=False, postgresql_where=sa.text("status = 'active'"), sqlite_where=sa.text("status = 'active'"))
        batch_op.create_index('ix_sequence_enrolments_subscriber', ['subscriber_id'], unique=False)

    op.create_table('sequence_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sequence_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('after_seconds', sa.Integer(), nullable=False),
    sa.Column('window', sa.String(length=80), nullable=False),
    sa.Column('condition', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('markdown', sa.Text(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_sequence_steps_campaign_id_campaigns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sequence_id'], ['sequences.id'], name=op.f('fk_sequence_steps_sequence_id_sequences'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sequence_steps')),
    sa.UniqueConstraint('sequence_id', 'position', name=op.f('uq_sequence_steps_sequence_id_position'))
    )
    op.create_table('sequence_step_sends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('sequence_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['sequence_id'], ['sequences.id'], name=op.f('fk_sequence_step_sends_sequence_id_sequences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['sequence_steps.id'], name=op.f('fk_sequence_step_sends_step_id_sequence_steps'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], name=op.f('fk_sequence_step_sends_subscriber_id_subscribers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sequence_step_sends')),
    sa.UniqueConstraint('subscriber_id', 'sequence_id', 'step_id', name=op.f('uq_sequence_step_sends_subscriber_id_sequence_id_step_id'))
    )
    with op.batch_alter_table('sequence_step_sends', schema=None) as batch_op:
        batch_op.create_index('ix_sequence_step_sends_step', ['step_id'], unique=False)



def downgrade():
    with op.batch_alter_table('sequence_step_sends', schema=None) as batch_op:
        batch_op.drop_index('ix_sequence_step_sends_step')

    op.drop_table('sequence_step_sends')
    op.drop_table('sequence_steps')
    with op.batch_alter_table('sequence_enrolments', schema=None) as batch_op:
        batch_op.drop_index('ix_sequence_enrolments_subscriber')
        batch_op.drop_index('ix_sequence_enrolments_due', postgresql_where=sa.text("status = 'active'"), sqlite_where=sa.text("status = 'active'"))

    op.drop_table('sequence_enrolments')
    op.drop_table('sequences')
    op.drop_table('sequence_events')
