"""one-time passwords expire: when each was issued (issue 17, ASVS 6.4.1)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-20 10:00:00.000000

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff') as batch_op:
        batch_op.add_column(sa.Column('one_time_password_at', sa.DateTime(), nullable=True))
    # One-time passwords handed out before this release count from the upgrade on (UTC).
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    staff = sa.table('staff', sa.column('must_change_password', sa.Boolean()),
                     sa.column('one_time_password_at', sa.DateTime()))
    op.execute(staff.update().where(staff.c.must_change_password == sa.true())
               .values(one_time_password_at=now))


def downgrade():
    with op.batch_alter_table('staff') as batch_op:
        batch_op.drop_column('one_time_password_at')
