"""members' personal calendar feeds; a night remembers its start before a reschedule

A member's calendar feed (/calendar/<token>.ics) shows the nights' places, which the public
feed leaves out; the token is random and unique. A rescheduled night keeps its previous start,
so its one Telegram announcement keeps saying "перенесён, было …" when it is edited later.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_members_calendar_token'), ['calendar_token'])
    with op.batch_alter_table('nights', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_starts_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('nights', schema=None) as batch_op:
        batch_op.drop_column('previous_starts_at')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_members_calendar_token'), type_='unique')
        batch_op.drop_column('calendar_token')
