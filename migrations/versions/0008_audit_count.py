"""audit events may carry a count (bulk actions such as the notes rescan: counts only)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 23:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events') as batch_op:
        batch_op.add_column(sa.Column('count', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_events') as batch_op:
        batch_op.drop_column('count')
