"""film ratings (one per member per film), the films' rating summary, length, trailer and similar films; the bot's rating requests

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 10:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('film_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('film_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 10', name=op.f('ck_film_ratings_score_range')),
    sa.ForeignKeyConstraint(['film_id'], ['films.id'], name=op.f('fk_film_ratings_film_id_films'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_film_ratings_member_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_film_ratings'))
    )
    with op.batch_alter_table('film_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_film_ratings_member_id'), ['member_id'], unique=False)
        batch_op.create_index('uq_film_ratings_film_member', ['film_id', 'member_id'], unique=True)

    op.create_table('rating_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('film_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('shown', sa.String(length=40), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['film_id'], ['films.id'], name=op.f('fk_rating_messages_film_id_films'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_messages'))
    )
    with op.batch_alter_table('rating_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_messages_film_id'), ['film_id'], unique=False)
        batch_op.create_index('uq_rating_messages_chat_message', ['chat_id', 'message_id'], unique=True)

    with op.batch_alter_table('films', schema=None) as batch_op:
        batch_op.add_column(sa.Column('length_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ratings_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('ratings_average', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('trailer_url', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('similar', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_films_ratings_average'), ['ratings_average'], unique=False)


def downgrade():
    with op.batch_alter_table('films', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_films_ratings_average'))
        batch_op.drop_column('similar')
        batch_op.drop_column('trailer_url')
        batch_op.drop_column('ratings_average')
        batch_op.drop_column('ratings_count')
        batch_op.drop_column('length_minutes')

    with op.batch_alter_table('rating_messages', schema=None) as batch_op:
        batch_op.drop_index('uq_rating_messages_chat_message')
        batch_op.drop_index(batch_op.f('ix_rating_messages_film_id'))

    op.drop_table('rating_messages')

    with op.batch_alter_table('film_ratings', schema=None) as batch_op:
        batch_op.drop_index('uq_film_ratings_film_member')
        batch_op.drop_index(batch_op.f('ix_film_ratings_member_id'))

    op.drop_table('film_ratings')
