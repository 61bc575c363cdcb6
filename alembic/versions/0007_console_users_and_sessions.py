"""console users (a password for a user), the console's session store and staged batch uploads

Revision ID: 0007_console
Revises: 0006_clerk
Create Date: 2026-12-04 05:28:15.079458
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import service.db


revision = '0007_console'
down_revision = '0006_clerk'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_sessions',
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('value', sa.LargeBinary(), nullable=False),
    sa.Column('expires_at', service.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_console_sessions'))
    )
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_sessions_expires_at'), ['expires_at'], unique=False)

    op.create_table('console_logins',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('failed_count', sa.Integer(), nullable=False),
    sa.Column('locked_until', service.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('disabled_at', service.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('password_changed_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_sign_in_at', service.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_console_logins_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_console_logins')),
    sa.UniqueConstraint('username', name=op.f('uq_console_logins_username'))
    )
    op.create_table('console_staged_uploads',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('program_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_console_staged_uploads_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_staged_uploads'))
    )
    with op.batch_alter_table('console_staged_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_staged_uploads_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('console_staged_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_staged_uploads_user_id'))

    op.drop_table('console_staged_uploads')
    op.drop_table('console_logins')
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_sessions_expires_at'))

    op.drop_table('console_sessions')
