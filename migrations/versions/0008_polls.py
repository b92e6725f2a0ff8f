"""polls: ballots, entries, one vote per voter, Telegram announcements; lottery weights may equal vote counts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 21:30:48.869957

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('allow_suggestions', sa.Boolean(), nullable=False),
    sa.Column('hide_results', sa.Boolean(), nullable=False),
    sa.Column('manage_token_hash', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('lottery_id', sa.Integer(), nullable=True),
    sa.Column('result_announced_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['lottery_id'], ['lotteries.id'], name=op.f('fk_polls_lottery_id_lotteries'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polls')),
    sa.UniqueConstraint('public_id', name=op.f('uq_polls_public_id'))
    )
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_polls_closes_at'), ['closes_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_polls_lottery_id'), ['lottery_id'], unique=False)

    op.create_table('poll_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('poster_url', sa.String(length=1000), nullable=True),
    sa.Column('kinopoisk_id', sa.Integer(), nullable=True),
    sa.Column('film_id', sa.Integer(), nullable=True),
    sa.Column('suggested_by', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['film_id'], ['films.id'], name=op.f('fk_poll_entries_film_id_films'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_entries_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_entries'))
    )
    with op.batch_alter_table('poll_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_entries_poll_id'), ['poll_id'], unique=False)
        batch_op.create_index('uq_poll_entries_poll_position', ['poll_id', 'position'], unique=True)
        batch_op.create_index('uq_poll_entries_poll_suggested_by', ['poll_id', 'suggested_by'], unique=True)

    op.create_table('poll_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('voter', sa.String(length=80), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('voted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['poll_entries.id'], name=op.f('fk_poll_votes_entry_id_poll_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_votes_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_votes'))
    )
    with op.batch_alter_table('poll_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_votes_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('uq_poll_votes_poll_voter', ['poll_id', 'voter'], unique=True)

    op.create_table('poll_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('shown', sa.String(length=40), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_messages_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_messages'))
    )
    with op.batch_alter_table('poll_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_messages_poll_id'), ['poll_id'], unique=False)
        batch_op.create_index('uq_poll_messages_chat_message', ['chat_id', 'message_id'], unique=True)

    # A lottery made from a poll weighs each film by its votes, which may exceed 100.
    with op.batch_alter_table('lottery_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_lottery_entries_weight_range'), type_='check')
        batch_op.create_check_constraint('weight_range', 'weight BETWEEN 1 AND 1000000')


def downgrade():
    op.execute('UPDATE lottery_entries SET weight = 100 WHERE weight > 100')
    with op.batch_alter_table('lottery_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_lottery_entries_weight_range'), type_='check')
        batch_op.create_check_constraint('weight_range', 'weight BETWEEN 1 AND 100')
    with op.batch_alter_table('poll_messages', schema=None) as batch_op:
        batch_op.drop_index('uq_poll_messages_chat_message')
        batch_op.drop_index(batch_op.f('ix_poll_messages_poll_id'))

    op.drop_table('poll_messages')
    with op.batch_alter_table('poll_votes', schema=None) as batch_op:
        batch_op.drop_index('uq_poll_votes_poll_voter')
        batch_op.drop_index(batch_op.f('ix_poll_votes_entry_id'))

    op.drop_table('poll_votes')
    with op.batch_alter_table('poll_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_poll_entries_poll_suggested_by')
        batch_op.drop_index('uq_poll_entries_poll_position')
        batch_op.drop_index(batch_op.f('ix_poll_entries_poll_id'))

    op.drop_table('poll_entries')
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_polls_lottery_id'))
        batch_op.drop_index(batch_op.f('ix_polls_closes_at'))

    op.drop_table('polls')
