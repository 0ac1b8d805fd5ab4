"""one registration for every channel; report tables

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-30 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0003'
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
        batch_op.create_index(batch_op.f('ix_summaries_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_summaries_series_id'), ['series_id'], unique=False)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('registration_id')
    with op.batch_alter_table('summaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_summaries_series_id'))
        batch_op.drop_index(batch_op.f('ix_summaries_staff_id'))
        batch_op.drop_column('series_id')
        batch_op.drop_column('said_helpful')
        batch_op.drop_column('contacted_before')
        batch_op.drop_column('referral_accepted')
