"""entry details and search folding

Lottery entries keep what Kinopoisk said about a film (original title, rating, genres,
description) so a winner reaches the library complete; films.search_text folds ё to е.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

films = sa.table(
    'films',
    sa.column('id', sa.Integer),
    sa.column('title', sa.String),
    sa.column('original_title', sa.String),
    sa.column('search_text', sa.String),
)


def _recompute_search_text(fold_yo: bool) -> None:
    # Frozen copy of models.search_key as of this revision (migrations must not follow later code).
    conn = op.get_bind()
    for film_id, title, original in conn.execute(sa.select(films.c.id, films.c.title, films.c.original_title)).all():
        text = " ".join(p for p in (title, original) if p).casefold()
        if fold_yo:
            text = text.replace("ё", "е")
        conn.execute(films.update().where(films.c.id == film_id).values(search_text=text))


def upgrade():
    with op.batch_alter_table('lottery_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_title', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('rating', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('genres', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=True))
    _recompute_search_text(fold_yo=True)


def downgrade():
    _recompute_search_text(fold_yo=False)
    with op.batch_alter_table('lottery_entries', schema=None) as batch_op:
        batch_op.drop_column('description')
        batch_op.drop_column('genres')
        batch_op.drop_column('rating')
        batch_op.drop_column('original_title')
