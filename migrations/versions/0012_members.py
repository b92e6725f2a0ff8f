"""members: names, devices, one-time codes; the bot's username

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-30 10:23:36.147709

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('telegram_user_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('telegram_user_id', name=op.f('uq_members_telegram_user_id'))
    )
    op.create_table('member_codes',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_codes_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_member_codes'))
    )
    with op.batch_alter_table('member_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_codes_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_codes_member_id'), ['member_id'], unique=False)

    op.create_table('member_devices',
    sa.Column('device_id', sa.String(length=40), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_devices_member_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('device_id', name=op.f('pk_member_devices'))
    )
    with op.batch_alter_table('member_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_devices_member_id'), ['member_id'], unique=False)

    with op.batch_alter_table('notifier_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bot_username', sa.String(length=64), nullable=True))



def downgrade():
    with op.batch_alter_table('notifier_state', schema=None) as batch_op:
        batch_op.drop_column('bot_username')

    with op.batch_alter_table('member_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_devices_member_id'))

    op.drop_table('member_devices')
    with op.batch_alter_table('member_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_codes_member_id'))
        batch_op.drop_index(batch_op.f('ix_member_codes_expires_at'))

    op.drop_table('member_codes')
    op.drop_table('members')
