"""statistics rollup and administration

The statistics rollup (advice.stats.models): case counts per local month, municipality,
office, requester type and channel; topics; topics by requester type and channel (the
national period report); histograms of the time to first response and
to resolution; cases per assignee; and stats_state, the highest case id the rollup covers
(0 here: run `flask --app advice rebuild-stats` after upgrading a database with cases,
until then every figure is counted live and correct, only slower).

Two partial indexes on cases for what the statistics count live, because it changes
with the clock rather than with the case: the unanswered cases (past their due time or
not) and the open cases (the backlog by age, each adviser's open cases).

Administration (advice.admin.models): one-time invitation links, and term_labels, the
labels taxonomy terms had before a rename.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import advice.clock


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stats_assignee_cells',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('office_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('assignee_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'municipality_id', 'office_id', 'assignee_id', name=op.f('pk_stats_assignee_cells'))
    )
    op.create_table('stats_cells',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('office_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('requester_type_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('channel_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('responded', sa.Integer(), nullable=False),
    sa.Column('responded_on_time', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.BigInteger(), nullable=False),
    sa.Column('satisfaction_1', sa.Integer(), nullable=False),
    sa.Column('satisfaction_2', sa.Integer(), nullable=False),
    sa.Column('satisfaction_3', sa.Integer(), nullable=False),
    sa.Column('satisfaction_4', sa.Integer(), nullable=False),
    sa.Column('satisfaction_5', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'municipality_id', 'office_id', 'requester_type_id', 'channel_id', name=op.f('pk_stats_cells'))
    )
    op.create_table('stats_durations',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('office_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('measure', sa.String(length=12), nullable=False),
    sa.Column('bucket', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'municipality_id', 'office_id', 'measure', 'bucket', name=op.f('pk_stats_durations'))
    )
    op.create_table('stats_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('covered_through', sa.BigInteger(), nullable=False),
    sa.Column('rebuilt_at', advice.clock.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_state'))
    )
    op.create_table('stats_topic_cells',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('office_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('topic_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'municipality_id', 'office_id', 'topic_id', name=op.f('pk_stats_topic_cells'))
    )
    op.create_table('stats_report_cells',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('office_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('requester_type_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('channel_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('topic_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'municipality_id', 'office_id', 'requester_type_id', 'channel_id', 'topic_id', name=op.f('pk_stats_report_cells'))
    )
    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', advice.clock.UTCDateTime(), nullable=False),
    sa.Column('expires_at', advice.clock.UTCDateTime(), nullable=False),
    sa.Column('used_at', advice.clock.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_invitations_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invitations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_user_id'), ['user_id'], unique=False)

    op.create_table('term_labels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('label_sv', sa.String(length=150), nullable=False),
    sa.Column('label_en', sa.String(length=150), nullable=False),
    sa.Column('valid_until', advice.clock.UTCDateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('topics', 'requester_types', 'channels')", name=op.f('ck_term_labels_kind_known')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_term_labels_changed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_term_labels'))
    )
    with op.batch_alter_table('term_labels', schema=None) as batch_op:
        batch_op.create_index('ix_term_labels_kind_term', ['kind', 'term_id', 'valid_until'], unique=False)

    # Plain create_index, not a batch: a batch on SQLite may copy and drop the cases table.
    op.create_index('ix_cases_unanswered_received', 'cases', ['received_at'], unique=False, postgresql_where=sa.text('first_response_at IS NULL'), sqlite_where=sa.text('first_response_at IS NULL'))
    op.create_index('ix_cases_open_received', 'cases', ['received_at', 'status', 'office_id', 'municipality_id', 'assignee_id', 'first_response_at', 'first_response_due_at'], unique=False, postgresql_where=sa.text("status IN ('new', 'assigned', 'in_progress', 'waiting')"), sqlite_where=sa.text("status IN ('new', 'assigned', 'in_progress', 'waiting')"))

    # The rollup starts empty and covers no case: every case counts live until
    # `flask rebuild-stats` takes them in. The row exists from the start, so every
    # transaction that writes a case can take its shared lock.
    op.execute("INSERT INTO stats_state (id, covered_through) VALUES (1, 0)")



def downgrade():
    op.drop_index('ix_cases_open_received', table_name='cases', postgresql_where=sa.text("status IN ('new', 'assigned', 'in_progress', 'waiting')"), sqlite_where=sa.text("status IN ('new', 'assigned', 'in_progress', 'waiting')"))
    op.drop_index('ix_cases_unanswered_received', table_name='cases', postgresql_where=sa.text('first_response_at IS NULL'), sqlite_where=sa.text('first_response_at IS NULL'))

    with op.batch_alter_table('term_labels', schema=None) as batch_op:
        batch_op.drop_index('ix_term_labels_kind_term')

    op.drop_table('term_labels')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_user_id'))

    op.drop_table('invitations')
    op.drop_table('stats_report_cells')
    op.drop_table('stats_topic_cells')
    op.drop_table('stats_state')
    op.drop_table('stats_durations')
    op.drop_table('stats_cells')
    op.drop_table('stats_assignee_cells')
