"""two-factor secrets encrypted at rest (issue 18): wider column, clear secrets encrypted

The key comes from the environment of the process that runs the migration (the app's
TOTP_ENCRYPTION_KEYS, or in development the key derived from SECRET_KEY). A clear
secret is base32 (16-32 characters); an encrypted one is a Fernet token ('gAAAAA...'):
rows already encrypted are left alone, so running it again after a failure is safe.
Old code cannot read encrypted secrets: restart every process on the new release
before running it (CHANGELOG.md, "Upgrade notes"). The downgrade decrypts them again,
with the same keys, before it narrows the column; if a key is missing it stops before
changing anything.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 10:00:00.000000

"""
from alembic import op
from flask import current_app
import sqlalchemy as sa

from helpline.auth import totp_keys


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

staff = sa.table('staff', sa.column('id', sa.Integer()),
                 sa.column('totp_secret', sa.String()))


def _secrets(conn):
    return conn.execute(sa.select(staff.c.id, staff.c.totp_secret)
                        .where(staff.c.totp_secret.is_not(None))).all()


def upgrade():
    with op.batch_alter_table('staff') as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=64),
                              type_=sa.String(length=255), existing_nullable=True)
    conn = op.get_bind()
    for staff_id, stored in _secrets(conn):
        if not totp_keys.is_encrypted(stored):
            conn.execute(staff.update().where(staff.c.id == staff_id).values(
                totp_secret=totp_keys.encrypt(stored, current_app.config)))


def downgrade():
    conn = op.get_bind()
    clear = []
    for staff_id, stored in _secrets(conn):
        try:
            clear.append((staff_id, totp_keys.decrypt(stored, current_app.config)))
        except totp_keys.CannotDecrypt:
            raise SystemExit(
                "0010 downgrade: a two-factor secret cannot be decrypted with "
                "TOTP_ENCRYPTION_KEYS (nothing was changed): set the keys it was "
                "encrypted with") from None
    for staff_id, secret in clear:
        conn.execute(staff.update().where(staff.c.id == staff_id).values(totp_secret=secret))
    with op.batch_alter_table('staff') as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=255),
                              type_=sa.String(length=64), existing_nullable=True)
