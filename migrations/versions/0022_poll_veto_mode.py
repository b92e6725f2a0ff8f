"""poll votes: a Telegram voter's veto mode

The poll announcement's ⛔ button arms a veto for the person who pressed it: their next film
button vetoes that film instead of marking it. Kept on the person's ballot row (a veto needs a
ballot with a mark), armed for a few minutes only.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('poll_votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('veto_armed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('poll_votes', schema=None) as batch_op:
        batch_op.drop_column('veto_armed_at')
