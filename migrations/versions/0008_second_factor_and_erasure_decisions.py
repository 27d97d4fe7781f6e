"""second factor and erasure decisions

Staff accounts get an optional TOTP second factor: ``users.totp_secret`` grows to hold
the sealed (encrypted and authenticated) secret, ``totp_enabled_at`` says since when it
is on, ``totp_last_step`` remembers the time step of the last accepted code so a code
cannot be used twice, and ``recovery_codes`` keeps the SHA-256 of each one-time
recovery code. No account had a second factor before: a value left in ``totp_secret``
by hand could not be unsealed, so it is cleared.

Case timelines get the entry kind ``erasure_decision`` (an adviser anonymises or refuses
a requester's erasure request), and a small partial index finds the requests that
await a decision, per office. On SQLite the CHECK constraint of ``case_entries.kind``
can only change by rebuilding the table (batch mode); migrations/env.py switches foreign
keys off while migrating, or dropping the old table would null the inbound messages'
links to their entries, and checks them afterwards. Downgrading deletes the decision
entries, which the earlier schema cannot hold.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 17:55:18.945886

"""
from alembic import op
import sqlalchemy as sa

import advice.clock


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

OLD_KINDS = (
    "'citizen_message', 'reply', 'note', 'call', 'visit', 'status_change', 'assignment', "
    "'transfer', 'attachment', 'pdf_sent', 'article_link', 'erasure_request', 'satisfaction'"
)
NEW_KINDS = (
    "'citizen_message', 'reply', 'note', 'call', 'visit', 'status_change', 'assignment', "
    "'transfer', 'attachment', 'pdf_sent', 'article_link', 'erasure_request', "
    "'erasure_decision', 'satisfaction'"
)


def _entry_kinds(kinds):
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('case_entries', recreate='always') as batch_op:
            batch_op.drop_constraint(op.f('ck_case_entries_kind_known'), type_='check')
            batch_op.create_check_constraint(op.f('ck_case_entries_kind_known'), f"kind IN ({kinds})")
    else:
        op.drop_constraint(op.f('ck_case_entries_kind_known'), 'case_entries', type_='check')
        op.create_check_constraint(op.f('ck_case_entries_kind_known'), 'case_entries', f"kind IN ({kinds})")


def _totp_secret_column(old_length, new_length):
    """Resize users.totp_secret, emptied first (see the docstring).

    On SQLite the column is dropped and added again with plain ALTER TABLE: a batch
    rebuild of users would turn the CHECK of users.notify (written into its column by
    0002) into a table constraint, which a later DROP COLUMN notify cannot get past.
    """
    op.execute("UPDATE users SET totp_secret = NULL")
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE users DROP COLUMN totp_secret")
        op.execute(f"ALTER TABLE users ADD COLUMN totp_secret VARCHAR({new_length})")
    else:
        op.alter_column('users', 'totp_secret',
               existing_type=sa.String(length=old_length),
               type_=sa.String(length=new_length),
               existing_nullable=True)


def upgrade():
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', advice.clock.UTCDateTime(), nullable=False),
    sa.Column('used_at', advice.clock.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_recovery_codes_code_hash'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_erasure_pending', ['office_id', 'erasure_requested_at'], unique=False, postgresql_where=sa.text('erasure_requested_at IS NOT NULL'), sqlite_where=sa.text('erasure_requested_at IS NOT NULL'))

    _totp_secret_column(64, 255)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_enabled_at', advice.clock.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))

    _entry_kinds(NEW_KINDS)


def downgrade():
    # The earlier schema knows no decision entries, nor sealed secrets: both go.
    op.execute("DELETE FROM case_entries WHERE kind = 'erasure_decision'")
    _entry_kinds(OLD_KINDS)

    # Plain ALTER TABLE … DROP COLUMN, not batch: no rebuild of users (see above).
    op.drop_column('users', 'totp_last_step')
    op.drop_column('users', 'totp_enabled_at')
    _totp_secret_column(255, 64)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_erasure_pending', postgresql_where=sa.text('erasure_requested_at IS NOT NULL'), sqlite_where=sa.text('erasure_requested_at IS NOT NULL'))

    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))

    op.drop_table('recovery_codes')
