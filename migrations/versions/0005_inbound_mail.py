"""inbound mail

The email channel's memory: every message read from an office mailbox, its Message-ID
unique so that no message ever becomes two cases, the quarantine (raw message kept while
quarantined) and the link to our automatic answer (receipt or size-limit notice).

Mailbox settings (server, account, password) are app configuration (INBOUND_MAILBOXES),
not a table: they are secrets. Written by hand.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 16:00:00

"""
from alembic import op
import sqlalchemy as sa

import advice.clock


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('mailbox', sa.String(length=100), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=True),
    sa.Column('uid', sa.BigInteger(), nullable=True),
    sa.Column('office_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=True),
    sa.Column('sender', sa.String(length=254), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('folded_text', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('received_at', advice.clock.UTCDateTime(), nullable=False),
    sa.Column('processed_at', advice.clock.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('answer_outbox_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('processed', 'quarantined', 'ignored')", name=op.f('ck_inbound_messages_status_known')),
    sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_inbound_messages_size_not_negative')),
    sa.ForeignKeyConstraint(['answer_outbox_id'], ['outbox_messages.id'], name=op.f('fk_inbound_messages_answer_outbox_id_outbox_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_inbound_messages_case_id_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['case_entries.id'], name=op.f('fk_inbound_messages_entry_id_case_entries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_inbound_messages_office_id_offices'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_messages')),
    sa.UniqueConstraint('message_id', name=op.f('uq_inbound_messages_message_id'))
    )
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_messages_answer_outbox_id'), ['answer_outbox_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_messages_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_inbound_messages_sender_received_at', ['sender', 'received_at'], unique=False)
        batch_op.create_index('ix_inbound_messages_status_received_at', ['status', 'received_at'], unique=False)


def downgrade():
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_messages_status_received_at')
        batch_op.drop_index('ix_inbound_messages_sender_received_at')
        batch_op.drop_index(batch_op.f('ix_inbound_messages_case_id'))
        batch_op.drop_index(batch_op.f('ix_inbound_messages_answer_outbox_id'))

    op.drop_table('inbound_messages')
