"""one registration for every channel; report tables

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-30 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('summaries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_accepted', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('contacted_before', sa.String(length=16), nullable=False,
                                      server_default='unknown'))
        batch_op.add_column(sa.Column('said_helpful', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('series_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('follow_up_kept', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_summaries_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_summaries_series_id'), ['series_id'], unique=False)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_id', sa.Integer(), nullable=True))


    op.create_table('referral_arrivals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre', sa.String(length=64), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('arrived', sa.Integer(), nullable=False),
    sa.Column('entered_by', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entered_by'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('referral_arrivals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_arrivals_first_day'), ['first_day'],
                              unique=False)
    op.create_table('registration_month_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('dimension', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('month', 'channel', 'dimension', 'key')
    )
    with op.batch_alter_table('registration_month_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_month_counts_month'), ['month'],
                              unique=False)
    op.create_table('follow_up_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('series_id', sa.String(length=32), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )
    with op.batch_alter_table('follow_up_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_codes_valid_until'), ['valid_until'],
                              unique=False)
    op.create_table('chatter_feedback_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('question', sa.String(length=16), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('month', 'question', 'answer')
    )
    with op.batch_alter_table('chatter_feedback_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chatter_feedback_counts_month'), ['month'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('chatter_feedback_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chatter_feedback_counts_month'))
    op.drop_table('chatter_feedback_counts')
    with op.batch_alter_table('follow_up_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_codes_valid_until'))
    op.drop_table('follow_up_codes')
    with op.batch_alter_table('registration_month_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_month_counts_month'))
    op.drop_table('registration_month_counts')
    with op.batch_alter_table('referral_arrivals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_arrivals_first_day'))
    op.drop_table('referral_arrivals')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('registration_id')
    with op.batch_alter_table('summaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_summaries_series_id'))
        batch_op.drop_index(batch_op.f('ix_summaries_staff_id'))
        batch_op.drop_column('follow_up_kept')
        batch_op.drop_column('series_id')
        batch_op.drop_column('said_helpful')
        batch_op.drop_column('contacted_before')
        batch_op.drop_column('referral_accepted')
