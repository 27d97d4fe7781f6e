"""integration keys

Keys with which a municipality's e-service (scope intake) or report tool (scope stats)
calls the JSON API; only each key's SHA-256 is stored. Idempotency keys of API calls also
keep a digest of the request, so that one key reused for another request is refused.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 17:49:46.723339

"""
from alembic import op
import sqlalchemy as sa

import advice.clock


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('integration_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('prefix', sa.String(length=20), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.String(length=40), nullable=False),
    sa.Column('created_at', advice.clock.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_used_at', advice.clock.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', advice.clock.UTCDateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("scopes IN ('intake', 'stats', 'intake stats')", name=op.f('ck_integration_keys_scopes_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_integration_keys_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_integration_keys_revoked_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_integration_keys_key_hash')),
    sa.UniqueConstraint('prefix', name=op.f('uq_integration_keys_prefix'))
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_digest', sa.String(length=64), nullable=True))



def downgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_column('request_digest')

    op.drop_table('integration_keys')
