"""anonymous messages, the staff side (issue 20): taking, reading, hand-over notes, answer times

Expand only: new nullable columns and one new table that the previous release never
reads. The hand-over note is AES-GCM ciphertext under the conversation's data key, so it
is shredded with the conversation (helpline/messages/keys.py). A registration of the
channel "message" keeps whether the first answer came by the promised day.

Revision ID: 0012
Revises: 0011
Create Date: 2027-01-04 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('message_conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_answer_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('answered_in_time', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('writer_read_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('overdue_counted', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('supervisor_asked_at', sa.DateTime(), nullable=True))

    op.create_table('message_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('from_staff_id', sa.Integer(), nullable=False),
    sa.Column('to_staff_id', sa.Integer(), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['message_conversations.id'],
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_staff_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['to_staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('message_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_notes_conversation_id'),
                              ['conversation_id'], unique=False)

    with op.batch_alter_table('summaries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_in_time', sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table('summaries', schema=None) as batch_op:
        batch_op.drop_column('answered_in_time')
    with op.batch_alter_table('message_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_notes_conversation_id'))
    op.drop_table('message_notes')
    with op.batch_alter_table('message_conversations', schema=None) as batch_op:
        batch_op.drop_column('supervisor_asked_at')
        batch_op.drop_column('overdue_counted')
        batch_op.drop_column('writer_read_at')
        batch_op.drop_column('answered_in_time')
        batch_op.drop_column('first_answer_at')
