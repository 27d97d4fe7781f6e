"""personal tokens: an adviser's own key for reading their queue and cases through the API

Only each token's SHA-256 is stored, with the user's session_epoch at creation, so that a
password reset or a "sign out everywhere" ends the user's tokens with their sessions.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 03:24:48.263587

"""
from alembic import op
import sqlalchemy as sa

import advice.clock


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('personal_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('prefix', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('epoch', sa.Integer(), nullable=False),
    sa.Column('created_at', advice.clock.UTCDateTime(), nullable=False),
    sa.Column('expires_at', advice.clock.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', advice.clock.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', advice.clock.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_personal_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_tokens')),
    sa.UniqueConstraint('prefix', name=op.f('uq_personal_tokens_prefix')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_personal_tokens_token_hash'))
    )
    with op.batch_alter_table('personal_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personal_tokens_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('personal_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personal_tokens_user_id'))

    op.drop_table('personal_tokens')
