"""library badges and lottery mode

Films gain admin badges (watched, favourite, watchlist, banned until); lotteries gain a
draw mode. The indexes serve the /stats page and film deletion.

Revision ID: 0007
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("films", schema=None) as batch_op:
        batch_op.add_column(sa.Column("watched_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("favourite", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("watchlist_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("banned_until", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_films_watchlist_at"), ["watchlist_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_films_banned_until"), ["banned_until"], unique=False)
    with op.batch_alter_table("lotteries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mode", sa.String(length=16), server_default="single", nullable=False))
        batch_op.create_index(batch_op.f("ix_lotteries_drawn_at"), ["drawn_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_lotteries_winner_film_id"), ["winner_film_id"], unique=False)
    with op.batch_alter_table("lottery_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lottery_entries_film_id"), ["film_id"], unique=False)
        batch_op.create_index("ix_lottery_entries_title_year", ["title", "year"], unique=False)


def downgrade():
    with op.batch_alter_table("lottery_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_lottery_entries_title_year")
        batch_op.drop_index(batch_op.f("ix_lottery_entries_film_id"))
    with op.batch_alter_table("lotteries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lotteries_winner_film_id"))
        batch_op.drop_index(batch_op.f("ix_lotteries_drawn_at"))
        batch_op.drop_column("mode")
    with op.batch_alter_table("films", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_films_banned_until"))
        batch_op.drop_index(batch_op.f("ix_films_watchlist_at"))
        batch_op.drop_column("banned_until")
        batch_op.drop_column("watchlist_at")
        batch_op.drop_column("favourite")
        batch_op.drop_column("watched_on")
