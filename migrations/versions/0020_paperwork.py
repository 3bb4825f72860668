"""paperwork: the centre's stamp on certificates, the public archive's opt-out per campaign, survey questions
per cycle (every existing cycle gets the five fixed questions under their keys: its answers keep their meaning)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


# The fixed survey's questions, as they were asked (app/services/events/surveys.py DEFAULT_QUESTIONS).
FIXED_QUESTIONS = [
    ("objectives", "Les objectifs annoncés ont été atteints"),
    ("content", "Le contenu de la formation"),
    ("speaker", "L'intervention (clarté, animation)"),
    ("organisation", "L'organisation (accueil, lieu, horaires)"),
    ("usefulness", "L'utilité pour votre travail"),
]


def upgrade():
    op.create_table(
        'survey_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('scale', 'choice', 'text', name='questionkind', native_enum=False,
                                  create_constraint=True, length=10), nullable=False),
        sa.Column('label', sa.String(length=300), nullable=False),
        sa.Column('choices', sa.JSON(), nullable=False),
        sa.Column('required', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_survey_questions_cycle_id_cycles'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_questions')),
        sa.UniqueConstraint('cycle_id', 'key', name=op.f('uq_survey_questions_cycle_id_key')),
    )
    op.create_index('ix_survey_questions_cycle_position', 'survey_questions', ['cycle_id', 'position'])
    questions = sa.table('survey_questions', sa.column('cycle_id', sa.Integer()), sa.column('key', sa.String()),
                         sa.column('position', sa.Integer()), sa.column('kind', sa.String()),
                         sa.column('label', sa.String()), sa.column('choices', sa.JSON()),
                         sa.column('required', sa.Boolean()))
    cycles = [row[0] for row in op.get_bind().execute(sa.text('SELECT id FROM cycles'))]
    if cycles:
        op.bulk_insert(questions, [
            {'cycle_id': cycle, 'key': key, 'position': index, 'kind': 'scale', 'label': label, 'choices': [],
             'required': True}
            for cycle in cycles for index, (key, label) in enumerate(FIXED_QUESTIONS)])
    with op.batch_alter_table('certificate_settings') as batch:
        batch.add_column(sa.Column('stamp_image', sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column('stamp_mime', sa.String(length=50), nullable=False, server_default=''))
    with op.batch_alter_table('campaigns') as batch:
        batch.add_column(sa.Column('in_archive', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    op.drop_index('ix_survey_questions_cycle_position', table_name='survey_questions')
    op.drop_table('survey_questions')
    with op.batch_alter_table('campaigns') as batch:
        batch.drop_column('in_archive')
    with op.batch_alter_table('certificate_settings') as batch:
        batch.drop_column('stamp_mime')
        batch.drop_column('stamp_image')
