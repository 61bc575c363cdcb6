"""Fundings entered and approved by two officials; each province's budget source

Revision ID: 0006_clerk
Revises: 0005_scope
Create Date: 2026-12-04 05:22:48.499862
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import service.db


revision = '0006_clerk'
down_revision = '0005_scope'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('comp_budget_sources',
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('registered_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('registered_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_comp_budget_sources_account_id_accounts')),
    sa.ForeignKeyConstraint(['registered_by'], ['users.id'], name=op.f('fk_comp_budget_sources_registered_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comp_budget_sources')),
    sa.UniqueConstraint('account_id', name=op.f('uq_comp_budget_sources_account_id')),
    sa.UniqueConstraint('province_code', name=op.f('uq_comp_budget_sources_province_code'))
    )
    op.create_table('comp_fundings',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('program_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('source_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('fund_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('memo', sa.Text(), nullable=False),
    sa.Column('entered_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('entered_at', service.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('decided_at', service.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_comp_fundings_decided_by_users')),
    sa.ForeignKeyConstraint(['entered_by'], ['users.id'], name=op.f('fk_comp_fundings_entered_by_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_comp_fundings_entry_id_journal_entries')),
    sa.ForeignKeyConstraint(['fund_account_id'], ['accounts.id'], name=op.f('fk_comp_fundings_fund_account_id_accounts')),
    sa.ForeignKeyConstraint(['program_id'], ['comp_programs.id'], name=op.f('fk_comp_fundings_program_id_comp_programs')),
    sa.ForeignKeyConstraint(['source_account_id'], ['accounts.id'], name=op.f('fk_comp_fundings_source_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comp_fundings'))
    )
    with op.batch_alter_table('comp_fundings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comp_fundings_county_code'), ['county_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_comp_fundings_program_id'), ['program_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comp_fundings_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('comp_fundings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comp_fundings_status'))
        batch_op.drop_index(batch_op.f('ix_comp_fundings_program_id'))
        batch_op.drop_index(batch_op.f('ix_comp_fundings_county_code'))

    op.drop_table('comp_fundings')
    op.drop_table('comp_budget_sources')
