"""ballots: approval, ranked choice and vetoes, ties broken by a committed seed

Polls get a ballot type (single, approval, ranked), an optional cap on approvals, a veto
budget, secret ballots and a tie-break seed whose sha256 is published at creation. Polls made
before get a fresh seed each: their ties were broken by the lowest entry id before, so a
closed poll's recount may now name a different one among tied leaders (its lottery, if made,
is unchanged). A vote keeps its marks (approval) or ranking and its vetoes.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 18:00:00.000000

"""
import hashlib
import os

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ballot', sa.String(length=10), server_default='single', nullable=False))
        batch_op.add_column(sa.Column('max_approvals', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('vetoes_per_member', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('secret_ballots', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('tiebreak_seed', sa.LargeBinary(length=32), nullable=True))
        batch_op.add_column(sa.Column('tiebreak_commitment', sa.String(length=64), nullable=True))
    polls = sa.table('polls', sa.column('id', sa.Integer), sa.column('tiebreak_seed', sa.LargeBinary),
                     sa.column('tiebreak_commitment', sa.String))
    connection = op.get_bind()
    for (poll_id,) in connection.execute(sa.select(polls.c.id)).all():
        seed = os.urandom(32)
        connection.execute(polls.update().where(polls.c.id == poll_id).values(
            tiebreak_seed=seed, tiebreak_commitment=hashlib.sha256(seed).hexdigest()))
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.alter_column('tiebreak_seed', existing_type=sa.LargeBinary(length=32), nullable=False)
        batch_op.alter_column('tiebreak_commitment', existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table('poll_votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marks', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('vetoes', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('poll_votes', schema=None) as batch_op:
        batch_op.drop_column('vetoes')
        batch_op.drop_column('marks')
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_column('tiebreak_commitment')
        batch_op.drop_column('tiebreak_seed')
        batch_op.drop_column('secret_ballots')
        batch_op.drop_column('vetoes_per_member')
        batch_op.drop_column('max_approvals')
        batch_op.drop_column('ballot')
