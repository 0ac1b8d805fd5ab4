"""anonymous messages (issue 20): conversations and their encrypted messages

Expand only: two new tables that the previous release never reads. No text is ever
stored in clear: a message row holds AES-GCM ciphertext, a conversation its data key
wrapped by an epoch key kept outside the database (helpline/messages/keys.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-28 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_activity_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('age_band', sa.String(length=64), nullable=True),
    sa.Column('gender', sa.String(length=64), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('answer_due', sa.Date(), nullable=False),
    sa.Column('key_epoch', sa.String(length=16), nullable=True),
    sa.Column('wrapped_key', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )
    with op.batch_alter_table('message_conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_conversations_key_epoch'), ['key_epoch'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_message_conversations_last_activity_at'),
                              ['last_activity_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_conversations_state'), ['state'],
                              unique=False)

    op.create_table('message_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=8), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['message_conversations.id'],
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('message_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_texts_conversation_id'),
                              ['conversation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('message_texts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_texts_conversation_id'))
    op.drop_table('message_texts')
    with op.batch_alter_table('message_conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_conversations_state'))
        batch_op.drop_index(batch_op.f('ix_message_conversations_last_activity_at'))
        batch_op.drop_index(batch_op.f('ix_message_conversations_key_epoch'))
    op.drop_table('message_conversations')
