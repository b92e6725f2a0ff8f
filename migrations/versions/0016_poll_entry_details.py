"""poll entry details

Poll entries keep what Kinopoisk said about a film (original title, rating, genres,
description), as lottery entries do since 0005, so a winner that reaches the library
through a poll and its lottery arrives complete.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 10:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('poll_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_title', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('rating', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('genres', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('poll_entries', schema=None) as batch_op:
        batch_op.drop_column('description')
        batch_op.drop_column('genres')
        batch_op.drop_column('rating')
        batch_op.drop_column('original_title')
