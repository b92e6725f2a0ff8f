"""movie nights: date options, availability, RSVPs, Telegram messages

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 10:30:57.773620

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('nights',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sort_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lottery_id', sa.Integer(), nullable=True),
    sa.Column('poll_id', sa.Integer(), nullable=True),
    sa.Column('film_id', sa.Integer(), nullable=True),
    sa.Column('reminders', sa.JSON(), nullable=False),
    sa.Column('manage_token_hash', sa.String(length=64), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('planning', 'scheduled', 'cancelled')", name=op.f('ck_nights_status_known')),
    sa.ForeignKeyConstraint(['film_id'], ['films.id'], name=op.f('fk_nights_film_id_films'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lottery_id'], ['lotteries.id'], name=op.f('fk_nights_lottery_id_lotteries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_nights_poll_id_polls'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nights')),
    sa.UniqueConstraint('public_id', name=op.f('uq_nights_public_id'))
    )
    with op.batch_alter_table('nights', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nights_film_id'), ['film_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nights_lottery_id'), ['lottery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nights_poll_id'), ['poll_id'], unique=False)
        batch_op.create_index('ix_nights_sort_at_id', ['sort_at', 'id'], unique=False)

    op.create_table('night_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('night_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('shown', sa.String(length=40), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['night_id'], ['nights.id'], name=op.f('fk_night_messages_night_id_nights'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_night_messages'))
    )
    with op.batch_alter_table('night_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_night_messages_night_id'), ['night_id'], unique=False)
        batch_op.create_index('uq_night_messages_chat_message', ['chat_id', 'message_id'], unique=True)

    op.create_table('night_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('night_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['night_id'], ['nights.id'], name=op.f('fk_night_options_night_id_nights'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_night_options'))
    )
    with op.batch_alter_table('night_options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_night_options_night_id'), ['night_id'], unique=False)

    op.create_table('night_rsvps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('night_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('answer', sa.String(length=8), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("answer IN ('going', 'maybe', 'no')", name=op.f('ck_night_rsvps_answer_known')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_night_rsvps_member_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['night_id'], ['nights.id'], name=op.f('fk_night_rsvps_night_id_nights'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_night_rsvps'))
    )
    with op.batch_alter_table('night_rsvps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_night_rsvps_member_id'), ['member_id'], unique=False)
        batch_op.create_index('uq_night_rsvps_night_member', ['night_id', 'member_id'], unique=True)

    op.create_table('night_availability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('night_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_night_availability_member_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['night_id'], ['nights.id'], name=op.f('fk_night_availability_night_id_nights'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['option_id'], ['night_options.id'], name=op.f('fk_night_availability_option_id_night_options'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_night_availability'))
    )
    with op.batch_alter_table('night_availability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_night_availability_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_night_availability_night_id'), ['night_id'], unique=False)
        batch_op.create_index('uq_night_availability_option_member', ['option_id', 'member_id'], unique=True)



def downgrade():
    with op.batch_alter_table('night_availability', schema=None) as batch_op:
        batch_op.drop_index('uq_night_availability_option_member')
        batch_op.drop_index(batch_op.f('ix_night_availability_night_id'))
        batch_op.drop_index(batch_op.f('ix_night_availability_member_id'))

    op.drop_table('night_availability')
    with op.batch_alter_table('night_rsvps', schema=None) as batch_op:
        batch_op.drop_index('uq_night_rsvps_night_member')
        batch_op.drop_index(batch_op.f('ix_night_rsvps_member_id'))

    op.drop_table('night_rsvps')
    with op.batch_alter_table('night_options', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_night_options_night_id'))

    op.drop_table('night_options')
    with op.batch_alter_table('night_messages', schema=None) as batch_op:
        batch_op.drop_index('uq_night_messages_chat_message')
        batch_op.drop_index(batch_op.f('ix_night_messages_night_id'))

    op.drop_table('night_messages')
    with op.batch_alter_table('nights', schema=None) as batch_op:
        batch_op.drop_index('ix_nights_sort_at_id')
        batch_op.drop_index(batch_op.f('ix_nights_poll_id'))
        batch_op.drop_index(batch_op.f('ix_nights_lottery_id'))
        batch_op.drop_index(batch_op.f('ix_nights_film_id'))

    op.drop_table('nights')
